"""Ground derived-predicate rules (axioms) and their evaluation on bitset states.

A :class:`GroundRule` ``head <- pre, not pre_neg`` comes from grounding a
``(:derived ...)`` rule (:mod:`vlaplan.planner.grounding_axioms`).  Search states are
closed under the rules: :class:`AxiomEvaluator` clears the derived bits of a state and
derives them again stratum by stratum, each stratum to its fixpoint (negative body
literals read basic facts or lower strata only, so they are fixed while a stratum runs).
Within a stratum, the rules whose positive body has no fact of the same stratum are tried
once; the others wait until such a fact is derived (a queue of new facts, as Fast
Downward's axiom evaluator does).
"""
from __future__ import annotations

from dataclasses import dataclass

from vlaplan.planner.atoms import Atom


@dataclass(frozen=True)
class GroundRule:
    """``head`` holds when every atom of ``pre`` holds and none of ``pre_neg`` does."""

    head: Atom
    pre: frozenset[Atom] = frozenset()
    pre_neg: frozenset[Atom] = frozenset()
    stratum: int = 0

    def __str__(self) -> str:
        body = [str(a) for a in sorted(self.pre)]
        body += [f"(not {a})" for a in sorted(self.pre_neg)]
        return f"{self.head} <- " + (" ".join(body) if body else "true")


def _bit_indexes(x: int) -> list[int]:
    out = []
    while x:
        low = x & -x
        out.append(low.bit_length() - 1)
        x ^= low
    return out


class _Layer:
    """The rules of one stratum as masks: ``base`` (tried once) and ``watch`` (fact ->
    rules that wait for it)."""

    def __init__(self, rules: list[tuple[int, int, int]]) -> None:
        heads = 0
        for h, _p, _n in rules:
            heads |= 1 << h
        self.base: list[tuple[int, int, int]] = []
        self.head: list[int] = []
        self.pre: list[int] = []
        self.neg: list[int] = []
        self.watch: dict[int, list[int]] = {}
        for h, p, n in rules:
            inner = p & heads
            if not inner:
                self.base.append((1 << h, p, n))
                continue
            r = len(self.head)
            self.head.append(1 << h)
            self.pre.append(p)
            self.neg.append(n)
            for f in _bit_indexes(inner):
                self.watch.setdefault(f, []).append(r)


class AxiomEvaluator:
    """Closes bitset states under ground rules given as ``(head bit, pre mask, neg mask,
    stratum)``."""

    def __init__(self, rules: list[tuple[int, int, int, int]]) -> None:
        by_stratum: dict[int, list[tuple[int, int, int]]] = {}
        derived = 0
        for h, p, n, s in rules:
            by_stratum.setdefault(s, []).append((h, p, n))
            derived |= 1 << h
        self.derived = derived
        self.layers = [_Layer(by_stratum[s]) for s in sorted(by_stratum)]

    def close(self, state: int) -> int:
        """``state`` with exactly the derived facts its basic facts imply."""
        state &= ~self.derived
        for layer in self.layers:
            new = 0
            for h, p, n in layer.base:
                if state & p == p and not state & n:
                    new |= h
            state |= new
            watch = layer.watch
            if not watch:
                continue
            queue = [f for f in _bit_indexes(new) if f in watch]
            head, pre, neg = layer.head, layer.pre, layer.neg
            while queue:
                for r in watch[queue.pop()]:
                    h = head[r]
                    if state & h:
                        continue
                    p = pre[r]
                    if state & p == p and not state & neg[r]:
                        state |= h
                        f = h.bit_length() - 1
                        if f in watch:
                            queue.append(f)
        return state


def basic_support(task, fact: int) -> int:
    """The basic facts derived fact ``fact`` of ``task`` depends on, through its rules
    and the rules of the derived facts in their bodies (either sign)."""
    by_head = task.rules_by_head
    derived = task.derived
    support, seen, stack = 0, {fact}, [fact]
    while stack:
        for r in by_head.get(stack.pop(), ()):
            body = task.rule_pre[r] | task.rule_neg[r]
            support |= body & ~derived
            for g in _bit_indexes(body & derived):
                if g not in seen:
                    seen.add(g)
                    stack.append(g)
    return support


def falsifiers(task, facts: list[int]) -> list[int]:
    """For each action of ``task``, the mask of the derived ``facts`` it may make false:
    those depending on a basic fact it adds or deletes.  (An action that changes none of
    a derived fact's basic facts leaves it as it is.)"""
    supports = [(1 << f, basic_support(task, f)) for f in facts]
    out = []
    for a in range(len(task.actions)):
        changed = task.add[a] | task.delete[a]
        for _cp, _cn, ca, cd in task.cond[a]:
            changed |= ca | cd
        mask = 0
        for bit, support in supports:
            if changed & support:
                mask |= bit
        out.append(mask)
    return out
