"""Ground actions and the grounded task the search runs on.

A :class:`Task` numbers its fluent facts; states are Python ints used as bitsets
(bit ``i`` set = fact ``i`` true).  Each action's preconditions and effects are
precomputed masks, so applicability is ``state & pre == pre and not state & neg``.
A task with derived predicates has ground ``rules``; its states are closed under them
(:mod:`vlaplan.planner.axioms`), so preconditions and goals just read the state.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from vlaplan.planner.atoms import Atom


@dataclass(frozen=True)
class ConditionalEffect:
    """Effects that happen when ``pre`` holds and ``pre_neg`` is false before the action."""

    pre: frozenset[Atom]
    pre_neg: frozenset[Atom]
    add: frozenset[Atom]
    delete: frozenset[Atom]


@dataclass(frozen=True, eq=False)
class GroundAction:
    """An action instance: ``str(a) == "(pick a)"``.

    ``pre``/``pre_neg`` list the fluent preconditions (static facts were checked while
    grounding); deletes happen before adds, as in PDDL.
    """

    name: str
    args: tuple[str, ...]
    pre: frozenset[Atom] = frozenset()
    add: frozenset[Atom] = frozenset()
    delete: frozenset[Atom] = frozenset()
    cost: float = 1
    pre_neg: frozenset[Atom] = frozenset()
    conditional: tuple[ConditionalEffect, ...] = ()

    def __str__(self) -> str:
        return "(" + " ".join((self.name, *self.args)) + ")"

    def applicable(self, state: frozenset[Atom] | set[Atom]) -> bool:
        """True when the preconditions hold in ``state``."""
        return self.pre <= state and not (self.pre_neg & state)

    def apply(self, state: frozenset[Atom]) -> frozenset[Atom]:
        """The successor state (conditional effects evaluated in ``state``); basic atoms
        only: derived atoms of ``state`` are carried over unchanged, so close the result
        under the domain's rules (``planner.derived.closure``) in a domain that has them."""
        add, delete = set(self.add), set(self.delete)
        for ce in self.conditional:
            if ce.pre <= state and not (ce.pre_neg & state):
                add |= ce.add
                delete |= ce.delete
        return frozenset((state - delete) | add)


@dataclass(eq=False)
class Task:
    """A grounded planning task over integer fact ids and bitset states."""

    facts: list[Atom]
    actions: list[GroundAction]
    init: int
    goal: int
    goal_neg: int = 0
    aux: list[bool] = field(default_factory=list)  # goal-compilation actions (not in plans)
    unit_cost: bool = True
    trivially_unsolvable: bool = False
    fact_id: dict[Atom, int] = field(default_factory=dict)
    pre: list[int] = field(default_factory=list)
    neg: list[int] = field(default_factory=list)
    add: list[int] = field(default_factory=list)
    delete: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    cond: list[tuple[tuple[int, int, int, int], ...]] = field(default_factory=list)
    rules: list = field(default_factory=list)  # GroundRule: derived predicates, not in plans

    def __post_init__(self) -> None:
        self.fact_id = {f: i for i, f in enumerate(self.facts)}
        if not self.aux:
            self.aux = [False] * len(self.actions)
        for a in self.actions:
            self.pre.append(self.mask(a.pre))
            self.neg.append(self.mask(a.pre_neg))
            add = self.mask(a.add)
            self.add.append(add)
            self.delete.append(self.mask(a.delete) & ~add)
            self.cost.append(a.cost)
            self.cond.append(tuple((self.mask(c.pre), self.mask(c.pre_neg), self.mask(c.add),
                                    self.mask(c.delete)) for c in a.conditional))
        self.has_conditional = any(self.cond)
        self.has_negative = any(self.neg) or bool(self.goal_neg)
        self.axioms = None
        self.derived = 0  # mask of the derived facts
        self.rule_head: list[int] = []
        self.rule_pre: list[int] = []
        self.rule_neg: list[int] = []
        self.rules_by_head: dict[int, list[int]] = {}
        if self.rules:
            from vlaplan.planner.axioms import AxiomEvaluator

            fid = self.fact_id
            for r in self.rules:
                self.rule_head.append(fid[r.head])
                self.rule_pre.append(self.mask(r.pre))
                self.rule_neg.append(self.mask(r.pre_neg))
            self.axioms = AxiomEvaluator([
                (h, p, n, r.stratum) for h, p, n, r in
                zip(self.rule_head, self.rule_pre, self.rule_neg, self.rules)])
            self.derived = self.axioms.derived
            for r, h in enumerate(self.rule_head):
                self.rules_by_head.setdefault(h, []).append(r)
            self.successor = self._closed_successor  # the plain one stays for rule-free tasks

    def mask(self, atoms) -> int:
        m = 0
        fid = self.fact_id
        for a in atoms:
            i = fid.get(a)
            if i is not None:
                m |= 1 << i
        return m

    def atoms(self, state: int) -> frozenset[Atom]:
        """The atoms of a bitset state."""
        out, i = [], 0
        while state:
            if state & 1:
                out.append(self.facts[i])
            state >>= 1
            i += 1
        return frozenset(out)

    def is_goal(self, state: int) -> bool:
        return state & self.goal == self.goal and not state & self.goal_neg

    def successor(self, state: int, a: int) -> int:
        """Apply action ``a`` (assumed applicable) to ``state``."""
        conds = self.cond[a]
        if not conds:
            return (state & ~self.delete[a]) | self.add[a]
        add, dele = self.add[a], self.delete[a]
        for cp, cn, ca, cd in conds:
            if state & cp == cp and not state & cn:
                add |= ca
                dele |= cd
        return (state & ~dele) | add

    def close(self, state: int) -> int:
        """``state`` with the derived facts its basic facts imply (itself without rules)."""
        return state if self.axioms is None else self.axioms.close(state)

    def _closed_successor(self, state: int, a: int) -> int:
        return self.axioms.close(Task.successor(self, state, a))

    def applicable(self, state: int) -> list[int]:
        """Indices of the actions applicable in ``state``."""
        pre, neg = self.pre, self.neg
        return [a for a in range(len(pre)) if state & pre[a] == pre[a] and not state & neg[a]]
