"""Tabletop classifiers: privileged world state -> ``on``, ``on-table``, ``clear``,
``holding``, ``hand-empty`` (tolerances in :mod:`vlaplan.world_model.predicates`)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vlaplan.domains.containment import hand_atoms
from vlaplan.planner.atoms import Atom
from vlaplan.world_model.predicates import is_on, is_on_table, table_height


def abstract(priv: Mapping[str, Any]) -> frozenset[Atom]:
    """The atoms true in a privileged observation of a tabletop scene."""
    objects = priv["objects"]
    height = table_height(priv)
    holding, atoms = hand_atoms(priv)
    covered: set[str] = set()
    for x, ox in objects.items():
        if x in holding:
            continue
        if is_on_table(ox, height):
            atoms.add(Atom("on-table", (x,)))
            continue
        for y, oy in objects.items():
            if y != x and y not in holding and is_on(ox, oy):
                atoms.add(Atom("on", (x, y)))
                covered.add(y)
                break
    atoms.update(Atom("clear", (x,)) for x in objects if x not in holding and x not in covered)
    return frozenset(atoms)
