"""Where the hand is when a skill first turns its gripper, for benchmarks/skill_context.py.

:class:`GraspProbe` wraps a policy and notes the moment a grasp first closes the gripper
or a stack first opens it; :func:`grasp_fields` turns that into a row's fields: over the
target, beside it or over another object (session 19), how far and how high (session 20),
and which way the hand was off (``miss``, ``pull``; session 21).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from vlaplan.executor.crowding import other_stacks, plane
from vlaplan.skills.contract import PRIVILEGED_KEY
from vlaplan.world_model.predicates import bottom, held, top

INF = float("inf")

ON_TARGET = 0.015  # m: a grasp closed within this of the target's centre (table plane) is over it
GRASPS = ("pick", "unstack")
RELEASES = ("stack",)


class GraspProbe:
    """Wraps the executor's policy; notes where the hand is when a skill first turns its
    gripper command (its sign first flips: closing for a pick, opening for a stack): the
    nearest object on the table plane, every object's distance and height below the hand,
    the hand's height and table-plane position, and the objects not in the hand."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.first: float | None = None
        self.closed: dict[str, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def reset(self, call: Any = None, seed: int | None = None) -> None:
        self.inner.reset(call=call, seed=seed)
        self.first, self.closed = None, None

    def select_action(self, observation: Any, prompt: str) -> Any:
        act = self.inner.select_action(observation, prompt)
        sign = float(np.sign(act[-1]))
        if self.first is None:
            self.first = sign
        elif self.closed is None and sign != self.first:
            priv = observation[PRIVILEGED_KEY]
            hand = np.asarray(priv["ee"]["pos"], float)
            free = {n: o for n, o in priv["objects"].items() if not held(o)}
            gaps = {n: float(np.linalg.norm(plane(o) - hand[:2])) for n, o in free.items()}
            near = min(gaps, key=gaps.get, default=None)
            heights = {n: float(hand[2] - o["pos"][2]) for n, o in free.items()}
            self.closed = {"nearest": near, "gaps": gaps, "z": float(hand[2]),
                           "heights": heights, "hand": hand[:2], "objects": free,
                           "held": {n: o for n, o in priv["objects"].items() if held(o)}}
        return act


def closed_over(closed: dict[str, Any] | None, target: str) -> str:
    """Where a grasping skill first closed its gripper: ``never closed``, ``over target``
    (within :data:`ON_TARGET` of the target's centre: a block under it, at the same spot,
    does not count against it), ``over another object`` (another one nearer) or ``beside
    target``."""
    if closed is None:
        return "never closed"
    gap = closed["gaps"].get(target, INF)
    if gap <= ON_TARGET:
        return "over target"
    return "beside target" if closed["nearest"] == target else "over another object"


def closed_near(closed: dict[str, Any] | None, target: str) -> str | None:
    """The other object a grasp closed over (see :func:`closed_over`), else None."""
    if closed_over(closed, target) != "over another object":
        return None
    return closed["nearest"]


def offset(closed: dict[str, Any] | None, target: str) -> np.ndarray | None:
    """The hand's offset from ``target``'s centre on the table plane when the gripper
    turned (x away from the robot, y to its left; m), or None when not known."""
    if closed is None or target not in closed.get("objects", {}):
        return None
    return closed["hand"] - plane(closed["objects"][target])


def pull(objects: dict[str, Any], target: str, off: np.ndarray) -> dict[str, Any] | None:
    """Which way a grasp or release that was ``off`` (:func:`offset`) missed: the cosine
    between that offset and the direction from the target to the nearest object of another
    stack (``toward``; executor.crowding.other_stacks), or None when the hand was over the
    target (within :data:`ON_TARGET`) or nothing else stands in the scene.  A policy that
    reads a blend of the target and its neighbour (a soft-argmax spread over both) misses
    toward the neighbour (cosine near 1); aiming noise points every way alike (a third of
    the cosines above 0.5 in the plane)."""
    others = other_stacks(objects, (target,))
    if np.linalg.norm(off) <= ON_TARGET or not others:
        return None
    toward = min(others, key=others.get)
    direction = plane(objects[toward]) - plane(objects[target])
    cosine = float(off @ direction / (np.linalg.norm(off) * np.linalg.norm(direction)))
    return {"cosine": cosine, "toward": toward}


def grasp_fields(skill: str, closed: dict[str, Any] | None, args: tuple[str, ...]
                 ) -> dict[str, Any]:
    """A row's ``closed``, ``closed_near`` and ``target_gap`` for a grasp (its target: the
    first argument), ``released``, ``release_gap`` and ``release_height`` (the hand above
    the destination block's centre) for a stack (its destination: the second), with
    ``block_gap`` and ``block_above`` (the held block's centre from the destination's on the
    table plane, and its bottom above the destination's top; None when it had left the
    hand), and for both ``miss`` (:func:`offset`), ``pull`` and ``pull_toward``
    (:func:`pull`); None where they do not apply."""
    out: dict[str, Any] = dict.fromkeys(("closed", "closed_near", "target_gap", "released",
                                         "release_gap", "release_height", "block_gap",
                                         "block_above", "pull", "pull_toward", "miss"))
    if skill in GRASPS:
        target = args[0]
        out.update(closed=closed_over(closed, target), closed_near=closed_near(closed, target),
                   target_gap=None if closed is None else closed["gaps"].get(target))
    elif skill in RELEASES and len(args) > 1:
        target = args[1]
        out.update(released=closed_over(closed, target).replace("closed", "opened"),
                   release_gap=None if closed is None else closed["gaps"].get(target),
                   release_height=None if closed is None else closed["heights"].get(target))
        block = (closed or {}).get("held", {}).get(args[0])
        dest = (closed or {}).get("objects", {}).get(target)
        if block is not None and dest is not None:
            out.update(block_gap=float(np.linalg.norm(plane(block) - plane(dest))),
                       block_above=float(bottom(block) - top(dest)))
    else:
        return out
    off = offset(closed, target)
    if off is None:
        return out
    out["miss"] = [float(v) for v in off]
    missed = pull(closed["objects"], target, off)
    if missed is not None:
        out.update(pull=missed["cosine"], pull_toward=missed["toward"])
    return out
