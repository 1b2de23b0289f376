"""Layered hFF with operator sets as ints, for tasks with many operators per fact.

:class:`BitsetFF` is a mixin of :class:`vlaplan.planner.heuristics.Relaxation`: its
relaxed operators (``pre``, ``add``, ``pre_of``, ``achievers``, ...) are built there, and
``Relaxation`` switches ``ff_layered`` to :meth:`BitsetFF._ff_bitsets` when a task is large
enough for it to pay.  The results are exactly those of the counting version (values,
preferred operators, applicable actions in the same order, relaxed plans).
"""
from __future__ import annotations

from functools import reduce
from itertools import compress, count
from operator import or_
from typing import TYPE_CHECKING

INF = float("inf")
# hFF works on operator sets as ints (Relaxation._ff_bitsets) when a task has at least
# this many operators per fact, at most this many facts, and at most this many facts x
# operators (the memory of the sets); else it counts.
BITSET_OPS_PER_FACT = 4
BITSET_FACTS = 1000
BITSET_LIMIT = 100_000_000
_ZERO_ONE = bytes.maketrans(b"01", b"\x00\x01")


def bits(x: int) -> list[int]:
    """Indices of the set bits of ``x`` (>= 0), ascending."""
    text = bin(x)[:1:-1]  # least significant bit first
    if x.bit_count() * 8 > len(text):  # dense: select the positions of the 1s in C
        return list(compress(count(), text.encode().translate(_ZERO_ONE)))
    out = []
    i = text.find("1")
    while i >= 0:
        out.append(i)
        i = text.find("1", i + 1)
    return out


if TYPE_CHECKING:  # pragma: no cover
    from vlaplan.planner.heuristics import Relaxation as _Base
else:
    _Base = object


class BitsetFF(_Base):
    """hFF's relaxed planning graph layer by layer on operator bitsets."""

    def _init_bitsets(self) -> None:
        """Operator sets as ints (bit ``o`` = operator ``o``) for :meth:`_ff_bitsets`."""
        n, n_ops = self.n_facts, len(self.pre)
        # ops_needing[f]: the operators with precondition f; achieved_by[f]: adders of f.
        self.ops_needing = [sum(1 << o for o in ops) for ops in self.pre_of]
        self.achieved_by = [sum(1 << o for o in ops) for ops in self.achievers]
        self.needed_facts = sum(1 << f for f in range(n) if self.pre_of[f])
        self.achieved_facts = sum(1 << f for f in range(n) if self.achievers[f])
        self.all_ops_mask = (1 << n_ops) - 1
        self.main_mask = sum(1 << o for o in range(n_ops) if self.is_main[o])
        self.fact_bit = [1 << f for f in range(n)]
        # The order in which counting lists the applicable actions: by the last
        # precondition fact, operators with one precondition first, then by index.
        order = sorted(self.all_ops, key=lambda o: (self.pre_list[o][-1] if self.pre_list[o]
                                                    else -1, self.n_pre[o] > 1, o))
        self.rank = sorted(self.all_ops, key=order.__getitem__)  # the inverse of order
        self.rank_sorted = order == self.all_ops

    def _ff_bitsets(self, state: int) -> tuple[float, set[int], list[int] | None]:
        """:meth:`ff_layered` with bit-parallel layers: the operators whose preconditions
        are all reached are those no unreached fact needs, and the facts of the next layer
        are the unreached facts with an achiever among them.  Same values, preferred
        actions, applicable actions (in the same order) and relaxed plans."""
        goal = self.goal
        if self.comp:
            state = self.extend(state)
        if state & goal == goal:
            return 0, set(), None
        needing, achieved_by, fact_bit = self.ops_needing, self.achieved_by, self.fact_bit
        needed, achieved, all_ops = self.needed_facts, self.achieved_facts, self.all_ops_mask
        reached = state
        ready = all_ops ^ reduce(or_, map(needing.__getitem__, bits(needed & ~reached)), 0)
        first = bits(ready & self.main_mask)
        if not self.rank_sorted:
            first.sort(key=self.rank.__getitem__)
        act = self.act
        applicable = [act[o] for o in first]
        layers = [ready]  # layers[k]: the operators of levels <= k
        facts = [state]   # facts[k]: the facts of levels <= k
        add = self.add
        fresh = ready
        while True:
            todo = bits(achieved & ~reached)
            if fresh.bit_count() < len(todo):  # the adds of the new operators
                new = reduce(or_, map(add.__getitem__, bits(fresh)), 0) & ~reached
            else:  # the facts with a new achiever
                new = sum(compress(map(fact_bit.__getitem__, todo),
                                   map(fresh.__and__, map(achieved_by.__getitem__, todo))))
            if not new:
                return INF, set(), applicable
            reached |= new
            facts.append(reached)
            if reached & goal == goal:
                break
            fresh = ready
            ready = all_ops ^ reduce(or_, map(needing.__getitem__, bits(needed & ~reached)), 0)
            fresh ^= ready
            layers.append(ready)
        pending = [0] + [goal & facts[lv] & ~facts[lv - 1] for lv in range(1, len(facts))]

        def first_achiever(f: int, lv: int) -> int:  # the first by index, as counting finds
            m = achieved_by[f] & layers[lv - 1]
            return (m & -m).bit_length() - 1

        def op_level(o: int) -> int:
            k = 0
            while not layers[k] >> o & 1:
                k += 1
            return k

        def fact_level(f: int) -> int:
            k, bit = 1, fact_bit[f]
            while not facts[k] & bit:
                k += 1
            return k

        h, preferred = self._extract(state, pending, first_achiever, op_level, fact_level)
        return h, preferred, applicable
