"""Hand geometry of the scripted experts: grasp yaws and how well the Panda hand clears
the other objects and the fixtures at a candidate pose (numpy over candidate spots and yaws).

Pure geometry on a :class:`vlaplan.skills.scripted.World` snapshot; no pybullet.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from vlaplan.skills.scripted import World

FIXTURE_CLEARANCE = 0.05  # m between a free table spot and a fixture's footprint
HAND_HALF_LONG = 0.104 + 0.012  # m: half the Panda hand's length along the finger axis, + margin
HAND_HALF_SHORT = 0.032 + 0.012  # m: half its width across the finger axis, + margin
HAND_ABOVE_GRASP = 0.039  # m: the hand's lowest point above the grasp target
FINGERTIP_BELOW_GRASP = 0.012  # m: the fingertips' reach below the grasp target
FINGER_CENTRE = 0.047  # m from the grasp axis to an open finger's centre (0.04 + half its
# thickness)
FINGER_HALF_THICK = 0.007  # m, half a finger's thickness along the finger axis
FINGER_HALF_WIDTH = 0.011  # m, half a finger's width across it
YAW_RANGE = 2.3  # rad: commanded grasp yaws stay within +-this
SPOT_GRID = tuple((0.32 + 0.03 * i, -0.27 + 0.03 * j) for i in range(13) for j in range(19))
_SPOT_ARRAY = np.array(SPOT_GRID)


def yaw_of(quat: Any) -> float:
    """Yaw of an object's faces about the vertical: the heading of its first local axis
    that is not the one nearest vertical.  For an upright object (local z up) this is the
    usual yaw of its x axis; a cube resting on a side face gets the heading of a side
    face's normal, where the Euler yaw degenerates (a quarter turn about y)."""
    x, y, z, w = quat
    axes = np.array([  # rows: the local x, y and z axes in world coordinates
        [1 - 2 * (y * y + z * z), 2 * (x * y + z * w), 2 * (x * z - y * w)],
        [2 * (x * y - z * w), 1 - 2 * (x * x + z * z), 2 * (y * z + x * w)],
        [2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y)]])
    up = int(np.argmax(np.abs(axes[:, 2])))
    axis = axes[1 if up == 0 else 0]
    return math.atan2(float(axis[1]), float(axis[0]))


def wrap(angle: float) -> float:
    return (angle + math.pi) % (2 * math.pi) - math.pi


def grasp_yaw(obj_yaw: float, ee_yaw: float, symmetry: float = math.pi / 2) -> float:
    """The yaw equivalent to ``obj_yaw`` under the object's symmetry nearest ``ee_yaw``."""
    k = round((ee_yaw - obj_yaw) / symmetry)
    return obj_yaw + k * symmetry


