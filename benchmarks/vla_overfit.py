"""Diagnostic: can a fresh small π0 learn to use its images on a few pick episodes?

Trains a fresh model on N tabletop pick episodes for a fixed number of steps, either with
the real camera images or with blank (all-grey) images as the state-only baseline, then
reports (a) the flow loss on the training frames at fixed noise/timesteps and (b) how far
the sampled first chunks of each episode are from the demonstrations and from each other.
If the image variant ends no lower than the blank one, the model is not reading images.

    .venv/bin/python benchmarks/vla_overfit.py --variant images --steps 2000
    .venv/bin/python benchmarks/vla_overfit.py --variant blank --steps 2000
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from vlaplan.skills.checkpoint import load_checkpoint
from vlaplan.skills.contract import STATE_KEY
from vlaplan.skills.loader import ChunkDataset, read_episodes
from vlaplan.skills.pi0 import ModelSpec, build_model, flow_loss, flow_sample, tokens_per_image
from vlaplan.skills.processor import ProcessorConfig, VLAProcessor


def _stack(ds: ChunkDataset) -> dict:
    items = [ds[i] for i in range(len(ds))]
    out = {k: torch.stack([it[k] for it in items]) for k in items[0] if k != "task"}
    out["task"] = [it["task"] for it in items]
    ends = ds.end.tolist()
    out["starts"] = [0] + [i for i in range(1, len(ends)) if ends[i] != ends[i - 1]]
    return out


def _inputs(proc: VLAProcessor, data: dict, idx: torch.Tensor, blank: bool) -> dict:
    images = [data[key][idx] for key in proc.config.image_keys]
    if blank:
        images = [torch.full_like(image, 128) for image in images]
    return proc.batch(images, data[STATE_KEY][idx], [data["task"][i] for i in idx])


def _fixed_loss(model, proc, data, blank: bool, draws: int = 4) -> float:
    """Mean flow loss over all frames for ``draws`` fixed (noise, timestep) draws."""
    gen = torch.Generator().manual_seed(123)
    total, n = 0.0, 0
    with torch.no_grad():
        for _ in range(draws):
            for idx in torch.arange(len(data["task"])).split(64):
                inputs = _inputs(proc, data, idx, blank)
                acts = proc.normalize_action(data["action"][idx])
                total += float(flow_loss(model, inputs, acts, data["action_is_pad"][idx],
                                         generator=gen)) * len(idx)
                n += len(idx)
    return total / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", choices=["images", "blank"], default="images")
    ap.add_argument("--episodes", type=int, default=20)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--max-minutes", type=float, default=10.0)
    ap.add_argument("--patch", type=int, default=24)
    ap.add_argument("--hidden", type=int, default=96)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--stem", choices=["patch", "conv"], default="patch")
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--held-out", type=int, default=20,
                    help="also score the first chunks of this many unseen pick episodes")
    ap.add_argument("--data", default="/work/data/demos")
    ap.add_argument("--stats-from", default="skills/checkpoints/vla-pi0",
                    help="checkpoint whose tokenizer and normalisation statistics are reused")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    blank = args.variant == "blank"

    ref = load_checkpoint(args.stats_from, domain="tabletop").processor
    eps = [e["episode_index"] for e in read_episodes(args.data)
           if e.get("domain") == "tabletop" and e.get("skill") == "pick"][: args.episodes]
    data = _stack(ChunkDataset(args.data, episodes=eps))
    n = len(data["task"])
    spec = ModelSpec(hidden=args.hidden, layers=args.layers, heads=4, image_size=96,
                     patch=args.patch, chunk=8, stem=args.stem)
    model = build_model(spec, len(ref.tokenizer), ref.config.image_token_id, seed=0)
    conf = ref.config.model_copy(update={"tokens_per_image": tokens_per_image(model.config),
                                         "image_size": 96})
    proc = VLAProcessor(ProcessorConfig.model_validate(conf.model_dump()), ref.tokenizer)
    optim = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    gen = torch.Generator().manual_seed(0)
    print(json.dumps({"variant": args.variant, "frames": n, "episodes": len(eps),
                      "patch": args.patch, "stem": args.stem, "tokens_per_image": conf.tokens_per_image,
                      "loss0": round(_fixed_loss(model, proc, data, blank), 4)}), flush=True)
    t0, step = time.time(), 0
    model.train()
    while step < args.steps and time.time() - t0 < args.max_minutes * 60:
        idx = torch.randint(0, n, (args.batch,), generator=gen)
        inputs = _inputs(proc, data, idx, blank)
        acts = proc.normalize_action(data["action"][idx])
        for group in optim.param_groups:
            group["lr"] = args.lr * min(1.0, (step + 1) / 100)
        loss = flow_loss(model, inputs, acts, data["action_is_pad"][idx], generator=gen)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        step += 1
        if step % 100 == 0:
            print(json.dumps({"step": step, "loss": round(loss.item(), 4),
                              "s": round(time.time() - t0)}), flush=True)
    model.eval()
    result = {"variant": args.variant, "steps": step,
              "minutes": round((time.time() - t0) / 60, 1),
              "fixed_loss": round(_fixed_loss(model, proc, data, blank), 4),
              "train": _first_chunks(model, proc, data, blank)}
    if args.held_out:
        held = [e["episode_index"] for e in read_episodes(args.data)
                if e.get("domain") == "tabletop" and e.get("skill") == "pick"]
        held = held[args.episodes: args.episodes + args.held_out]
        result["held_out"] = _first_chunks(model, proc, _stack(ChunkDataset(args.data,
                                                                            episodes=held)), blank)
    print(json.dumps(result), flush=True)


def _first_chunks(model, proc: VLAProcessor, data: dict, blank: bool) -> dict:
    """First chunk of every episode, sampled with the same noise, against the demos."""
    first = torch.tensor(data["starts"])
    inputs = _inputs(proc, data, first, blank)
    pred = torch.stack([flow_sample(model, {k: v[i:i + 1] for k, v in inputs.items()},
                                    generator=torch.Generator().manual_seed(7))[0]
                        for i in range(len(first))])
    truth = proc.normalize_action(data["action"][first])
    signs = (pred[:, 0, :2].sign() == truth[:, 0, :2].sign()).float().mean()
    return {"first_chunk_mse": round(float(((pred - truth) ** 2).mean()), 4),
            "mse_of_predicting_mean": round(float(((truth - truth.mean(0)) ** 2).mean()), 4),
            "dx_dy_sign_agreement": round(float(signs), 2),
            "pred_spread": round(float(pred.std(0).mean()), 4),
            "truth_spread": round(float(truth.std(0).mean()), 4)}


if __name__ == "__main__":
    main()
