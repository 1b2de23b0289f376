"""The executor's side of planning: goals from stages, problems from observed atoms,
forbidden ground actions, and symbolic monitoring of a plan against observations.

Only public planner names are used (``Problem``, ``conjunction``, ``solve``).  A ground
action the twin rejected is forbidden by adding ``(or (not (and (= ?x a) (= ?y b)))
(vlaplan-moved-i))`` to a copy of its schema's precondition, the bookkeeping atom being
added by any action that deletes an atom the ban is scoped to; the planner needs no hook.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from vlaplan.planner.atoms import Atom
from vlaplan.planner.formulas import And, Eq, Not, Or, Pred, When, conjunction
from vlaplan.planner.model import Domain, PredicateDef, Problem


def literal_text(lit: Any) -> str:
    """``(on a b)`` or ``(not (on a b))`` for an atom, a Pred, a Not or a goal Literal."""
    if hasattr(lit, "positive") and hasattr(lit, "atom"):
        inner = literal_text(lit.atom)
        return inner if lit.positive else f"(not {inner})"
    if isinstance(lit, Not):
        return f"(not {literal_text(lit.part)})"
    if isinstance(lit, (Atom, Pred)):
        return "(" + " ".join((lit[0] if isinstance(lit, Atom) else lit.predicate,
                                *(lit[1] if isinstance(lit, Atom) else lit.args))) + ")"
    if isinstance(lit, tuple) and len(lit) == 2:
        return "(" + " ".join((str(lit[0]), *map(str, lit[1]))) + ")"
    return str(lit)


def _split(lit: Any) -> tuple[bool, Atom]:
    """(positive?, atom) of a literal."""
    if hasattr(lit, "positive") and hasattr(lit, "atom"):
        return bool(lit.positive), Atom(lit.atom[0], tuple(lit.atom[1]))
    if isinstance(lit, Not):
        ok, atom = _split(lit.part)
        return (not ok), atom
    if isinstance(lit, Pred):
        return True, Atom(lit.predicate, tuple(lit.args))
    return True, Atom(lit[0], tuple(lit[1]))


def holds(literals: Iterable[Any], atoms: Iterable[Any]) -> bool:
    """True when every literal holds in the closed-world state ``atoms``."""
    facts = {Atom(a[0], tuple(a[1])) for a in atoms}
    return all((atom in facts) == positive for positive, atom in map(_split, literals))


def unmet(literals: Iterable[Any], atoms: Iterable[Any]) -> list[str]:
    """The literals that do not hold in ``atoms``, as strings."""
    facts = {Atom(a[0], tuple(a[1])) for a in atoms}
    return [literal_text(lit) for lit in literals
            if (_split(lit)[1] in facts) != _split(lit)[0]]


def make_problem(domain: Domain, objects: Mapping[str, str], atoms: Iterable[Any],
                 goal_literals: Sequence[Any], name: str = "observed") -> Problem:
    """A problem over ``objects`` (name -> type) from the observed ``atoms`` to the goal."""
    init = frozenset(Atom(a[0], tuple(a[1])) for a in atoms)
    parts = []
    for lit in goal_literals:
        positive, atom = _split(lit)
        pred = Pred(atom.predicate, atom.args)
        parts.append(pred if positive else Not(pred))
    return Problem(name=name, domain_name=domain.name, objects=dict(objects), init=init,
                   goal=conjunction(parts) if parts else And(()))


MOVED = "vlaplan-moved-"  # prefix of forbid()'s bookkeeping predicates


def forbid(domain: Domain,
           banned: Mapping[tuple[str, tuple[str, ...]], Iterable[Any]] | Iterable[tuple[str, tuple[str, ...]]],
           rearm: Mapping[tuple[str, tuple[str, ...]], Iterable[Any]] | None = None) -> Domain:
    """A copy of ``domain`` in which the given ground actions are not applicable.

    ``banned`` maps each ground action to the atoms its ban is scoped to (or is a plain
    iterable of ground actions: banned outright).  A scoped ban holds only until some action
    of the plan deletes one of those atoms: a fresh 0-ary predicate per ban is added by a
    conditional effect of every action that deletes one, and the banned action's copy
    requires it.  So "change the world, then the same action" stays plannable.

    ``rearm`` names, per ban, scope atoms that put the ban back when a plan adds them again
    (:func:`restorable`: ``(on orange_1 blue_1)``; a block unstacked and stacked back stands
    where it stood, so that detour changed nothing), unless the banned action itself has
    run since: a fresh "used" predicate, which its copy adds, lets it run again (the object
    it acts on was taken away by it and has a new place).
    """
    scopes = dict(banned) if isinstance(banned, Mapping) else {k: () for k in banned}
    if not scopes:
        return domain
    rearm = rearm or {}
    actions = dict(domain.actions)
    predicates = dict(domain.predicates)
    guards: dict[str, list[Any]] = {}
    extra_effects: dict[str, list[Any]] = {}
    for i, (key, scope) in enumerate(sorted(scopes.items(), key=lambda kv: kv[0])):
        name, args = key
        schema = actions.get(name)
        if schema is None:
            continue
        eqs = tuple(Eq(p.name, a) for p, a in zip(schema.params, args))
        this = eqs[0] if len(eqs) == 1 else And(eqs)
        guard: Any = Not(this)
        atoms = [Atom(a[0], tuple(a[1])) for a in scope]
        if atoms:
            moved = Pred(f"{MOVED}{i}", ())
            predicates[moved.predicate] = PredicateDef(moved.predicate)
            again = [Atom(a[0], tuple(a[1])) for a in rearm.get(key, ()) if Atom(a[0], tuple(a[1])) in atoms]
            used = Pred(f"{MOVED}{i}-used", ()) if again else None
            guard = Or((guard, moved) + ((used,) if used is not None else ()))
            for other in domain.actions.values():
                deletes = _changes_any(other.effect, atoms, deleted=True)
                if deletes is not None:
                    extra_effects.setdefault(other.name, []).append(When(deletes, moved))
                restores = _changes_any(other.effect, again, deleted=False) if used is not None else None
                if restores is not None:
                    quiet = (restores, Not(used)) + ((Not(deletes),) if deletes is not None else ())
                    extra_effects.setdefault(other.name, []).append(When(And(quiet), Not(moved)))
            if used is not None:
                predicates[used.predicate] = PredicateDef(used.predicate)
                extra_effects.setdefault(name, []).append(When(this, used))
        guards.setdefault(name, []).append(guard)
    for name, extra in guards.items():
        schema = actions[name]
        actions[name] = replace(schema, precondition=And((schema.precondition, *extra)))
    for name, extra in extra_effects.items():
        schema = actions[name]
        actions[name] = replace(schema, effect=And((schema.effect, *extra)))
    requirements = frozenset(domain.requirements | {
        ":equality", ":negative-preconditions", ":disjunctive-preconditions",
        ":conditional-effects"})
    return replace(domain, actions=actions, predicates=predicates, requirements=requirements)


def restorable(scope: Iterable[Any], locates: Callable[[Any], set[str]] | None,
               movable: Iterable[str]) -> set[Atom]:
    """The atoms of a ban's ``scope`` that place an object on another movable object
    (``(on a b)`` with ``b`` a block, by the lexicon's slots ``locates``): adding one again
    puts the object back where it stood, which re-arms the ban (:func:`forbid`).  Not
    ``(on-table a)`` nor ``(in a drawer)``: set down again, an object is elsewhere."""
    if locates is None:
        return set()
    movable = set(movable)
    out = set()
    for atom in scope:
        placed = set(locates(atom))
        if placed and (set(atom[1]) - placed) & movable:
            out.add(Atom(atom[0], tuple(atom[1])))
    return out


def without_bookkeeping(action: Any) -> Any:
    """``action`` (a planner GroundAction) without forbid()'s bookkeeping atoms, so that
    monitoring and effect comparison see only the domain's own atoms."""
    def keep(atoms: Iterable[Any]) -> frozenset:
        return frozenset(a for a in atoms if not str(a[0]).startswith(MOVED))

    if not any(str(a[0]).startswith(MOVED) for field in ("pre", "add") for a in getattr(action, field, ())):
        if not getattr(action, "conditional", ()):
            return action
    conditional = tuple(replace(c, add=keep(c.add)) for c in getattr(action, "conditional", ())
                        if keep(c.add) or c.delete)
    return replace(action, pre=keep(action.pre), add=keep(action.add), conditional=conditional)


def _changes_any(effect: Any, atoms: Sequence[Atom], deleted: bool) -> Any | None:
    """A condition under which ``effect`` (top-level conjunction of literals) deletes
    (``deleted``) or adds one of the ground ``atoms``; None when it never can."""
    parts = effect.parts if isinstance(effect, And) else (effect,)
    options = []
    for part in parts:
        if deleted and isinstance(part, Not) and isinstance(part.part, Pred):
            lifted = part.part
        elif not deleted and isinstance(part, Pred):
            lifted = part
        else:
            continue
        for atom in atoms:
            if atom.predicate != lifted.predicate or len(atom.args) != len(lifted.args):
                continue
            eqs = []
            for term, value in zip(lifted.args, atom.args):
                if term.startswith("?"):
                    eqs.append(Eq(term, value))
                elif term != value:
                    break
            else:
                options.append(And(tuple(eqs)))
    if not options:
        return None
    return options[0] if len(options) == 1 else Or(tuple(options))


def progress(atoms: Iterable[Any], action: Any) -> frozenset[Atom] | None:
    """The state after ``action`` (a ground action), or None if a precondition is false."""
    facts = frozenset(Atom(a[0], tuple(a[1])) for a in atoms)
    pre = {Atom(a[0], tuple(a[1])) for a in getattr(action, "pre", ())}
    neg = set()
    for field in ("pre_neg", "neg_pre", "pre_negative"):
        neg |= {Atom(a[0], tuple(a[1])) for a in getattr(action, field, ())}
    if not pre <= facts or neg & facts:
        return None
    add = {Atom(a[0], tuple(a[1])) for a in action.add}
    delete = {Atom(a[0], tuple(a[1])) for a in action.delete}
    return frozenset((facts - delete) | add)


def plan_still_valid(atoms: Iterable[Any], remaining: Sequence[Any],
                     goal_literals: Sequence[Any]) -> tuple[bool, str]:
    """Whether ``remaining`` still reaches the goal from ``atoms``; else a reason."""
    state: frozenset[Atom] | None = frozenset(Atom(a[0], tuple(a[1])) for a in atoms)
    for action in remaining:
        nxt = progress(state, action)
        if nxt is None:
            pre = {Atom(a[0], tuple(a[1])) for a in action.pre}
            missing = " ".join(sorted(str(a) for a in pre - state)) or "a negative precondition"
            return False, f"{action_text(action)} no longer applicable: {missing} false"
        state = nxt
    if not holds(goal_literals, state):
        return False, "the rest of the plan no longer reaches " + " ".join(unmet(goal_literals, state))
    return True, ""


def action_text(action: Any) -> str:
    """``(pick red_1)`` for a ground action."""
    return "(" + " ".join((action.name, *action.args)) + ")"


def unsupported(atoms: Iterable[Any], movable: Iterable[str],
                locates: Callable[[Any], set[str]] | None) -> list[str]:
    """Movable objects that no observed atom places (fallen over, off the table, lost).

    ``locates`` maps an atom to the objects whose place it says (``Runtime.locates``, the
    lexicon's ``at X`` slots: ``(on a b)`` places a).  None, for a domain whose lexicon
    does not say where objects are: then nothing can be called lost, and nothing is."""
    if locates is None:
        return []
    placed: set[str] = set()
    for atom in atoms:
        placed |= locates(atom)
    return sorted(set(movable) - placed)


def goal_stages(goal: Any) -> list[list[Any]]:
    """The ordered stages of a ``Goal`` (a plain list of literals is one stage)."""
    stages = getattr(goal, "stages", None)
    if stages is None:
        stages = [list(goal)]
    return [list(s) for s in stages if list(s)]


def stage_goal(stages: Sequence[Sequence[Any]], k: int) -> list[Any]:
    """Stage ``k`` plus the literals of earlier stages (kept unless they conflict)."""
    out: list[Any] = []
    for stage in stages[: k + 1]:
        for lit in stage:
            if lit not in out:
                out.append(lit)
    return out


# search="auto": expansions of optimal A* before falling back to greedy search (the first
# plans of the benchmark's ten-action towers, seeds 0-99, take at most 138), and a time cap
# (a fifth of the planning timeout at most) for slow machines.
OPTIMAL_NODES = 200
OPTIMAL_SECONDS = 2.0


def plan_with(search: str, domain: Domain, problem: Problem, timeout: float) -> Any:
    """``vlaplan.planner.solve`` with the executor's searches: ``"auto"`` is the shortest
    plan when optimal A* (LM-cut) finds it within ``OPTIMAL_NODES`` expansions, else greedy
    best-first for the rest of the time: every skill call is a chance to fail, so two
    actions fewer matter more than milliseconds of planning.  A node budget, not a time
    budget, keeps the plans the same on any machine."""
    from vlaplan.planner import PlanStatus, solve

    if search != "auto":
        return solve(domain, problem, search=search, timeout=timeout)
    budget = min(OPTIMAL_SECONDS, timeout / 5)
    res = solve(domain, problem, search="astar", timeout=budget, max_nodes=OPTIMAL_NODES)
    if res.status == PlanStatus.TIMEOUT:
        res = solve(domain, problem, search="gbfs-ff", timeout=max(timeout - budget, 0.1))
    return res


def stats_dict(stats: Any) -> dict:
    """A planner's search statistics (pydantic model, dataclass or mapping) as a dict."""
    if hasattr(stats, "model_dump"):
        return stats.model_dump()
    if hasattr(stats, "__dataclass_fields__"):
        from dataclasses import asdict
        return asdict(stats)
    return dict(stats or {})
