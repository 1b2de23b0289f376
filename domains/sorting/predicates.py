"""Sorting classifiers: privileged world state -> ``on-table``, ``in``, ``holding``,
``hand-empty``.

An object is in a bin when it is not held, its centre lies over the bin's inner floor
(in the bin frame, less :data:`~vlaplan.world_model.predicates.IN_MARGIN`) and no
higher than :data:`IN_BIN_ABOVE_WALL` over the wall top (objects may pile up).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vlaplan.domains.containment import containment_atoms
from vlaplan.planner.atoms import Atom
from vlaplan.world_model.fixtures import to_local
from vlaplan.world_model.predicates import IN_MARGIN, held

IN_BIN_ABOVE_WALL = 0.04  # m


def in_bin(obj: Mapping[str, Any], info: Mapping[str, Any], margin: float = IN_MARGIN) -> bool:
    """Not held and its centre lies inside the bin (see the module docstring)."""
    if held(obj):
        return False
    lx, ly, _ = to_local([float(v) for v in obj["pos"]], info["center"], float(info["yaw"]))
    half = float(info["inner_half"]) - margin
    z = float(obj["pos"][2])
    return (abs(lx) <= half and abs(ly) <= half
            and float(info["floor_z"]) <= z <= float(info["wall_top_z"]) + IN_BIN_ABOVE_WALL)


def abstract(priv: Mapping[str, Any]) -> frozenset[Atom]:
    """The atoms true in a privileged observation of a sorting scene."""
    return frozenset(containment_atoms(priv, "bin", in_bin))
