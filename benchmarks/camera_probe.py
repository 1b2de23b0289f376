"""How precisely can the front image say where each block is, per camera placement?

A probe for choosing the front camera (``world_model.render.FRONT_PLACEMENTS``) before
spending hours on demonstrations and training: the same tabletop scenes are rendered
through each placement, and a small CNN with spatial-softmax keypoints (the kind of stem
the VLA uses) learns to read every uniquely coloured block's table position (x, y) from one
front image.  It reports the held-out error along the table's depth axis (x, away from the
robot, towards the camera) and across it (y), against predicting the mean position.

    .venv/bin/python benchmarks/camera_probe.py --cameras wide close --scenes 4000 \
        --steps 2500 --json out.json     # about 6 min per camera on one core
    .venv/bin/python benchmarks/camera_probe.py --towers \
        --placement side=0.07,0.62,0.40,0.07,0,0.06,50   # a candidate pose, not yet a placement

The error is also reported per block level (the scenes have short stacks); ``--towers``
makes one stack of every scene 1-3 blocks taller: does the image still say where a tower's
top is (session 21: learned stacks onto taller towers fall short along x)?  ``--placement``
probes a camera pose that is not a placement yet.

The probe locates blocks standing alone, so its error is a floor on what a policy can see,
not what it will do; it is the ratio between placements that matters.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import write_json  # noqa: E402

SCENE_SEED = 20_000_000  # far from the training and evaluation seeds


def level_of(obj: Any, table_height: float) -> int:
    """1 for a block on the table, 2 for one on a block on the table, and so on."""
    return int(round((obj.pos[2] - table_height) / obj.size[2] - 0.5)) + 1


def stacked(spec: Any, rng: np.random.Generator, most: int = 3) -> Any:
    """``spec`` with up to ``most`` clear blocks of other stacks moved, one by one, onto
    the top of one stack: a taller tower."""
    blocks = {o.name: o for o in spec.objects}

    def clear(name: str) -> bool:
        o = blocks[name]
        return not any(b.name != name and b.pos[2] > o.pos[2]
                       and np.hypot(b.pos[0] - o.pos[0], b.pos[1] - o.pos[1]) < o.size[0] / 2
                       for b in blocks.values())

    tops = [n for n in blocks if clear(n)]
    top = tops[int(rng.integers(len(tops)))]
    for _ in range(int(rng.integers(1, most + 1))):
        base = blocks[top]
        movers = [n for n in blocks if n != top and clear(n)
                  and np.hypot(blocks[n].pos[0] - base.pos[0], blocks[n].pos[1] - base.pos[1])
                  >= base.size[0] / 2]
        if not movers:
            break
        name = movers[int(rng.integers(len(movers)))]
        blocks[name] = blocks[name].model_copy(update={
            "pos": (base.pos[0], base.pos[1], base.pos[2] + base.size[2]), "yaw": base.yaw})
        top = name
    objects = [blocks[o.name] for o in spec.objects]
    return type(spec).model_validate({**spec.model_dump(), "objects": objects})


def render_scenes(cameras: list[str] | dict[str, Any], n: int, size: int = 96,
                  towers: bool = False
                  ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Front images per camera (n, size, size, 3; ``cameras``: placement names, or names
    mapped to a placement name or pose as in ``render.FRONT_PLACEMENTS``), block positions (n, colours, 2), a mask
    of the colours present exactly once (n, colours), the colour names, and each block's
    level (n, colours; 1 on the table: the scenes have short stacks of their own).  With
    ``towers`` one stack of every scene grows by 1-3 blocks (:func:`stacked`)."""
    from vlaplan.domains import get_domain
    from vlaplan.world_model.render import CameraRig
    from vlaplan.world_model.robot import SimRobot
    from vlaplan.world_model.scene import COLOURS

    domain = get_domain("tabletop")
    colours = sorted(COLOURS)
    rng = np.random.default_rng(SCENE_SEED)
    specs = [domain.generate_scene(SCENE_SEED + k).spec for k in range(n)]
    if towers:
        specs = [stacked(spec, rng) for spec in specs]
    poses = cameras if isinstance(cameras, dict) else {c: c for c in cameras}
    images = {c: np.zeros((n, size, size, 3), np.uint8) for c in poses}
    labels = np.zeros((n, len(colours), 2), np.float32)
    mask = np.zeros((n, len(colours)), np.float32)
    levels = np.ones((n, len(colours)), np.int64)
    robot = None
    try:
        for k, spec in enumerate(specs):
            if robot is None:
                robot = SimRobot(spec, image_size=size, render=False, seed=k, fast_reset=True)
            else:
                robot.reset(k, scene=spec)
            counts: dict[str, int] = {}
            for o in spec.objects:
                counts[o.colour] = counts.get(o.colour, 0) + 1
            for o in spec.objects:
                if counts[o.colour] == 1:
                    j = colours.index(o.colour)
                    labels[k, j], mask[k, j] = o.pos[:2], 1.0
                    levels[k, j] = level_of(o, spec.table.height)
            for c, pose in poses.items():
                rig = CameraRig(robot.client, robot.handles.panda, robot.scene, size,
                                ("front",), pose)
                images[c][k] = rig.render("front")
    finally:
        if robot is not None:
            robot.close()
    return images, labels, mask, colours, levels


