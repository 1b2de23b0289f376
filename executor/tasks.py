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

from vlaplan.executor.planning import make_problem, progress


def _words(objects: list[Any], key: Any, phrase: Any) -> dict[str, str]:
    """An unambiguous phrase per object: by attributes when unique, else by name."""
    counts = Counter(key(o) for o in objects)
    return {o.name: phrase(o) if counts[key(o)] == 1 else o.name for o in objects}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def candidates(domain: str, objects: list[Any]) -> list[str]:
    """Instructions of growing length for the scene's objects."""
    movable = [o for o in objects if o.type not in ("drawer", "bin")]
    out: list[str] = []
    if domain == "tabletop":
        words = _words(movable, lambda o: o.colour, lambda o: o.colour)
        for k in range(2, len(movable) + 1):
            out.append("stack " + " on ".join(words[o.name] for o in movable[:k]))
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


def plan_length(ex: Any, goal: Any, atoms: frozenset, types: dict[str, str]) -> int | None:
    """Actions needed to reach every checkpoint of ``goal`` in order (None: unsolvable)."""
    from vlaplan.planner import solve

    total, state = 0, atoms
    for checkpoint in goal.checkpoints:
        res = solve(ex.runtime.pddl, make_problem(ex.runtime.pddl, types, state, checkpoint),
                    search=ex.search, timeout=ex.plan_timeout)
        if str(getattr(res.status, "value", res.status)).upper() != "SOLVED":
            return None
        for action in list(getattr(res.plan, "actions", res.plan) or []):
            state = progress(state, action) or state
            total += 1
    return total


def long_task(ex: Any, seed: int | None, n_actions: int = 10) -> str:
    """The candidate instruction whose plan length is closest to ``n_actions``."""
    from vlaplan.planner.errors import VlaplanError
    from vlaplan.planner.instruction import parse_instruction

    robot, objects = ex._prepare(seed)
    atoms = ex.runtime.abstract(robot.observe())
    types = ex.runtime.object_types(objects)
    best: tuple[int, str] | None = None
    for text in candidates(ex.domain, objects):
        try:
            goal = parse_instruction(text, objects, ex.runtime.lexicon, atoms)
        except VlaplanError:
            continue
        length = plan_length(ex, goal, atoms, types)
        if length is None:
            continue
        if best is None or abs(length - n_actions) < abs(best[0] - n_actions):
            best = (length, text)
    if best is None:
        from vlaplan.planner.errors import ExecutionError
        raise ExecutionError(f"no long-horizon task found for {ex.domain} seed {seed}")
    return best[1]
