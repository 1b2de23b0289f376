"""Sorting classifiers: privileged world state -> ``on-table``, ``in``, ``holding``,
``hand-empty``.

An object is in a bin when it is not held, its centre lies over the bin's inner floor
(in the bin frame, less :data:`~vlaplan.world_model.predicates.IN_MARGIN`) and no
higher than :data:`IN_BIN_ABOVE_WALL` over the wall top (objects may pile up).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from vlaplan.planner.atoms import Atom
from vlaplan.world_model.predicates import IN_MARGIN, held, is_on_table, table_height

IN_BIN_ABOVE_WALL = 0.04  # m


def in_bin(obj: Mapping[str, Any], info: Mapping[str, Any], margin: float = IN_MARGIN) -> bool:
    """Not held and its centre lies inside the bin (see the module docstring)."""
    if held(obj):
        return False
    cx, cy, _ = info["center"]
    yaw = float(info["yaw"])
    dx, dy = float(obj["pos"][0]) - cx, float(obj["pos"][1]) - cy
    lx = math.cos(yaw) * dx + math.sin(yaw) * dy
    ly = -math.sin(yaw) * dx + math.cos(yaw) * dy
    half = float(info["inner_half"]) - margin
    z = float(obj["pos"][2])
    return (abs(lx) <= half and abs(ly) <= half
            and float(info["floor_z"]) <= z <= float(info["wall_top_z"]) + IN_BIN_ABOVE_WALL)


def abstract(priv: Mapping[str, Any]) -> frozenset[Atom]:
    """The atoms true in a privileged observation of a sorting scene."""
    objects = priv["objects"]
    bins = {n: f for n, f in priv.get("fixtures", {}).items() if f.get("kind") == "bin"}
    height = table_height(priv)
    atoms: set[Atom] = set()
    holding = [n for n, o in objects.items() if held(o)]
    atoms.update(Atom("holding", (n,)) for n in holding)
    if not holding:
        atoms.add(Atom("hand-empty"))
    for name, obj in objects.items():
        if name in holding:
            continue
        inside = [b for b, info in bins.items() if in_bin(obj, info)]
        if inside:
            atoms.add(Atom("in", (name, inside[0])))
        elif is_on_table(obj, height):
            atoms.add(Atom("on-table", (name,)))
    return frozenset(atoms)
