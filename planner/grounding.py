"""Grounding by relaxed reachability with static-predicate pruning.

Only actions whose positive preconditions can become true in the delete relaxation are
instantiated: a fixpoint alternates joining each schema's positive preconditions over the
facts reached so far (hash-indexed) and adding the instances' add effects.  Static
predicates (never changed by an action) are evaluated against the initial state and
removed from the task; negative preconditions, equality and conditional effects are kept.
Disjunctive preconditions split an action into one instance per DNF disjunct; a
disjunctive goal is compiled into zero-cost auxiliary goal actions.  Derived-predicate
rules are grounded alongside the actions, as pseudo-actions
(:mod:`vlaplan.planner.grounding_axioms`), and become the task's ground rules.

The per-schema join (``_Schema``: join order, compiled slots, effect templates) lives in
:mod:`vlaplan.planner.grounding_schema`; this module runs the fixpoint and instantiates.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import product

from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import PDDLSemanticError, UnsupportedFeature
from vlaplan.planner.formulas import (And, Eq, FunctionTerm, Increase, Not, Pred, substitute,
                                      walk)
from vlaplan.planner.grounding_axioms import (for_disjunct, relevant_rules, rule_actions, to_rule,
                                              unique_rules)
from vlaplan.planner.grounding_schema import _Schema
from vlaplan.planner.model import Domain, Problem, objects_by_type
from vlaplan.planner.normalize import Conjunction, TooManyDisjuncts, dnf, flatten_effect
from vlaplan.planner.task import ConditionalEffect, GroundAction, Task

GOAL_ACTION = "__goal__"


def _static_predicates(domain: Domain, effects: dict[str, list]) -> set[str]:
    """Predicates no action adds or deletes, from each action's flattened ``effects``
    (:func:`flatten_effect`; a predicate read only in the condition of a conditional
    effect is still static)."""
    changed = {eff[1].predicate for flat in effects.values() for _conds, eff in flat
               if isinstance(eff, tuple)}
    return set(domain.predicates) - changed


MAX_PARTIAL = 20000  # bindings tried when a precondition is grounded parameter by parameter


def _disjuncts(action, objects_of, known, allowed) -> list[tuple[Conjunction, dict[str, set[str]]]]:
    """The DNF disjuncts of ``action``'s precondition, each with the objects its parameters
    may take.  A quantified condition over a static predicate that mentions a parameter
    ("forall ?l: (GUARDS ?c ?l) -> (guarded ?l)") has an exponential DNF while ``?c`` is
    open; then the parameters the quantifiers and disjunctions mention are bound first, one
    binding at a time, so the static atoms become known and the condition shrinks to the
    few literals that matter (Fast Downward's translator reaches the same by compiling
    such conditions into axioms)."""
    try:
        return [(conj, allowed) for conj in dnf(action.precondition, objects_of, known=known)]
    except TooManyDisjuncts as exc:
        first = exc
    names = [p.name for p in action.params if p.name in _open_in_choices(action.precondition)]
    count = 1
    for n in names:
        count *= len(allowed[n])
    if not names or count > MAX_PARTIAL:
        raise UnsupportedFeature(f"{first.feature} in the precondition of action "
                                 f"{action.name!r} (grounding its parameters "
                                 f"{', '.join(names) or '(none)'} first would take {count} "
                                 f"bindings)", first.where) from None
    out = []
    for values in product(*(sorted(allowed[n]) for n in names)):
        binding = dict(zip(names, values))
        try:
            conjs = dnf(substitute(action.precondition, binding), objects_of, known=known)
        except UnsupportedFeature as exc:
            raise UnsupportedFeature(f"{exc.feature} in the precondition of action "
                                     f"{action.name!r}, even with {binding} bound",
                                     exc.where) from None
        fixed = {**allowed, **{n: {v} for n, v in binding.items()}}
        out += [(conj, fixed) for conj in conjs]
    return out


def _open_in_choices(f) -> set[str]:
    """The variables free in the quantified, disjunctive and implied parts of ``f``."""
    if isinstance(f, And):
        return set().union(*(_open_in_choices(p) for p in f.parts)) if f.parts else set()
    if isinstance(f, Not) and isinstance(f.part, Pred):
        return set()
    if isinstance(f, Pred):
        return set()
    found = set()
    for node in walk(f):
        args = node.args if isinstance(node, Pred) else (
            (node.left, node.right) if isinstance(node, Eq) else ())
        found.update(a for a in args if a.startswith("?"))
    return found


def ground(domain: Domain, problem: Problem) -> Task:
    """The grounded task of ``problem``: reachable facts and actions only."""
    objects_of = objects_by_type(domain, problem)
    rules = rule_actions(domain)
    derived = domain.derived_predicates
    lifted = [*domain.actions.values(), *(a for a, _arity in rules.values())]
    effects = {action.name: flatten_effect(action.effect, objects_of) for action in lifted}
    static = _static_predicates(domain, effects)
    init = set(problem.init)
    uses_costs = problem.uses_costs

    def known(p: Pred) -> bool | None:
        if p.predicate in static and not any(a.startswith("?") for a in p.args):
            return Atom(p.predicate, p.args) in init
        return None

    schemas: list[_Schema] = []
    for action in lifted:
        allowed = {}
        for p in action.params:
            objs: set[str] = set()
            for t in p.types:
                objs.update(objects_of.get(t, ()))
            allowed[p.name] = objs
        rule = rules.get(action.name)
        for conj, fixed in _disjuncts(action, objects_of, known, allowed):
            schema_action = action if rule is None else for_disjunct(action, rule[1], conj)
            schemas.append(_Schema(schema_action, conj, fixed))
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
    ground_rules = []
    for (si, values), schema in instances.items():
        if schema.simple is not None:
            ga = _instantiate_simple(schema, values, reachable, uses_costs)
        else:
            b = dict(zip(schema.params, values))
            ga = _instantiate(schema, b, effects[schema.action.name], static, init, reachable,
                              objects_of, problem, uses_costs, known)
        if ga is None:
            continue
        if schema.action.name in rules:
            ground_rules.append(to_rule(ga, domain.strata))
        else:
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
    if ground_rules:  # only the rules and derived atoms something reads
        ground_rules, needed = relevant_rules(unique_rules(ground_rules), actions,
                                              goal_pos | goal_neg)
        facts = [f for f in facts if f.predicate not in derived or f in needed]
    task = Task(facts, actions, 0, 0, aux=aux, unit_cost=not uses_costs,
                trivially_unsolvable=unsolvable, rules=ground_rules)
    task.init = task.close(task.mask(init & reachable))
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
