"""``solve(domain, problem)``: ground, search, and report the outcome as a value."""
from __future__ import annotations

import time

from vlaplan.planner.errors import PlannerError, PDDLSemanticError, UnknownObjectError
from vlaplan.planner.formulas import Eq, Exists, Forall, Pred, walk
from vlaplan.planner.grounding import ground
from vlaplan.planner.heuristics import Relaxation
from vlaplan.planner.model import Domain, Problem
from vlaplan.planner.plan import Plan, PlanResult, PlanStatus
from vlaplan.planner.search import SearchOutcome, best_first, eliminate_redundant, lazy_gbfs
from vlaplan.planner.task import Task

SEARCHES = ("gbfs-ff", "wastar", "wastar-ff", "wastar-hadd", "astar", "astar-lmcut",
            "astar-hmax", "astar-blind")


def check_names(domain: Domain, problem: Problem) -> None:
    """Check the init and goal of a (possibly programmatically changed) problem."""
    names = set(problem.objects) | set(domain.constants)
    for atom in problem.init:
        pdef = domain.predicates.get(atom.predicate)
        if pdef is None or pdef.arity != len(atom.args):
            raise PDDLSemanticError(f"initial atom {atom} does not match a predicate of "
                                    f"domain {domain.name!r}", problem.file)
        for a in atom.args:
            if a not in names:
                raise UnknownObjectError(a, sorted(names))
    bound = {p.name for node in walk(problem.goal) if isinstance(node, (Forall, Exists))
             for p in node.params}
    for node in walk(problem.goal):
        if isinstance(node, Pred):
            pdef = domain.predicates.get(node.predicate)
            if pdef is None or pdef.arity != len(node.args):
                raise PDDLSemanticError(f"goal atom {node} does not match a predicate of "
                                        f"domain {domain.name!r}", problem.file)
            args = node.args
        elif isinstance(node, Eq):
            args = (node.left, node.right)
        else:
            continue
        for a in args:
            if a not in names and a not in bound:
                raise UnknownObjectError(a, sorted(names))


def _run(task: Task, search: str, timeout: float | None, max_nodes: int | None,
         weight: float) -> SearchOutcome:
    deadline = None if timeout is None else time.perf_counter() + timeout
    relax = Relaxation(task)
    if search == "gbfs-ff":
        return lazy_gbfs(task, relax.ff_layered, deadline, max_nodes,
                         relaxed_plan=relax.relaxed_plan)
    if search in ("wastar", "wastar-ff"):
        if task.unit_cost:
            h = relax.ff_layered
        else:
            def h(state: int) -> tuple[float, set[int], None]:
                value, preferred = relax.ff_cost(state)
                return value, preferred, None
        return lazy_gbfs(task, h, deadline, max_nodes, weight=weight)
    if search == "wastar-hadd":
        return best_first(task, relax.hadd, weight, deadline, max_nodes)
    if search == "astar-blind":
        return best_first(task, lambda s: 0, 1.0, deadline, max_nodes)
    if search in ("astar", "astar-lmcut") and not task.has_conditional:
        from vlaplan.planner.lmcut import LMCut

        return best_first(task, LMCut(task).value, 1.0, deadline, max_nodes)
    return best_first(task, relax.hmax, 1.0, deadline, max_nodes)


def solve(domain: Domain, problem: Problem, search: str = "gbfs-ff", *,
          timeout: float | None = None, max_nodes: int | None = None,
          weight: float = 5) -> PlanResult:
    """Find a plan for ``problem``.

    ``search``: ``"gbfs-ff"`` (greedy best-first with hFF, preferred operators and
    YAHSP-style look-ahead along the relaxed plans, the default), ``"wastar"`` (lazy weighted A* with hFF and preferred operators;
    ``"wastar-hadd"``: eager weighted A* with hadd),
    ``"astar"`` (optimal: LM-cut, or hmax with conditional effects; ``"astar-hmax"``,
    ``"astar-blind"``).  Satisficing plans are post-processed by greedy action
    elimination (redundant steps dropped).  ``timeout`` in seconds and ``max_nodes`` (expansions) bound the
    search; reaching either gives ``TIMEOUT``.  Never raises for bad input: that is
    ``INVALID_INPUT`` with a message.
    """
    if search not in SEARCHES:
        raise ValueError(f"unknown search {search!r}; choose one of {', '.join(SEARCHES)}")
    t0 = time.perf_counter()
    stats: dict = {"search": search, "expanded": 0, "generated": 0, "evaluated": 0,
                   "grounding_time": 0.0, "search_time": 0.0, "total_time": 0.0,
                   "n_actions": 0, "n_facts": 0}
    try:
        if problem.domain_name != domain.name:
            raise PDDLSemanticError(f"problem is for domain {problem.domain_name!r}, "
                                    f"not {domain.name!r}", problem.file)
        check_names(domain, problem)
        task = ground(domain, problem)
    except PlannerError as exc:
        stats["total_time"] = time.perf_counter() - t0
        return PlanResult(PlanStatus.INVALID_INPUT, None, stats, str(exc))
    t1 = time.perf_counter()
    stats.update(grounding_time=t1 - t0, n_actions=sum(1 for x in task.aux if not x),
                 n_facts=len(task.facts))
    if task.trivially_unsolvable:
        outcome = SearchOutcome("unsolvable")
    else:
        outcome = _run(task, search, timeout, max_nodes, weight)
    t2 = time.perf_counter()
    stats.update(expanded=outcome.expanded, generated=outcome.generated,
                 evaluated=outcome.evaluated, search_time=t2 - t1, total_time=t2 - t0)
    if outcome.status == "solved":
        found = outcome.actions
        if not search.startswith("astar"):  # optimal plans have nothing to drop
            found = eliminate_redundant(task, found)
            stats["eliminated"] = len(outcome.actions) - len(found)
            stats["total_time"] = time.perf_counter() - t0
        steps = [task.actions[a] for a in found if not task.aux[a]]
        plan = Plan(steps, sum(a.cost for a in steps), task.unit_cost)
        stats["plan_length"] = len(steps)
        return PlanResult(PlanStatus.SOLVED, plan, stats)
    if outcome.status == "unsolvable":
        return PlanResult(PlanStatus.UNSOLVABLE, None, stats, "the goal is unreachable")
    limit = "node limit reached" if outcome.status == "node-limit" else "time limit reached"
    return PlanResult(PlanStatus.TIMEOUT, None, stats, limit)
