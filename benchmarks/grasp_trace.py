"""Where does a policy's grasp go wrong?  A trace of tabletop picks.

    .venv/bin/python benchmarks/grasp_trace.py --policy vla --trials 20

For each pick (scene seeds from ``--first-seed`` up, the *seen* split of
``benchmarks/policy.py``), every control step records the hand's offset from the named
block (xy, height, yaw off the block's faces) and the gripper command.  Printed per trial:
success, steps, and at every close command the offset it closed at; then a summary that
separates successful from failed picks.  The privileged state is only read to measure,
never given to the policy.  ``--json OUT`` writes the per-trial rows.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from policy import split_scenes  # noqa: E402

from vlaplan.skills.contract import PRIVILEGED_KEY  # noqa: E402
from vlaplan.skills.hand_clearance import yaw_of  # noqa: E402


def face_yaw_error(hand_yaw: float, block_yaw: float) -> float:
    """Angle (rad, 0 to pi/4) between the hand and the nearest face-aligned hand yaw."""
    quarter = np.pi / 2
    return float(abs(((hand_yaw - block_yaw + quarter / 2) % quarter) - quarter / 2))


def trace(policy: Any, trials: int, first_seed: int = 1, domain_name: str = "tabletop",
          image_size: int = 96) -> list[dict[str, Any]]:
    """One row per pick: success, steps and the hand's offset at every close command."""
    from vlaplan.domains import get_domain
    from vlaplan.world_model.rollout import run_skill

    domain = get_domain(domain_name)
    budget = domain.skill("pick").step_budget
    rows: list[dict[str, Any]] = []
    for robot, seed, ground, call in split_scenes(domain, "pick", "seen", trials,
                                                  first_seed - 1, image_size):
        target = ground.args[0]
        frames: list[tuple[float, float, float, float]] = []

        def on_frame(obs: Any, act: np.ndarray, step: int) -> None:
            priv = obs[PRIVILEGED_KEY]
            ee, block = priv["ee"], priv["objects"][target]
            offset = np.asarray(ee["pos"]) - np.asarray(block["pos"])
            frames.append((float(np.linalg.norm(offset[:2])), float(offset[2]),
                           face_yaw_error(float(ee["yaw"]), yaw_of(block["quat"])),
                           float(act[4])))

        out = run_skill(robot, policy, call, budget, domain.abstract, ground.add,
                        ground.delete, on_frame=on_frame, seed=seed)
        grip = [f[3] for f in frames]
        closes = [i for i, g in enumerate(grip) if g < 0 and (i == 0 or grip[i - 1] >= 0)]
        rows.append({"seed": seed, "prompt": call.prompt, "success": out.success,
                     "steps": out.steps,
                     "closes": [{"step": i, "xy": round(frames[i][0], 4),
                                 "dz": round(frames[i][1], 4),
                                 "yaw": round(frames[i][2], 3)} for i in closes],
                     "closest_xy": round(min(f[0] for f in frames), 4) if frames else None})
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Offsets at the first close, separately for successful and failed picks."""
    out: dict[str, Any] = {"trials": len(rows), "successes": sum(r["success"] for r in rows)}
    for label, ok in (("success", True), ("failure", False)):
        firsts = [r["closes"][0] for r in rows if r["success"] == ok and r["closes"]]
        out[label] = {
            "n": sum(r["success"] == ok for r in rows),
            "never_closed": sum(r["success"] == ok and not r["closes"] for r in rows),
            "first_close_step": [min((c["step"] for c in firsts), default=None),
                                 max((c["step"] for c in firsts), default=None)],
            "first_close_xy": [min((c["xy"] for c in firsts), default=None),
                               max((c["xy"] for c in firsts), default=None)],
            "first_close_yaw": [min((c["yaw"] for c in firsts), default=None),
                                max((c["yaw"] for c in firsts), default=None)],
            "mean_closes": (sum(len(r["closes"]) for r in rows if r["success"] == ok)
                            / max(1, sum(r["success"] == ok for r in rows)))}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--policy", default="vla", help="scripted | vla | vla-tokens | a checkpoint")
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--json", default=None, metavar="OUT.json")
    args = ap.parse_args(argv)
    from vlaplan.skills.policies import load_policy

    rows = trace(load_policy(args.policy, domain="tabletop"), args.trials, args.first_seed)
    for r in rows:
        closes = ", ".join(f"@{c['step']} xy {c['xy']:.3f} dz {c['dz']:+.3f} yaw {c['yaw']:.2f}"
                           for c in r["closes"]) or "never closed"
        print(f"seed {r['seed']:3d} {'ok  ' if r['success'] else 'FAIL'} {r['steps']:3d} steps; "
              f"closes: {closes}")
    report = {"policy": args.policy, "summary": summary(rows), "trials": rows}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    print(json.dumps(report["summary"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
