"""Askew supports: a block resting tilted low in a tower makes what is stacked on it fall.

A learned stack sometimes leaves a block resting a few degrees off flat, propped on an
edge of the one below.  The classifiers still call it ``on`` (they accept tilts up to
``FLAT_TOL``), so the goal literal it serves holds and no plan touches it again.  A stack
higher up the same tower is then refused by the twin's look-ahead as UNSTABLE, rightly:
the tower leans and the new block slides off.  Banning that stack until the upper blocks
move does not help: the next plan takes them off and puts them back on the same tilted
block, and the same refusal follows.

:func:`askew_support` finds, under the objects an action puts something on, the lowest
one tilted more than :data:`SEAT_TOL`, and returns the atom that says where it rests.
The Dispatcher scopes the UNSTABLE ban to that atom, so a plan may try the stack again
only after taking the tilted block off its support and setting it down again.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from vlaplan.planner.atoms import Atom
from vlaplan.world_model.predicates import held, tilt

# rad: a block resting more than this off flat (5 degrees) counts as askew.  Blocks set
# down flat by the expert rest within a fraction of a degree of flat.
SEAT_TOL = 0.087


def support_atom(name: str, atoms: Iterable[Atom], locates: Callable[[Atom], set[str]]
                 ) -> Atom | None:
    """The observed atom that says where ``name`` rests (``(on name y)``,
    ``(on-table name)``), by ``locates``: atom -> the objects whose place it says."""
    for atom in sorted(atoms, key=str):
        if atom.args and atom.args[0] == name and name in locates(atom):
            return atom
    return None


def askew_support(action: Any, objects: Mapping[str, Any], atoms: Iterable[Atom],
                  locates: Callable[[Atom], set[str]]) -> Atom | None:
    """The support atom of the lowest askew object under ``action``'s arguments that are
    not in the hand (privileged ``objects`` by name), or None when every one rests flat."""
    atoms = list(atoms)
    found: Atom | None = None
    for arg in action.args:
        name, seen = arg, set()
        while name in objects and name not in seen and not held(objects[name]):
            seen.add(name)
            atom = support_atom(name, atoms, locates)
            if atom is None:
                break
            if tilt(objects[name]) > SEAT_TOL:
                found = atom  # keep going down: the lowest askew block is the cause
            name = atom.args[1] if len(atom.args) > 1 else ""
    return found
