"""The bindings under which a lifted condition holds in a state: a small join evaluator.

:func:`vlaplan.planner.formulas.holds` tests one ground formula and expands every
quantifier over all objects; a derived predicate's head has to be tried for every tuple
of objects, which made validating an IPC plan take a minute.  :class:`Matcher` instead
generates the bindings from the state's atoms: a positive atom with open variables
ranges over the state's atoms of its predicate (an index per predicate), equality binds,
``and`` chains its parts (generators first, then tests), ``or`` and ``exists`` collect
their parts' bindings; ``not``, ``forall`` and ``imply`` are tests, their open variables
enumerated over their types first.  Every variable takes only objects of its types.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import product

from vlaplan.planner.atoms import Atom
from vlaplan.planner.formulas import (
    And, Eq, Exists, Forall, Formula, Imply, Not, Or, Parameter, Pred,
)

Binding = dict[str, str]


def free_variables(f: Formula) -> set[str]:
    """The variables of ``f`` no quantifier inside ``f`` binds."""
    if isinstance(f, Pred):
        return {a for a in f.args if a.startswith("?")}
    if isinstance(f, Eq):
        return {a for a in (f.left, f.right) if a.startswith("?")}
    if isinstance(f, Not):
        return free_variables(f.part)
    if isinstance(f, (And, Or)):
        return set().union(*(free_variables(p) for p in f.parts)) if f.parts else set()
    if isinstance(f, Imply):
        return free_variables(f.left) | free_variables(f.right)
    if isinstance(f, (Forall, Exists)):
        return free_variables(f.body) - {p.name for p in f.params}
    raise TypeError(f"not a condition: {f}")


class Matcher:
    """Evaluates conditions against a growing set of atoms."""

    def __init__(self, state: Iterable[Atom], objects_of: Mapping[str, Iterable[str]]) -> None:
        self.state: set[Atom] = set()
        self.by_predicate: dict[str, list[tuple[str, ...]]] = {}
        # predicate -> bound positions -> their values -> the atoms' arguments
        self._indexes: dict[str, dict[tuple[int, ...], dict[tuple, list]]] = {}
        self.objects_of = {t: list(objs) for t, objs in objects_of.items()}
        self._sets: dict[tuple[str, ...], frozenset[str]] = {}
        for a in state:
            self.add(a)

    def add(self, atom: Atom) -> None:
        if atom not in self.state:
            self.state.add(atom)
            args = atom.args
            self.by_predicate.setdefault(atom.predicate, []).append(args)
            for positions, index in self._indexes.get(atom.predicate, {}).items():
                index.setdefault(tuple([args[i] for i in positions]), []).append(args)

    def _index(self, predicate: str, positions: tuple[int, ...]) -> dict[tuple, list]:
        by_positions = self._indexes.setdefault(predicate, {})
        index = by_positions.get(positions)
        if index is None:
            index = by_positions[positions] = {}
            for args in self.by_predicate.get(predicate, ()):
                index.setdefault(tuple([args[i] for i in positions]), []).append(args)
        return index

    def objects(self, types: tuple[str, ...]) -> frozenset[str]:
        found = self._sets.get(types)
        if found is None:
            found = self._sets[types] = frozenset(o for t in types
                                                  for o in self.objects_of.get(t, ()))
        return found

    def solutions(self, f: Formula, b: Binding, types: Mapping[str, tuple[str, ...]]
                  ) -> Iterator[Binding]:
        """Extensions of ``b`` (to the free variables of ``f``, as far as ``f`` binds them)
        under which ``f`` holds; ``types`` gives each variable's types."""
        if isinstance(f, Pred):
            yield from self._atom(f, b, types)
        elif isinstance(f, Eq):
            yield from self._equal(f, b, types)
        elif isinstance(f, And):
            parts = sorted(f.parts, key=lambda p: isinstance(p, (Not, Forall, Imply)))
            yield from self._chain(parts, 0, b, types)
        elif isinstance(f, Or):
            for p in f.parts:
                yield from self.solutions(p, b, types)
        elif isinstance(f, Exists):
            names = {p.name for p in f.params}
            inner_types = {**types, **{p.name: p.types for p in f.params}}
            inner = {k: v for k, v in b.items() if k not in names}
            seen: set[tuple] = set()
            for s in self.solutions(f.body, inner, inner_types):
                out = dict(b)
                out.update((k, v) for k, v in s.items() if k not in names)
                key = tuple(sorted(out.items()))
                if key not in seen:
                    seen.add(key)
                    yield out
        else:  # not / forall / imply: tests on a full binding of their free variables
            open_vars = sorted(v for v in free_variables(f) if v not in b)
            domains = [sorted(self.objects(types[v])) for v in open_vars]
            for values in product(*domains):
                full = {**b, **dict(zip(open_vars, values))}
                if self._test(f, full, types):
                    yield full

    def holds(self, f: Formula, b: Binding, types: Mapping[str, tuple[str, ...]]) -> bool:
        return next(self.solutions(f, b, types), None) is not None

    def _test(self, f: Formula, b: Binding, types) -> bool:
        if isinstance(f, Not):
            return not self.holds(f.part, b, types)
        if isinstance(f, Imply):
            return not self.holds(f.left, b, types) or self.holds(f.right, b, types)
        names = [p.name for p in f.params]  # Forall
        inner_types = {**types, **{p.name: p.types for p in f.params}}
        domains = [sorted(self.objects(p.types)) for p in f.params]
        return all(self.holds(f.body, {**b, **dict(zip(names, values))}, inner_types)
                   for values in product(*domains))

    def _chain(self, parts, i: int, b: Binding, types) -> Iterator[Binding]:
        if i == len(parts):
            yield b
            return
        for nb in self.solutions(parts[i], b, types):
            yield from self._chain(parts, i + 1, nb, types)

    def _atom(self, f: Pred, b: Binding, types) -> Iterator[Binding]:
        args = f.args
        values = [b.get(a, a) for a in args]
        positions = tuple(i for i, v in enumerate(values) if not v.startswith("?"))
        if len(positions) == len(args):
            if Atom(f.predicate, tuple(values)) in self.state:
                yield b
            return
        key = tuple([values[i] for i in positions])
        open_args = [(i, a) for i, a in enumerate(args) if i not in positions]
        for tup in self._index(f.predicate, positions).get(key, ()):
            nb = dict(b)
            for i, a in open_args:
                value = tup[i]
                current = nb.get(a)
                if current is None:
                    if value not in self.objects(types[a]):
                        break
                    nb[a] = value
                elif current != value:
                    break
            else:
                yield nb

    def _equal(self, f: Eq, b: Binding, types) -> Iterator[Binding]:
        left, right = b.get(f.left, f.left), b.get(f.right, f.right)
        lv, rv = left.startswith("?"), right.startswith("?")
        if not lv and not rv:
            if left == right:
                yield b
        elif lv and rv:
            for o in sorted(self.objects(types[left]) & self.objects(types[right])):
                yield {**b, left: o, right: o}
        else:
            var, value = (left, right) if lv else (right, left)
            if value in self.objects(types[var]):
                yield {**b, var: value}


def head_atoms(matcher: Matcher, predicate: str, params: tuple[Parameter, ...],
               condition: Formula) -> set[Atom]:
    """The atoms ``(predicate params...)`` whose condition holds in the matcher's state."""
    types = {p.name: p.types for p in params}
    out: set[Atom] = set()
    names = [p.name for p in params]
    for s in matcher.solutions(condition, {}, types):
        open_vars = [n for n in names if n not in s]
        domains = [sorted(matcher.objects(types[n])) for n in open_vars]
        for values in product(*domains):
            full = {**s, **dict(zip(open_vars, values))}
            out.add(Atom(predicate, tuple(full[n] for n in names)))
    return out
