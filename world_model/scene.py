"""Scene specifications: what a simulated world contains, validated before it is built.

A :class:`SceneSpec` holds the robot, the table, the movable objects and the fixtures
(drawers, bins).  Coordinates are metres in the world frame: the robot base stands at
the origin on the table top (``z = table.height``), +x points away from the robot.
Validation rejects overlapping objects, objects off the table or out of reach,
floating objects, unknown colours and shapes, with the offending field named.
"""
from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Colour = Literal["red", "green", "blue", "yellow", "orange", "purple", "white", "black"]
Shape = Literal["cube", "cylinder", "box"]
FixtureKind = Literal["drawer", "bin"]

COLOURS: tuple[str, ...] = ("red", "green", "blue", "yellow", "orange", "purple", "white", "black")
SHAPES: tuple[str, ...] = ("cube", "cylinder", "box")

RGBA: dict[str, tuple[float, float, float, float]] = {
    "red": (0.85, 0.12, 0.10, 1.0),
    "green": (0.15, 0.70, 0.20, 1.0),
    "blue": (0.12, 0.25, 0.85, 1.0),
    "yellow": (0.95, 0.85, 0.10, 1.0),
    "orange": (0.98, 0.50, 0.05, 1.0),
    "purple": (0.55, 0.15, 0.70, 1.0),
    "white": (0.95, 0.95, 0.95, 1.0),
    "black": (0.08, 0.08, 0.08, 1.0),
}

MIN_REACH = 0.25  # m, horizontal distance from the robot base; closer is inside the arm
MAX_REACH = 0.78  # m, horizontal distance the Panda reaches with the gripper pointing down
MAX_HEIGHT = 0.45  # m above the table top for an object's top face
OVERLAP_TOL = 1e-3  # m of interpenetration tolerated between touching objects
SUPPORT_TOL = 5e-3  # m gap tolerated between an object's bottom and its support

Vec3 = tuple[float, float, float]


class ObjectSpec(BaseModel):
    """A movable rigid object.  ``size`` is the full extent (x, y, z) in its own frame;
    a cylinder's x and y are its diameter.  ``pos`` is the centre, ``yaw`` about +z."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    shape: Shape = "cube"
    colour: Colour
    size: Vec3 = (0.04, 0.04, 0.04)
    mass: float = Field(0.05, gt=0.0, le=5.0)
    pos: Vec3
    yaw: float = 0.0

    @field_validator("size")
    @classmethod
    def _positive_size(cls, v: Vec3) -> Vec3:
        if any(s <= 0.005 or s > 0.3 for s in v):
            raise ValueError(f"every extent must be in (0.005, 0.3] m, got {v}")
        return v

    @property
    def bottom(self) -> float:
        return self.pos[2] - self.size[2] / 2

    @property
    def top(self) -> float:
        return self.pos[2] + self.size[2] / 2


class FixtureSpec(BaseModel):
    """A fixture: a drawer cabinet or a bin.  ``pos`` is the centre of its footprint on
    the table (z = table top), ``size`` its outer extents; kind-specific numbers
    (wall thickness, drawer opening, ...) go in ``params``."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    kind: FixtureKind
    colour: Colour = "white"
    size: Vec3
    pos: Vec3
    yaw: float = 0.0
    params: dict[str, float] = Field(default_factory=dict)


class RobotSpec(BaseModel):
    """The Franka Panda of ``pybullet_data``: base position, home pose of the grasp
    target (link 11), and an object it holds at the start (or ``None``) and how."""

    model_config = ConfigDict(frozen=True)

    base_pos: Vec3 = (0.0, 0.0, 0.0)
    home: Vec3 = (0.45, 0.0, 0.25)
    home_yaw: float = 0.0
    holding: str | None = None
    # Where the object held at the start sits in the hand, off centre: (along the palm,
    # i.e. across the finger axis; how much lower), metres.  A learned grasp is rarely centred.
    hold_offset: tuple[float, float] = (0.0, 0.0)


class TableSpec(BaseModel):
    """A flat table: centre of its top face (x, y), extents (x, y), and top height."""

    model_config = ConfigDict(frozen=True)

    centre: tuple[float, float] = (0.40, 0.0)
    size: tuple[float, float] = (1.0, 1.2)
    height: float = 0.0
    colour: tuple[float, float, float, float] = (0.62, 0.50, 0.38, 1.0)

    def contains(self, x: float, y: float, margin: float = 0.0) -> bool:
        return (abs(x - self.centre[0]) <= self.size[0] / 2 - margin
                and abs(y - self.centre[1]) <= self.size[1] / 2 - margin)


def footprint(pos: Vec3, size: Vec3, yaw: float) -> list[tuple[float, float]]:
    """The four corners (x, y) of an object's footprint rectangle."""
    c, s = math.cos(yaw), math.sin(yaw)
    hx, hy = size[0] / 2, size[1] / 2
    return [(pos[0] + c * a - s * b, pos[1] + s * a + c * b)
            for a, b in ((hx, hy), (-hx, hy), (-hx, -hy), (hx, -hy))]


