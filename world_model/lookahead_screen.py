"""When the physics look-ahead cannot change a check's verdict: a static screen.

The look-ahead (stage 4, :mod:`vlaplan.world_model.lookahead`) simulates the scripted
skill on the twin: 10-30 ms per action, most of the check time of an episode.  For a
``stack`` or a ``put-in`` it answers whether the tower topples or the object ends up in
the container.  In the common case the answer is settled by the synced geometry alone,
and the cheap stages (symbolic, reachability, collision) have already passed:

* ``stack x y``: ``x`` is held upright; the column under ``y`` down to the table is
  straight (each level's centre within :data:`STRAIGHT_TOL` of the one below it, every
  level resting flat and level, at most :data:`MAX_LEVELS` levels) and touches nothing
  but itself and the table; the expert releases ``x`` over ``y``'s centre.  Towers that
  lean 0.8 cm per level still carry 300 g in the twin and on the plant
  (benchmarks/README.md, "leaning towers"); the screen stops at 0.4 cm.
* ``put-in x c``: ``x`` is held upright; a drawer is pulled out to its opening target
  (a partly open one is a matter for the collision stage and the look-ahead), a bin has
  nothing under the release point; the expert's slot is free (no object within the
  experts' ``SLOT_FREE``) and, in a drawer, exposed.

:func:`settled` returns why the look-ahead may be skipped, or None when it must run.  It
reads only the privileged observation the twin was synced from (no simulation) and is
used by the executor's default ``check_stages="auto"``; ``"all"`` always simulates.
``benchmarks/execute.py --audit-screen`` runs the look-ahead anyway and counts the
actions the screen passed that the look-ahead would have refused.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from vlaplan.world_model import predicates as P
from vlaplan.world_model.checks import ActionLike

AUDIT: list[tuple[str, str, str]] | None = None  # set to [] to audit (benchmarks): every
# screened-out action is then simulated anyway and (action, why skipped, look-ahead
# verdict: "OK" or the reason code) appended; the check's verdict stays the screened one
STRAIGHT_TOL = 0.004  # m between a tower level's centre and the one below it
LEVEL_TOL = math.radians(4.0)  # rad: a level's top face is this close to horizontal
MAX_LEVELS = 4  # blocks under the placed one (y included)
CENTRE_TOL = 0.006  # m between the expert's release point and y's centre
UPRIGHT_TOL = math.radians(8.0)  # rad: the held object hangs this close to upright
DRAWER_OPEN_FRACTION = 0.9  # of the drawer's opening target
Priv = Mapping[str, Any]


def _tilt(obj: Priv) -> float:
    """Angle between the object's own up axis (local z) and the vertical: a block lying on
    a side face (dropped, knocked over) counts as tilted, the scene is then not the
    generator's and the look-ahead runs (measured: a stack onto a cube lying on its side
    fails on the plant, seed 39 of the tabletop drop benchmark; that was measured before
    session 18 fixed how ``on`` reads a cube on its side, and may have been that misreading:
    the look-ahead, which now reads such stacks right, still runs for them)."""
    r = P.rotation(obj["quat"])
    return float(math.acos(min(1.0, abs(float(r[2, 2])))))


def _column(priv: Priv, top: str) -> list[str] | None:
    """``top`` and the objects under it down to the table, top first; None when the column
    is not a simple stack (two supports, a support that is not an object or the table)."""
    objects = priv["objects"]
    column, name = [top], top
    while True:
        obj = objects[name]
        below = [c for c in obj.get("contacts", ()) if c in objects and c not in column
                 and P.is_on(obj, objects[c])]
        if not below:
            return column if P.is_on_table(obj, P.table_height(priv)) else None
        if len(below) > 1 or len(column) >= MAX_LEVELS:
            return None
        name = below[0]
        column.append(name)


def _stack_settled(priv: Priv, x: str, y: str, target: Any) -> str | None:
    objects = priv["objects"]
    if y not in objects or x not in objects:
        return None
    column = _column(priv, y)
    if column is None:
        return None
    members = set(column) | {"table"}
    for upper, lower in zip(column, column[1:] + [None]):
        obj = objects[upper]
        if _tilt(obj) > LEVEL_TOL:
            return None
        if set(obj.get("contacts", ())) - members - ({x} if upper == y else set()):
            return None  # something leans on the tower, or the hand touches it
        if lower is not None and np.linalg.norm(
                np.subtract(obj["pos"][:2], objects[lower]["pos"][:2])) > STRAIGHT_TOL:
            return None
    if _tilt(objects[x]) > UPRIGHT_TOL:
        return None
    if target is None or np.linalg.norm(
            np.subtract(target.pos[:2], objects[y]["pos"][:2])) > CENTRE_TOL:
        return None
    return f"straight level column of {len(column)} under the release point"


def _put_in_settled(priv: Priv, x: str, c: str, target: Any) -> str | None:
    from vlaplan.skills.scripted_fixtures import SLOT_FREE

    objects, fixtures = priv["objects"], priv.get("fixtures", {})
    if x not in objects or c not in fixtures or target is None:
        return None
    info = fixtures[c]
    if _tilt(objects[x]) > UPRIGHT_TOL:
        return None
    release = np.asarray(target.pos[:2], dtype=float)
    near = [n for n, o in objects.items() if n != x
            and float(np.linalg.norm(np.asarray(o["pos"][:2]) - release)) < SLOT_FREE]
    if near:
        return None
    if info.get("kind") == "drawer":
        joint, goal = float(info.get("joint", 0.0)), float(info.get("open_target", 0.0))
        if goal <= 0.0 or joint < DRAWER_OPEN_FRACTION * goal:
            return None
        slots = [s for s in info.get("slots", ()) if np.linalg.norm(
            np.asarray(s[:2], dtype=float) - release) < 1e-3]
        if not slots or float(slots[0][3]) < 0.5:
            return None
        return "free exposed slot of an open drawer"
    return "free spot in the container"


def settled(action: ActionLike, priv: Priv, target: Any) -> str | None:
    """Why the look-ahead cannot change the verdict on ``action`` (after the cheap stages
    passed), from the privileged observation and the expert's target pose; None when it
    must run.  Only ``stack`` and ``put-in`` are screened."""
    args = tuple(action.args)
    try:
        if action.name == "stack" and len(args) == 2:
            return _stack_settled(priv, args[0], args[1], target)
        if action.name == "put-in" and len(args) == 2:
            return _put_in_settled(priv, args[0], args[1], target)
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return None
