"""Run one skill call closed-loop on a robot: observe -> policy -> apply, until success.

Success means the abstraction of the observed state shows the call's predicted effects
(every add holds, no delete does, :meth:`Skill.success`) *and* the arm finished its job:
after a grasp the object is lifted (:data:`LIFT_MIN` above where it started), after a
release the gripper is open and clear of the object (:data:`RELEASE_CLEARANCE`).  The
condition must hold for :data:`SETTLE_STEPS` consecutive control steps.  Works with any
:class:`~vlaplan.skills.contract.Policy` and any robot with ``observe``/``apply``.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel

from vlaplan.planner.errors import VlaplanError
from vlaplan.skills.contract import PRIVILEGED_KEY, TASK_KEY, Policy, Skill, SkillCall
from vlaplan.world_model.predicates import held, top

LIFT_MIN = 0.03  # m a grasped object must rise above its start height
RELEASE_CLEARANCE = 0.02  # m between the grasp target and the top of a released object
OPEN_MIN = 0.06  # m gripper width counted as open after a release
SETTLE_STEPS = 2  # consecutive control steps the success condition must hold

Frame = Callable[[Mapping[str, Any], np.ndarray, int], None]
Guard = Callable[[Mapping[str, Any], np.ndarray], np.ndarray]


class SkillOutcome(BaseModel):
    """How one skill call went.  ``reason``: success | budget_exhausted | policy_error |
    robot_error; ``detail`` says more."""

    success: bool
    steps: int
    duration: float  # wall seconds
    sim_time: float = 0.0  # simulated seconds (0 when the robot does not say)
    reason: str
    detail: str = ""
    final_atoms: list[str] = []


def arm_done(priv: Mapping[str, Any], add: Iterable[Any], start: Mapping[str, Any]) -> bool:
    """Has the arm finished its part?  After a grasp (``holding`` added) the object rose
    :data:`LIFT_MIN` since ``start`` (unless it was already held); when the hand ends
    empty (``hand-empty`` added, or nothing held before or after, as in opening a drawer)
    the gripper is open and the grasp target :data:`RELEASE_CLEARANCE` above any object
    under it."""
    objects = priv["objects"]
    add = _pairs(add)
    grasps = [a[1][0] for a in add if a[0] == "holding"]
    for name in grasps:
        if name not in objects or name not in start["objects"]:
            return False
        lifted = objects[name]["pos"][2] - start["objects"][name]["pos"][2] >= LIFT_MIN
        if not lifted and not _was_held(start, name):
            return False
    held_at_start = any(held(o) for o in start["objects"].values())
    if ("hand-empty", ()) in add or (not grasps and not held_at_start):
        ee = priv["ee"]
        if ee["gripper_width"] < OPEN_MIN:
            return False
        for obj in objects.values():
            if held(obj):
                return False
            near = np.linalg.norm(np.asarray(ee["pos"][:2]) - np.asarray(obj["pos"][:2])) < 0.05
            if near and ee["pos"][2] < top(obj) + RELEASE_CLEARANCE:
                return False
    return True


def _was_held(start: Mapping[str, Any], name: str) -> bool:
    return held(start["objects"][name])


def _pairs(atoms: Iterable[Any]) -> set[tuple[str, tuple[str, ...]]]:
    return {(a[0], tuple(a[1])) for a in atoms}


def run_skill(robot: Any, policy: Policy, call: SkillCall, budget: int,
              abstract_fn: Callable[[Mapping[str, Any]], Iterable[Any]],
              expected_add: Iterable[Any], expected_delete: Iterable[Any],
              on_frame: Frame | None = None, seed: int | None = None,
              guard: Guard | None = None) -> SkillOutcome:
    """Run ``call`` with ``policy`` on ``robot`` for at most ``budget`` control steps.

    ``abstract_fn`` maps an observation to atoms; ``on_frame(observation, action, step)``
    sees every (observation, action) pair as it is executed (demonstration recording,
    video).  ``guard(observation, action)``, when given, may change each action before it
    is applied (:class:`~vlaplan.world_model.release_guard.ReleaseGuard`); ``on_frame`` sees
    the action as applied.  Errors of the policy or the robot end the call and come back
    as the outcome.
    """
    add, delete = _pairs(expected_add), _pairs(expected_delete)
    t0 = time.perf_counter()
    sim0 = float(getattr(robot, "sim_time", 0.0))
    steps, streak = 0, 0
    atoms: Iterable[Any] = ()

    def outcome(success: bool, reason: str, detail: str = "") -> SkillOutcome:
        return SkillOutcome(success=success, steps=steps, duration=time.perf_counter() - t0,
                            sim_time=float(getattr(robot, "sim_time", 0.0)) - sim0,
                            reason=reason, detail=detail,
                            final_atoms=sorted(f"({' '.join((a[0], *a[1]))})" for a in atoms))

    try:
        policy.reset(call=call, seed=seed)
        obs = dict(robot.observe())
    except VlaplanError as exc:
        return outcome(False, "policy_error", str(exc))
    start = obs.get(PRIVILEGED_KEY)
    while steps < budget:
        obs[TASK_KEY] = call.prompt
        try:
            action = np.asarray(policy.select_action(obs, call.prompt), dtype=np.float32)
        except Exception as exc:  # a policy may fail in any way; the outcome says how
            return outcome(False, "policy_error", f"{type(exc).__name__}: {exc}")
        if guard is not None:
            action = guard(obs, action)
        if on_frame is not None:
            on_frame(obs, action, steps)
        try:
            robot.apply(action)
            obs = dict(robot.observe())
        except VlaplanError as exc:
            return outcome(False, "robot_error", str(exc))
        steps += 1
        atoms = abstract_fn(obs)
        priv = obs.get(PRIVILEGED_KEY)
        ok = Skill.success(add, delete, atoms) and (
            priv is None or start is None or arm_done(priv, add, start))
        streak = streak + 1 if ok else 0
        if streak >= SETTLE_STEPS:
            return outcome(True, "success")
    return outcome(False, "budget_exhausted",
                   f"{call} did not reach its effects within {budget} steps")
