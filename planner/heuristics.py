"""Delete-relaxation heuristics over bitset states: hFF (layered and cost-based), hadd, hmax.

Relaxed operators are the actions (positive preconditions, adds) plus one operator per
conditional effect (action precondition + effect condition -> conditional adds).
Facts that occur negatively get complement facts (compiled in), so negative goals and
preconditions inform the heuristics.
Each ground rule of a derived predicate is a zero-cost relaxed operator (``act`` -1): it
never counts in h and never appears in a relaxed plan or among the preferred operators.
A derived fact that occurs negatively gets a complement fact too, true where the fact is
false and added by every action that changes a basic fact the derived one depends on
(:func:`vlaplan.planner.axioms.falsifiers`): only such an action can make it false, so
this stays a relaxation (and hmax admissible).
Every heuristic returns ``INF`` for relaxed dead ends, which are real dead ends.
"""
from __future__ import annotations

import heapq

from vlaplan.planner.relaxed_bitsets import (BITSET_FACTS, BITSET_LIMIT, BITSET_OPS_PER_FACT, INF,
                                             BitsetFF, bits)
from vlaplan.planner.task import Task

class Relaxation(BitsetFF):
    """The relaxed operators of a task and the heuristics computed on them (layered hFF
    with operator bitsets where that is faster: :mod:`vlaplan.planner.relaxed_bitsets`)."""

    def __init__(self, task: Task) -> None:
        self.task = task
        n = len(task.facts)
        # Facts that occur negatively (goal, preconditions, effect conditions) get a
        # complement fact "not f", added by the actions that delete f, so the heuristics
        # see negative goals and preconditions instead of ignoring them.
        negative = task.goal_neg
        for a in range(len(task.actions)):
            negative |= task.neg[a]
            for _cp, cn, _ca, _cd in task.cond[a]:
                negative |= cn
        for rn in task.rule_neg:
            negative |= rn
        self.comp = [(f, n + j) for j, f in enumerate(bits(negative))]
        cmap = dict(self.comp)
        self.n_facts = n + len(self.comp)

        def cbits(mask: int) -> int:
            out = 0
            if cmap:
                for f in bits(mask):
                    c = cmap.get(f)
                    if c is not None:
                        out |= 1 << c
            return out

        self.goal = task.goal | cbits(task.goal_neg)
        pre, add, act, cost, main = [], [], [], [], []
        for a in range(len(task.actions)):
            main.append(True)
            pre.append(task.pre[a] | cbits(task.neg[a]))
            add.append(task.add[a] | cbits(task.delete[a]))
            act.append(a)
            cost.append(task.cost[a])
            for cp, cn, ca, cd in task.cond[a]:
                cadd = ca | cbits(cd)
                if cadd:
                    main.append(False)
                    pre.append(task.pre[a] | cbits(task.neg[a]) | cp | cbits(cn))
                    add.append(cadd)
                    act.append(a)
                    cost.append(task.cost[a])
        if negative & task.derived:  # who may make a negated derived fact true
            from vlaplan.planner.axioms import falsifiers

            undo = falsifiers(task, bits(negative & task.derived))
            for o, a in enumerate(act):
                if main[o]:
                    add[o] |= cbits(undo[a])
        for h, rp, rn in zip(task.rule_head, task.rule_pre, task.rule_neg):
            main.append(False)
            pre.append(rp | cbits(rn))
            add.append(1 << h)
            act.append(-1)
            cost.append(0)
        self.pre, self.add, self.act, self.cost, self.is_main = pre, add, act, cost, main
        n = self.n_facts
        self.achievers: list[list[int]] = [[] for _ in range(n)]
        self.pre_list: list[list[int]] = []
        self.pre_of: list[list[int]] = [[] for _ in range(n)]
        self.add_list: list[list[int]] = []
        for o in range(len(pre)):
            for f in bits(add[o]):
                self.achievers[f].append(o)
            pl = bits(pre[o])
            self.pre_list.append(pl)
            for f in pl:
                self.pre_of[f].append(o)
            self.add_list.append(bits(add[o]))
        self.no_pre = [o for o in range(len(pre)) if not pre[o]]
        self.n_pre = [len(pl) for pl in self.pre_list]
        # Operators with one precondition fire as soon as it is reached (no counter).
        self.single_of: list[list[int]] = [[] for _ in range(n)]
        self.multi_of: list[list[int]] = [[] for _ in range(n)]
        for o, pl in enumerate(self.pre_list):
            for f in pl:
                (self.single_of if len(pl) == 1 else self.multi_of)[f].append(o)
        self.all_ops = list(range(len(pre)))
        big = 1 << 30
        self.op_level_init = [big] * len(pre)
        self.fact_level_init = [0] * n
        self._relaxed_plan: list[tuple[int, int]] = []
        # Tasks with many operators per fact explore with operator bitsets (_ff_bitsets:
        # 4.5x the evaluations per second on IPC parking, 1.9x on barman); the others
        # count (there bitsets were 0.6x on blocksworld 30, about 1x on philosophers).
        if len(pre) >= BITSET_OPS_PER_FACT * n and n <= BITSET_FACTS \
                and n * len(pre) <= BITSET_LIMIT:
            self._init_bitsets()
            self.ff_layered = self._ff_bitsets  # type: ignore[method-assign]

    def extend(self, state: int) -> int:
        """The state with the complement facts of its false negative-relevant facts."""
        for f, c in self.comp:
            if not state >> f & 1:
                state |= 1 << c
        return state

    # ------------------------------------------------------------------ layered hFF
    def _ff_counting(self, state: int) -> tuple[float, set[int], list[int] | None]:
        """FF's relaxed planning graph (unit cost), computed by counting unsatisfied
        preconditions layer by layer: (number of actions, preferred actions, applicable
        actions - the real actions of the first layer - or None when not computed).
        :meth:`ff_layered` is this or :meth:`_ff_bitsets` (same results)."""
        goal = self.goal
        if self.comp:
            state = self.extend(state)
        if state & goal == goal:
            return 0, set(), None
        add, act = self.add, self.act
        single_of, multi_of = self.single_of, self.multi_of
        unsat = self.n_pre.copy()
        ready = list(self.no_pre)
        for f in bits(state):
            ready += single_of[f]
            for o in multi_of[f]:
                c = unsat[o] - 1
                unsat[o] = c
                if not c:
                    ready.append(o)
        main = self.is_main
        applicable = [act[o] for o in ready if main[o]]
        reached = state
        op_level = self.op_level_init.copy()
        fact_level = self.fact_level_init.copy()
        level = 0
        while True:
            new = 0
            for o in ready:
                op_level[o] = level
                new |= add[o]
            new &= ~reached
            if not new:
                return INF, set(), applicable
            reached |= new
            level += 1
            if reached & goal == goal:
                for f in bits(new):
                    fact_level[f] = level
                break
            ready = []
            for f in bits(new):
                fact_level[f] = level
                ready += single_of[f]
                for o in multi_of[f]:
                    c = unsat[o] - 1
                    unsat[o] = c
                    if not c:
                        ready.append(o)
        pending = [0] * (level + 1)
        for f in bits(goal & ~state):
            pending[fact_level[f]] |= 1 << f
        achievers = self.achievers

        def first_achiever(f: int, lv: int) -> int:
            for o in achievers[f]:
                if op_level[o] < lv:
                    return o
            return -1

        h, preferred = self._extract(state, pending, first_achiever, op_level.__getitem__,
                                     fact_level.__getitem__)
        return h, preferred, applicable

    ff_layered = _ff_counting

    def _extract(self, state: int, pending: list[int], first_achiever, op_level,
                 fact_level) -> tuple[int, set[int]]:
        """FF's relaxed plan, backwards from the top level: ``pending[lv]`` (a mask) holds
        the goals first reached at level lv; ``first_achiever(f, lv)`` is the achiever of
        f (the first by index) of a level below lv; ``op_level(o)``, ``fact_level(f)``.
        Returns (number of actions, preferred actions) and keeps the relaxed plan."""
        pre, add, act = self.pre, self.add, self.act
        chosen: set[int] = set()
        preferred: set[int] = set()
        rplan: list[tuple[int, int]] = []
        self._relaxed_plan = rplan
        for lv in range(len(pending) - 1, 0, -1):
            g = pending[lv]
            while g:
                low = g & -g
                best = first_achiever(low.bit_length() - 1, lv)
                g &= ~add[best]
                a = act[best]
                if a >= 0:  # not a rule
                    level = op_level(best)
                    if a not in chosen:
                        chosen.add(a)
                        rplan.append((level, a))
                    if level == 0:
                        preferred.add(a)
                need = pre[best] & ~state
                while need:
                    lowq = need & -need
                    need ^= lowq
                    pending[fact_level(lowq.bit_length() - 1)] |= lowq
        return len(chosen), preferred

    def relaxed_plan(self) -> list[int]:
        """The actions of the relaxed plan of the last :meth:`ff_layered` evaluation
        (that returned a finite h > 0), by level."""
        return [a for _level, a in sorted(self._relaxed_plan)]

    # ------------------------------------------------------------------ hadd / hmax / hFF
    def _explore(self, state: int, use_max: bool, cost_fn=None) -> tuple[list[float], list[int]]:
        """Generalised Dijkstra: fact costs and best supporters (-1 for state facts)."""
        if self.comp:
            state = self.extend(state)
        n = self.n_facts
        dist = [INF] * n
        support = [-1] * n
        heap: list[tuple[float, int]] = []
        for f in bits(state):
            dist[f] = 0
            heap.append((0, f))
        unsat = [len(p) for p in self.pre_list]
        val = [0.0] * len(unsat)
        costs = self.cost if cost_fn is None else cost_fn
        for o in self.no_pre:
            c = costs[o]
            for g in self.add_list[o]:
                if c < dist[g]:
                    dist[g] = c
                    support[g] = o
                    heap.append((c, g))
        heapq.heapify(heap)
        goal_left = len(bits(self.goal))
        goal = self.goal
        done = [False] * n
        pre_of, add_list = self.pre_of, self.add_list
        while heap:
            c, f = heapq.heappop(heap)
            if done[f]:
                continue
            done[f] = True
            if goal >> f & 1:
                goal_left -= 1
                if goal_left == 0:
                    break
            for o in pre_of[f]:
                unsat[o] -= 1
                if use_max:
                    if c > val[o]:
                        val[o] = c
                else:
                    val[o] += c
                if unsat[o] == 0:
                    v = val[o] + costs[o]
                    for g in add_list[o]:
                        if v < dist[g]:
                            dist[g] = v
                            support[g] = o
                            heapq.heappush(heap, (v, g))
        return dist, support

    def hadd(self, state: int) -> float:
        dist, _ = self._explore(state, False)
        return sum(dist[f] for f in bits(self.goal))

    def hmax(self, state: int) -> float:
        dist, _ = self._explore(state, True)
        return max((dist[f] for f in bits(self.goal)), default=0)

    def ff_cost(self, state: int) -> tuple[float, set[int]]:
        """FF from hadd best supporters, counting action costs: (cost, preferred actions)."""
        dist, support = self._explore(state, False)
        state = self.extend(state)
        stack = [f for f in bits(self.goal)]
        if any(dist[f] == INF for f in stack):
            return INF, set()
        seen: set[int] = set(stack)
        chosen: set[int] = set()
        preferred: set[int] = set()
        while stack:
            f = stack.pop()
            o = support[f]
            if o < 0:
                continue
            a = self.act[o]
            if a >= 0:  # not a rule
                chosen.add(a)
                if self.pre[o] & state == self.pre[o]:
                    preferred.add(a)
            for q in self.pre_list[o]:
                if q not in seen:
                    seen.add(q)
                    stack.append(q)
        return sum(self.task.cost[a] for a in chosen), preferred
