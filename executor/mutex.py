"""Fast proof that a goal is unreachable: h^2 reachability of fact pairs.

The planner proves unsolvability by exhausting the state space, which for a contradictory
goal such as ``(on a b) (on b a)`` over nine blocks takes longer than any user waits.
Pairwise reachability (Haslum and Geffner's h^2, reachability only) finds such goals in
milliseconds: a goal pair no action sequence can make true together is reported as the
reason.  Negative preconditions are ignored (a relaxation, so "unreachable" stays sound);
tasks with conditional effects are not analysed.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from vlaplan.planner.atoms import Atom


def _bits(mask: int) -> list[int]:
    out, i = [], 0
    while mask:
        if mask & 1:
            out.append(i)
        mask >>= 1
        i += 1
    return out


def unreachable_goal(actions: Sequence[Any], init: Iterable[Any],
                     goal: Iterable[Any]) -> tuple[Atom, ...] | None:
    """A goal atom, or pair of goal atoms, that can never hold (together); else None."""
    if any(getattr(a, "conditional", ()) for a in actions):
        return None
    index: dict[Atom, int] = {}

    def fid(atom: Any) -> int:
        key = Atom(atom[0], tuple(atom[1]))
        if key not in index:
            index[key] = len(index)
        return index[key]

    def mask(atoms: Iterable[Any]) -> int:
        m = 0
        for a in atoms:
            m |= 1 << fid(a)
        return m

    ops = [(mask(a.pre), mask(a.add), mask(a.delete) & ~mask(a.add)) for a in actions]
    goal_ids = [fid(g) for g in goal]
    reach = mask(init)
    pairs: dict[int, int] = {i: reach for i in _bits(reach)}
    changed = True
    while changed:
        changed = False
        for pre, add, delete in ops:
            if pre & ~reach:
                continue
            pre_ids = _bits(pre)
            if any(pairs.get(i, 0) & pre != pre for i in pre_ids):
                continue
            both = reach
            for i in pre_ids:
                both &= pairs.get(i, 0)
            compat = add | (both & ~delete)
            if add & ~reach:
                reach |= add
                changed = True
            for p in _bits(add):
                new = compat & ~pairs.get(p, 0)
                if new:
                    pairs[p] = pairs.get(p, 0) | new
                    for q in _bits(new):
                        pairs[q] = pairs.get(q, 0) | (1 << p)
                    changed = True
    atoms = {i: a for a, i in index.items()}
    for g in goal_ids:
        if not reach >> g & 1:
            return (atoms[g],)
    for k, g in enumerate(goal_ids):
        for h in goal_ids[k + 1:]:
            if not pairs.get(g, 0) >> h & 1:
                return (atoms[g], atoms[h])
    return None


def goal_contradiction(pddl: Any, object_types: dict[str, str], atoms: frozenset,
                       goal_literals: list[Any]) -> str | None:
    """Why the goal's atoms can never hold (together) from ``atoms``, by h^2 reachability
    over the grounded task; else None (also when grounding fails: the planner reports bad
    input itself)."""
    from vlaplan.executor.planning import make_problem
    from vlaplan.planner import ground
    from vlaplan.planner.errors import PlannerError

    positive = [lit.atom for lit in goal_literals if getattr(lit, "positive", True)
                and hasattr(lit, "atom")]
    if len(positive) < 2:
        return None
    try:
        task = ground(pddl, make_problem(pddl, object_types, atoms, goal_literals))
    except PlannerError:
        return None
    found = unreachable_goal(task.actions, atoms, positive)
    if found is None:
        return None
    if len(found) == 1:
        return f"no sequence of actions can make {found[0]} true in this scene"
    return f"{found[0]} and {found[1]} can never hold together"
