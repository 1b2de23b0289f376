"""Hold back a learned skill's release while the held object is not over its destination.

Inside the long tasks many failed learned stacks open the gripper with the block beside
the tower.  The dropped block then lies against the tower: the next picks knock it, or
the twin refuses them for collision, and the task runs out of replans.  The world model
sees where the held object is, so it can tell a release that cannot end on the
destination before it is sent.

:class:`ReleaseGuard` sits between the policy and the plant for one skill call that lets
go of ``held`` onto ``onto``.  While ``held`` is in the hand, a gripper command that
opens (> 0) goes through only when the held object's centre lies over the destination's
footprint (:func:`~vlaplan.world_model.predicates.is_over`, the test the ``on``
classifier uses: a block let go with its centre beyond the edge cannot come
to rest on it) and its bottom is at most :data:`ABOVE` over the destination's top and not
sunk more than :data:`SUNK` below it; otherwise the command is turned into "stay closed"
and counted.  The arm's motion is never changed.  Once a release has gone through, the
guard stays out of the way for the rest of the call, so an opening gripper is not closed
again half-way.

Calibrated on session 24's ``vla`` inside the ten-action towers (session 25, 254 learned
stacks, the held block where the gripper first opened): with its centre 0-10 / 10-15 /
15-20 mm off the destination's centre along the worse axis the stack succeeded 92 / 81 /
56 % of the time, beyond the 20 mm half-width of a 4 cm block 0 of 18 times.  So the
guard holds back only what the footprint rules out; a tighter bound (15 mm, tried) also
held back stacks that would have made it, and finished fewer towers.

A policy that never brings the object over its destination keeps it in the hand until its
step budget runs out: a failure that leaves the scene as it was, which the executor
retries in place (``Executor.attempts``, from a shifted ready pose) and then plans around
by setting the block down and grasping it again (``executor.failures``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from vlaplan.skills.contract import ACTION_DIM, PRIVILEGED_KEY
from vlaplan.world_model.predicates import held, is_over

ABOVE = 0.05  # m: highest the held object's bottom may be over the destination's top
SUNK = 0.01  # m: deepest it may seem sunk into the destination (contact, settling)
GRIPPER = ACTION_DIM - 1  # the gripper command's index in an action (+1 open, -1 closed)


def over(held_obj: Mapping[str, Any], onto: Mapping[str, Any], above: float = ABOVE) -> bool:
    """Could ``held_obj`` (privileged record), let go here, come to rest on ``onto``?"""
    return is_over(held_obj, onto, -SUNK, above)


class ReleaseGuard:
    """Holds ``held``'s release until it is over ``onto`` (one skill call; see the module).

    ``vetoed`` counts the control steps whose opening command was held back; ``released``
    says a release went through (or the object left the hand some other way)."""

    def __init__(self, held_name: str, onto: str, above: float = ABOVE) -> None:
        self.held, self.onto, self.above = held_name, onto, above
        self.vetoed = 0
        self.released = False

    def __call__(self, observation: Mapping[str, Any], action: np.ndarray) -> np.ndarray:
        if self.released or float(action[GRIPPER]) <= 0.0:
            return action
        objects = (observation.get(PRIVILEGED_KEY) or {}).get("objects", {})
        obj, dest = objects.get(self.held), objects.get(self.onto)
        if obj is None or dest is None or not held(obj) or over(obj, dest, self.above):
            self.released = True
            return action
        self.vetoed += 1
        guarded = np.array(action, dtype=np.float32, copy=True)
        guarded[GRIPPER] = -1.0
        return guarded


def guard_for(action: Any, objects: Mapping[str, Any], movable: set[str]) -> ReleaseGuard | None:
    """The guard for ``action`` (a ground action: ``args``, ``add``) in the observed scene
    ``objects``, or None when it lets nothing go onto another object: an argument in the
    hand, and another, movable and not in the hand, that one of its add effects relates to
    it (``(on x y)`` of a stack; not a place on the table, nor a put into a fixture)."""
    args = tuple(getattr(action, "args", ()))
    adds = [set(a[1]) for a in getattr(action, "add", ())]
    for x in args:
        if x not in objects or not held(objects[x]):
            continue
        for y in args:
            if (y != x and y in movable and y in objects and not held(objects[y])
                    and any({x, y} <= a for a in adds)):
                return ReleaseGuard(x, y)
    return None