def hand_margins(w: "World", xy: Any, yaws: Any, grasp_z: float,
                 exclude: tuple[str, ...] = ()) -> np.ndarray:
    """Smallest clearance (m, negative = collision) between the hand, lowered to
    ``grasp_z`` above each point of ``xy`` (N x 2) with each yaw of ``yaws`` (K), and any
    object or fixture reaching above its bottom: an N x K array."""
    xy = np.atleast_2d(np.asarray(xy, dtype=float))
    yaws = np.atleast_1d(np.asarray(yaws, dtype=float))
    along = np.stack([np.sin(yaws), -np.cos(yaws)], axis=-1)  # the finger axis, K x 2
    across = np.stack([np.cos(yaws), np.sin(yaws)], axis=-1)
    bottom = grasp_z + HAND_ABOVE_GRASP
    margin = np.full((len(xy), len(yaws)), math.inf)
    names = [n for n in w.objects if n not in exclude and w.top(n) >= bottom]
    if names:  # objects: discs of their footprint's half-diagonal against the hand's box
        d = np.array([w.pos(n)[:2] for n in names])[None, :, :] - xy[:, None, :]  # N x M x 2
        radii = np.array([0.5 * float(np.linalg.norm(w.size(n)[:2])) for n in names])
        gap = np.maximum(np.abs(d @ along.T) - HAND_HALF_LONG,
                         np.abs(d @ across.T) - HAND_HALF_SHORT) - radii[None, :, None]
        margin = np.minimum(margin, gap.min(axis=1))
    half_h = np.array([HAND_HALF_LONG, HAND_HALF_SHORT])
    for f in w.fixtures.values():  # drawers and bins: rectangles (separating axes)
        if float(f["pos"][2]) + float(f["size"][2]) < bottom:
            continue
        fyaw = float(f.get("yaw", 0.0))
        box = np.array([[math.cos(fyaw), math.sin(fyaw)], [-math.sin(fyaw), math.cos(fyaw)]])
        half_f = np.array([f["size"][0] / 2, f["size"][1] / 2])
        hand = np.stack([along, across], axis=1)  # K x 2 x 2
        axes = np.concatenate([np.broadcast_to(box, hand.shape), hand], axis=1)  # K x 4 x 2
        reach = (np.abs(axes @ box.T) @ half_f) + (np.abs(np.einsum("kad,kbd->kab", axes, hand))
                                                   @ half_h)  # K x 4
        d = np.asarray(f["pos"][:2], dtype=float)[None, :] - xy  # N x 2
        proj = np.abs(np.einsum("nd,kad->nka", d, axes))  # N x K x 4
        margin = np.minimum(margin, (proj - reach[None]).max(axis=-1))
    return margin


def hand_margin(w: "World", xy: np.ndarray, yaw: float, grasp_z: float,
                exclude: tuple[str, ...] = ()) -> float:
    """:func:`hand_margins` at one point and one yaw."""
    return float(hand_margins(w, xy, [yaw], grasp_z, exclude)[0, 0])


def fixtures_clear(w: "World", xy: Any, margin: float = FIXTURE_CLEARANCE) -> np.ndarray:
    """For each point of ``xy`` (N x 2): is it at least ``margin`` outside every fixture's
    footprint (drawer, bins)?"""
    xy = np.atleast_2d(np.asarray(xy, dtype=float))
    ok = np.ones(len(xy), dtype=bool)
    for f in w.fixtures.values():
        c, size, yaw = f["pos"], f["size"], float(f.get("yaw", 0.0))
        dx, dy = xy[:, 0] - c[0], xy[:, 1] - c[1]
        lx, ly = math.cos(yaw) * dx + math.sin(yaw) * dy, -math.sin(yaw) * dx + math.cos(yaw) * dy
        ok &= ~((np.abs(lx) < size[0] / 2 + margin) & (np.abs(ly) < size[1] / 2 + margin))
    return ok


def clear_of_fixtures(w: "World", xy: np.ndarray, margin: float = FIXTURE_CLEARANCE) -> bool:
    """Is ``xy`` at least ``margin`` outside every fixture's footprint (drawer, bins)?"""
    return bool(fixtures_clear(w, xy, margin)[0])


def yaw_options(base_yaw: float) -> list[float]:
    """``base_yaw + k * pi/2`` within the commanded yaw range."""
    return [base_yaw + k * math.pi / 2 for k in range(-4, 5)
            if abs(base_yaw + k * math.pi / 2) <= YAW_RANGE]


