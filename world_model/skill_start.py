"""Where a learned skill starts: over what it acts on, or over open table for a set-down.

Learned skills are trained from starts jittered up to 15 cm around the scene's home pose
(``collect --home-jitter``), and the executor brings the hand back there before each one
(:mod:`vlaplan.world_model.ready_pose`).  Within that jitter the start can be chosen, and
two choices help a learned policy:

* **Approach** (:func:`approach_object`): a skill that acts on a movable object (the
  first of its arguments that is movable and not in the hand: the block to pick or
  unstack, the block to stack on) starts over it, as near as :data:`REACH` allows.  The
  policy then has less far to go, and its errors grow with the distance it steers.
* **Spread** (:func:`open_start`): "put x on the table" names no spot.  The scripted
  expert sets the object down on the point of its grid
  (:data:`~vlaplan.skills.hand_clearance.SPOT_GRID`) nearest where the hand starts that
  keeps :data:`~vlaplan.skills.scripted.SPOT_CLEARANCE` (9 cm) from every other object,
  and the policies trained on its demonstrations learned the same from images.  From one
  ready pose every set-down of a long task aims at the free table around it, and a learned
  one keeps less room than the expert (5-8 cm is common): blocks crowd each other there,
  and picks and stacks among them fail or are refused by the twin (COLLISION).  A set-down
  starts instead over the grid point with the most room within :data:`REACH`.

Measured on the shipped ``vla`` in ``benchmarks/skill_context.py``'s ten-action towers
(session 29): docs/executor.md, "Where a learned skill starts".
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from vlaplan.skills.hand_clearance import SPOT_GRID, fixtures_clear
from vlaplan.skills.scripted import World
from vlaplan.world_model.predicates import held

REACH = 0.12   # m from the ready position along x and y (collect jitters starts by 0.15)
ENOUGH = 0.15  # m of room that counts as plenty: beyond it, the point nearer the ready pose wins
_GRID = np.array(SPOT_GRID, dtype=float)


def skill_start(action: Any, priv: Mapping[str, Any], ready_xy: Any, movable: Collection[str],
                on_table: Collection[str], *, spread: bool, approach: bool) -> np.ndarray:
    """The x, y a learned skill for ``action`` starts from (its height and yaw stay the
    ready pose's): :func:`open_start` for a set-down on the table (``spread``), over
    :func:`approach_object` (``approach``), else ``ready_xy``.  ``priv``: the observation's
    privileged part; ``on_table``: the predicates of the lexicon's ``on_table`` goal."""
    ready = np.asarray(ready_xy, dtype=float)[:2]
    objects = priv.get("objects") or {}
    if spread and sets_down(action, on_table):
        return open_start(priv, ready)
    name = approach_object(action, objects, movable) if approach else None
    if name is None:
        return ready.copy()
    return np.clip(np.asarray(objects[name]["pos"][:2], dtype=float), ready - REACH, ready + REACH)


def approach_object(action: Any, objects: Mapping[str, Any], movable: Collection[str]) -> str | None:
    """The first argument of ``action`` that is a movable object in the scene and not in
    the hand (``pick x``, ``unstack x y``: x; ``stack x y`` with x held: y), or None (a
    drawer to open, a held object to put into a bin)."""
    for arg in getattr(action, "args", ()):
        if arg in movable and arg in objects and not held(objects[arg]):
            return arg
    return None


def open_start(priv: Mapping[str, Any], ready_xy: Any) -> np.ndarray:
    """The x, y to start a set-down from: the point of the expert's spot grid within
    :data:`REACH` of ``ready_xy`` whose nearest object (not the held one) is farthest,
    counted up to :data:`ENOUGH`, ties to the point nearest ``ready_xy``; clear of the
    fixtures.  ``ready_xy`` itself when no point qualifies or nothing else is on the table.
    ``priv``: the observation's privileged part (objects, hand, fixtures)."""
    ready = np.asarray(ready_xy, dtype=float)[:2]
    others = [np.asarray(o["pos"][:2], dtype=float)
              for o in (priv.get("objects") or {}).values() if not held(o)]
    grid = _GRID[(np.abs(_GRID - ready) <= REACH + 1e-9).all(axis=1)]
    if len(grid) and priv.get("fixtures"):
        grid = grid[fixtures_clear(World(priv), grid)]
    if not others or not len(grid):
        return ready.copy()
    room = np.linalg.norm(grid[:, None, :] - np.array(others)[None, :, :], axis=-1).min(axis=1)
    score = np.minimum(room, ENOUGH) - 1e-3 * np.linalg.norm(grid - ready, axis=1)
    return grid[int(np.argmax(score))].copy()


def sets_down(action: Any, on_table: Collection[str]) -> bool:
    """Whether ``action`` (a ground action with ``add`` atoms) puts something on the table:
    one of its add effects is a predicate of the lexicon's ``on_table`` goal."""
    return any(getattr(a, "predicate", None) in on_table for a in getattr(action, "add", ()))
