"""The kitchen scene generator: a drawer cabinet and 2..6 small objects.

Seeded: the same seed and options give the same scene.  The cabinet stands on one side
of the table facing the robot; the objects stand on the other side, so no straight path
between two of them crosses the cabinet.  Some scenes start with the drawer open and
some with objects already in the drawer (only in the slots the open drawer exposes).
``for_skill`` arranges what a skill needs: ``open`` a closed drawer, ``close`` an open
one, ``pick`` an object on the table, ``place`` one in the gripper, ``put-in`` one in the
gripper and the drawer open, ``take-out`` an object in the open drawer.

The object catalogue (shapes, sizes, names) is :mod:`vlaplan.domains.objects`.
"""
from __future__ import annotations

import math

import numpy as np

from vlaplan.domains.base import GeneratedScene
from vlaplan.domains.objects import (FIXTURE_MARGIN, REACH, finish_scene, make_object,
                                     sample_kinds, spread_on_table)
from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import WorldModelError
from vlaplan.world_model import fixtures as fx
from vlaplan.world_model.scene import MAX_REACH, ObjectSpec, RobotSpec

CABINET_X = (0.66, 0.70)  # carcass centre
CABINET_Y = (0.22, 0.26)  # |y| of the carcass centre
CABINET_YAW = 0.12  # rad, +- jitter
OPEN_PROB = 0.35
IN_DRAWER_PROB = 0.3
MAX_IN_DRAWER = 3
SKILLS = ("open", "close", "pick", "place", "put-in", "take-out")


def _check_skill(for_skill: str | None) -> None:
    if for_skill is not None and for_skill not in SKILLS:
        raise WorldModelError(f"kitchen has no skill {for_skill!r}; skills: {', '.join(SKILLS)}")


def generate(seed: int, n_objects: int | None = None, for_skill: str | None = None,
             drawer_open: bool | None = None, in_drawer: int | None = None,
             holding: bool | None = None) -> GeneratedScene:
    """A random kitchen scene; see the module docstring for ``for_skill``."""
    _check_skill(for_skill)
    rng = np.random.default_rng(seed)
    n = int(n_objects) if n_objects is not None else int(rng.integers(2, 7))
    if not 1 <= n <= 6:
        raise WorldModelError(f"kitchen scenes hold 1..6 objects, got {n}")
    if drawer_open is None:
        drawer_open = (for_skill in ("close", "put-in", "take-out") or
                       (for_skill != "open" and bool(rng.random() < OPEN_PROB)))
    if holding is None:
        holding = for_skill in ("place", "put-in")
    if holding and n < 1:
        raise WorldModelError("a scene holding an object needs at least one object")
    kinds = sample_kinds(rng, n)
    held = kinds[-1] if holding else None
    rest = [k for k in kinds if k is not held]
    if in_drawer is None:
        in_drawer = sum(1 for _ in rest if rng.random() < IN_DRAWER_PROB)
        if for_skill == "take-out":
            in_drawer = max(in_drawer, 1)
        if for_skill == "pick":
            in_drawer = min(in_drawer, len(rest) - 1)
        if for_skill == "put-in":
            in_drawer = min(in_drawer, len(fx.DRAWER_SLOTS) - 1)
    in_drawer = max(0, min(int(in_drawer), MAX_IN_DRAWER, len(rest)))
    side = 1.0 if rng.random() < 0.5 else -1.0
    carcass = (float(rng.uniform(*CABINET_X)), side * float(rng.uniform(*CABINET_Y)))
    yaw = float(rng.uniform(-CABINET_YAW, CABINET_YAW))
    opening = float(rng.uniform(fx.DRAWER_OPEN_TARGET - 0.01, fx.DRAWER_OPEN_TARGET + 0.02)) \
        if drawer_open else 0.0
    drawer = fx.drawer_fixture("drawer", carcass, yaw, opening)
    robot = RobotSpec(holding=held[0] if held else None)
    # Objects on the table stay on the far side of the cabinet's footprint.
    edge = carcass[1] - side * drawer.size[1] / 2

    def accept(x: float, y: float) -> bool:
        return side * (edge - y) >= FIXTURE_MARGIN

    on_table = rest[in_drawer:]
    spots = spread_on_table(rng, len(on_table), [drawer], seed, accept=accept)
    origin = fx.cabinet_origin(drawer)

    def reachable(slot: int) -> bool:
        x, y, _ = fx.drawer_slot(opening, origin, yaw, *fx.DRAWER_SLOTS[slot])
        return REACH[0] <= math.hypot(x, y) <= MAX_REACH - 0.005

    slots = [int(i) for i in rng.permutation(len(fx.DRAWER_SLOTS)) if reachable(int(i))]
    if len(slots) < in_drawer:
        raise WorldModelError(f"only {len(slots)} drawer slots are in reach (seed {seed})")
    slots = slots[:in_drawer]
    objects: list[ObjectSpec] = []
    init: set[Atom] = {Atom("open" if drawer_open else "closed", ("drawer",))}
    for (name, colour, shape), slot in zip(rest[:in_drawer], slots):
        u, v = fx.DRAWER_SLOTS[slot]
        x, y, z = fx.drawer_slot(opening, origin, yaw, u, v)
        objects.append(make_object(name, colour, shape, x, y, z, yaw))
        init.add(Atom("in", (name, "drawer")))
    return finish_scene(rng, kinds, held, robot, objects, init, on_table, spots, [drawer],
                        {"drawer": "drawer"})