def finger_margins(w: "World", xy: Any, yaws: Any, grasp_z: float,
                   exclude: tuple[str, ...] = ()) -> np.ndarray:
    """Smallest clearance (m, negative = collision) between the two open fingers, lowered
    to ``grasp_z`` above ``xy`` (one point) with each yaw of ``yaws`` (K), and the objects
    lower than the hand that reach up to the fingertips: a K array.  Objects are discs of
    their footprint's half-diagonal, fingers boxes beside the opening."""
    yaws = np.atleast_1d(np.asarray(yaws, dtype=float))
    margin = np.full(len(yaws), math.inf)
    names = [n for n in w.objects if n not in exclude
             and w.top(n) >= grasp_z - FINGERTIP_BELOW_GRASP]
    if not names:
        return margin
    along = np.stack([np.sin(yaws), -np.cos(yaws)], axis=-1)  # K x 2
    across = np.stack([np.cos(yaws), np.sin(yaws)], axis=-1)
    d = np.array([w.pos(n)[:2] for n in names]) - np.asarray(xy, dtype=float)[:2]  # M x 2
    radii = np.array([0.5 * float(np.linalg.norm(w.size(n)[:2])) for n in names])
    a, c = d @ along.T, d @ across.T  # M x K
    for side in (-1.0, 1.0):  # each finger's centre sits FINGER_CENTRE out along the axis
        gap = np.maximum(np.abs(a - side * FINGER_CENTRE) - FINGER_HALF_THICK,
                         np.abs(c) - FINGER_HALF_WIDTH) - radii[:, None]
        margin = np.minimum(margin, gap.min(axis=0))
    return margin


def best_yaw(w: "World", xy: np.ndarray, base_yaw: float, grasp_z: float,
             exclude: tuple[str, ...] = (), prefer: float | None = None,
             fingers: bool = False) -> float:
    """Among :func:`yaw_options` of ``base_yaw``, the yaw whose hand (and, with
    ``fingers``, whose open fingers: :func:`finger_margins`) clears the other objects
    best (to the millimetre), then the one nearest ``prefer`` (default: the current yaw).
    Hand poses pi apart clear equally, so the tie-break keeps it stable."""
    options = yaw_options(base_yaw)
    ref = w.yaw if prefer is None else prefer
    margins = hand_margins(w, xy, options, grasp_z, exclude)[0]
    if fingers:
        margins = np.minimum(margins, finger_margins(w, xy, options, grasp_z, exclude))

    def score(k: int) -> tuple[bool, float, float]:
        m = float(margins[k])
        return (m < 0.0, round(max(0.0, -m), 3), abs(options[k] - ref))

    return options[min(range(len(options)), key=score)]


GRIPPER_OPENING = 0.08  # m between the fully open fingers (world_model.panda.FINGER_MAX x 2)
SQUARING_CLEARANCE = 0.008  # m the open fingers must span beyond an object's extent for a
# grasp off its faces (the closing fingers turn the object square to the pads)
SQUARING_STEP = math.pi / 24  # rad between the hand yaws tried off the object's faces
HAND_PAD = 0.012  # m of margin built into HAND_HALF_LONG / HAND_HALF_SHORT
SQUARING_DEPTH = 0.02  # m a fixture must rise above the hand's lowest point to count as a
# wall in the way (a bin's rim just under the hand does not stop a face-aligned grasp)
SQUARING_SKEW = math.pi / 18  # rad: a box is grasped off its faces only near 45 degrees,
# where the fingers meet opposite corners and turn it square (measured: 44 deg works,
# 35 deg leaves it skewed between the pads)


def extent_across_fingers(w: "World", name: str, yaws: Any) -> np.ndarray:
    """Width of ``name`` along the finger axis of a hand pointing down with each yaw (the
    object upright: boxes and cubes by their yaw, cylinders by their diameter)."""
    yaws = np.atleast_1d(np.asarray(yaws, dtype=float))
    size = w.size(name)
    if w.objects[name].get("shape") == "cylinder":
        return np.full(len(yaws), float(size[0]))
    rel = yaws - w.yaw_of(name)
    return float(size[0]) * np.abs(np.sin(rel)) + float(size[1]) * np.abs(np.cos(rel))


