"""Normal forms for grounding: quantifiers expanded, conditions in DNF, effects flattened.

A literal is ``(positive, node)`` with ``node`` a :class:`Pred` or :class:`Eq`.  A DNF is a
list of conjunctions (lists of literals); ``[]`` is false and ``[[]]`` is true.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from vlaplan.planner.errors import UnsupportedFeature
from vlaplan.planner.formulas import (
    And, Eq, Exists, Forall, Formula, Imply, Increase, Not, Or, Parameter, Pred, When, bindings,
    substitute,
)

Literal = tuple[bool, Pred | Eq]
Conjunction = list[Literal]
MAX_DISJUNCTS = 2000


class TooManyDisjuncts(UnsupportedFeature):
    """A condition whose DNF outgrows :data:`MAX_DISJUNCTS` (grounding may bind the
    action's parameters first and try again)."""


def dnf(f: Formula, objects_of: Mapping[str, Sequence[str]], positive: bool = True,
        known: Callable[[Pred], bool | None] | None = None) -> list[Conjunction]:
    """Disjunctive normal form of ``f`` (negated when ``positive`` is False).

    ``known`` gives the truth of atoms fixed in advance (ground static facts) or None;
    such atoms and ground equalities are simplified away while building the DNF.
    """
    if isinstance(f, Eq):
        if not (f.left.startswith("?") or f.right.startswith("?")):
            return [[]] if (f.left == f.right) == positive else []
        return [[(positive, f)]]
    if isinstance(f, Pred):
        value = known(f) if known is not None else None
        if value is not None:
            return [[]] if value == positive else []
        return [[(positive, f)]]
    if isinstance(f, Not):
        return dnf(f.part, objects_of, not positive, known)
    if isinstance(f, Imply):
        return dnf(Or((Not(f.left), f.right)), objects_of, positive, known)
    if isinstance(f, (Forall, Exists)):
        parts = tuple(substitute(f.body, b) for b in bindings(f.params, objects_of))
        conj = isinstance(f, Forall)
        return dnf(And(parts) if conj else Or(parts), objects_of, positive, known)
    if isinstance(f, (And, Or)):
        conjunctive = isinstance(f, And) == positive
        subs = [dnf(p, objects_of, positive, known) for p in f.parts]
        if not conjunctive:
            if any(s == [[]] for s in subs):
                return [[]]
            out = [c for s in subs for c in s]
            _guard(out)
            return out
        result: list[Conjunction] = [[]]
        for s in subs:
            if not s:
                return []
            if len(s) == 1:
                result = [r + s[0] for r in result]
            else:
                result = [r + c for r in result for c in s]
            _guard(result)
        return [c for c in (_simplify(r) for r in result) if c is not None]
    raise UnsupportedFeature(f"{type(f).__name__} in a condition")


def _guard(conjs: list) -> None:
    if len(conjs) > MAX_DISJUNCTS:
        raise TooManyDisjuncts(f"conditions with more than {MAX_DISJUNCTS} disjuncts in DNF")


def _simplify(conj: Conjunction) -> Conjunction | None:
    """Drop duplicate literals; None for a contradiction (p and not p)."""
    seen: dict = {}
    for sign, node in conj:
        if seen.get(node, sign) != sign:
            return None
        seen[node] = sign
    return [(s, n) for n, s in seen.items()]


def flatten_effect(f: Formula, objects_of: Mapping[str, Sequence[str]],
                   condition: tuple[Formula, ...] = ()
                   ) -> list[tuple[tuple[Formula, ...], Literal | Increase]]:
    """``(conditions, effect)`` pairs: an add/delete literal or an Increase, under the
    conjunction of ``conditions`` (empty = unconditional); universal effects expanded."""
    if isinstance(f, Pred):
        return [(condition, (True, f))]
    if isinstance(f, Not) and isinstance(f.part, Pred):
        return [(condition, (False, f.part))]
    if isinstance(f, Increase):
        return [(condition, f)]
    if isinstance(f, And):
        return [item for p in f.parts for item in flatten_effect(p, objects_of, condition)]
    if isinstance(f, When):
        return flatten_effect(f.effect, objects_of, condition + (f.condition,))
    if isinstance(f, Forall):
        out = []
        for b in bindings(f.params, objects_of):
            cond = tuple(substitute(c, b) for c in condition)
            out.extend(flatten_effect(substitute(f.body, b), objects_of, cond))
        return out
    raise UnsupportedFeature(f"{type(f).__name__} in an effect")


def lift_existentials(f: Formula) -> tuple[Formula, tuple[Parameter, ...]]:
    """``f`` without the existential quantifiers that no universal one encloses, and
    their variables (renamed apart, ``?z#1``): ``f`` holds exactly when the result holds
    for some values of them.  A rule grounded with them as parameters joins over the
    reached facts instead of expanding ``(exists (?z) ...)`` over every object
    (Fast Downward's translator does the same for axioms)."""
    lifted: list[Parameter] = []

    def visit(g: Formula, positive: bool) -> Formula:
        if isinstance(g, Exists if positive else Forall):
            renamed = {}
            for p in g.params:
                fresh = f"{p.name}#{len(lifted) + 1}"
                renamed[p.name] = fresh
                lifted.append(Parameter(fresh, p.types))
            return visit(substitute(g.body, renamed), positive)
        if isinstance(g, Not):
            return Not(visit(g.part, not positive))
        if isinstance(g, (And, Or)):
            return type(g)(tuple(visit(p, positive) for p in g.parts))
        if isinstance(g, Imply):
            return Imply(visit(g.left, not positive), visit(g.right, positive))
        return g  # atoms, equalities, and quantifiers dnf() expands

    body = visit(f, True)
    return body, tuple(lifted)