class Probe(nn.Module):
    """Three convolutions (stride 2, 2, 1), a spatial softmax per channel, an MLP."""

    def __init__(self, outputs: int, keypoints: int = 32) -> None:
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3, 32, 5, 2, 2), nn.Conv2d(32, 32, 3, 2, 1),
                                    nn.Conv2d(32, keypoints, 3, 1, 1)])
        self.head = nn.Sequential(nn.Linear(2 * keypoints, 256), nn.GELU(),
                                  nn.Linear(256, 2 * outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for k, conv in enumerate(self.convs):
            x = conv(x) if k == len(self.convs) - 1 else F.gelu(conv(x))
        b, k, h, w = x.shape
        p = F.softmax(x.view(b, k, -1), -1).view(b, k, h, w)
        ys, xs = torch.linspace(-1, 1, h), torch.linspace(-1, 1, w)
        points = torch.cat([(p.sum(3) * ys).sum(2), (p.sum(2) * xs).sum(2)], 1)
        return self.head(points).view(b, -1, 2)


def fit(images: np.ndarray, labels: np.ndarray, mask: np.ndarray, test: int, steps: int,
        seed: int = 0, levels: np.ndarray | None = None) -> dict[str, Any]:
    """Train on all but the last ``test`` scenes; median absolute errors (mm) on those,
    and with ``levels`` the median signed and absolute x error per block level."""
    x = torch.tensor(images).permute(0, 3, 1, 2).float() / 255.0
    y, m = torch.tensor(labels), torch.tensor(mask)
    train = len(x) - test
    centre = (y[:train] * m[:train, :, None]).sum((0, 1)) / m[:train].sum()
    scale = 10.0  # positions in decimetres about the centre: outputs of order one
    torch.manual_seed(seed)
    net = Probe(labels.shape[1])
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-3, total_steps=max(1, steps))
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    for _ in range(steps):
        idx = torch.randint(0, train, (64,), generator=gen)
        err = ((net(x[idx]) - (y[idx] - centre) * scale) ** 2).sum(-1)
        loss = (err * m[idx]).sum() / m[idx].sum().clamp_min(1.0)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        pred = net(x[train:]) / scale + centre
    keep = m[train:] > 0
    err = (pred - y[train:]).abs()[keep] * 1000
    base = (centre - y[train:]).abs()[keep] * 1000
    by_level = {}
    if levels is not None:
        lv = torch.tensor(levels[train:])[keep]
        signed = ((pred - y[train:]) * 1000)[keep]
        for level in sorted(set(lv.tolist())):
            at = lv == level
            by_level[str(level)] = {"blocks": int(at.sum()),
                                    "x_mm": float(signed[at, 0].median()),
                                    "abs_x_mm": float(err[at, 0].median()),
                                    "abs_y_mm": float(err[at, 1].median())}
    return {"by_level": by_level, "depth_x_mm": float(err[:, 0].median()),
            "across_y_mm": float(err[:, 1].median()),
            "distance_mm": float(err.norm(dim=-1).median()),
            "distance_p90_mm": float(err.norm(dim=-1).quantile(0.9)),
            "mean_guess_distance_mm": float(base.norm(dim=-1).median()),
            "blocks": int(keep.sum()), "train_seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    from vlaplan.world_model.render import FRONT_PLACEMENTS

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cameras", nargs="+", default=None,
                    help=f"front-camera placements to compare (default: {sorted(FRONT_PLACEMENTS)}"
                         " and every --placement)")
    ap.add_argument("--placement", action="append", default=[],
                    metavar="NAME=EX,EY,EZ,TX,TY,TZ,FOV",
                    help="a candidate placement for this run only: eye and target as offsets "
                         "from the table top's centre (m) and the field of view (degrees)")
    ap.add_argument("--scenes", type=int, default=4000, help="training scenes")
    ap.add_argument("--test", type=int, default=500, help="held-out scenes")
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--size", type=int, default=96, help="image size (px)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--towers", action="store_true",
                    help="one stack of every scene 1-3 blocks taller")
    ap.add_argument("--json", default=None, metavar="OUT.json")
    args = ap.parse_args(argv)
    if args.scenes < 1 or args.test < 1 or args.steps < 0:
        ap.error("--scenes and --test must be at least 1, --steps at least 0")
    extra = {}
    for item in args.placement:
        name, _, numbers = item.partition("=")
        try:
            v = [float(x) for x in numbers.split(",")]
        except ValueError:
            v = []
        if not name or len(v) != 7 or name in FRONT_PLACEMENTS:
            ap.error(f"--placement {item!r}: expected a new NAME=EX,EY,EZ,TX,TY,TZ,FOV")
        extra[name] = ((v[0], v[1], v[2]), (v[3], v[4], v[5]), v[6])
    args.cameras = args.cameras or sorted(FRONT_PLACEMENTS) + sorted(extra)
    unknown = [c for c in args.cameras if c not in FRONT_PLACEMENTS and c not in extra]
    if unknown:
        ap.error(f"unknown placements {unknown}; known: {sorted(FRONT_PLACEMENTS) + sorted(extra)}")
    return _run(args, {c: extra.get(c, c) for c in args.cameras})


