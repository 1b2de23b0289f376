"""The kitchen scene generator: a drawer cabinet and 2..6 small objects.

Seeded: the same seed and options give the same scene.  The cabinet stands on one side
of the table facing the robot; the objects stand on the other side, so no straight path
between two of them crosses the cabinet.  Some scenes start with the drawer open and
some with objects already in the drawer (only in the slots the open drawer exposes).
``for_skill`` arranges what a skill needs: ``open`` a closed drawer, ``close`` an open
one, ``pick`` an object on the table, ``place`` one in the gripper, ``put-in`` one in the
gripper and the drawer open, ``take-out`` an object in the open drawer.

The object catalogue (shapes, sizes, names) is shared with the sorting domain.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from vlaplan.domains.base import GeneratedScene
from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import WorldModelError
from vlaplan.world_model import fixtures as fx
from vlaplan.world_model.scene import COLOURS, MAX_REACH, ObjectSpec, RobotSpec, SceneSpec

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
CABINET_X = (0.66, 0.70)  # carcass centre
CABINET_Y = (0.22, 0.26)  # |y| of the carcass centre
CABINET_YAW = 0.12  # rad, +- jitter
OPEN_PROB = 0.35
IN_DRAWER_PROB = 0.3
MAX_IN_DRAWER = 3
SKILLS = ("open", "close", "pick", "place", "put-in", "take-out")


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
    spots = None
    for _attempt in range(50):
        spots = table_spots(rng, len(on_table), [drawer], accept)
        if spots is not None:
            break
    if spots is None:
        raise WorldModelError(f"could not place {len(on_table)} objects (seed {seed})")
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
    spec = SceneSpec(robot=robot, objects=objects, fixtures=[drawer])
    types = {k[0]: "item" for k in kinds}
    types["drawer"] = "drawer"
    return GeneratedScene(spec=spec, objects=types, init=frozenset(init))
