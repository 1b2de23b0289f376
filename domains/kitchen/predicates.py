"""Kitchen classifiers: privileged world state -> ``on-table``, ``in``, ``holding``,
``hand-empty``, ``open``, ``closed``.

Open/closed is total: a drawer is ``closed`` within the closed tolerance of
:mod:`vlaplan.world_model.predicates` and ``open`` otherwise, so a half-open drawer can be
closed (and re-opened: the open skill pulls from wherever the drawer stands; whether it
is open far enough for a put-in is the twin's look-ahead's question); ``in`` tests an object's centre against the
drawer box (in the cabinet frame, so it follows the drawer as it slides).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vlaplan.domains.containment import containers, containment_atoms
from vlaplan.planner.atoms import Atom
from vlaplan.world_model.fixtures import to_local
from vlaplan.world_model.predicates import IN_MARGIN, drawer_is_closed, held

IN_DRAWER_ABOVE_FLOOR = 0.07  # m: an object's centre at most this high above the drawer floor


def in_drawer(obj: Mapping[str, Any], drawer: Mapping[str, Any],
              margin: float = IN_MARGIN) -> bool:
    """Not held and its centre lies inside the drawer box."""
    if held(obj):
        return False
    x_min, x_max, y_half = drawer["interior"]
    lx, ly, _ = to_local([float(v) for v in obj["pos"]], drawer["origin"], float(drawer["yaw"]))
    dz = float(obj["pos"][2]) - float(drawer["floor_z"])
    return (x_min + margin <= lx <= x_max - margin and abs(ly) <= y_half - margin
            and 0.0 <= dz <= IN_DRAWER_ABOVE_FLOOR)


def abstract(priv: Mapping[str, Any]) -> frozenset[Atom]:
    """The atoms true in a privileged observation of a kitchen scene."""
    atoms = containment_atoms(priv, "drawer", in_drawer)
    for name, d in containers(priv, "drawer").items():
        atoms.add(Atom("closed" if drawer_is_closed(float(d["joint"])) else "open", (name,)))
    return frozenset(atoms)
