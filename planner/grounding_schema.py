"""Action schemas prepared for the relaxed-reachability join of :mod:`vlaplan.planner.grounding`.

A :class:`_Schema` is one DNF disjunct of an action's precondition: it orders the positive
literals for a hash join over the reached facts, compiles each join step into parameter
slots, and precomputes the argument positions of the add effects (and, for schemas with
only unconditional add/delete effects, of every atom an instance needs).  Moved here from
``grounding.py``, which runs the fixpoint and instantiates the actions.
"""
from __future__ import annotations

from collections.abc import Iterator
from itertools import product

from vlaplan.planner.formulas import Pred
from vlaplan.planner.normalize import Conjunction


class _Schema:
    """One DNF disjunct of an action's precondition, prepared for joining."""

    def __init__(self, action, conj: Conjunction, allowed: dict[str, set[str]]) -> None:
        self.action = action
        self.params = [p.name for p in action.params]
        self.allowed = allowed
        self.pos = [n for s, n in conj if s and isinstance(n, Pred)]
        self.neg = [n for s, n in conj if not s and isinstance(n, Pred)]
        self.eqs = [(s, n) for s, n in conj if not isinstance(n, Pred)]
        self.steps = self._order()
        bound = {a for p in self.pos for a in p.args if a.startswith("?")}
        self.free = [v for v in self.params if v not in bound]
        self.compiled = self._compile()
        self.checked = bool(self.eqs or self.neg)  # instances need _static_ok
        self.consts: tuple[str, ...] = ()
        self.adds: list[tuple[str, tuple[int, ...]]] | None = None  # every add effect
        self.simple: tuple | None = None  # templates of a schema without when/increase

    def prepare(self, effects: list, static: set[str]) -> None:
        """Precompute argument positions (into the parameter values followed by the
        constants) of the add effects and, for schemas with only unconditional add/delete
        effects, of every atom an instance needs."""
        slot = {v: i for i, v in enumerate(self.params)}
        consts: list[str] = []

        def spec(args: tuple[str, ...]) -> tuple[int, ...] | None:
            out = []
            for a in args:
                if a.startswith("?"):
                    if a not in slot:
                        return None
                    out.append(slot[a])
                else:
                    if a not in consts:
                        consts.append(a)
                    out.append(len(self.params) + consts.index(a))
            return tuple(out)

        adds = [(eff[1].predicate, spec(eff[1].args)) for _c, eff in effects
                if isinstance(eff, tuple) and eff[0]]
        simple = all(not conds and isinstance(eff, tuple) for conds, eff in effects)
        pre = [(p.predicate, spec(p.args)) for p in self.pos if p.predicate not in static]
        neg = [(p.predicate, spec(p.args)) for p in self.neg if p.predicate not in static]
        add = [(e[1].predicate, spec(e[1].args)) for _c, e in effects if simple and e[0]]
        dele = [(e[1].predicate, spec(e[1].args)) for _c, e in effects if simple and not e[0]]
        if any(x is None for _p, x in adds):
            return  # a variable that is not a parameter: the general path decides
        self.adds = adds
        if simple and all(x is not None for _p, x in pre + neg + add + dele):
            self.simple = (pre, neg, add, dele)
        self.consts = tuple(consts)

    def _order(self):
        """Join order: literals sharing bound variables first; per step the bound positions."""
        remaining = list(self.pos)
        bound: set[str] = set()
        steps = []
        while remaining:
            best = max(remaining, key=lambda p: (sum(1 for a in p.args if not a.startswith("?")
                                                     or a in bound), -len(p.args)))
            remaining.remove(best)
            key_pos = tuple(i for i, a in enumerate(best.args)
                            if not a.startswith("?") or a in bound)
            steps.append((best, key_pos))
            bound.update(a for a in best.args if a.startswith("?"))
        return steps

    def _compile(self) -> list | None:
        """Per join step: predicate, key positions, where each key value comes from
        (a parameter slot, or -1 and a constant), and the slots the other positions bind."""
        slot = {v: i for i, v in enumerate(self.params)}
        if any(a.startswith("?") and a not in slot for p in self.pos for a in p.args):
            return None
        compiled = []
        for pred, key_pos in self.steps:
            key_spec = tuple((slot[a], None) if a.startswith("?") else (-1, a)
                             for a in (pred.args[k] for k in key_pos))
            bind = tuple((i, slot[a]) for i, a in enumerate(pred.args)
                         if i not in key_pos and a.startswith("?"))
            compiled.append((pred.predicate, key_pos, key_spec, bind))
        self.allowed_slots = [self.allowed[v] for v in self.params]
        self.free_slots = [(slot[v], sorted(self.allowed[v])) for v in self.free]
        return compiled

    def bindings(self, index, delta_step: int = -1, delta_index=None
                 ) -> Iterator[tuple[str, ...]]:
        """Parameter values joining the reached facts (``index``); with ``delta_step``,
        that literal ranges over the facts new in the last round only (semi-naive)."""
        if self.compiled is None:
            for b in self._join(0, {}, index, delta_step, delta_index):
                yield tuple([b[v] for v in self.params])
            return
        found: list[list] = []
        self._join_slots(0, [None] * len(self.params), index, delta_step, delta_index, found)
        if not self.free_slots:
            for vals in found:
                yield tuple(vals)
            return
        slots = [s for s, _ in self.free_slots]
        for vals in found:
            for combo in product(*[objs for _, objs in self.free_slots]):
                for s, o in zip(slots, combo):
                    vals[s] = o
                yield tuple(vals)

    def _join_slots(self, i: int, vals: list, index, delta_step: int, delta_index,
                    found: list) -> None:
        if i == len(self.compiled):
            found.append(vals)
            return
        pred, key_pos, key_spec, bind = self.compiled[i]
        key = tuple([vals[s] if s >= 0 else c for s, c in key_spec])
        source = delta_index if i == delta_step else index
        allowed = self.allowed_slots
        for tup in source(pred, key_pos).get(key, ()):
            nv = vals[:]
            for pos, s in bind:
                o = tup[pos]
                cur = nv[s]
                if cur is None:
                    if o not in allowed[s]:
                        break
                    nv[s] = o
                elif cur != o:
                    break
            else:
                self._join_slots(i + 1, nv, index, delta_step, delta_index, found)

    def _join(self, i: int, binding: dict[str, str], index, delta_step: int, delta_index
              ) -> Iterator[dict[str, str]]:
        if i == len(self.steps):
            if not self.free:
                yield binding
                return
            domains = [sorted(self.allowed[v]) for v in self.free]
            for combo in product(*domains):
                b = dict(binding)
                b.update(zip(self.free, combo))
                yield b
            return
        pred, key_pos = self.steps[i]
        args = pred.args
        key = tuple(binding.get(args[k], args[k]) for k in key_pos)
        source = delta_index if i == delta_step else index
        for tup in source(pred.predicate, key_pos).get(key, ()):
            b = dict(binding)
            ok = True
            for a, o in zip(args, tup):
                if a.startswith("?"):
                    prev = b.get(a)
                    if prev is None:
                        if a in self.allowed and o not in self.allowed[a]:
                            ok = False
                            break
                        b[a] = o
                    elif prev != o:
                        ok = False
                        break
            if ok:
                yield from self._join(i + 1, b, index, delta_step, delta_index)
