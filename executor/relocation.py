"""Destinations a learned skill keeps missing: move them, then try again.

A learned stack that misses its target drops the block on the table.  The next plan picks
the block up and stacks it again, and the policy, seeing much the same scene, misses the
same way: inside the ten-action towers most failed stacks are such repeats (session 20:
six misses in a row of ``(stack green_1 purple_1)``, each released 9 cm beside purple_1,
used up every replan of the task).  The world changed after each miss (the block fell),
so the Dispatcher's rule for skills that fail without changing anything does not apply.

:class:`Misses` counts, per ground action, the failures that happened while the objects
the action needs to stay put (its *destinations*: arguments in the scene, not in the
hand, whose place none of its delete effects says; ``y`` of ``(stack x y)``) stood where
they stood at the previous failure.  After :data:`MISSES` of them the Dispatcher bans the
action until a plan has moved such a destination: the atoms saying where it rests
(``(on-table y)``) scope the ban, so the next plan picks it up and sets it down elsewhere
before stacking on it again.  Only destinations resting on something that is not a
movable object are moved (a block on the table, not one inside a tower: rebuilding the
tower elsewhere costs more than the misses it might save), and the ban is advice: when no
plan can honour it, the planner is asked again without it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from vlaplan.executor.crowding import plane
from vlaplan.executor.seating import support_atom
from vlaplan.planner.atoms import Atom
from vlaplan.world_model.predicates import held

MISSES = 2  # failures of one action at unmoved destinations before they are moved
MOVED = 0.02  # m (table plane): a destination nearer than this to where it stood has not moved
REASON = "missed"  # how a relocation ban's reason starts (``Bans.advisory``)


def destinations(action: Any, objects: Mapping[str, Any],
                 locates: Callable[[Atom], set[str]]) -> list[str]:
    """``action``'s arguments that must stay where they are: objects of the scene
    (privileged ``objects`` by name), not in the hand, whose place none of the action's
    delete effects says (``locates``: atom -> the objects whose place it says)."""
    moved: set[str] = set()
    for atom in getattr(action, "delete", ()):
        moved |= locates(atom)
    return [a for a in dict.fromkeys(action.args)
            if a in objects and not held(objects[a]) and a not in moved]


def staying(action: Any, objects: Mapping[str, Any], movable: Iterable[str],
            locates: Callable[[Atom], set[str]]) -> dict[str, np.ndarray]:
    """Where ``action``'s :func:`destinations` that are ``movable`` stand (table plane)."""
    movable = set(movable)
    return spots_of([n for n in destinations(action, objects, locates) if n in movable], objects)


class Misses:
    """Failures per ground action, counted while its destinations stay put."""

    def __init__(self) -> None:
        self._seen: dict[Any, tuple[int, dict[str, np.ndarray]]] = {}

    def note(self, key: Any, spots: Mapping[str, np.ndarray]) -> int:
        """Count a failure of ``key`` with its destinations at ``spots`` (name -> table-plane
        position); returns the failures in a row with them where they are now."""
        count, before = self._seen.get(key, (0, {}))
        same = bool(spots) and before.keys() == spots.keys() and all(
            float(np.linalg.norm(spots[n] - before[n])) < MOVED for n in spots)
        count = count + 1 if same else 1
        self._seen[key] = (count, {n: np.asarray(p, float) for n, p in spots.items()})
        return count

    def ban(self, key: Any, spots: Mapping[str, np.ndarray], atoms: Iterable[Atom],
            movable: Iterable[str], locates: Callable[[Atom], set[str]]
            ) -> tuple[str, list[Atom]] | None:
        """:meth:`note` a failure; from the :data:`MISSES`-th in a row on, the reason and the
        scope of the ban to take (the support atoms of the destinations resting on no
        movable object), else None."""
        count = self.note(key, spots)
        scope = grounded_supports(spots, atoms, movable, locates) if count >= MISSES else []
        if not scope:
            return None
        one = len(scope) == 1
        names = ", ".join(a.args[0] for a in scope)
        return (f"{REASON} {count} times with {names} where {'it stands' if one else 'they stand'}"
                f": move {'it' if one else 'them'} first"), scope


def spots_of(names: Iterable[str], objects: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Table-plane positions of ``names`` (privileged ``objects`` by name)."""
    return {n: plane(objects[n]) for n in names if n in objects}


def grounded_supports(names: Iterable[str], atoms: Iterable[Atom], movable: Iterable[str],
                      locates: Callable[[Atom], set[str]]) -> list[Atom]:
    """The observed support atoms of those ``names`` that rest on no movable object
    (``(on-table y)``, not ``(on y z)``): what a plan changes by moving them."""
    atoms, movable = list(atoms), set(movable)
    out = []
    for name in names:
        atom = support_atom(name, atoms, locates)
        if atom is not None and not set(atom.args[1:]) & movable:
            out.append(atom)
    return out
