"""Heuristic search over a grounded :class:`~vlaplan.planner.task.Task`.

* :func:`lazy_gbfs` - greedy best-first search with deferred evaluation and two open
  lists (all successors / successors by preferred operators), the preferred list boosted
  whenever the heuristic improves (as in Fast Downward's lazy search).
  With a ``weight`` it is lazy weighted A* (``g + w * h``), Fast Downward's lazy_wastar.
  Given the relaxed plans of the evaluations, greedy search also looks ahead as YAHSP
  does (Vidal 2004): from every evaluated state it applies the relaxed plan's actions,
  by level, while one of them is applicable, and when that takes two steps or more it
  adds the state reached (with the steps as one edge) and evaluates it next; it looks
  ahead again from that state only when its h did not grow (chaining look-aheads whose
  h grew sent IPC barman astray: 247 000 expansions against 1 500).
* :func:`best_first` - eager weighted A* (``weight`` > 1) or A* (``weight`` = 1, with
  re-opening, optimal with an admissible heuristic).

Both stop on a deadline or after ``max_nodes`` expansions and report what happened.
"""
from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vlaplan.planner.heuristics import INF
from vlaplan.planner.task import Task

CHECK_EVERY = 8


@dataclass
class SearchOutcome:
    """``status`` is 'solved', 'unsolvable', 'timeout' or 'node-limit'."""

    status: str
    actions: list[int] = field(default_factory=list)
    expanded: int = 0
    generated: int = 0
    evaluated: int = 0


def _trace(parent: dict[int, tuple[int, int | list[int]] | None], state: int) -> list[int]:
    out = []
    step = parent[state]
    while step is not None:
        prev, a = step
        if isinstance(a, list):  # a look-ahead edge: several steps
            out.extend(reversed(a))
        else:
            out.append(a)
        step = parent[prev]
    out.reverse()
    return out


def _limit(expanded: int, deadline: float | None, max_nodes: int | None) -> str | None:
    if max_nodes is not None and expanded >= max_nodes:
        return "node-limit"
    if deadline is not None and expanded % CHECK_EVERY == 0 and time.perf_counter() > deadline:
        return "timeout"
    return None


def lazy_gbfs(task: Task, heuristic: Callable[[int], tuple[float, set[int], list[int] | None]],
              deadline: float | None = None, max_nodes: int | None = None,
              boost: int = 1000, weight: float | None = None,
              relaxed_plan: Callable[[], list[int]] | None = None) -> SearchOutcome:
    """Lazy best-first search with a preferred-operator queue boosted on progress.

    ``weight=None``: greedy (successors ordered by the parent's h).  Otherwise lazy
    weighted A*: ordered by ``g + weight * h`` (g of the successor, h of the parent), as
    in Fast Downward's lazy_wastar; states are not re-opened.  ``relaxed_plan`` (the
    actions of the last evaluation's relaxed plan, by level) turns on look-ahead.
    """
    out = SearchOutcome("unsolvable")
    parent: dict[int, tuple[int, int | list[int]] | None] = {task.init: None}
    g_of: dict[int, float] = {task.init: 0}
    regular: list[tuple[float, int, int, int]] = []
    preferred_q: list[tuple[float, int, int, int]] = []
    priority = [0, 0]  # regular, preferred
    counter = 0
    best_h = INF
    pre, neg, cost = task.pre, task.neg, task.cost
    n_actions = len(pre)
    succ = task.successor

    found: list[int] = []  # a goal state reached by look-ahead

    def lookahead(state: int) -> tuple[int, list[int]]:
        """Apply the relaxed plan's first applicable action while there is one."""
        todo = relaxed_plan()
        steps: list[int] = []
        progress = True
        while progress and todo:
            progress = False
            for i, a in enumerate(todo):
                p = pre[a]
                if state & p == p and not state & neg[a]:
                    state = succ(state, a)
                    steps.append(a)
                    del todo[i]
                    progress = True
                    break
        return state, steps

    def expand(state: int) -> None:
        """Evaluate ``state`` and queue its successors; then the look-ahead state's."""
        nonlocal counter, best_h
        before = INF   # h of the state whose look-ahead ``state`` is (INF: not a look-ahead)
        while True:
            h, helpful, applicable = heuristic(state)
            out.evaluated += 1
            if h == INF:
                return
            if h < best_h:
                best_h = h
                priority[1] += boost
            out.expanded += 1
            if applicable is None:
                applicable = [a for a in range(n_actions)
                              if state & pre[a] == pre[a] and not state & neg[a]]
            g = g_of[state]
            for a in applicable:
                counter += 1
                out.generated += 1
                key = h if weight is None else g + cost[a] + weight * h
                heapq.heappush(regular, (key, counter, state, a))
                if a in helpful:
                    heapq.heappush(preferred_q, (key, counter, state, a))
            if relaxed_plan is None or weight is not None or h <= 1 or h > before \
                    or _limit(out.expanded, deadline, max_nodes):
                return                 # (a look-ahead that did not get closer is not chained)
            ahead, steps = lookahead(state)
            if len(steps) < 2 or ahead in parent:
                return
            parent[ahead] = (state, steps)
            g_of[ahead] = g + sum(cost[a] for a in steps)
            if task.is_goal(ahead):
                found.append(ahead)
                return
            state, before = ahead, h

    if task.is_goal(task.init):
        out.status = "solved"
        return out
    expand(task.init)
    if found:
        out.status = "solved"
        out.actions = _trace(parent, found[0])
        return out
    while regular or preferred_q:
        stop = _limit(out.expanded, deadline, max_nodes)
        if stop:
            out.status = stop
            return out
        use_pref = bool(preferred_q) and (priority[1] >= priority[0] or not regular)
        queue = preferred_q if use_pref else regular
        priority[1 if use_pref else 0] -= 1
        _key, _c, state, a = heapq.heappop(queue)
        child = succ(state, a)
        if child in parent:
            continue
        parent[child] = (state, a)
        g_of[child] = g_of[state] + cost[a]
        if task.is_goal(child):
            found.append(child)
        else:
            expand(child)
        if found:
            out.status = "solved"
            out.actions = _trace(parent, found[0])
            return out
    return out


