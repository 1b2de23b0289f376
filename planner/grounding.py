"""Grounding by relaxed reachability with static-predicate pruning.

Only actions whose positive preconditions can become true in the delete relaxation are
instantiated: a fixpoint alternates joining each schema's positive preconditions over the
facts reached so far (hash-indexed) and adding the instances' add effects.  Static
predicates (never changed by an action) are evaluated against the initial state and
removed from the task; negative preconditions, equality and conditional effects are kept.
Disjunctive preconditions split an action into one instance per DNF disjunct; a
disjunctive goal is compiled into zero-cost auxiliary goal actions.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import product

from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import PDDLSemanticError, UnsupportedFeature
from vlaplan.planner.formulas import And, FunctionTerm, Increase, Pred, substitute, walk
from vlaplan.planner.model import Domain, Problem, objects_by_type
from vlaplan.planner.normalize import Conjunction, dnf, flatten_effect
from vlaplan.planner.task import ConditionalEffect, GroundAction, Task

GOAL_ACTION = "__goal__"


def _static_predicates(domain: Domain) -> set[str]:
    changed: set[str] = set()
    for action in domain.actions.values():
        for node in walk(action.effect):
            if isinstance(node, Pred):
                changed.add(node.predicate)
    return set(domain.predicates) - changed


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


def ground(domain: Domain, problem: Problem) -> Task:
    """The grounded task of ``problem``: reachable facts and actions only."""
    objects_of = objects_by_type(domain, problem)
    static = _static_predicates(domain)
    init = set(problem.init)
    uses_costs = problem.uses_costs

    def known(p: Pred) -> bool | None:
        if p.predicate in static and not any(a.startswith("?") for a in p.args):
            return Atom(p.predicate, p.args) in init
        return None

    schemas: list[_Schema] = []
    effects: dict[str, list] = {}
    for action in domain.actions.values():
        allowed = {}
        for p in action.params:
            objs: set[str] = set()
            for t in p.types:
                objs.update(objects_of.get(t, ()))
            allowed[p.name] = objs
        effects[action.name] = flatten_effect(action.effect, objects_of)
        for conj in dnf(action.precondition, objects_of, known=known):
            schemas.append(_Schema(action, conj, allowed))
            schemas[-1].prepare(effects[action.name], static)

    reached: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for atom in init:
        reached[atom.predicate].add(atom.args)
    instances: dict[tuple, _Schema] = {}
    indexes: dict[tuple, dict] = {}  # (predicate, key positions) -> key -> reached tuples

    def index(pred: str, key_pos: tuple[int, ...]) -> dict:
        idx = indexes.get((pred, key_pos))
        if idx is None:
            idx = indexes[(pred, key_pos)] = defaultdict(list)
            for tup in reached.get(pred, ()):
                idx[tuple([tup[k] for k in key_pos])].append(tup)
        return idx

    def make_index(facts: dict[str, set[tuple[str, ...]]]):
        cache: dict[tuple, dict] = {}

        def index(pred: str, key_pos: tuple[int, ...]) -> dict:
            idx = cache.get((pred, key_pos))
            if idx is None:
                idx = defaultdict(list)
                for tup in facts.get(pred, ()):
                    idx[tuple(tup[k] for k in key_pos)].append(tup)
                cache[(pred, key_pos)] = idx
            return idx
        return index

    # Semi-naive fixpoint: after the first round, a binding must use a new fact.
    delta: dict[str, set[tuple[str, ...]]] | None = None
    while True:
        delta_index = make_index(delta) if delta is not None else None
        new_facts: list[tuple[str, tuple[str, ...]]] = []
        for si, schema in enumerate(schemas):
            if delta is None:
                runs = [schema.bindings(index)]
            else:
                runs = [schema.bindings(index, j, delta_index)
                        for j, (p, _) in enumerate(schema.steps) if p.predicate in delta]
            params, consts, adds = schema.params, schema.consts, schema.adds
            for run in runs:
                for values in run:
                    key = (si, values)
                    if key in instances:
                        continue
                    if schema.checked:
                        b = dict(zip(params, values))
                        if not _static_ok(schema, b, static, init):
                            continue
                    instances[key] = schema
                    if adds is None:  # general case: substitute the binding
                        b = dict(zip(params, values))
                        for _conds, eff in effects[schema.action.name]:
                            if isinstance(eff, tuple) and eff[0]:
                                p = eff[1]
                                args = tuple(b.get(a, a) for a in p.args)
                                if args not in reached[p.predicate]:
                                    new_facts.append((p.predicate, args))
                        continue
                    ext = values + consts
                    for pred, idx in adds:
                        args = tuple([ext[i] for i in idx])
                        if args not in reached[pred]:
                            new_facts.append((pred, args))
        delta = defaultdict(set)
        for pred, args in new_facts:
            if args not in reached[pred]:
                reached[pred].add(args)
                delta[pred].add(args)
        if not delta:
            break
        for (pred, key_pos), idx in indexes.items():
            for tup in delta.get(pred, ()):
                idx[tuple([tup[k] for k in key_pos])].append(tup)

    fluent = sorted(Atom(p, args) for p, tups in reached.items() if p not in static for args in tups)
    reachable = set(fluent)
    actions: list[GroundAction] = []
    for (si, values), schema in instances.items():
        if schema.simple is not None:
            actions.append(_instantiate_simple(schema, values, reachable, uses_costs))
            continue
        b = dict(zip(schema.params, values))
        ga = _instantiate(schema, b, effects[schema.action.name], static, init, reachable,
                          objects_of, problem, uses_costs, known)
        if ga is not None:
            actions.append(ga)

    actions.sort(key=lambda a: (a.name, a.args))  # deterministic, whatever the hash seed
    facts = list(fluent)
    aux = [False] * len(actions)
    goal_dnf = dnf(problem.goal, objects_of, known=known)
    disjuncts = []
    for conj in goal_dnf:
        split = _split(conj, static, init, reachable)
        if split is not None:
            disjuncts.append(split)
    unsolvable = not disjuncts
    goal_pos: frozenset[Atom] = frozenset()
    goal_neg: frozenset[Atom] = frozenset()
    if len(disjuncts) == 1:
        goal_pos, goal_neg = disjuncts[0]
    elif len(disjuncts) > 1:
        target = Atom(GOAL_ACTION, ())
        facts.append(target)
        for pos, negs in disjuncts:
            actions.append(GroundAction(GOAL_ACTION, (), pos, frozenset({target}), frozenset(), 0,
                                        negs))
            aux.append(True)
        goal_pos = frozenset({target})
    task = Task(facts, actions, 0, 0, aux=aux, unit_cost=not uses_costs,
                trivially_unsolvable=unsolvable)
    task.init = task.mask(init & reachable)
    task.goal = task.mask(goal_pos)
    task.goal_neg = task.mask(goal_neg)
    task.has_negative = task.has_negative or bool(task.goal_neg)
    return task


def _static_ok(schema: _Schema, b: dict[str, str], static: set[str], init: set[Atom]) -> bool:
    for sign, e in schema.eqs:
        if (b.get(e.left, e.left) == b.get(e.right, e.right)) != sign:
            return False
    for p in schema.neg:
        if p.predicate in static and Atom(p.predicate, tuple(b.get(a, a) for a in p.args)) in init:
            return False
    return True


def _split(conj: Conjunction, static: set[str], init: set[Atom], reachable: set[Atom]
           ) -> tuple[frozenset[Atom], frozenset[Atom]] | None:
    """Ground conjunction -> (fluent positives, fluent negatives); None if statically false."""
    pos, neg = set(), set()
    for sign, node in conj:
        if not isinstance(node, Pred):
            if (node.left == node.right) != sign:
                return None
            continue
        atom = Atom(node.predicate, node.args)
        if node.predicate in static:
            if (atom in init) != sign:
                return None
        elif sign:
            if atom not in reachable:
                return None
            pos.add(atom)
        elif atom in reachable:
            neg.add(atom)
    return frozenset(pos), frozenset(neg)


_new_tuple = tuple.__new__


def _instantiate_simple(schema: _Schema, values: tuple[str, ...], reachable: set[Atom],
                        uses_costs: bool) -> GroundAction:
    """:func:`_instantiate` for a schema with only unconditional add/delete effects."""
    ext = values + schema.consts
    pre_t, neg_t, add_t, del_t = schema.simple

    def atoms(templates):
        return [_new_tuple(Atom, (p, tuple([ext[i] for i in idx]))) for p, idx in templates]

    add = frozenset(atoms(add_t))
    delete = frozenset(a for a in atoms(del_t) if a in reachable and a not in add)
    pre_neg = frozenset(a for a in atoms(neg_t) if a in reachable)
    return GroundAction(schema.action.name, values, frozenset(atoms(pre_t)), add, delete,
                        0.0 if uses_costs else 1, pre_neg)


def _instantiate(schema, b, effects, static, init, reachable, objects_of, problem, uses_costs,
                 known) -> GroundAction | None:
    # The join put every positive precondition in the reached set (static ones in init).
    pre = frozenset(Atom(p.predicate, tuple(b.get(a, a) for a in p.args))
                    for p in schema.pos if p.predicate not in static)
    pre_neg = set()
    for p in schema.neg:
        if p.predicate not in static:
            atom = Atom(p.predicate, tuple(b.get(a, a) for a in p.args))
            if atom in reachable:
                pre_neg.add(atom)
    add, delete, cost = set(), set(), 0.0
    grouped: dict[tuple, tuple[set, set]] = {}
    for conds, eff in effects:
        if isinstance(eff, Increase):
            if conds:
                raise UnsupportedFeature("conditional action costs")
            cost += _cost_value(substitute(eff, b), problem)
            continue
        sign, p = eff
        atom = Atom(p.predicate, tuple(b.get(a, a) for a in p.args))
        if not conds:
            (add if sign else delete).add(atom)
            continue
        ground_cond = substitute(And(tuple(conds)), b)
        for cj in dnf(ground_cond, objects_of, known=known):
            cs = _split(cj, static, init, reachable)
            if cs is None:
                continue
            slot = grouped.setdefault(cs, (set(), set()))
            slot[0 if sign else 1].add(atom)
    delete &= reachable
    conditional = tuple(ConditionalEffect(cp, cn, frozenset(a), frozenset(d & reachable))
                        for (cp, cn), (a, d) in grouped.items())
    args = tuple(b[v] for v in schema.params)
    return GroundAction(schema.action.name, args, pre, frozenset(add), frozenset(delete - add),
                        cost if uses_costs else 1, frozenset(pre_neg), conditional)


def _cost_value(inc: Increase, problem: Problem) -> float:
    if isinstance(inc.value, FunctionTerm):
        if inc.value not in problem.numeric_init:
            raise PDDLSemanticError(f"no initial value for {inc.value} (an action cost)",
                                    problem.file)
        return problem.numeric_init[inc.value]
    return float(inc.value)
