"""Derived-predicate rules in the relaxed-reachability grounding.

Each ``(:derived (p ?x ...) condition)`` rule takes part in :func:`vlaplan.planner.grounding.ground`
as a pseudo-action (:func:`rule_actions`): parameters = the head's variables plus the
existential variables of the condition (lifted by
:func:`vlaplan.planner.normalize.lift_existentials`), precondition = the rest of the
condition, effect = the head atom.  So a derived atom is reached when the positive part of
a rule body is (negative literals are ignored, as for actions), static facts fold into
the join, and each DNF disjunct becomes one ground rule (:func:`to_rule`).  Existential
variables a disjunct does not mention are dropped from it (:func:`for_disjunct`), so they
are not enumerated.  Only the rules that can matter are kept (:func:`relevant_rules`:
those deriving an atom a precondition, an effect condition or the goal reads, directly or
through other rules; Fast Downward's translator prunes the same way).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from vlaplan.planner.atoms import Atom
from vlaplan.planner.axioms import GroundRule
from vlaplan.planner.formulas import Pred
from vlaplan.planner.model import Action, Domain
from vlaplan.planner.normalize import Conjunction, lift_existentials
from vlaplan.planner.task import GroundAction

RULE_PREFIX = ":derived "  # no action name starts with ':'


def rule_actions(domain: Domain) -> dict[str, tuple[Action, int]]:
    """Pseudo-action name -> (pseudo-action, number of head parameters), one per rule."""
    out: dict[str, tuple[Action, int]] = {}
    for i, rule in enumerate(domain.derived):
        body, lifted = lift_existentials(rule.condition)
        head = Pred(rule.predicate, tuple(p.name for p in rule.params))
        name = f"{RULE_PREFIX}{rule.predicate} {i}"
        out[name] = (Action(name, rule.params + lifted, body, head), len(rule.params))
    return out


def is_rule(name: str) -> bool:
    return name.startswith(RULE_PREFIX)


def for_disjunct(action: Action, head_arity: int, conj: Conjunction) -> Action:
    """``action`` without the lifted variables ``conj`` does not mention."""
    used: set[str] = set()
    for _sign, node in conj:
        used.update(node.args if isinstance(node, Pred) else (node.left, node.right))
    extra = tuple(p for p in action.params[head_arity:] if p.name in used)
    if len(extra) == len(action.params) - head_arity:
        return action
    return replace(action, params=action.params[:head_arity] + extra)


def to_rule(instance: GroundAction, strata: dict[str, int]) -> GroundRule:
    """The ground rule of an instantiated pseudo-action (its one add effect is the head)."""
    (head,) = instance.add
    return GroundRule(head, instance.pre, instance.pre_neg, strata[head.predicate])


def unique_rules(rules: list[GroundRule]) -> list[GroundRule]:
    """Distinct rules in a deterministic order."""
    return sorted(set(rules), key=lambda r: (r.stratum, r.head, sorted(r.pre), sorted(r.pre_neg)))



def relevant_rules(rules: list[GroundRule], actions: Iterable[GroundAction],
                   goal: Iterable[Atom]) -> tuple[list[GroundRule], set[Atom]]:
    """The rules whose head a precondition, effect condition or goal atom needs, directly
    or through the bodies of other needed rules (signs do not matter: a negated derived
    atom needs its rules as much as a positive one), and the derived atoms they derive."""
    by_head: dict[Atom, list[GroundRule]] = {}
    for r in rules:
        by_head.setdefault(r.head, []).append(r)
    roots: set[Atom] = set(goal)
    for a in actions:
        roots |= a.pre | a.pre_neg
        for ce in a.conditional:
            roots |= ce.pre | ce.pre_neg
    needed = {h for h in roots if h in by_head}
    stack = list(needed)
    while stack:
        for r in by_head[stack.pop()]:
            for atom in (*r.pre, *r.pre_neg):
                if atom in by_head and atom not in needed:
                    needed.add(atom)
                    stack.append(atom)
    return [r for r in rules if r.head in needed], needed
