"""The small objects kitchen and sorting scenes share: their catalogue (shapes, sizes,
masses, names), where they may stand on the table, and the common end of a scene
generator (objects on the table, the one in the gripper, PDDL types).

Seeded like the generators: every random draw comes from the ``rng`` passed in.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from vlaplan.domains.base import GeneratedScene
from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import WorldModelError
from vlaplan.world_model import fixtures as fx
from vlaplan.world_model.scene import COLOURS, ObjectSpec, RobotSpec, SceneSpec

# Full extents (x, y, z) per shape; a cylinder's x and y are its diameter.  The y extent
# is the one the fingers close across when the robot starts holding an object.
SHAPE_SIZE: dict[str, tuple[float, float, float]] = {
    "cube": (0.04, 0.04, 0.04),
    "cylinder": (0.04, 0.04, 0.05),
    "box": (0.06, 0.04, 0.025),
}
SHAPE_MASS: dict[str, float] = {"cube": 0.05, "cylinder": 0.05, "box": 0.06}
OBJECT_SPACING = 0.10  # m between object centres on the table (room for open fingers)
FIXTURE_MARGIN = 0.07  # m kept free around a fixture's footprint
REACH = (0.30, 0.72)  # m, horizontal distance from the robot base for objects on the table
TABLE_X = (0.30, 0.66)
TABLE_Y = (-0.38, 0.38)


def object_name(colour: str, shape: str, counts: dict[tuple[str, str], int]) -> str:
    """``<colour>_<shape>_<n>``, n counting from 1 per colour and shape."""
    counts[(colour, shape)] = counts.get((colour, shape), 0) + 1
    return f"{colour}_{shape}_{counts[(colour, shape)]}"


def sample_kinds(rng: np.random.Generator, n: int,
                 colours: Sequence[str] = COLOURS) -> list[tuple[str, str, str]]:
    """``n`` (name, colour, shape) triples."""
    counts: dict[tuple[str, str], int] = {}
    out = []
    for _ in range(n):
        colour = str(rng.choice(list(colours)))
        shape = str(rng.choice(list(SHAPE_SIZE)))
        out.append((object_name(colour, shape, counts), colour, shape))
    return out


def make_object(name: str, colour: str, shape: str, x: float, y: float, z_floor: float,
                yaw: float) -> ObjectSpec:
    size = SHAPE_SIZE[shape]
    return ObjectSpec(name=name, shape=shape, colour=colour, size=size, mass=SHAPE_MASS[shape],
                      pos=(round(x, 5), round(y, 5), round(z_floor + size[2] / 2, 5)),
                      yaw=round(yaw, 5))


def held_object(name: str, colour: str, shape: str, robot: RobotSpec,
                table_height: float = 0.0) -> ObjectSpec:
    """An object in the gripper at the robot's home pose (as SimRobot expects it)."""
    hx, hy, hz = robot.home
    size = SHAPE_SIZE[shape]
    return ObjectSpec(name=name, shape=shape, colour=colour, size=size, mass=SHAPE_MASS[shape],
                      pos=(hx, hy, hz + table_height - 0.005), yaw=robot.home_yaw)


def outside_fixtures(x: float, y: float, fixtures: Sequence, margin: float) -> bool:
    """True when (x, y) is at least ``margin`` outside every fixture's footprint."""
    for f in fixtures:
        lx, ly, _ = fx.to_local((x, y, 0.0), f.pos, f.yaw)
        if abs(lx) < f.size[0] / 2 + margin and abs(ly) < f.size[1] / 2 + margin:
            return False
    return True


def table_spots(rng: np.random.Generator, count: int, fixtures: Sequence,
                accept=lambda x, y: True, x_range=TABLE_X, y_range=TABLE_Y,
                spacing: float = OBJECT_SPACING) -> list[tuple[float, float]] | None:
    """``count`` random table positions, spaced, reachable, clear of the fixtures."""
    points: list[tuple[float, float]] = []
    for _ in range(count):
        for _attempt in range(300):
            x, y = float(rng.uniform(*x_range)), float(rng.uniform(*y_range))
            if not REACH[0] <= math.hypot(x, y) <= REACH[1] or not accept(x, y):
                continue
            if not outside_fixtures(x, y, fixtures, FIXTURE_MARGIN):
                continue
            if all(math.dist((x, y), q) >= spacing for q in points):
                points.append((x, y))
                break
        else:
            return None
    return points


def spread_on_table(rng: np.random.Generator, count: int, fixtures: Sequence, seed: int,
                    **kw) -> list[tuple[float, float]]:
    """:func:`table_spots` (same keywords), retried up to 50 times; raises if none fit."""
    for _attempt in range(50):
        spots = table_spots(rng, count, fixtures, **kw)
        if spots is not None:
            return spots
    raise WorldModelError(f"could not place {count} objects (seed {seed})")


def finish_scene(rng: np.random.Generator, kinds: Sequence[tuple[str, str, str]],
                 held: tuple[str, str, str] | None, robot: RobotSpec,
                 placed: list[ObjectSpec], init: set[Atom],
                 on_table: Sequence[tuple[str, str, str]], spots: Sequence[tuple[float, float]],
                 fixtures: list, fixture_types: dict[str, str]) -> GeneratedScene:
    """The scene from what a generator has placed in its fixtures (``placed``, ``init``):
    adds ``on_table`` at ``spots`` (random yaw each), ``held`` in the gripper or
    ``hand-empty``, orders objects as in ``kinds`` and types them ``item``."""
    objects = list(placed)
    for (name, colour, shape), (x, y) in zip(on_table, spots):
        objects.append(make_object(name, colour, shape, x, y, 0.0,
                                   float(rng.uniform(-math.pi / 4, math.pi / 4))))
        init.add(Atom("on-table", (name,)))
    if held is not None:
        objects.append(held_object(*held, robot))
        init.add(Atom("holding", (held[0],)))
    else:
        init.add(Atom("hand-empty"))
    order = [k[0] for k in kinds]
    objects.sort(key=lambda o: order.index(o.name))
    spec = SceneSpec(robot=robot, objects=objects, fixtures=fixtures)
    types = {k[0]: "item" for k in kinds}
    types.update(fixture_types)
    return GeneratedScene(spec=spec, objects=types, init=frozenset(init))
