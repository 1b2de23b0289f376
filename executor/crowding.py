"""How close a skill's objects stand to other stacks (table plane, privileged poses).

The Dispatcher blames a skill that keeps failing beside another stack on that neighbour
(:data:`CROWDED`); ``benchmarks/skill_context.py`` buckets skills by the same distance.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from vlaplan.world_model.predicates import held

# A skill that keeps failing beside another object (its centre nearer than this, on the
# table plane, to an argument's, in another stack) is blamed on that crowding: the ban then
# lasts only until a plan moves the neighbour.  The scripted expert sets objects down at
# least 9 cm from any other, so training scenes are never more crowded than this.
CROWDED = 0.09  # m
SAME_STACK = 0.015  # m: centres nearer than this on the table plane are one stack


def plane(obj: dict[str, Any]) -> np.ndarray:
    """An object's centre on the table plane (x, y)."""
    return np.asarray(obj["pos"][:2], float)


def other_stacks(objects: dict[str, Any], args: Any) -> dict[str, float]:
    """Each not-held object outside the stacks of ``args`` (privileged ``objects`` by
    name) with its least table-plane distance to an argument not in the hand; empty when
    every argument is in the hand."""
    spots = [plane(objects[a]) for a in args if a in objects and not held(objects[a])]
    out = {}
    for name, obj in objects.items():
        if not spots or name in args or held(obj):
            continue
        gaps = [float(np.linalg.norm(plane(obj) - p)) for p in spots]
        if all(g > SAME_STACK for g in gaps):
            out[name] = min(gaps)
    return out


def crowding(objects: dict[str, Any], args: Any, movable: Any) -> list[str]:
    """The ``movable`` objects crowding ``args`` (the ones not in the hand; privileged
    ``objects`` by name): in another stack, with their centre within :data:`CROWDED` of an
    argument's on the table plane."""
    movable = set(movable)
    return sorted(name for name, gap in other_stacks(objects, args).items()
                  if name in movable and gap < CROWDED)
