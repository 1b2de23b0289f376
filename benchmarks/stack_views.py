"""What the cameras show while a stack lets go.

Runs the scripted expert's stack on a few tabletop scenes and writes one picture: a row
per scene and moment (the skill's first frame, a few frames before the gripper opens, the
frame it opens), each row the images of the setup's cameras side by side (front, wrist,
and side in a ``+side`` setup), at the size the policy sees them.  Session 21 used it to see why learned stacks miss along the front camera's line
of sight: when the gripper opens, the held block fills the wrist image and hides the block
below it, so only the front camera still shows the target.

    .venv/bin/python benchmarks/stack_views.py --seeds 11 12 --out stack_views.png
    .venv/bin/python benchmarks/stack_views.py --front-camera close+side --out side.png
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BEFORE = 8  # control steps before the gripper opens: the second row of a scene
SCALE = 2  # pixels per image pixel in the picture


def stack_frames(seed: int, front_camera: str = "close", size: int = 96
                 ) -> tuple[str, list[tuple[np.ndarray, ...]], int]:
    """(prompt, the images of the setup's cameras per control step, the step at which the
    gripper first opened) of the scripted expert's stack on tabletop scene ``seed``."""
    from vlaplan.domains import get_domain
    from vlaplan.skills.contract import CAMERA_KEYS, GRIPPER_OPEN
    from vlaplan.world_model.render import camera_names
    from vlaplan.skills.scripted import ScriptedPolicy
    from vlaplan.world_model.robot import SimRobot
    from vlaplan.world_model.rollout import run_skill

    domain = get_domain("tabletop")
    scene = domain.generate_scene(seed, for_skill="stack")
    robot = SimRobot(scene.spec, image_size=size, render=True, front_camera=front_camera)
    frames: list[tuple[np.ndarray, ...]] = []
    opened: list[int] = []
    keys = [CAMERA_KEYS[name] for name in camera_names(front_camera)]

    def on(obs: Any, act: Any, step: int) -> None:
        frames.append(tuple(obs[key] for key in keys))
        if not opened and act[-1] >= GRIPPER_OPEN / 2:
            opened.append(len(frames) - 1)

    try:
        robot.reset(seed, scene=scene.spec)
        state = domain.abstract(robot.observe())
        ground = random.Random(seed).choice(domain.applicable_calls(state, scene.objects, "stack"))
        call = domain.call("stack", ground.args, scene.describe())
        run_skill(robot, ScriptedPolicy(), call, domain.skill("stack").step_budget,
                  domain.abstract, ground.add, ground.delete, on_frame=on)
    finally:
        robot.close()
    return call.prompt, frames, opened[0] if opened else len(frames) - 1


def picture(rows: list[tuple[np.ndarray, ...]]) -> np.ndarray:
    """The cameras side by side, one row per moment, scaled by :data:`SCALE`."""
    grid = np.concatenate([np.concatenate(pair, axis=1) for pair in rows], axis=0)
    return grid.repeat(SCALE, axis=0).repeat(SCALE, axis=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[11, 12])
    ap.add_argument("--front-camera", default="close",
                    help="camera setup (render.FRONT_PLACEMENTS key, optionally +side)")
    ap.add_argument("--size", type=int, default=96, help="image size (px)")
    ap.add_argument("--out", default="stack_views.png")
    args = ap.parse_args(argv)
    from PIL import Image

    from vlaplan.planner.errors import VlaplanError
    from vlaplan.world_model.render import check_front

    try:
        check_front(args.front_camera)
    except VlaplanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = []
    for seed in args.seeds:
        prompt, frames, opened = stack_frames(seed, args.front_camera, args.size)
        print(f"seed {seed}: {prompt!r}, {len(frames)} steps, the gripper opened at step {opened}")
        rows += [frames[0], frames[max(0, opened - BEFORE)], frames[opened]]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(picture(rows)).save(out)
    from vlaplan.world_model.render import camera_names

    print(f"picture written to {out} (rows: first frame, {BEFORE} steps before opening, "
          f"opening; {' | '.join(camera_names(args.front_camera))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