def squaring_yaw(w: "World", name: str, xy: np.ndarray, grasp_z: float, aligned: float,
                 prefer: float | None = None) -> float:
    """The grasp yaw for ``name``: ``aligned`` (the best yaw on its faces, from
    :func:`best_yaw`) unless the hand there really overlaps something (a fixture wall, a
    neighbour: margin below ``-HAND_PAD``) and a yaw off the faces clears everything with
    the object still fitting the open fingers; then the clearing yaw nearest ``prefer``
    (the fingers close on the object's edges and turn it square to the pads, as a hand
    picking a box tucked against a cabinet would).  Only a fixture counts as really in the
    way: neighbours are bounded by discs, and the experts' face-aligned grasps next to
    them work."""
    fixtures = occupied_fixtures(w)
    tall = {k: f for k, f in fixtures.items() if float(f["pos"][2]) + float(f["size"][2])
            >= grasp_z + HAND_ABOVE_GRASP + SQUARING_DEPTH}
    if not tall or hand_margin(_View({}, tall), xy, aligned, grasp_z) >= -HAND_PAD:
        return aligned
    n = int(YAW_RANGE // SQUARING_STEP)
    yaws = np.arange(-n, n + 1) * SQUARING_STEP
    fits = extent_across_fingers(w, name, yaws) <= GRIPPER_OPENING - SQUARING_CLEARANCE
    if w.objects[name].get("shape") != "cylinder":  # corners pinched symmetrically
        rel = np.abs(np.mod(yaws - w.yaw_of(name), math.pi / 2) - math.pi / 4)
        fits &= rel <= SQUARING_SKEW
    margins = hand_margins(_View(w.objects, fixtures, w), xy, yaws, grasp_z,
                           exclude=(name,))[0]
    clear = np.flatnonzero(fits & (margins >= 0.0))
    if not len(clear):
        return aligned
    ref = w.yaw if prefer is None else prefer
    return float(yaws[min(clear, key=lambda k: abs(wrap(float(yaws[k]) - ref)))])


def fixture_top_on_path(w: "World", start: Any, end: Any, margin: float = HAND_HALF_LONG,
                        samples: int = 12) -> float:
    """Highest top of the fixtures (drawer cabinet with its travel, bins) whose footprint,
    grown by ``margin``, the straight xy path from ``start`` to ``end`` crosses; the table
    height when it crosses none.  A hand travelling lower would drag through their walls."""
    top = w.table_z
    if not w.fixtures:
        return top
    a, b = np.asarray(start, dtype=float)[:2], np.asarray(end, dtype=float)[:2]
    points = a[None, :] + np.linspace(0.0, 1.0, samples)[:, None] * (b - a)[None, :]
    for f in w.fixtures.values():
        if "pos" not in f or "size" not in f:
            continue
        if not fixtures_clear(_Only(w, f), points, margin).all():
            top = max(top, float(f["pos"][2]) + float(f["size"][2]))
    return top


class _Only:
    """A World-like view with one fixture (for :func:`fixtures_clear`)."""

    def __init__(self, w: "World", fixture: dict) -> None:
        self.fixtures = {"f": fixture}


class _View:
    """A World-like view with other objects and fixtures (for :func:`hand_margins`)."""

    def __init__(self, objects: dict, fixtures: dict, w: "World | None" = None) -> None:
        self.objects, self.fixtures, self._w = objects, fixtures, w

    def pos(self, name: str) -> np.ndarray:
        return self._w.pos(name)

    def size(self, name: str) -> np.ndarray:
        return self._w.size(name)

    def top(self, name: str) -> float:
        return self._w.top(name)


def occupied_fixtures(w: "World") -> dict[str, dict]:
    """The fixtures as they stand now: a drawer's footprint covers its whole travel (where
    the drawer may slide), this keeps only the cabinet and the part pulled out
    (``joint``); bins are unchanged."""
    out = {}
    for name, f in w.fixtures.items():
        if "pos" not in f or "size" not in f:
            continue
        if f.get("kind") == "drawer" and "travel" in f and "joint" in f and "open_dir" in f:
            length, travel = float(f["size"][0]), float(f["travel"])
            used = length - travel + max(0.0, float(f["joint"]))
            d = np.asarray(f["open_dir"][:2], dtype=float)
            centre = np.asarray(f["pos"][:2], dtype=float) + d * (used - length) / 2
            f = {**f, "pos": [float(centre[0]), float(centre[1]), float(f["pos"][2])],
                 "size": [used, float(f["size"][1]), float(f["size"][2])]}
        out[name] = f
    return out
