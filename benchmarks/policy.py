"""VLA policy benchmark: inference speed, closed-loop rate, success on seen and held-out
tasks, and the effect of torch dynamic int8 quantisation.

    .venv/bin/python benchmarks/policy.py --policy vla --domain tabletop --trials 200 \
        --skills pick place --json runs/policy_vla.json

Peers in the same run (machines are noisy, so ratios matter): the scripted expert for the
closed-loop rate, fp32 for the int8 model.  Splits (see vlaplan/skills/splits.py):
``seen`` = training paraphrases, trained colour/skill combinations; ``held_out_combo`` =
training paraphrases on held-out colour/skill combinations; ``held_out_paraphrase`` =
the held-out template on trained combinations.  Scene seeds are below TRAIN_SEED_START.
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

SPLITS = ("seen", "held_out_combo", "held_out_paraphrase")


def pick_call(domain: Any, skill_name: str, scene: Any, split: str,
              rng: random.Random) -> Any | None:
    """A (ground call, SkillCall) for ``split`` in ``scene``, or None if none fits."""
    from vlaplan.skills.splits import held_out_call

    calls = domain.applicable_calls(scene.init, scene.objects, action=skill_name)
    want_held = split == "held_out_combo"
    calls = [c for c in calls if held_out_call(skill_name, c.args, scene.spec.objects) == want_held]
    describe = scene.describe()
    words = list(describe.values())
    calls = [c for c in calls if all(words.count(describe.get(a, a)) == 1 for a in c.args)]
    if not calls:
        return None
    ground = rng.choice(calls)
    skill = domain.skill(skill_name)
    n_train = len(skill.training_templates)
    variant = (n_train + rng.randrange(skill.held_out) if split == "held_out_paraphrase"
               else rng.randrange(n_train))
    return ground, domain.call(skill_name, ground.args, describe, variant)


def split_scenes(domain: Any, skill_name: str, split: str, trials: int, seed: int = 0,
                 image_size: int = 96, front_camera: str = "wide"
                 ) -> Iterator[tuple[Any, int, Any, Any]]:
    """(robot, scene seed, ground call, SkillCall) for ``trials`` scenes of ``split``, scene
    seeds from ``seed + 1`` up (skipping scenes with no fitting call); one SimRobot, reset
    for each scene and closed at the end."""
    from vlaplan.world_model.robot import SimRobot

    robot, done, scene_seed = None, 0, seed
    try:
        while done < trials and scene_seed < seed + 50 * trials + 100:
            scene_seed += 1
            scene = domain.generate_scene(scene_seed, for_skill=skill_name)
            picked = pick_call(domain, skill_name, scene, split, random.Random(scene_seed))
            if picked is None:
                continue
            if robot is None:
                robot = SimRobot(scene.spec, image_size=image_size, seed=scene_seed,
                                 front_camera=front_camera)
            else:
                robot.reset(scene_seed, scene=scene.spec)
            done += 1
            yield robot, scene_seed, picked[0], picked[1]
    finally:
        if robot is not None:
            robot.close()


def evaluate(policy: Any, domain_name: str, skill_name: str, split: str, trials: int,
             seed: int = 0, image_size: int = 96) -> dict[str, Any]:
    """Success rate, steps and control rate of ``policy`` over ``trials`` fresh scenes."""
    from vlaplan.domains import get_domain
    from vlaplan.world_model.render import front_camera_of
    from vlaplan.world_model.rollout import run_skill

    from vlaplan.skills.splits import call_combo, untrained_combos

    domain = get_domain(domain_name)
    skill = domain.skill(skill_name)
    untrained = untrained_combos(getattr(policy, "meta", None))
    ok, steps, wall, done, trained_on = 0, 0, 0.0, 0, 0
    failures: list[str] = []
    for robot, scene_seed, ground, call in split_scenes(domain, skill_name, split, trials, seed,
                                                        image_size, front_camera_of(policy)):
        out = run_skill(robot, policy, call, skill.step_budget, domain.abstract, ground.add,
                        ground.delete, seed=scene_seed)
        combo = call_combo(skill_name, ground.args, robot.scene.objects)
        trained_on += combo is not None and combo not in untrained
        done += 1
        ok += out.success
        steps += out.steps
        wall += out.duration
        if not out.success and len(failures) < 5:
            failures.append(f"{scene_seed} {call.prompt!r}: {out.reason}")
    return {"skill": skill_name, "split": split, "trials": done, "successes": ok,
            "success_rate": ok / done if done else float("nan"),
            "control_hz": steps / wall if wall else 0.0, "failures": failures,
            # held-out calls whose combination this policy's training data did include
            # (checkpoint meta held_out_combos): not a measure of generalisation then
            "trained_on": trained_on}


def inference_speed(policy: Any, repeats: int = 50) -> dict[str, float]:
    """Chunks per second and actions per second (chunk inference only)."""
    from vlaplan.domains import get_domain
    from vlaplan.world_model.render import front_camera_of
    from vlaplan.world_model.robot import SimRobot

    scene = get_domain("tabletop").generate_scene(7, for_skill="pick")
    robot = SimRobot(scene.spec, image_size=96, seed=7, front_camera=front_camera_of(policy))
    obs = robot.observe()
    robot.close()
    policy.reset(seed=0)
    policy.predict_action_chunk(obs, "pick up the red block")
    t0 = time.perf_counter()
    for _ in range(repeats):
        chunk = policy.predict_action_chunk(obs, "pick up the red block")
    dt = (time.perf_counter() - t0) / repeats
    # actions executed per predicted chunk: a new chunk every ensemble_every steps when the
    # chunks are ensembled, else after the first n_action_steps of each
    per_chunk = getattr(policy, "ensemble_every", 0) or getattr(policy, "n_action_steps", len(chunk))
    return {"ms_per_chunk": 1000 * dt, "chunk": len(chunk), "actions_per_s": len(chunk) / dt,
            "actions_per_s_executed": per_chunk / dt}


def quantized(policy: Any) -> Any:
    """A copy of a VLAPolicy with its Linear layers dynamically quantised to int8."""
    q = copy.copy(policy)
    q.model = torch.ao.quantization.quantize_dynamic(copy.deepcopy(policy.model),
                                                      {torch.nn.Linear}, dtype=torch.qint8)
    q._queue = type(policy._queue)()
    q._chunks = []
    return q


def main(argv: list[str] | None = None) -> int:
    from vlaplan.skills.policies import load_policy

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--policy", default="vla")
    ap.add_argument("--domain", default="tabletop")
    ap.add_argument("--skills", nargs="*", default=None)
    ap.add_argument("--splits", nargs="*", default=list(SPLITS))
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--split-trials", type=int, default=None,
                    help="trials for the held-out splits (default: --trials)")
    ap.add_argument("--int8-trials", type=int, default=0, help="0 skips int8 success")
    ap.add_argument("--n-action-steps", type=int, default=None)
    ap.add_argument("--noise-scale", type=float, default=None,
                    help="the flow's noise scale (default: the checkpoint's own)")
    ap.add_argument("--ensemble-every", type=int, default=None,
                    help="temporal ensembling: a new chunk every N steps, 0 off (default: the "
                         "checkpoint's own)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-speed", action="store_true", help="success tables only")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from vlaplan.domains import get_domain
    from rich.console import Console
    from rich.table import Table

    console = Console()
    policy = load_policy(args.policy, domain=args.domain, n_action_steps=args.n_action_steps,
                         noise_scale=args.noise_scale, ensemble_every=args.ensemble_every)
    skills = args.skills or list(get_domain(args.domain).actions)
    report: dict[str, Any] = {"policy": args.policy, "domain": args.domain, "threads": args.threads}
    if not hasattr(policy, "model"):
        if not args.skip_speed or args.int8_trials:
            raise SystemExit(f"{args.policy!r} has no network to time or quantise: "
                             "use --skip-speed --int8-trials 0")
        qpolicy = None
    else:
        qpolicy = quantized(policy)
    if not args.skip_speed:
        report["speed_fp32"] = inference_speed(policy)
        report["speed_int8"] = inference_speed(qpolicy)
        report["int8_speedup"] = (report["speed_int8"]["actions_per_s"]
                                  / report["speed_fp32"]["actions_per_s"])
    rows = []
    for skill in skills:
        for split in args.splits:
            n = args.trials if split == "seen" else (args.split_trials or args.trials)
            res = evaluate(policy, args.domain, skill, split, n, seed=args.seed)
            rows.append(res)
            report["success"] = rows
            if args.json:  # partial results survive an interrupted run
                Path(args.json).parent.mkdir(parents=True, exist_ok=True)
                Path(args.json).write_text(json.dumps(report, indent=1))
            console.print(f"{skill:8s} {split:20s} {res['successes']}/{res['trials']} "
                          f"({100 * res['success_rate']:.1f}%) {res['control_hz']:.1f} Hz")
            if res["trained_on"]:
                console.print(f"[yellow]{args.policy} was trained on the combination of "
                              f"{res['trained_on']} of these {res['trials']} '{split}' trials "
                              f"(collect --held-out): they do not measure generalisation"
                              f"[/yellow]")
    report["success"] = rows
    if not args.skip_speed:
        peer = evaluate(load_policy("scripted"), args.domain, skills[0], "seen", 10,
                        seed=args.seed)
        report["closed_loop_hz"] = {"policy": float(np.mean([r["control_hz"] for r in rows])),
                                    "scripted_peer": peer["control_hz"]}
    if args.int8_trials:
        report["success_int8"] = [evaluate(qpolicy, args.domain, s, "seen", args.int8_trials,
                                           seed=args.seed) for s in skills]
    table = Table(title=f"{args.policy} on {args.domain}")
    for col in ("skill", "split", "success", "trials", "Hz"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["skill"], r["split"], f"{100 * r['success_rate']:.1f}%",
                      str(r["trials"]), f"{r['control_hz']:.1f}")
    for r in report.get("success_int8", []):
        table.add_row(r["skill"], "seen (int8)", f"{100 * r['success_rate']:.1f}%",
                      str(r["trials"]), f"{r['control_hz']:.1f}")
    console.print(table)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1))
    if args.skip_speed:
        return 0
    s32, s8 = report["speed_fp32"], report["speed_int8"]
    console.print(f"inference fp32 {s32['ms_per_chunk']:.1f} ms/chunk = {s32['actions_per_s']:.0f} "
                  f"actions/s; int8 {s8['ms_per_chunk']:.1f} ms/chunk = {s8['actions_per_s']:.0f} "
                  f"actions/s (x{report['int8_speedup']:.2f})")
    hz = report["closed_loop_hz"]
    console.print(f"closed loop {hz['policy']:.1f} Hz (scripted peer {hz['scripted_peer']:.1f} Hz)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
