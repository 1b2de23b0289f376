"""The lifted planning model: :class:`Domain`, :class:`Action`, :class:`Problem`.

These are our own types; pddlpy's objects never leave :mod:`vlaplan.planner.loader`.
Names are lower-case (PDDL is case-insensitive).  Every type has a parent in
``Domain.types`` except ``object``, the root.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

from vlaplan.planner.atoms import Atom
from vlaplan.planner.formulas import TRUE, Formula, FunctionTerm, Parameter


@dataclass(frozen=True)
class PredicateDef:
    """A predicate declaration ``(on ?x - block ?y - block)``."""

    name: str
    params: tuple[Parameter, ...] = ()

    @property
    def arity(self) -> int:
        return len(self.params)


@dataclass(frozen=True)
class Action:
    """A lifted action schema."""

    name: str
    params: tuple[Parameter, ...]
    precondition: Formula = TRUE
    effect: Formula = TRUE


@dataclass(frozen=True)
class DerivedRule:
    """A PDDL 2.2 derived-predicate rule ``(:derived (above ?x ?y) <condition>)``: the atom
    holds in a state exactly when some rule for its predicate derives it (closed world; see
    :mod:`vlaplan.planner.derived`).  A predicate may have several rules."""

    predicate: str
    params: tuple[Parameter, ...]
    condition: Formula = TRUE


@dataclass(frozen=True, eq=False)
class Domain:
    """A PDDL domain: types (child -> parent), constants, predicates, functions, actions,
    and the rules of its derived predicates (``derived``, in file order)."""

    name: str
    requirements: frozenset[str] = frozenset()
    types: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    predicates: dict[str, PredicateDef] = field(default_factory=dict)
    functions: dict[str, PredicateDef] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)
    file: str = "<string>"
    derived: tuple[DerivedRule, ...] = ()

    @cached_property
    def derived_predicates(self) -> frozenset[str]:
        """The predicates defined by ``(:derived ...)`` rules (never changed by actions)."""
        return frozenset(r.predicate for r in self.derived)

    @cached_property
    def strata(self) -> dict[str, int]:
        """The stratum of each derived predicate (:func:`vlaplan.planner.derived.stratify`)."""
        from vlaplan.planner.derived import stratify

        return stratify(self.derived, self.file)

    def ancestors(self, type_name: str) -> list[str]:
        """``type_name`` and all its supertypes up to ``object``."""
        out, t = [], type_name
        while t is not None and t not in out:
            out.append(t)
            t = self.types.get(t, "object" if t != "object" else None)
        if "object" not in out:
            out.append("object")
        return out

    def is_subtype(self, sub: str, sup: str) -> bool:
        return sup in self.ancestors(sub)


@dataclass(frozen=True, eq=False)
class Problem:
    """A PDDL problem over a domain.  ``init`` is closed-world; ``numeric_init`` holds
    function values such as ``{FunctionTerm("total-cost"): 0.0}``."""

    name: str
    domain_name: str
    objects: dict[str, str] = field(default_factory=dict)
    init: frozenset[Atom] = frozenset()
    numeric_init: dict[FunctionTerm, float] = field(default_factory=dict)
    goal: Formula = TRUE
    metric: tuple[str, FunctionTerm] | None = None
    file: str = "<string>"

    def with_state(self, init: Iterable[Atom]) -> "Problem":
        """A copy whose initial state is ``init`` (e.g. atoms observed by the robot)."""
        return replace(self, init=frozenset(Atom(a[0], tuple(a[1])) for a in init))

    def with_goal(self, goal: Formula) -> "Problem":
        """A copy with another goal (e.g. one built from an instruction)."""
        return replace(self, goal=goal)

    @cached_property
    def uses_costs(self) -> bool:
        """True when the metric is ``(minimize (total-cost))``."""
        return (self.metric is not None and self.metric[0] == "minimize"
                and self.metric[1].name == "total-cost")


def objects_by_type(domain: Domain, problem: Problem) -> dict[str, list[str]]:
    """Map every type (and ``object``) to the constants and objects of that type or below."""
    table: dict[str, list[str]] = {t: [] for t in (*domain.types, "object")}
    every = {**domain.constants, **problem.objects}
    for obj in sorted(every):
        for t in domain.ancestors(every[obj]):
            table.setdefault(t, []).append(obj)
    return table
