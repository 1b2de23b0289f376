"""Ground atoms and states: the currency every package trades in.

An :class:`Atom` is a predicate applied to object names, e.g. ``(on red_1 blue_1)``.
It is a ``NamedTuple`` so that it hashes and compares equal to the plain tuple
``("on", ("red_1", "blue_1"))``; packages that must not import the planner (skills)
can therefore work with plain tuples.  A :data:`State` is a frozenset of atoms
(closed world: what is absent is false).
"""
from __future__ import annotations

from typing import NamedTuple


class Atom(NamedTuple):
    """A ground atom: predicate name and argument names, lower-case."""

    predicate: str
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "(" + " ".join((self.predicate, *self.args)) + ")"

    @classmethod
    def parse(cls, text: str) -> "Atom":
        """Parse ``"(on a b)"`` or ``"on a b"`` into an atom."""
        words = text.strip().strip("()").split()
        if not words:
            raise ValueError(f"empty atom {text!r}")
        return cls(words[0].lower(), tuple(w.lower() for w in words[1:]))


State = frozenset  # frozenset[Atom]
