"""Kitchen classifiers: privileged world state -> ``on-table``, ``in``, ``holding``,
``hand-empty``, ``open``, ``closed``.

Open/closed use the drawer's joint position with the tolerances of
:mod:`vlaplan.world_model.predicates`; ``in`` tests an object's centre against the
drawer box (in the cabinet frame, so it follows the drawer as it slides).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from vlaplan.planner.atoms import Atom
from vlaplan.world_model.predicates import (IN_MARGIN, drawer_is_closed, drawer_is_open, held,
                                            is_on_table, table_height)

IN_DRAWER_ABOVE_FLOOR = 0.07  # m: an object's centre at most this high above the drawer floor


def in_drawer(obj: Mapping[str, Any], drawer: Mapping[str, Any],
              margin: float = IN_MARGIN) -> bool:
    """Not held and its centre lies inside the drawer box."""
    if held(obj):
        return False
    x_min, x_max, y_half = drawer["interior"]
    lx, ly, _ = _local(obj["pos"], drawer["origin"], float(drawer["yaw"]))
    dz = float(obj["pos"][2]) - float(drawer["floor_z"])
    return (x_min + margin <= lx <= x_max - margin and abs(ly) <= y_half - margin
            and 0.0 <= dz <= IN_DRAWER_ABOVE_FLOOR)


def _local(p: Sequence[float], origin: Sequence[float], yaw: float) -> tuple[float, float, float]:
    c, s = math.cos(yaw), math.sin(yaw)
    dx, dy = float(p[0]) - origin[0], float(p[1]) - origin[1]
    return c * dx + s * dy, -s * dx + c * dy, float(p[2]) - origin[2]


def abstract(priv: Mapping[str, Any]) -> frozenset[Atom]:
    """The atoms true in a privileged observation of a kitchen scene."""
    objects = priv["objects"]
    drawers = {n: f for n, f in priv.get("fixtures", {}).items() if f.get("kind") == "drawer"}
    height = table_height(priv)
    atoms: set[Atom] = set()
    for name, d in drawers.items():
        q = float(d["joint"])
        if drawer_is_open(q):
            atoms.add(Atom("open", (name,)))
        if drawer_is_closed(q):
            atoms.add(Atom("closed", (name,)))
    holding = [n for n, o in objects.items() if held(o)]
    atoms.update(Atom("holding", (n,)) for n in holding)
    if not holding:
        atoms.add(Atom("hand-empty"))
    for name, obj in objects.items():
        if name in holding:
            continue
        inside = [d for d, info in drawers.items() if in_drawer(obj, info)]
        if inside:
            atoms.add(Atom("in", (name, inside[0])))
        elif is_on_table(obj, height):
            atoms.add(Atom("on-table", (name,)))
    return frozenset(atoms)
