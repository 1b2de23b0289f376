"""Long-horizon tasks for demos and benchmarks: an instruction per seeded scene that
needs about ``n`` actions.

Candidates are written in each domain's own phrasing (towers in ``tabletop``, putting
things away then closing in ``kitchen``, sorting into bins in ``sorting``), parsed against
the observed scene and planned; the candidate whose plan length is closest to ``n`` wins.
Objects are named by unambiguous descriptions ("red", "the blue cylinder"), or by their
scene names (``red_2``) when a description would be ambiguous.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from vlaplan.executor.planning import make_problem, plan_with, progress
from vlaplan.executor.runtime import FIXTURE_TYPES


# Scene sizes that give ~10-action tasks (demo, benchmark).
LONG_SCENES: dict[str, dict[str, int]] = {
    "tabletop": {"n_objects": 7}, "kitchen": {"n_objects": 5}, "sorting": {"n_objects": 6}}


def _words(objects: list[Any], key: Any, phrase: Any) -> dict[str, str]:
    """An unambiguous phrase per object: by attributes when unique, else by name."""
    counts = Counter(key(o) for o in objects)
    return {o.name: phrase(o) if counts[key(o)] == 1 else o.name for o in objects}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def candidates(domain: str, objects: list[Any]) -> list[str]:
    """Instructions of growing length for the scene's objects."""
    movable = [o for o in objects if o.type not in FIXTURE_TYPES]
    out: list[str] = []
    if domain == "tabletop":
        words = _words(movable, lambda o: o.colour, lambda o: o.colour)
        movable.sort(key=lambda o: words[o.name] != o.colour)  # colour words first
        for k in range(2, len(movable) + 1):
            tower = [words[o.name] for o in movable[:k]]
            if k >= 3 and all(w == o.colour for w, o in zip(tower, movable)):
                out.append(f"build a tower of {_join(tower)} with {tower[-1]} at the bottom")
            out.append("stack " + " on ".join(tower))
    elif domain == "kitchen":
        words = _words(movable, lambda o: (o.colour, o.shape), lambda o: f"the {o.colour} {o.shape}")
        for k in range(1, len(movable) + 1):
            names = [words[o.name] for o in movable[:k]]
            out.append(f"put {_join(names)} in the drawer")
            out.append(f"put {_join(names)} in the drawer, then close the drawer")
    elif domain == "sorting":
        bins = {o.colour for o in objects if o.type == "bin"}
        items = [o for o in movable if o.colour in bins]
        words = _words(items, lambda o: (o.colour, o.shape), lambda o: f"the {o.colour} {o.shape}")
        for k in range(1, len(items) + 1):
            parts = [f"put {words[o.name]} in the {o.colour} bin" for o in items[:k]]
            out.append(", then ".join(parts))
    return out


# The search that sizes the candidate tasks: greedy, as when the task set was fixed
# (session 7), so the benchmarks' "ten-action" tasks stay the same whatever the executor's
# own search; the plan returned with a task is the executor's.
TASK_SEARCH = "gbfs-ff"


def first_plan(ex: Any, goal: Any, atoms: frozenset, types: dict[str, str],
               search: str | None = None) -> list[Any] | None:
    """The actions the executor (or ``search``) plans first, stage after stage (None:
    unsolvable)."""
    actions: list[Any] = []
    state = atoms
    for checkpoint in goal.checkpoints:
        res = plan_with(search or ex.search, ex.runtime.pddl,
                        make_problem(ex.runtime.pddl, types, state, checkpoint), ex.plan_timeout)
        if not res.solved:
            return None
        for action in res.plan.actions:
            state = progress(state, action) or state
            actions.append(action)
    return actions


def long_task(ex: Any, seed: int | None, n_actions: int = 10) -> str:
    """The candidate instruction whose plan length is closest to ``n_actions``."""
    return long_task_with_plan(ex, seed, n_actions)[0]


def long_task_with_plan(ex: Any, seed: int | None, n_actions: int = 10) -> tuple[str, list[Any]]:
    """(instruction, the executor's first plan for it) for the candidate whose greedy plan
    (``TASK_SEARCH``) is closest to ``n_actions`` actions."""
    from vlaplan.planner.errors import VlaplanError
    from vlaplan.planner.instruction import parse_instruction

    robot, objects = ex._prepare(seed)
    atoms = ex.runtime.abstract(robot.observe())
    types = ex.runtime.object_types(objects)
    best: tuple[int, str, Any, list[Any]] | None = None
    for text in candidates(ex.domain, objects):
        try:
            goal = parse_instruction(text, objects, ex.runtime.lexicon, atoms)
        except VlaplanError:
            continue
        plan = first_plan(ex, goal, atoms, types, TASK_SEARCH)
        if plan is None:
            continue
        if best is None or abs(len(plan) - n_actions) < abs(best[0] - n_actions):
            best = (len(plan), text, goal, plan)
    if best is None:
        from vlaplan.planner.errors import ExecutionError
        raise ExecutionError(f"no long-horizon task found for {ex.domain} seed {seed}")
    if ex.search == TASK_SEARCH:                # the plan that sized it is the executor's
        return best[1], best[3]
    return best[1], first_plan(ex, best[2], atoms, types) or []


def targeted_fault(kind: str, plan: list[Any]) -> str | None:
    """A fault spec of ``kind`` aimed at the plan, so it matters (None: no place for it).

    ``drop``: 2 control steps into the first carry (the object falls near where it was
    picked, not into the wrong bin);
    ``displace``: the object the last stack/put-in before the plan's middle went onto or into
    (undoes achieved progress); ``block``: a new block on the target of a later stack, put
    there while its object is being picked.
    """
    holding_steps = [i for i, a in enumerate(plan) if a.name in ("stack", "place", "put-in")]
    if kind == "drop":
        return f"drop@{holding_steps[0]}+2" if holding_steps else None
    if kind == "displace":
        middle = len(plan) // 2
        done = [i for i in holding_steps if i < middle and plan[i].name in ("stack", "put-in")]
        if not done:
            return None
        i = done[-1]
        target = plan[i].args[1] if plan[i].name == "stack" else plan[i].args[0]
        return f"displace({target})@{i + 1}"
    if kind == "block":
        stacks = [i for i in holding_steps if plan[i].name == "stack" and i > 0]
        if not stacks:
            return None
        i = stacks[len(stacks) // 2]
        return f"block({plan[i].args[1]})@{i - 1}"
    raise ValueError(kind)
