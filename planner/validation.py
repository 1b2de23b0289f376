"""Plan validation by direct simulation of the lifted model (independent of grounding).

:func:`validate` checks each step (action exists, arity, objects and their types,
preconditions including negative, equality and quantified ones), applies its effects
(conditional and universal too; deletes before adds), then the goal and the stated cost.
With derived predicates every state is first closed under their rules
(:func:`vlaplan.planner.derived.closure`, on the lifted rules), so preconditions,
effect conditions and the goal read derived facts as PDDL 2.2 defines them.
It returns the violations as sentences; an empty list means the plan is valid.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from vlaplan.planner.atoms import Atom
from vlaplan.planner.derived import closure
from vlaplan.planner.formulas import (
    And, Forall, Formula, FunctionTerm, Increase, Not, Pred, When, bindings, holds, substitute,
)
from vlaplan.planner.model import Domain, Problem, objects_by_type
from vlaplan.planner.plan import Plan, parse_plan_text
from vlaplan.planner.task import GroundAction

PlanLike = Plan | Sequence[GroundAction] | Sequence[str] | str


def _steps(plan: PlanLike) -> tuple[list[tuple[str, tuple[str, ...]]], float | None]:
    if isinstance(plan, str):
        return parse_plan_text(plan)
    if isinstance(plan, Plan):
        return [(a.name, a.args) for a in plan.actions], plan.cost
    steps: list[tuple[str, tuple[str, ...]]] = []
    for item in plan:
        if isinstance(item, GroundAction):
            steps.append((item.name, item.args))
        else:
            parsed, _ = parse_plan_text(str(item))
            if len(parsed) != 1:
                steps.append((str(item).strip() or "<empty>", ("<unparsable>",)))
            else:
                steps.append(parsed[0])
    return steps, None


def _false_parts(f: Formula, state: frozenset[Atom], objects_of) -> list[str]:
    """The conjuncts of ``f`` that do not hold (the whole of ``f`` if not a conjunction)."""
    parts = f.parts if isinstance(f, And) else (f,)
    return [str(p) for p in parts if not holds(p, state, objects_of)]


def effects(effect: Formula, state: frozenset[Atom], objects_of
            ) -> tuple[set[Atom], set[Atom], list[Increase]]:
    """(adds, deletes, cost increases) of a ground effect applied in ``state``."""
    adds: set[Atom] = set()
    dels: set[Atom] = set()
    incs: list[Increase] = []

    def run(e: Formula) -> None:
        if isinstance(e, Pred):
            adds.add(Atom(e.predicate, e.args))
        elif isinstance(e, Not) and isinstance(e.part, Pred):
            dels.add(Atom(e.part.predicate, e.part.args))
        elif isinstance(e, And):
            for p in e.parts:
                run(p)
        elif isinstance(e, When):
            if holds(e.condition, state, objects_of):
                run(e.effect)
        elif isinstance(e, Forall):
            for b in bindings(e.params, objects_of):
                run(substitute(e.body, b))
        elif isinstance(e, Increase):
            incs.append(e)

    run(effect)
    return adds, dels, incs


def validate(domain: Domain, problem: Problem, plan: PlanLike) -> list[str]:
    """Violations of ``plan`` for ``problem`` (empty list = valid)."""
    steps, stated_cost = _steps(plan)
    objects_of = objects_by_type(domain, problem)
    typed = {**domain.constants, **problem.objects}
    state = closure(domain, problem.init, objects_of)
    total = 0.0
    for i, (name, args) in enumerate(steps, start=1):
        where = f"step {i} ({' '.join((name, *args))})"
        action = domain.actions.get(name)
        if action is None:
            return [f"{where}: no action {name!r} in domain {domain.name!r}"]
        if len(args) != len(action.params):
            return [f"{where}: {name} takes {len(action.params)} arguments, not {len(args)}"]
        for p, a in zip(action.params, args):
            if a not in typed:
                return [f"{where}: unknown object {a!r}"]
            if not any(domain.is_subtype(typed[a], t) for t in p.types):
                return [f"{where}: {a!r} is a {typed[a]}, not a {' or '.join(p.types)}"]
        binding = {p.name: a for p, a in zip(action.params, args)}
        pre = substitute(action.precondition, binding)
        if not holds(pre, state, objects_of):
            false = ", ".join(_false_parts(pre, state, objects_of))
            return [f"{where}: precondition not satisfied: {false}"]
        adds, dels, incs = effects(substitute(action.effect, binding), state, objects_of)
        state = closure(domain, (state - dels) | adds, objects_of)
        if problem.uses_costs:
            for inc in incs:
                total += _value(inc, problem)
        else:
            total += 1
    violations = []
    if not holds(problem.goal, state, objects_of):
        violations.append("goal not satisfied: " + ", ".join(_false_parts(problem.goal, state,
                                                                          objects_of)))
    if stated_cost is not None and abs(stated_cost - total) > 1e-6:
        violations.append(f"stated cost {stated_cost:g} differs from the actual cost {total:g}")
    return violations


def _value(inc: Increase, problem: Problem) -> float:
    if isinstance(inc.value, FunctionTerm):
        return problem.numeric_init.get(inc.value, 0.0)
    return float(inc.value)


def is_valid(domain: Domain, problem: Problem, plan: PlanLike) -> bool:
    """True when :func:`validate` finds nothing."""
    return not validate(domain, problem, plan)


def final_state(domain: Domain, problem: Problem, steps: Iterable[GroundAction]) -> frozenset[Atom]:
    """The state after executing ``steps`` from the initial state (no checks), with its
    derived facts."""
    objects_of = objects_by_type(domain, problem)
    state = closure(domain, problem.init, objects_of)
    for a in steps:
        action = domain.actions[a.name]
        binding = {p.name: x for p, x in zip(action.params, a.args)}
        adds, dels, _ = effects(substitute(action.effect, binding), state, objects_of)
        state = closure(domain, (state - dels) | adds, objects_of)
    return state
