"""Where does a policy's grasp or release go wrong?  A trace of tabletop picks, unstacks and stacks.

    .venv/bin/python benchmarks/grasp_trace.py --policy vla --trials 20
    .venv/bin/python benchmarks/grasp_trace.py --policy vla --skill stack --trials 20

For each call (scene seeds from ``--first-seed`` up, the *seen* split of
``benchmarks/policy.py``), every control step records an offset and the gripper command.
For a grasp (``pick``, ``unstack``) it is the hand's offset from the named block (xy,
height, yaw off the block's faces), taken at every *close* command; for a ``stack`` it is
the held block's offset from the block it goes on (xy, height, yaw between their faces),
taken at every *open* command.  Printed per trial: success, steps, and those offsets; then
a summary that separates successes from failures.  The privileged state is only read to
measure, never given to the policy.  ``--json OUT`` writes the per-trial rows.
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


GRASPS = ("pick", "unstack")  # traced at close commands: hand against the block
RELEASES = ("stack",)  # traced at open commands: held block against the one below


def trace(policy: Any, trials: int, first_seed: int = 1, domain_name: str = "tabletop",
          image_size: int = 96, skill: str = "pick") -> list[dict[str, Any]]:
    """One row per call: success, steps and the offset at every close (grasps) or open
    (stack) command."""
    from vlaplan.domains import get_domain
    from vlaplan.world_model.render import front_camera_of
    from vlaplan.world_model.rollout import run_skill

    if skill not in GRASPS + RELEASES:
        raise ValueError(f"cannot trace {skill!r}: choose one of {', '.join(GRASPS + RELEASES)}")
    domain = get_domain(domain_name)
    budget = domain.skill(skill).step_budget
    rows: list[dict[str, Any]] = []
    for robot, seed, ground, call in split_scenes(domain, skill, "seen", trials,
                                                  first_seed - 1, image_size,
                                                  front_camera_of(policy)):
        frames: list[tuple[float, float, float, float]] = []

        def on_frame(obs: Any, act: np.ndarray, step: int) -> None:
            objects = obs[PRIVILEGED_KEY]["objects"]
            if skill in GRASPS:
                mover, below = obs[PRIVILEGED_KEY]["ee"], objects[ground.args[0]]
                mover_yaw = float(mover["yaw"])
            else:
                mover, below = objects[ground.args[0]], objects[ground.args[1]]
                mover_yaw = yaw_of(mover["quat"])
            offset = np.asarray(mover["pos"]) - np.asarray(below["pos"])
            frames.append((float(np.linalg.norm(offset[:2])), float(offset[2]),
                           face_yaw_error(mover_yaw, yaw_of(below["quat"])), float(act[4]),
                           float(offset[0]), float(offset[1])))

        out = run_skill(robot, policy, call, budget, domain.abstract, ground.add,
                        ground.delete, on_frame=on_frame, seed=seed)
        sign = 1.0 if skill in GRASPS else -1.0  # a close is < 0, an open > 0
        grip = [sign * f[3] for f in frames]
        events = [i for i, g in enumerate(grip) if g < 0 and (i == 0 or grip[i - 1] >= 0)]
        rows.append({"seed": seed, "prompt": call.prompt, "success": out.success,
                     "steps": out.steps,
                     "events": [{"step": i, "xy": round(frames[i][0], 4),
                                 "dx": round(frames[i][4], 4), "dy": round(frames[i][5], 4),
                                 "dz": round(frames[i][1], 4),
                                 "yaw": round(frames[i][2], 3)} for i in events],
                     "closest_xy": round(min(f[0] for f in frames), 4) if frames else None})
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Offsets at the first close (or open), separately for successes and failures."""
    out: dict[str, Any] = {"trials": len(rows), "successes": sum(r["success"] for r in rows)}
    # the table's x axis points away from the robot, towards the front camera (depth in its
    # image); y runs across that image
    firsts_all = [r["events"][0] for r in rows if r["events"]]
    for axis in ("dx", "dy"):
        values = [abs(c[axis]) for c in firsts_all]
        out[f"first_abs_{axis}_median"] = float(np.median(values)) if values else None
    for label, ok in (("success", True), ("failure", False)):
        firsts = [r["events"][0] for r in rows if r["success"] == ok and r["events"]]
        out[label] = {
            "n": sum(r["success"] == ok for r in rows),
            "never": sum(r["success"] == ok and not r["events"] for r in rows),
            "first_step": [min((c["step"] for c in firsts), default=None),
                           max((c["step"] for c in firsts), default=None)],
            "first_xy": [min((c["xy"] for c in firsts), default=None),
                         max((c["xy"] for c in firsts), default=None)],
            "first_yaw": [min((c["yaw"] for c in firsts), default=None),
                          max((c["yaw"] for c in firsts), default=None)],
            "mean_events": (sum(len(r["events"]) for r in rows if r["success"] == ok)
                            / max(1, sum(r["success"] == ok for r in rows)))}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--policy", default="vla", help="scripted | vla | vla-tokens | a checkpoint")
    ap.add_argument("--skill", default="pick", choices=GRASPS + RELEASES)
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--json", default=None, metavar="OUT.json")
    args = ap.parse_args(argv)
    from vlaplan.skills.policies import load_policy

    rows = trace(load_policy(args.policy, domain="tabletop"), args.trials, args.first_seed,
                 skill=args.skill)
    verb = "closes" if args.skill in GRASPS else "opens"
    for r in rows:
        events = ", ".join(f"@{c['step']} xy {c['xy']:.3f} dz {c['dz']:+.3f} yaw {c['yaw']:.2f}"
                           for c in r["events"]) or "never"
        print(f"seed {r['seed']:3d} {'ok  ' if r['success'] else 'FAIL'} {r['steps']:3d} steps; "
              f"{verb}: {events}")
    report = {"policy": args.policy, "skill": args.skill, "summary": summary(rows), "trials": rows}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    print(json.dumps(report["summary"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
