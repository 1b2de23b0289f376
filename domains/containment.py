"""Classifier pieces the domains share: the hand (``holding``, ``hand-empty``) and where
a loose object rests (``in`` a container or ``on-table``).

Each reads the privileged part of an observation; the tolerances are those of
:mod:`vlaplan.world_model.predicates`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from vlaplan.planner.atoms import Atom
from vlaplan.world_model.predicates import held_objects, is_on_table, table_height

Inside = Callable[[Mapping[str, Any], Mapping[str, Any]], bool]  # (object, container info)


def hand_atoms(priv: Mapping[str, Any]) -> tuple[list[str], set[Atom]]:
    """The held objects' names, and ``holding`` for each of them (or ``hand-empty``)."""
    holding = held_objects(priv)
    atoms = {Atom("holding", (name,)) for name in holding}
    if not holding:
        atoms.add(Atom("hand-empty"))
    return holding, atoms


def containers(priv: Mapping[str, Any], kind: str) -> dict[str, Mapping[str, Any]]:
    """The fixtures of ``kind`` (``"drawer"``, ``"bin"``) by name."""
    return {n: f for n, f in priv.get("fixtures", {}).items() if f.get("kind") == kind}


def containment_atoms(priv: Mapping[str, Any], kind: str, inside: Inside) -> set[Atom]:
    """Hand atoms, then for every object not held ``in`` the first container of ``kind``
    it is ``inside``, else ``on-table`` when it rests on the table."""
    objects = priv["objects"]
    boxes = containers(priv, kind)
    height = table_height(priv)
    holding, atoms = hand_atoms(priv)
    for name, obj in objects.items():
        if name in holding:
            continue
        within = [c for c, info in boxes.items() if inside(obj, info)]
        if within:
            atoms.add(Atom("in", (name, within[0])))
        elif is_on_table(obj, height):
            atoms.add(Atom("on-table", (name,)))
    return atoms
