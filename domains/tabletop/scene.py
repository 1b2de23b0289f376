"""The tabletop scene generator: 2..10 coloured 4 cm blocks, some stacked into towers.

Colours are distinct while there are no more blocks than colours (8), so a colour names
one block; larger scenes repeat colours and the names carry a counter (``red_2``).

Seeded (same seed and options, same scene).  ``for_skill`` arranges the configuration a
skill needs: ``pick`` a clear block on the table, ``unstack`` a tower of two or more,
``place``/``stack`` a block already in the gripper.

Two layout options widen the scenes towards what a learned policy leaves behind inside a
long task (blocks set down close beside others, or nearer the workspace's edge), for
collection and evaluation (``--scene spacing=[0.06,0.1]``): ``spacing``, the least
distance between tower centres (a number, or ``[lo, hi]`` drawn per scene), and
``workspace``, where tower bases go (``[[x0, x1], [y0, y1]]``, metres).  A third,
``hold_offset`` (metres, at most 0.015), shifts a block held at the start off the hand's
centre, as a learned pick leaves it: up to that far along the palm either way and up to
that far lower.  Left out, the scenes are exactly the default ones (the draws use streams
of their own).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from vlaplan.domains.base import GeneratedScene
from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import WorldModelError
from vlaplan.world_model.scene import COLOURS, ObjectSpec, RobotSpec, SceneSpec

BLOCK = 0.04  # m, cube edge
BLOCK_MASS = 0.05  # kg
WORKSPACE_X = (0.33, 0.65)  # m, where tower bases go
WORKSPACE_Y = (-0.25, 0.25)
TOWER_SPACING = 0.10  # m between tower centres (room for open fingers)
MIN_SPACING = 0.058  # m: two 4 cm cubes at any yaw never overlap (diagonal 5.66 cm)
MAX_TOWER = 3
STACK_PROB = 0.35
SKILLS = ("pick", "place", "stack", "unstack")


def _towers(rng: np.random.Generator, names: list[str], stack_prob: float) -> list[list[str]]:
    towers: list[list[str]] = []
    for name in names:
        open_towers = [t for t in towers if len(t) < MAX_TOWER]
        if open_towers and rng.random() < stack_prob:
            open_towers[int(rng.integers(len(open_towers)))].append(name)
        else:
            towers.append([name])
    return towers


def _positions(rng: np.random.Generator, count: int, spacing: float = TOWER_SPACING,
               workspace: tuple[tuple[float, float], tuple[float, float]] = (WORKSPACE_X, WORKSPACE_Y)
               ) -> list[tuple[float, float]] | None:
    points: list[tuple[float, float]] = []
    for _ in range(count):
        for _attempt in range(200):
            p = (float(rng.uniform(*workspace[0])), float(rng.uniform(*workspace[1])))
            if all(math.dist(p, q) >= spacing for q in points):
                points.append(p)
                break
        else:
            return None
    return points


def _fits(towers: list[list[str]], holding: str | None, for_skill: str | None) -> bool:
    if for_skill == "pick":
        return any(len(t) == 1 for t in towers)
    if for_skill == "unstack":
        return any(len(t) >= 2 for t in towers)
    if for_skill in ("place", "stack"):
        return holding is not None and bool(towers)
    return True


def _range(value: Any, name: str, lo: float, hi: float) -> tuple[float, float]:
    """``value`` (a number or ``[a, b]``) as an interval inside [lo, hi]."""
    try:
        pair = (float(value), float(value)) if np.isscalar(value) else tuple(map(float, value))
    except (TypeError, ValueError):
        pair = ()
    if len(pair) != 2 or not lo <= pair[0] <= pair[1] <= hi:
        raise WorldModelError(f"tabletop scene option {name} must be a number or [a, b] with "
                              f"{lo:.3f} <= a <= b <= {hi:.3f} (metres), got {value!r}")
    return pair[0], pair[1]


def _layout(seed: int, spacing: Any, workspace: Any
            ) -> tuple[float, tuple[tuple[float, float], tuple[float, float]]]:
    """The scene's tower spacing and workspace (defaults unless the options say otherwise)."""
    if workspace is None:
        area = (WORKSPACE_X, WORKSPACE_Y)
    else:
        try:
            xs, ys = workspace
        except (TypeError, ValueError):
            raise WorldModelError("tabletop scene option workspace must be [[x0, x1], [y0, y1]] "
                                  f"(metres), got {workspace!r}") from None
        area = (_range(xs, "workspace x", 0.25, 0.75), _range(ys, "workspace y", -0.35, 0.35))
    if spacing is None:
        return TOWER_SPACING, area
    lo, hi = _range(spacing, "spacing", MIN_SPACING, 0.30)
    side = np.random.default_rng([seed, 1])  # its own stream: the default scenes stay as they are
    return float(side.uniform(lo, hi)) if hi > lo else lo, area


