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
YAW_RANGE = 2.3  # rad: commanded grasp yaws stay within +-this
SPOT_GRID = tuple((0.32 + 0.03 * i, -0.27 + 0.03 * j) for i in range(13) for j in range(19))
_SPOT_ARRAY = np.array(SPOT_GRID)


def yaw_of(quat: Any) -> float:
    x, y, z, w = quat
    return math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))


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


def best_yaw(w: "World", xy: np.ndarray, base_yaw: float, grasp_z: float,
             exclude: tuple[str, ...] = (), prefer: float | None = None) -> float:
    """Among :func:`yaw_options` of ``base_yaw``, the yaw whose hand clears the other
    objects best (to the millimetre), then the one nearest ``prefer`` (default: the
    current yaw).  Hand poses pi apart clear equally, so the tie-break keeps it stable."""
    options = yaw_options(base_yaw)
    ref = w.yaw if prefer is None else prefer
    margins = hand_margins(w, xy, options, grasp_z, exclude)[0]

    def score(k: int) -> tuple[bool, float, float]:
        m = float(margins[k])
        return (m < 0.0, round(max(0.0, -m), 3), abs(options[k] - ref))

    return options[min(range(len(options)), key=score)]
