"""What an instruction means: literals, ordered goal stages, and the scene they refer to.

A :class:`Goal` is a tuple of *stages*; each stage is a conjunction of :class:`Literal`
(an atom and a sign).  Stage ``i`` must be reached before stage ``i + 1`` is pursued
("first ..., then ...").  :attr:`Goal.checkpoints` holds, for every stage, the whole
conjunction that must hold once that stage is done: the earlier stages' literals that a
later literal does not replace, plus the stage itself.  :attr:`Goal.final` is the last one.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vlaplan.planner.atoms import Atom


@dataclass(frozen=True)
class SceneObject:
    """One object or fixture of the observed scene, as the instruction parser sees it.

    ``type`` is its PDDL type (``block``, ``item``, ``drawer``, ``bin``); ``colour`` and
    ``shape`` are attributes from the scene (``None`` when it has none).
    """

    name: str
    type: str
    colour: str | None = None
    shape: str | None = None


@dataclass(frozen=True, order=True)
class Literal:
    """An atom that must hold (``positive``) or must not hold."""

    atom: Atom
    positive: bool = True

    def __str__(self) -> str:
        return str(self.atom) if self.positive else f"(not {self.atom})"

    def negated(self) -> "Literal":
        return Literal(self.atom, not self.positive)

    def to_formula(self) -> Any:
        """The planner's formula node: ``Pred`` or ``Not(Pred)`` (vlaplan.planner.formulas)."""
        from vlaplan.planner.formulas import Not, Pred

        pred = Pred(self.atom.predicate, tuple(self.atom.args))
        return pred if self.positive else Not(pred)

    @classmethod
    def parse(cls, text: str) -> "Literal":
        """Parse ``"(on a b)"`` or ``"(not (on a b))"``."""
        body = text.strip()
        if body.startswith("(not ") or body.startswith("(not("):
            return cls(Atom.parse(body[4:-1]), False)
        return cls(Atom.parse(body), True)


SlotFunction = Callable[[Literal], Sequence[str]]


def _no_slots(_: Literal) -> Sequence[str]:
    return ()


def checkpoints_of(stages: Sequence[Sequence[Literal]],
                   slots: SlotFunction = _no_slots) -> tuple[tuple[Literal, ...], ...]:
    """The conjunction that must hold after each stage.

    A later literal replaces an earlier one over the same atom (either sign), and a later
    positive literal replaces an earlier positive one sharing a *slot* (``slots`` names
    them: e.g. ``(on a b)`` and ``(on-table a)`` both fill ``at a``).
    """
    current: list[Literal] = []
    out: list[tuple[Literal, ...]] = []
    for stage in stages:
        for lit in stage:
            taken = set(slots(lit)) if lit.positive else set()
            current = [old for old in current
                       if old.atom != lit.atom
                       and not (old.positive and taken & set(slots(old)))]
        for lit in stage:
            if lit not in current:
                current.append(lit)
        out.append(tuple(current))
    return tuple(out)


@dataclass(frozen=True)
class Goal:
    """Ordered stages of goal literals; see the module docstring."""

    stages: tuple[tuple[Literal, ...], ...]
    instruction: str = ""
    checkpoints: tuple[tuple[Literal, ...], ...] = field(default=(), compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)
    """Remarks on how the instruction was read (e.g. objects a "sort" left out)."""

    def __post_init__(self) -> None:
        stages = tuple(tuple(stage) for stage in self.stages)
        object.__setattr__(self, "stages", stages)
        if not self.checkpoints:
            object.__setattr__(self, "checkpoints", checkpoints_of(stages))

    @classmethod
    def of(cls, literals: Iterable[Literal | str], instruction: str = "") -> "Goal":
        """A one-stage goal from literals or their text."""
        lits = tuple(lit if isinstance(lit, Literal) else Literal.parse(lit) for lit in literals)
        return cls((lits,), instruction)

    @property
    def final(self) -> tuple[Literal, ...]:
        """The conjunction that must hold when every stage is done."""
        return self.checkpoints[-1] if self.checkpoints else ()

    @property
    def atoms(self) -> frozenset[Atom]:
        """The atoms the final conjunction requires to be true."""
        return frozenset(lit.atom for lit in self.final if lit.positive)

    @property
    def negative_atoms(self) -> frozenset[Atom]:
        """The atoms the final conjunction requires to be false."""
        return frozenset(lit.atom for lit in self.final if not lit.positive)

    def satisfied_by(self, state: Iterable[Any]) -> bool:
        """Whether the final conjunction holds in a closed-world state of atoms."""
        facts = {Atom(a[0], tuple(a[1])) for a in state}
        return all((lit.atom in facts) == lit.positive for lit in self.final)

    def __str__(self) -> str:
        if len(self.stages) <= 1:
            return stage_text(self.final)
        return " ; then ".join(stage_text(stage) for stage in self.stages)

    def to_dict(self) -> dict[str, Any]:
        return {"instruction": self.instruction,
                "stages": [[str(lit) for lit in stage] for stage in self.stages],
                "checkpoints": [[str(lit) for lit in c] for c in self.checkpoints],
                "final": [str(lit) for lit in self.final],
                "notes": list(self.notes)}

    def to_json(self) -> str:
        """JSON text: instruction, stages, checkpoints and final (lists of literal strings)."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str | dict[str, Any]) -> "Goal":
        data = json.loads(text) if isinstance(text, str) else text
        stages = tuple(tuple(Literal.parse(s) for s in stage) for stage in data["stages"])
        checkpoints = tuple(tuple(Literal.parse(s) for s in c) for c in data.get("checkpoints", ()))
        return cls(stages, data.get("instruction", ""), checkpoints, tuple(data.get("notes", ())))


def stage_text(literals: Sequence[Literal]) -> str:
    """``(and (on a b) (not (on c a)))``; a single literal is shown bare."""
    if len(literals) == 1:
        return str(literals[0])
    return "(and " + " ".join(str(lit) for lit in literals) + ")"


def goal_to_formula(stage: Sequence[Literal] | Goal) -> Any:
    """The planner formula (``conjunction``) of one stage, or of a goal's final conjunction."""
    from vlaplan.planner.formulas import And, conjunction

    literals = stage.final if isinstance(stage, Goal) else tuple(stage)
    if not literals:
        return And(())
    return conjunction([lit.to_formula() for lit in literals])