def _run(args: argparse.Namespace, poses: dict[str, Any]) -> int:
    from rich.console import Console
    from rich.table import Table

    torch.set_num_threads(args.threads)
    console = Console()
    t0 = time.perf_counter()
    images, labels, mask, colours, levels = render_scenes(
        poses, args.scenes + args.test, args.size, towers=args.towers)
    console.print(f"rendered {args.scenes + args.test} scenes through {len(args.cameras)} "
                  f"placements in {time.perf_counter() - t0:.0f} s")
    results = {c: fit(images[c], labels, mask, args.test, args.steps, levels=levels)
               for c in args.cameras}
    table = Table(title=f"where the front image puts each block ({args.size} px, "
                        f"{args.test} held-out scenes; median absolute error, mm)")
    for col in ("camera", "depth (x)", "across (y)", "distance", "p90", "mean guess"):
        table.add_column(col, justify="left" if col == "camera" else "right")
    for c, r in results.items():
        table.add_row(c, f"{r['depth_x_mm']:.1f}", f"{r['across_y_mm']:.1f}",
                      f"{r['distance_mm']:.1f}", f"{r['distance_p90_mm']:.1f}",
                      f"{r['mean_guess_distance_mm']:.1f}")
    console.print(table)
    if any(r["by_level"] for r in results.values()):
        table = Table(title="x (depth) error by block level: median signed (negative: nearer "
                            "the robot than it is) and absolute, mm")
        for col in ("camera", "level", "blocks", "x signed", "|x|", "|y|"):
            table.add_column(col, justify="left" if col == "camera" else "right")
        for c, r in results.items():
            for level, e in r["by_level"].items():
                table.add_row(c, level, str(e["blocks"]), f"{e['x_mm']:+.1f}",
                              f"{e['abs_x_mm']:.1f}", f"{e['abs_y_mm']:.1f}")
        console.print(table)
    if args.json:
        write_json(args.json, args, results=results, colours=colours)
    return 0


if __name__ == "__main__":
    sys.exit(main())
