"""Quick gate for a VLA checkpoint under training: does it read *where* the object is?

Two numbers on the first frames of training pick episodes, both cheap (about a minute):

* ``sign_agreement``: the fraction of first-frame dx/dy actions (|a| > 0.3, mean of the
  first 4 steps) whose sign the predicted chunk gets right; 0.5 is chance;
* ``goal_error`` (only when the directory has a ``training_state.pt`` with a goal head,
  i.e. it was trained with ``--goal-loss``): the goal read-out's state-normalised MSE next
  to the error of predicting the mean goal.

    .venv/bin/python benchmarks/vla_gate.py CKPT --data DATA [--episodes 40]

Closed-loop success is ``benchmarks/policy.py --policy CKPT --skills pick --trials 20``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import torch

from vlaplan.skills.contract import STATE_KEY
from vlaplan.skills.dataset import data_file, decode_png
from vlaplan.skills.loader import ChunkDataset, read_episodes
from vlaplan.skills.vla import VLAPolicy


def sign_agreement(policy: VLAPolicy, root: Path, episodes: list[dict]) -> float:
    agree = total = 0
    for ep in episodes:
        rows = pq.read_table(data_file(root, ep["episode_index"])).to_pylist()
        for f in (0, 2):
            obs = {key: decode_png(rows[f][key]["bytes"])
                   for key in policy.processor.config.image_keys}
            obs[STATE_KEY] = np.asarray(rows[f][STATE_KEY], np.float32)
            policy.reset(seed=0)
            pred = policy.predict_action_chunk(obs, ep["tasks"][0])[:4, :2].mean(0)
            true = np.array([r["action"][:2] for r in rows[f:f + 4]]).mean(0)
            big = np.abs(true) > 0.3
            agree += int((np.sign(pred) == np.sign(true))[big].sum())
            total += int(big.sum())
    return agree / max(total, 1)


def goal_error(policy: VLAPolicy, ckpt: Path, root: Path, episodes: list[dict]) -> dict | None:
    from vlaplan.skills.goal_aux import GoalHead, normalised_goal
    from vlaplan.skills.pi0 import flow_loss

    state_path = ckpt / "training_state.pt"
    if not state_path.exists():
        return None
    state = torch.load(state_path, weights_only=False)
    if "goal_head" not in state:
        return None
    head = GoalHead(policy.model)
    head.load_state_dict(state["goal_head"])
    ds = ChunkDataset(root, chunk=policy.chunk_size,
                      episodes=[e["episode_index"] for e in episodes])
    idx = torch.nonzero((ds.frame_index < 3) & ds.goal_mask).flatten()[:64]
    batch = [ds[int(i)] for i in idx]
    stack = {k: torch.stack([b[k] for b in batch]) for k in batch[0] if k != "task"}
    proc = policy.processor
    inputs = proc.batch_of(stack, [b["task"] for b in batch])
    with torch.no_grad():
        flow_loss(policy.model, inputs, proc.normalize_action(stack["action"]),
                  stack["action_is_pad"])
        err = head.loss(inputs, stack["goal"], stack["goal_mask"], proc)
    target = normalised_goal(stack["goal"], proc)
    return {"goal_error": round(float(err), 4),
            "predict_mean_error": round(float(((target - target.mean(0)) ** 2).mean()), 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--data", required=True, help="the dataset the checkpoint was trained on")
    ap.add_argument("--episodes", type=int, default=40)
    ap.add_argument("--skill", default="pick")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    root, ckpt = Path(args.data), Path(args.checkpoint)
    eps = [e for e in read_episodes(root) if e.get("skill") == args.skill][: args.episodes]
    policy = VLAPolicy.from_pretrained(ckpt)
    report = {"checkpoint": str(ckpt), "episodes": len(eps),
              "sign_agreement": round(sign_agreement(policy, root, eps), 3)}
    report |= goal_error(policy, ckpt, root, eps) or {}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
