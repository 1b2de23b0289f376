"""Where a learned set-down starts: over the most open part of the table near the ready pose.

"Put x on the table" names no spot.  The scripted expert sets the object down on the point
of its grid (:data:`~vlaplan.skills.hand_clearance.SPOT_GRID`) nearest where the hand
starts that keeps :data:`~vlaplan.skills.scripted.SPOT_CLEARANCE` (9 cm) from every other
object, and the policies trained on its demonstrations learned to do the same from images.
Inside a long task every skill starts from one ready pose, so every set-down aims at the
free table around it, and a learned one keeps less room than the expert (a block often
lands 5-8 cm from another).  Blocks crowd each other there, and the picks and stacks among
them fail or are refused by the twin (COLLISION: no grasp yaw clears the neighbour).

:func:`open_start` moves the start of such a skill over the grid point with the most room,
within :data:`REACH` of the ready position (inside ``collect``'s home jitter of 0.15 m, so
the start is one the policy was trained from).  Measured on the shipped ``vla`` in
``benchmarks/skill_context.py``'s ten-action towers (session 29): docs/executor.md.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from vlaplan.skills.hand_clearance import SPOT_GRID, fixtures_clear
from vlaplan.skills.scripted import World
from vlaplan.world_model.predicates import held

REACH = 0.12   # m from the ready position along x and y
ENOUGH = 0.15  # m of room that counts as plenty: beyond it, the point nearer the ready pose wins
_GRID = np.array(SPOT_GRID, dtype=float)


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


def sets_down(action: Any, on_table: set[str]) -> bool:
    """Whether ``action`` (a ground action with ``add`` atoms) puts something on the table:
    one of its add effects is a predicate of the lexicon's ``on_table`` goal."""
    return any(getattr(a, "predicate", None) in on_table for a in getattr(action, "add", ()))
