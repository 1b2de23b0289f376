"""Per-skill closed-loop evaluation: ``vlaplan skills eval``.

For each skill of a domain and each trial: a seeded random scene arranged so the skill
applies (``generate_scene(seed, for_skill=skill)``), a random applicable ground call, its
language prompt, then :func:`~vlaplan.world_model.rollout.run_skill` on a
:class:`SimRobot` with the call's predicted effects.  Scene seeds are
``seed + 100_000 * skill_index + trial``, so runs are reproducible and skills never
share scenes.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from vlaplan.planner.errors import WorldModelError

SEED_STRIDE = 100_000


class TrialFailure(BaseModel):
    seed: int
    call: str
    prompt: str
    reason: str
    detail: str = ""


class SkillEval(BaseModel):
    """One skill's results over its trials."""

    skill: str
    trials: int
    successes: int
    success_rate: float
    mean_steps: float
    mean_steps_success: float
    wall_time: float  # seconds for all trials of this skill
    failures: list[TrialFailure] = []


class EvalReport(BaseModel):
    """Everything ``vlaplan skills eval`` measured."""

    domain: str
    policy: str
    trials: int
    seed: int
    render: bool
    image_size: int
    held_out_prompts: bool
    scene_options: dict[str, Any] = {}
    skills: list[SkillEval]
    wall_time: float
    control_hz: float  # control steps (observe + policy + apply) per wall second


def _prompt_variant(skill: Any, rng: random.Random, held_out: bool) -> int:
    n_train = len(skill.templates) - skill.held_out
    if held_out and skill.held_out:
        return n_train + rng.randrange(skill.held_out)
    return rng.randrange(max(1, n_train))


def evaluate_skills(domain_name: str, make_policy: Callable[[], Any], trials: int,
                    seed: int = 0, skills: Sequence[str] | None = None,
                    render: bool = False, image_size: int = 96, held_out: bool = False,
                    policy_name: str = "policy",
                    progress: Callable[[str, int, bool], None] | None = None,
                    scene_options: dict[str, Any] | None = None) -> EvalReport:
    """Evaluate every skill (or ``skills``) of ``domain_name`` over ``trials`` scenes each
    (``scene_options`` go to the domain's scene generator, e.g. ``{"spacing": 0.06}``)."""
    from vlaplan.domains import get_domain
    from vlaplan.world_model.render import front_camera_of
    from vlaplan.world_model.robot import SimRobot
    from vlaplan.world_model.rollout import run_skill

    if trials < 1:
        raise WorldModelError(f"--trials must be at least 1, got {trials}")
    domain = get_domain(domain_name)
    names = list(skills) if skills else list(domain.actions)
    unknown = [s for s in names if s not in domain.actions]
    if unknown:
        raise WorldModelError(f"domain {domain_name!r} has no skills {unknown}; "
                              f"skills: {', '.join(domain.actions)}")
    policy = make_policy()
    robot: SimRobot | None = None
    results: list[SkillEval] = []
    t_all, total_steps = time.perf_counter(), 0
    try:
        for index, skill_name in enumerate(names):
            skill = domain.skill(skill_name)
            t0 = time.perf_counter()
            ok, steps, steps_ok, failures = 0, 0, 0, []
            for trial in range(trials):
                scene_seed = seed + SEED_STRIDE * (domain.actions.index(skill_name)) + trial
                rng = random.Random(scene_seed)
                scene = domain.generate_scene(scene_seed, for_skill=skill_name,
                                              **(scene_options or {}))
                if robot is None:
                    robot = SimRobot(scene.spec, image_size=image_size, render=render,
                                     seed=scene_seed, front_camera=front_camera_of(policy))
                else:
                    robot.reset(scene_seed, scene=scene.spec)
                state = domain.abstract(robot.observe(render=False))
                calls = domain.applicable_calls(state, scene.objects, skill_name)
                if not calls:
                    raise WorldModelError(f"scene seed {scene_seed}: no applicable "
                                          f"{skill_name} call (generator and classifiers "
                                          "disagree)")
                ground = rng.choice(calls)
                call = domain.call(skill_name, ground.args, scene.describe(),
                                   _prompt_variant(skill, rng, held_out))
                out = run_skill(robot, policy, call, skill.step_budget, domain.abstract,
                                ground.add, ground.delete, seed=scene_seed)
                steps += out.steps
                total_steps += out.steps
                if out.success:
                    ok += 1
                    steps_ok += out.steps
                else:
                    failures.append(TrialFailure(seed=scene_seed, call=str(call),
                                                 prompt=call.prompt, reason=out.reason,
                                                 detail=out.detail))
                if progress is not None:
                    progress(skill_name, trial, out.success)
            results.append(SkillEval(
                skill=skill_name, trials=trials, successes=ok, success_rate=ok / trials,
                mean_steps=steps / trials, mean_steps_success=steps_ok / ok if ok else 0.0,
                wall_time=time.perf_counter() - t0, failures=failures))
    finally:
        if robot is not None:
            robot.close()
    wall = time.perf_counter() - t_all
    return EvalReport(domain=domain_name, policy=policy_name, trials=trials, seed=seed,
                      render=render, image_size=image_size, held_out_prompts=held_out,
                      scene_options=dict(scene_options or {}),
                      skills=results, wall_time=wall,
                      control_hz=total_steps / wall if wall > 0 else 0.0)
