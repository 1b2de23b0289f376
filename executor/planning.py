"""The executor's side of planning: goals from stages, problems from observed atoms,
forbidden ground actions, and symbolic monitoring of a plan against observations.

Only public planner names are used (``Problem``, ``conjunction``, ``solve``).  A ground
action the twin rejected is forbidden by adding ``(not (and (= ?x a) (= ?y b)))`` to a copy
of its schema's precondition, so the planner itself needs no special hook.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from vlaplan.planner.atoms import Atom
from vlaplan.planner.formulas import And, Eq, Not, Pred, conjunction
from vlaplan.planner.model import Domain, Problem


def literal_text(lit: Any) -> str:
    """``(on a b)`` or ``(not (on a b))`` for an atom, a Pred, a Not or a goal Literal."""
    if hasattr(lit, "positive") and hasattr(lit, "atom"):
        inner = literal_text(lit.atom)
        return inner if lit.positive else f"(not {inner})"
    if isinstance(lit, Not):
        return f"(not {literal_text(lit.part)})"
    if isinstance(lit, (Atom, Pred)):
        return "(" + " ".join((lit[0] if isinstance(lit, Atom) else lit.predicate,
                                *(lit[1] if isinstance(lit, Atom) else lit.args))) + ")"
    if isinstance(lit, tuple) and len(lit) == 2:
        return "(" + " ".join((str(lit[0]), *map(str, lit[1]))) + ")"
    return str(lit)


def _split(lit: Any) -> tuple[bool, Atom]:
    """(positive?, atom) of a literal."""
    if hasattr(lit, "positive") and hasattr(lit, "atom"):
        return bool(lit.positive), Atom(lit.atom[0], tuple(lit.atom[1]))
    if isinstance(lit, Not):
        ok, atom = _split(lit.part)
        return (not ok), atom
    if isinstance(lit, Pred):
        return True, Atom(lit.predicate, tuple(lit.args))
    return True, Atom(lit[0], tuple(lit[1]))


def holds(literals: Iterable[Any], atoms: Iterable[Any]) -> bool:
    """True when every literal holds in the closed-world state ``atoms``."""
    facts = {Atom(a[0], tuple(a[1])) for a in atoms}
    return all((atom in facts) == positive for positive, atom in map(_split, literals))


def unmet(literals: Iterable[Any], atoms: Iterable[Any]) -> list[str]:
    """The literals that do not hold in ``atoms``, as strings."""
    facts = {Atom(a[0], tuple(a[1])) for a in atoms}
    return [literal_text(lit) for lit in literals
            if (_split(lit)[1] in facts) != _split(lit)[0]]


def make_problem(domain: Domain, objects: Mapping[str, str], atoms: Iterable[Any],
                 goal_literals: Sequence[Any], name: str = "observed") -> Problem:
    """A problem over ``objects`` (name -> type) from the observed ``atoms`` to the goal."""
    init = frozenset(Atom(a[0], tuple(a[1])) for a in atoms)
    parts = []
    for lit in goal_literals:
        positive, atom = _split(lit)
        pred = Pred(atom.predicate, atom.args)
        parts.append(pred if positive else Not(pred))
    return Problem(name=name, domain_name=domain.name, objects=dict(objects), init=init,
                   goal=conjunction(parts) if parts else And(()))


def forbid(domain: Domain, banned: Iterable[tuple[str, tuple[str, ...]]]) -> Domain:
    """A copy of ``domain`` in which the given ground actions are never applicable."""
    by_action: dict[str, list[tuple[str, ...]]] = {}
    for name, args in banned:
        by_action.setdefault(name, []).append(tuple(args))
    if not by_action:
        return domain
    actions = dict(domain.actions)
    for name, arg_lists in by_action.items():
        schema = actions.get(name)
        if schema is None:
            continue
        params = [p.name for p in schema.params]
        guards = []
        for args in arg_lists:
            eqs = tuple(Eq(p, a) for p, a in zip(params, args))
            guards.append(Not(eqs[0] if len(eqs) == 1 else And(eqs)))
        actions[name] = replace(schema, precondition=And((schema.precondition, *guards)))
    requirements = frozenset(domain.requirements | {":equality", ":negative-preconditions"})
    return replace(domain, actions=actions, requirements=requirements)


def progress(atoms: Iterable[Any], action: Any) -> frozenset[Atom] | None:
    """The state after ``action`` (a ground action), or None if a precondition is false."""
    facts = frozenset(Atom(a[0], tuple(a[1])) for a in atoms)
    pre = {Atom(a[0], tuple(a[1])) for a in getattr(action, "pre", ())}
    neg = set()
    for field in ("pre_neg", "neg_pre", "pre_negative"):
        neg |= {Atom(a[0], tuple(a[1])) for a in getattr(action, field, ())}
    if not pre <= facts or neg & facts:
        return None
    add = {Atom(a[0], tuple(a[1])) for a in action.add}
    delete = {Atom(a[0], tuple(a[1])) for a in action.delete}
    return frozenset((facts - delete) | add)


def plan_still_valid(atoms: Iterable[Any], remaining: Sequence[Any],
                     goal_literals: Sequence[Any]) -> tuple[bool, str]:
    """Whether ``remaining`` still reaches the goal from ``atoms``; else a reason."""
    state: frozenset[Atom] | None = frozenset(Atom(a[0], tuple(a[1])) for a in atoms)
    for action in remaining:
        nxt = progress(state, action)
        if nxt is None:
            pre = {Atom(a[0], tuple(a[1])) for a in action.pre}
            missing = " ".join(sorted(str(a) for a in pre - state)) or "a negative precondition"
            return False, f"{action_text(action)} no longer applicable: {missing} false"
        state = nxt
    if not holds(goal_literals, state):
        return False, "the rest of the plan no longer reaches " + " ".join(unmet(goal_literals, state))
    return True, ""


def action_text(action: Any) -> str:
    """``(pick red_1)`` for a ground action."""
    return "(" + " ".join((action.name, *action.args)) + ")"


SUPPORT = {"on-table", "on", "in", "holding"}


def unsupported(atoms: Iterable[Any], movable: Iterable[str]) -> list[str]:
    """Movable objects that no support atom places (fallen over, off the table, lost)."""
    placed = {a[1][0] for a in atoms if a[0] in SUPPORT and a[1]}
    return sorted(set(movable) - placed)
