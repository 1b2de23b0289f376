"""The LM-cut heuristic (Helmert & Domshlak 2009): admissible, for optimal A*.

Repeatedly: compute hmax under the current operator costs, build the justification graph
(each operator hangs off its most expensive precondition), find the landmark cut between
the facts reachable before the goal zone and the zone itself, add the cheapest cut cost
to h and subtract it from the cut's operators.  Tasks with conditional effects use hmax.
Ground rules of derived predicates are zero-cost operators (positive body -> head; the
negative body is dropped, a relaxation), so h stays admissible; a zero-cost operator is
never in a cut (its precondition joins the goal zone).
"""
from __future__ import annotations

import heapq

from vlaplan.planner.heuristics import INF
from vlaplan.planner.relaxed_bitsets import bits
from vlaplan.planner.task import Task


class LMCut:
    """LM-cut for a task without conditional effects."""

    def __init__(self, task: Task) -> None:
        n = len(task.facts)
        self.n = n + 2                       # + artificial init fact, + artificial goal fact
        self.init_fact, self.goal_fact = n, n + 1
        self.pre: list[list[int]] = []
        self.add: list[list[int]] = []
        self.cost: list[float] = []
        for a in range(len(task.actions)):
            pre = bits(task.pre[a]) or [self.init_fact]
            self.pre.append(pre)
            self.add.append(bits(task.add[a]))
            self.cost.append(task.cost[a])
        for h, rp in zip(task.rule_head, task.rule_pre):
            self.pre.append(bits(rp) or [self.init_fact])
            self.add.append([h])
            self.cost.append(0.0)
        self.pre.append(bits(task.goal) or [self.init_fact])
        self.add.append([self.goal_fact])
        self.cost.append(0.0)
        self.pre_of: list[list[int]] = [[] for _ in range(self.n)]
        self.add_of: list[list[int]] = [[] for _ in range(self.n)]
        for o, pre in enumerate(self.pre):
            for f in pre:
                self.pre_of[f].append(o)
            for f in self.add[o]:
                self.add_of[f].append(o)

    def _hmax(self, sources: list[int], cost: list[float]) -> tuple[list[float], list[int]]:
        dist = [INF] * self.n
        for f in sources:
            dist[f] = 0.0
        heap = [(0.0, f) for f in sources]
        unsat = [len(p) for p in self.pre]
        pcf = [-1] * len(self.pre)
        done = [False] * self.n
        while heap:
            c, f = heapq.heappop(heap)
            if done[f]:
                continue
            done[f] = True
            for o in self.pre_of[f]:
                unsat[o] -= 1
                if unsat[o] == 0:
                    pcf[o] = f  # the last precondition reached has the highest hmax
                    v = c + cost[o]
                    for g in self.add[o]:
                        if v < dist[g]:
                            dist[g] = v
                            heapq.heappush(heap, (v, g))
        return dist, pcf

    def value(self, state: int) -> float:
        """LM-cut value of a bitset state (INF for relaxed dead ends)."""
        sources = bits(state) + [self.init_fact]
        cost = list(self.cost)
        h = 0.0
        while True:
            dist, pcf = self._hmax(sources, cost)
            if dist[self.goal_fact] == INF:
                return INF
            if dist[self.goal_fact] == 0:
                return h
            zone = {self.goal_fact}
            stack = [self.goal_fact]
            while stack:
                f = stack.pop()
                for o in self.add_of[f]:
                    p = pcf[o]
                    if p >= 0 and cost[o] == 0 and p not in zone:
                        zone.add(p)
                        stack.append(p)
            before = set(sources)
            stack = list(sources)
            cut: set[int] = set()
            while stack:
                f = stack.pop()
                for o in self.pre_of[f]:
                    if pcf[o] != f:
                        continue
                    for g in self.add[o]:
                        if g in zone:
                            cut.add(o)
                        elif g not in before:
                            before.add(g)
                            stack.append(g)
            m = min(cost[o] for o in cut)
            h += m
            for o in cut:
                cost[o] -= m
