"""PDDL 2.2 derived predicates on the lifted model: checks, strata and the state closure.

A derived predicate (``(:derived (above ?x ?y) <condition>)``, Edelkamp & Hoffmann 2004)
is a function of the basic state: an atom holds exactly when some rule derives it, in the
least fixpoint of the rules computed stratum by stratum (closed world: false unless
derived).  No action may change a derived predicate, and a rule may use a derived
predicate negatively only when that predicate does not depend on the rule's own predicate
(stratified negation).

This module serves both front ends (the checks), the grounding (the strata) and the plan
validator (:func:`closure`, evaluated on the lifted rules, independent of grounding).
The ground evaluation used in search lives in :mod:`vlaplan.planner.axioms`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import PDDLSemanticError
from vlaplan.planner.formulas import (
    And, Exists, Forall, Formula, Imply, Not, Or, Parameter, Pred, When,
)
from vlaplan.planner.satisfy import Matcher, head_atoms

if TYPE_CHECKING:  # pragma: no cover
    from vlaplan.planner.model import DerivedRule, Domain, PredicateDef


def dependencies(f: Formula, derived: Iterable[str], positive: bool = True
                 ) -> set[tuple[str, bool]]:
    """``(predicate, positive)`` for every derived predicate ``f`` reads, with the polarity
    it is read in (under an odd number of negations: negative)."""
    names = derived if isinstance(derived, (set, frozenset)) else set(derived)
    out: set[tuple[str, bool]] = set()

    def visit(g: Formula, sign: bool) -> None:
        if isinstance(g, Pred):
            if g.predicate in names:
                out.add((g.predicate, sign))
        elif isinstance(g, Not):
            visit(g.part, not sign)
        elif isinstance(g, (And, Or)):
            for p in g.parts:
                visit(p, sign)
        elif isinstance(g, Imply):
            visit(g.left, not sign)
            visit(g.right, sign)
        elif isinstance(g, (Forall, Exists)):
            visit(g.body, sign)
        elif isinstance(g, When):
            visit(g.condition, sign)

    visit(f, positive)
    return out


def _edges(rules: Iterable[DerivedRule]) -> dict[str, set[tuple[str, bool]]]:
    """Head predicate -> the derived predicates its rules read, with polarity."""
    rules = list(rules)
    names = {r.predicate for r in rules}
    edges: dict[str, set[tuple[str, bool]]] = {n: set() for n in names}
    for r in rules:
        edges[r.predicate] |= dependencies(r.condition, names)
    return edges


def negative_cycle(rules: Iterable[DerivedRule]) -> list[str] | None:
    """A cycle through negation as ``[p, q, ..., p]`` (``p`` reads ``q`` negatively and
    ``q`` depends on ``p``), or None when the rules are stratified."""
    edges = _edges(rules)
    for p in sorted(edges):
        for q, positive in sorted(edges[p]):
            if positive:
                continue
            path = _path(edges, q, p)
            if path is not None:
                return [p, *path]
    return None


def _path(edges: Mapping[str, set[tuple[str, bool]]], start: str, goal: str) -> list[str] | None:
    """A dependency path ``start -> ... -> goal`` (breadth first), or None."""
    parent: dict[str, str | None] = {start: None}
    queue = [start]
    for node in queue:
        if node == goal:
            out = [node]
            while parent[out[-1]] is not None:
                out.append(parent[out[-1]])
            return out[::-1]
        for q, _ in sorted(edges.get(node, ())):
            if q not in parent:
                parent[q] = node
                queue.append(q)
    return None


def cycle_message(cycle: list[str]) -> str:
    """The error text for a cycle through negation."""
    p, q = cycle[0], cycle[1]
    steps = " -> ".join(cycle)
    again = f"which depends on {p!r} again ({steps})" if q != p else "its own negation"
    return (f"derived predicates are not stratified: {p!r} is defined through "
            f"(not ({q} ...)), {again}; PDDL 2.2 allows a derived predicate under "
            f"'not' only when it does not depend back on the rule's predicate")


def stratify(rules: Iterable[DerivedRule], file: str = "<string>") -> dict[str, int]:
    """The stratum of every derived predicate: a predicate's rules read lower strata
    negatively and lower or equal strata positively.  Raises PDDLSemanticError naming the
    predicates of a cycle through negation."""
    rules = list(rules)
    edges = _edges(rules)
    level = {p: 0 for p in edges}
    changed = True
    while changed:
        changed = False
        for p, deps in edges.items():
            for q, positive in deps:
                need = level[q] + (0 if positive else 1)
                if level[p] < need:
                    if need > len(level):
                        raise PDDLSemanticError(cycle_message(negative_cycle(rules) or [p, q]),
                                                file)
                    level[p] = need
                    changed = True
    return level


def head_problem(domain: Domain, pdef: PredicateDef | None, name: str,
                 params: tuple[Parameter, ...]) -> str | None:
    """What is wrong with the head ``(name params...)`` of a rule, or None."""
    if pdef is None:
        return (f"derived predicate {name!r} is not declared in :predicates "
                f"(declare it there, e.g. ({name} ?x - object))")
    if pdef.arity != len(params):
        return f"derived predicate {name!r} takes {pdef.arity} arguments, not {len(params)}"
    seen: set[str] = set()
    for p, d in zip(params, pdef.params):
        if p.name in seen:
            return f"variable {p.name!r} appears twice in the head of derived predicate {name!r}"
        seen.add(p.name)
        for t in p.types:
            if t != "object" and t not in domain.types:
                return f"undefined type {t!r} in the head of derived predicate {name!r}"
            if not any(domain.is_subtype(t, dt) for dt in d.types):
                return (f"parameter {p.name} - {t} of derived predicate {name!r} is not "
                        f"within its declared type {' or '.join(d.types)}")
    return None


def closure(domain: Domain, state: Iterable[Atom], objects_of: Mapping[str, Iterable[str]]
            ) -> frozenset[Atom]:
    """``state``'s basic atoms plus every derived atom the rules derive from them.

    Evaluated stratum by stratum to a fixpoint on the lifted rules, by joining each
    rule's condition over the state (:class:`vlaplan.planner.satisfy.Matcher`); derived
    atoms given in ``state`` are dropped first, since they are a function of the basic ones.
    """
    if not domain.derived:
        return frozenset(state)
    derived = domain.derived_predicates
    matcher = Matcher((a for a in state if a.predicate not in derived), objects_of)
    strata = domain.strata
    layers: dict[int, list[DerivedRule]] = {}
    for r in domain.derived:
        layers.setdefault(strata[r.predicate], []).append(r)
    for level in sorted(layers):
        changed = True
        while changed:
            changed = False
            for r in layers[level]:
                for atom in head_atoms(matcher, r.predicate, r.params, r.condition):
                    if atom not in matcher.state:
                        matcher.add(atom)
                        changed = True
    return frozenset(matcher.state)
