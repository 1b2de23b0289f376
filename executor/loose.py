"""Loose support: a planning view of objects that no support atom places.

A block the policy dropped may come to rest leaning against another one with an edge on
the table, or lying across two blocks with its centre over neither.  The domain's
classifiers give it no ``on-table``, ``on`` or ``in`` atom, so no action applies to it and
every plan that has to move it fails.  Physically it can still be picked up: it touches
the table or lies on other blocks.

:func:`loose_support` gives such an object the support atom it most plausibly has, for
planning only: ``(on-table x)`` when it touches the table, else ``(on x y)`` for the block
``y`` under it whose centre is nearest its own (``(clear y)`` then goes), else ``(on x y)``
for a block it leans against (when the table would satisfy the goal).  An assumed atom
must never make the goal look closer than it is: an atom is only assumed when the goal
literals that do not hold in the observed atoms still do not hold with it (a block leaning
on the one it should stand on is taken as on the table, so the plan picks it up and
stacks it again; a tower's bottom block leaning on its neighbour is taken as on that
neighbour, so the plan picks it up and sets it down).  Objects with no such atom (touching
nothing, or only the hand) stay
unplaced.  Success is never judged on assumed atoms (``Dispatcher.observed``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from vlaplan.executor.planning import unmet, unsupported
from vlaplan.planner.atoms import Atom
from vlaplan.world_model.predicates import HAND_PARTS, held, top

TABLE = "table"  # the privileged contact name of the table


def loose_support(atoms: frozenset[Atom], objects: Mapping[str, Any], movable: Iterable[str],
                  goal: Iterable[Any], arity: Mapping[str, int],
                  locates: Callable[[Atom], set[str]] | None) -> dict[str, Atom]:
    """The assumed support atom of each unplaced movable object (see the module doc).

    ``objects`` is the privileged observation's objects (pose, size, contacts), ``arity``
    the domain's predicates (name -> number of parameters): only ``on-table`` (1) and
    ``on`` (2) are ever assumed, and only in domains that declare them so.  ``locates``
    says which objects an atom places (:func:`planning.unsupported`).
    """
    movable = set(movable)
    lost = unsupported(atoms, movable, locates)
    if not lost:  # the usual case: every object placed (nothing to assume)
        return {}
    goal = list(goal)
    missing = set(unmet(goal, atoms))
    state = set(atoms)
    assumed: dict[str, Atom] = {}
    for x in lost:
        ox = objects.get(x)
        if ox is None or held(ox):
            continue
        for atom in _candidates(x, ox, objects, movable, arity):
            trial = _with(state, atom, arity)
            if set(unmet(goal, trial)) >= missing:
                state, assumed[x] = trial, atom
                break
    return assumed


def with_assumed(atoms: frozenset[Atom], assumed: Mapping[str, Atom],
                 arity: Mapping[str, int]) -> frozenset[Atom]:
    """``atoms`` plus the assumed support atoms (an assumed ``on`` covers its lower block)."""
    state = set(atoms)
    for atom in assumed.values():
        state = _with(state, atom, arity)
    return frozenset(state)


def _with(state: set[Atom], atom: Atom, arity: Mapping[str, int]) -> set[Atom]:
    out = set(state) | {atom}
    if atom[0] == "on" and arity.get("clear") == 1:
        out.discard(Atom("clear", (atom[1][1],)))
    return out


def _candidates(x: str, ox: Mapping[str, Any], objects: Mapping[str, Any],
                movable: set[str], arity: Mapping[str, int]) -> list[Atom]:
    """Support atoms for ``x`` from what it touches, most plausible first."""
    touching = [c for c in ox.get("contacts", ()) if c not in HAND_PARTS]
    out: list[Atom] = []
    if TABLE in touching and arity.get("on-table") == 1:
        out.append(Atom("on-table", (x,)))
    if arity.get("on") == 2:
        centre = np.asarray(ox["pos"], dtype=float)
        near = sorted((float(np.linalg.norm(np.asarray(objects[y]["pos"][:2], dtype=float)
                                            - centre[:2])), y)
                      for y in touching if y in movable and y in objects and y != x
                      and not held(objects[y]))
        # blocks under it first; last, a block it leans against (its centre lower than that
        # block's top), reached when the table is no candidate or would satisfy a goal
        # literal (a tower's bottom block fallen against its neighbour): the plan then picks
        # it up and sets it down
        below = [y for _, y in near if top(objects[y]) <= centre[2]]
        out.extend(Atom("on", (x, y)) for y in below)
        out.extend(Atom("on", (x, y)) for _, y in near if y not in below)
    return out
