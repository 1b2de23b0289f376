"""Refuse to stack an object held far off the hand's centre: set it down and grasp it again.

A learned stack brings the *hand* over the destination, as its demonstrations did (the
scripted expert's picks centre the block, so there the hand and the block are one).  When
a learned pick left the block off centre, the stack puts the block beside where it aims.
Inside the ten-action towers of the shipped ``vla`` on seeds 100-199 (session 27), stacks
whose block started under 5 / 5-10 / 10-15 / 15 mm or more off the hand's centre succeeded
86 / 80 / 68 / 39 % of the time, and 17 of its 42 failed towers had a failed stack of a
block held 15 mm or more off.  A pick that grasps the block again
centres it most of the time (the learned picks' offsets are under 15 mm nine times in ten).

So with ``Executor(regrasp=...)`` set, before a call that lets go of a held object onto
another object (a stack; the calls :func:`vlaplan.world_model.release_guard.guard_for`
guards), the executor measures, in the observation, how far the held object's centre lies
from the hand's in the table plane.  Beyond the tolerance the call is refused before
dispatch with :data:`REASON`, and the refusal's ban covers how the object is held
(``executor.failures.OUTCOME_REFUSALS``), so the next plan sets it down, grasps it again
and then stacks it.

It is off by default because it did not finish more towers.  On seeds 100-199 with the
shipped ``vla`` and :data:`TOLERANCE`, stacks rose from 417/542 (77 %) to 393/485 (81 %),
but 55 towers finished against 58 without it (5 only without, 2 only with): each refusal
costs a replan and two more skill calls, and a pick fails one time in eight.  Not counting
up to three refusals as replans (tried, not kept) finished 59.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vlaplan.executor.crowding import plane
from vlaplan.executor.result import CheckRecord
from vlaplan.skills.contract import PRIVILEGED_KEY
from vlaplan.world_model.release_guard import guard_for

REASON = "GRIP_OFF_CENTRE"
TOLERANCE = 0.015  # m: the tolerance measured in session 27 (Executor(regrasp=TOLERANCE))


def grip_offset(obj: Mapping[str, Any], hand: Sequence[float]) -> float:
    """Table-plane distance (m) from the hand's centre ``hand`` (x, y, ...) to the centre
    of ``obj`` (a privileged object record)."""
    return float(np.linalg.norm(plane(obj) - np.asarray(hand[:2], float)))


def off_centre(action: Any, objects: Mapping[str, Any], movable: set[str],
               hand: Sequence[float] | None, tolerance: float) -> tuple[str, float] | None:
    """(held object, its offset) when ``action`` lets go of an object held more than
    ``tolerance`` off the hand's centre onto another; None otherwise (or with no hand pose
    or a tolerance of 0)."""
    if tolerance <= 0 or hand is None:
        return None
    guard = guard_for(action, objects, movable)
    if guard is None:
        return None
    offset = grip_offset(objects[guard.held], hand)
    return (guard.held, offset) if offset > tolerance else None


def refusal(action: Any, observation: Mapping[str, Any] | None, movable: Sequence[str],
            tolerance: float) -> CheckRecord | None:
    """The failed check (reason :data:`REASON`, stage "grip") when ``action`` would let go
    of an object held more than ``tolerance`` off the hand's centre onto another, in
    ``observation``; None when it may go."""
    priv = (observation or {}).get(PRIVILEGED_KEY) or {}
    found = off_centre(action, priv.get("objects", {}), set(movable),
                       priv.get("ee", {}).get("pos"), tolerance)
    if found is None:
        return None
    name, offset = found
    return CheckRecord(ok=False, reason=REASON, stage="grip", objects=[name],
                       detail=f"{name} is held {offset * 1000:.0f} mm off the hand's centre "
                              f"(more than {tolerance * 1000:.0f} mm): set it down and grasp "
                              f"it again")
