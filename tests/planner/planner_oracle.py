"""Test oracles that share nothing with the grounder or the search.

``lifted_successors`` enumerates every typed argument tuple of every action schema and
evaluates preconditions/effects directly on the lifted formulas; ``optimal_cost`` runs a
uniform-cost search (Dijkstra) over that, as the brute-force reference for A*.
``naive_closure`` adds the derived atoms of a state by trying every head of every rule,
stratum by stratum, until nothing changes.
"""
from __future__ import annotations

import heapq
import itertools
from pathlib import Path

from vlaplan.planner import Atom, load_domain, load_problem
from vlaplan.planner.formulas import FunctionTerm, bindings, holds, substitute
from vlaplan.planner.model import objects_by_type
from vlaplan.planner.validation import effects

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[2]

# (domain file, problem file) pairs of the test data, solvable ones.
SOLVABLE = [
    ("logistics_domain.pddl", "logistics_p1.pddl"),
    ("logistics_domain.pddl", "logistics_p2.pddl"),
    ("briefcase_domain.pddl", "briefcase_p1.pddl"),
    ("briefcase_domain.pddl", "briefcase_p2.pddl"),
    ("switches_domain.pddl", "switches_p1.pddl"),
    ("switches_domain.pddl", "switches_p2.pddl"),
    ("roads_domain.pddl", "roads_p1.pddl"),
    ("roads_domain.pddl", "roads_p2.pddl"),
    ("gripper_domain.pddl", "gripper_p1.pddl"),
]


def load(domain_file: str, problem_file: str):
    domain = load_domain(DATA / domain_file)
    return domain, load_problem(DATA / problem_file, domain)


def naive_closure(domain, state, objects_of):
    """``state``'s basic atoms plus its derived atoms, by brute force."""
    out = {a for a in state if a.predicate not in domain.derived_predicates}
    for level in sorted(set(domain.strata.values())):
        rules = [r for r in domain.derived if domain.strata[r.predicate] == level]
        changed = True
        while changed:
            changed = False
            for r in rules:
                for b in bindings(r.params, objects_of):
                    atom = Atom(r.predicate, tuple(b[p.name] for p in r.params))
                    if atom not in out and holds(substitute(r.condition, b), out, objects_of):
                        out.add(atom)
                        changed = True
    return frozenset(out)


def lifted_successors(domain, problem, state):
    """``((name, args), next_state, cost)`` for every applicable action instance."""
    objects_of = objects_by_type(domain, problem)
    for action in domain.actions.values():
        for b in bindings(action.params, objects_of):
            args = tuple(b[p.name] for p in action.params)
            if not holds(substitute(action.precondition, b), state, objects_of):
                continue
            adds, dels, incs = effects(substitute(action.effect, b), state, objects_of)
            cost = 1.0
            if problem.uses_costs:
                cost = 0.0
                for inc in incs:
                    v = inc.value
                    cost += problem.numeric_init[v] if isinstance(v, FunctionTerm) else float(v)
            yield (action.name, args), naive_closure(domain, (state - dels) | adds,
                                                     objects_of), cost


def optimal_cost(domain, problem, limit: int = 200_000) -> float | None:
    """Cheapest plan cost by uniform-cost search; None when the goal is unreachable."""
    objects_of = objects_by_type(domain, problem)
    start = naive_closure(domain, problem.init, objects_of)
    best = {start: 0.0}
    counter = itertools.count()
    heap = [(0.0, next(counter), start)]
    while heap:
        g, _, state = heapq.heappop(heap)
        if g > best[state]:
            continue
        if holds(problem.goal, state, objects_of):
            return g
        if len(best) > limit:
            raise RuntimeError("state space too large for the oracle")
        for _step, nxt, c in lifted_successors(domain, problem, state):
            if g + c < best.get(nxt, float("inf")):
                best[nxt] = g + c
                heapq.heappush(heap, (g + c, next(counter), nxt))
    return None