def _hold_offset(seed: int, limit: float | None, held: str | None) -> tuple[float, float]:
    """(along the palm, lower) of a held block, drawn up to ``limit`` (0 without one)."""
    if limit is None:
        return (0.0, 0.0)
    m = _range(limit, "hold_offset", 0.0, 0.015)[1]  # checked with or without a held block
    if held is None:
        return (0.0, 0.0)
    side = np.random.default_rng([seed, 2])
    return (float(side.uniform(-m, m)), float(side.uniform(0.0, m)))


def generate(seed: int, n_objects: int | None = None, for_skill: str | None = None,
             stack_prob: float = STACK_PROB, holding: bool | None = None,
             spacing: Any = None, workspace: Any = None,
             hold_offset: float | None = None) -> GeneratedScene:
    """A random tabletop scene; see the module docstring for ``for_skill``, ``spacing``,
    ``workspace`` and ``hold_offset``."""
    if for_skill is not None and for_skill not in SKILLS:
        raise WorldModelError(f"tabletop has no skill {for_skill!r}; skills: {', '.join(SKILLS)}")
    gap, area = _layout(seed, spacing, workspace)
    rng = np.random.default_rng(seed)
    n = int(n_objects) if n_objects is not None else int(rng.integers(2, 11))
    if not 1 <= n <= 10 or (for_skill in ("stack", "unstack") and n < 2):
        raise WorldModelError(f"tabletop scenes hold 1..10 blocks (2+ for {for_skill}), got {n}")
    holding = for_skill in ("place", "stack") if holding is None else holding
    counts: dict[str, int] = {}
    colours, names = [], []
    # distinct colours while the palette allows, so "the red block" names one block
    drawn = (rng.permutation(len(COLOURS))[:n] if n <= len(COLOURS)
             else rng.integers(len(COLOURS), size=n))
    for index in drawn:
        colour = str(COLOURS[int(index)])
        counts[colour] = counts.get(colour, 0) + 1
        colours.append(colour)
        names.append(f"{colour}_{counts[colour]}")
    colour_of = dict(zip(names, colours))
    held = names[-1] if holding else None
    free = [x for x in names if x != held]
    for _attempt in range(200):
        towers = _towers(rng, free, stack_prob)
        if not _fits(towers, held, for_skill):
            continue
        xy = _positions(rng, len(towers), gap, area)
        if xy is not None:
            break
    else:
        raise WorldModelError(f"could not arrange {n} blocks for {for_skill} (seed {seed})")
    robot = RobotSpec(holding=held, hold_offset=_hold_offset(seed, hold_offset, held))
    objects: list[ObjectSpec] = []
    init: set[Atom] = set()
    for tower, (x, y) in zip(towers, xy):
        yaw = float(rng.uniform(-math.pi / 4, math.pi / 4))
        for level, name in enumerate(tower):
            objects.append(ObjectSpec(name=name, colour=colour_of[name], size=(BLOCK,) * 3,
                                      mass=BLOCK_MASS, pos=(x, y, BLOCK / 2 + level * BLOCK),
                                      yaw=yaw))
            init.add(Atom("on-table", (name,)) if level == 0 else
                     Atom("on", (name, tower[level - 1])))
        init.add(Atom("clear", (tower[-1],)))
    if held is not None:
        hx, hy, hz = robot.home
        objects.append(ObjectSpec(name=held, colour=colour_of[held], size=(BLOCK,) * 3,
                                  mass=BLOCK_MASS, pos=(hx, hy, hz - 0.005), yaw=robot.home_yaw))
        init.add(Atom("holding", (held,)))
    else:
        init.add(Atom("hand-empty"))
    objects.sort(key=lambda o: names.index(o.name))
    spec = SceneSpec(robot=robot, objects=objects)
    return GeneratedScene(spec=spec, objects={x: "block" for x in names}, init=frozenset(init))