def _rectangles_overlap(a: list[tuple[float, float]], b: list[tuple[float, float]],
                        tol: float) -> bool:
    """Separating-axis test for two convex quadrilaterals, shrunk by ``tol``."""
    for poly in (a, b):
        for i in range(4):
            x1, y1 = poly[i]
            x2, y2 = poly[(i + 1) % 4]
            nx, ny = y2 - y1, x1 - x2
            norm = math.hypot(nx, ny) or 1.0
            nx, ny = nx / norm, ny / norm
            pa = [nx * x + ny * y for x, y in a]
            pb = [nx * x + ny * y for x, y in b]
            if max(pa) - tol <= min(pb) or max(pb) - tol <= min(pa):
                return False
    return True


def objects_overlap(a: ObjectSpec, b: ObjectSpec, tol: float = OVERLAP_TOL) -> bool:
    """True when the two (upright) objects interpenetrate by more than ``tol``."""
    if min(a.top, b.top) - max(a.bottom, b.bottom) <= tol:
        return False
    return _rectangles_overlap(footprint(a.pos, a.size, a.yaw),
                               footprint(b.pos, b.size, b.yaw), tol)


class SceneSpec(BaseModel):
    """Everything a simulated scene contains; validated on construction."""

    model_config = ConfigDict(frozen=True)

    robot: RobotSpec = Field(default_factory=RobotSpec)
    table: TableSpec = Field(default_factory=TableSpec)
    objects: list[ObjectSpec] = Field(default_factory=list)
    fixtures: list[FixtureSpec] = Field(default_factory=list)

    def object(self, name: str) -> ObjectSpec:
        for obj in self.objects:
            if obj.name == name:
                return obj
        raise KeyError(name)

    def fixture(self, name: str) -> FixtureSpec:
        for fix in self.fixtures:
            if fix.name == name:
                return fix
        raise KeyError(name)

    @model_validator(mode="after")
    def _check_scene(self) -> "SceneSpec":
        names = [o.name for o in self.objects] + [f.name for f in self.fixtures]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"objects/fixtures: duplicate names {dupes}")
        held = self.robot.holding
        if held is not None and held not in {o.name for o in self.objects}:
            raise ValueError(f"robot.holding: {held!r} is not an object of the scene")
        table, base = self.table, self.robot.base_pos
        for i, obj in enumerate(self.objects):
            where = f"objects[{i}] ({obj.name})"
            if obj.name == held:
                continue
            if not all(table.contains(x, y) for x, y in footprint(obj.pos, obj.size, obj.yaw)):
                raise ValueError(f"{where}: pos {obj.pos} is off the table "
                                 f"(table centre {table.centre}, size {table.size})")
            if obj.bottom < table.height - SUPPORT_TOL:
                raise ValueError(f"{where}: bottom z={obj.bottom:.3f} is below the table top "
                                 f"z={table.height:.3f}")
            dist = math.hypot(obj.pos[0] - base[0], obj.pos[1] - base[1])
            if not MIN_REACH <= dist <= MAX_REACH:
                raise ValueError(f"{where}: unreachable pose {obj.pos}: horizontal distance "
                                 f"{dist:.3f} m from the robot base is outside "
                                 f"[{MIN_REACH}, {MAX_REACH}] m")
            if obj.top > table.height + MAX_HEIGHT:
                raise ValueError(f"{where}: unreachable pose {obj.pos}: top {obj.top:.3f} m is "
                                 f"more than {MAX_HEIGHT} m above the table")
        if self.fixtures:  # drawer and bin geometry lives with their builders
            from vlaplan.world_model.fixture_checks import check_fixtures
            check_fixtures(self)
        free = [o for o in self.objects if o.name != held]
        for i, a in enumerate(free):
            for b in free[i + 1:]:
                if objects_overlap(a, b):
                    raise ValueError(f"objects: {a.name} at {a.pos} and {b.name} at {b.pos} "
                                     "overlap")
        for i, obj in enumerate(free):
            if not self._supported(obj, free):
                raise ValueError(f"objects[{self.objects.index(obj)}] ({obj.name}): floating at "
                                 f"z={obj.pos[2]:.3f}: nothing supports its bottom "
                                 f"z={obj.bottom:.3f}")
        return self

    def _supported(self, obj: ObjectSpec, others: list[ObjectSpec]) -> bool:
        if abs(obj.bottom - self.table.height) <= SUPPORT_TOL:
            return True
        for fix in self.fixtures:  # inside a drawer or bin: the fixture builder owns heights
            corners = footprint(fix.pos, fix.size, fix.yaw)
            if _rectangles_overlap(corners, footprint(obj.pos, obj.size, obj.yaw), 0.0):
                return True
        for other in others:
            if other is obj or abs(obj.bottom - other.top) > SUPPORT_TOL:
                continue
            if _rectangles_overlap(footprint(obj.pos, obj.size, obj.yaw),
                                   footprint(other.pos, other.size, other.yaw), 0.0):
                return True
        return False