def best_first(task: Task, heuristic: Callable[[int], float], weight: float = 1.0,
               deadline: float | None = None, max_nodes: int | None = None) -> SearchOutcome:
    """Eager (weighted) A*: f = g + weight * h; re-opens states when a cheaper path appears."""
    out = SearchOutcome("unsolvable")
    hcache: dict[int, float] = {}

    def h_of(s: int) -> float:
        v = hcache.get(s)
        if v is None:
            v = heuristic(s)
            hcache[s] = v
            out.evaluated += 1
        return v

    init = task.init
    if h_of(init) == INF:
        return out
    g: dict[int, float] = {init: 0}
    parent: dict[int, tuple[int, int] | None] = {init: None}
    closed: set[int] = set()
    counter = 0
    heap = [(weight * hcache[init], hcache[init], 0, 0, init)]
    pre, neg, cost, succ = task.pre, task.neg, task.cost, task.successor
    reopen = weight == 1.0
    while heap:
        _f, _h, _c, gs, state = heapq.heappop(heap)
        if gs > g[state] or (state in closed and not reopen):
            continue
        if task.is_goal(state):
            out.status = "solved"
            out.actions = _trace(parent, state)
            return out
        stop = _limit(out.expanded, deadline, max_nodes)
        if stop:
            out.status = stop
            return out
        closed.add(state)
        out.expanded += 1
        for a in range(len(pre)):
            p = pre[a]
            if state & p != p or state & neg[a]:
                continue
            child = succ(state, a)
            out.generated += 1
            ng = gs + cost[a]
            if ng >= g.get(child, INF):
                continue
            if child in closed and not reopen:
                continue
            hc = h_of(child)
            if hc == INF:
                continue
            g[child] = ng
            parent[child] = (state, a)
            counter += 1
            heapq.heappush(heap, (ng + weight * hc, hc, counter, ng, child))
    return out


def eliminate_redundant(task: Task, actions: list[int]) -> list[int]:
    """Greedy action elimination: drop a step (and the later steps that then become
    inapplicable) whenever the rest still reaches the goal at no higher cost."""
    plan = list(actions)
    pre, neg, cost, succ = task.pre, task.neg, task.cost, task.successor
    prefix_state = task.init
    i = 0
    while i < len(plan):
        state = prefix_state
        kept: list[int] = []
        removed_cost = cost[plan[i]]
        for a in plan[i + 1:]:
            if state & pre[a] == pre[a] and not state & neg[a]:
                state = succ(state, a)
                kept.append(a)
            else:
                removed_cost += cost[a]
        if task.is_goal(state) and (removed_cost > 0 or len(kept) < len(plan) - i - 1):
            plan[i:] = kept
        else:
            prefix_state = succ(prefix_state, plan[i])
            i += 1
    return plan
