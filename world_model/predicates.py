"""Generic predicate classifiers: ground truth of ``observation.privileged`` -> truth values.

Domains compose these into their ``abstract(observation)``.  Every tolerance is a named
constant.  Orientation is handled by the extents of an object's oriented box, so a cube
lying on another face is still "on" what it rests on.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

ON_Z_TOL = 0.012  # m: |bottom of the upper object - top of the lower one|
ON_XY_FRACTION = 1.0  # the upper centre lies within this fraction of the lower's footprint
TABLE_Z_TOL = 0.012  # m: |bottom - table top| for on-table
FLAT_TOL = 0.25  # rad: an object rests flat when one of its axes is this close to vertical
IN_MARGIN = 0.005  # m: an object's centre lies this far inside a container's inner box
DRAWER_OPEN_MIN = 0.12  # m: a drawer counts as open when pulled out at least this far
DRAWER_CLOSED_MAX = 0.01  # m: ... and as closed when within this of fully shut
FINGERS = ("left_finger", "right_finger")
HAND_PARTS = FINGERS + ("robot",)  # contacts that are not a support
GRIP_SQUEEZE_TOL = 0.005  # m an object may be wider than the finger gap (soft contacts)
GRIP_CLOSED_TOL = 0.006  # m a finger gap may exceed the object's width and still grip it
GRIPPER_KEY = "gripper"  # per-object record of the hand touching it: {"width", "yaw", "pos"}
PAD_HALF_WIDTH = 0.01  # m a finger pad reaches either side of the grasp point, across the fingers
PAD_HALF_HEIGHT = 0.01  # m a finger pad reaches above and below the grasp point

Priv = Mapping[str, Any]


def rotation(quat: Sequence[float]) -> np.ndarray:
    """3x3 rotation matrix of an (x, y, z, w) quaternion."""
    x, y, z, w = quat
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def half_height(obj: Priv) -> float:
    """Half the vertical extent of an object's oriented box."""
    r = rotation(obj["quat"])
    return float(np.abs(r[2]) @ (np.asarray(obj["size"], dtype=float) / 2))


def tilt(obj: Priv) -> float:
    """How far (rad) the object's most nearly vertical axis is from vertical: 0 for a box
    resting flat on any face."""
    return float(np.arccos(min(1.0, float(np.max(np.abs(rotation(obj["quat"])[2]))))))


def is_flat(obj: Priv) -> bool:
    """One of the object's axes is within :data:`FLAT_TOL` of vertical (it rests on a face)."""
    return tilt(obj) <= FLAT_TOL


def bottom(obj: Priv) -> float:
    return float(obj["pos"][2]) - half_height(obj)


def top(obj: Priv) -> float:
    return float(obj["pos"][2]) + half_height(obj)


def width_along(obj: Priv, direction: Sequence[float]) -> float:
    """The object's extent along a world ``direction`` (unit 3-vector): its oriented box's,
    a cylinder's exact one."""
    r, size = rotation(obj["quat"]), np.asarray(obj["size"], dtype=float)
    a = np.asarray(direction, dtype=float)
    if obj.get("shape") == "cylinder":
        c = abs(float(a @ r[:, 2]))
        return c * size[2] + size[0] * float(np.sqrt(max(0.0, 1.0 - c * c)))
    return float(np.abs(r.T @ a) @ size)


def chord_span(obj: Priv, point: Sequence[float], direction: Sequence[float]
               ) -> tuple[float, float] | None:
    """Where the line ``point + t * direction`` (a unit 3-vector) runs inside the object's
    box or cylinder: (t entering, t leaving), or None when it misses."""
    r, pos = rotation(obj["quat"]), np.asarray(obj["pos"], dtype=float)
    half = np.asarray(obj["size"], dtype=float) / 2
    p = r.T @ (np.asarray(point, dtype=float) - pos)
    a = r.T @ np.asarray(direction, dtype=float)
    cylinder = obj.get("shape") == "cylinder"
    lo, hi = -np.inf, np.inf
    for i in ((2,) if cylinder else (0, 1, 2)):  # the slabs bounding the shape
        if abs(a[i]) < 1e-12:
            if abs(p[i]) > half[i]:
                return None
            continue
        t0, t1 = sorted(((-half[i] - p[i]) / a[i], (half[i] - p[i]) / a[i]))
        lo, hi = max(lo, t0), min(hi, t1)
    if cylinder:  # and the round side: x^2 + y^2 <= radius^2 in the cylinder's frame
        qa = a[0] ** 2 + a[1] ** 2
        qc = p[0] ** 2 + p[1] ** 2 - half[0] ** 2
        if qa < 1e-12:
            if qc > 0:
                return None
        else:
            qb = 2 * (p[0] * a[0] + p[1] * a[1])
            disc = qb * qb - 4 * qa * qc
            if disc < 0:
                return None
            root = float(np.sqrt(disc))
            lo, hi = max(lo, (-qb - root) / (2 * qa)), min(hi, (-qb + root) / (2 * qa))
    return (float(lo), float(hi)) if hi > lo else None


def finger_axis(yaw: float) -> np.ndarray:
    """The unit vector from one fingertip to the other of a hand pointing down with ``yaw``."""
    return np.array([np.sin(yaw), -np.cos(yaw), 0.0])


def _between_pads(obj: Priv, yaw: float, point: Sequence[float]) -> list[tuple[float, float]]:
    """The object's spans along the finger axis on lines across the finger pads around
    the grasp ``point`` (those lines that meet it), relative to the point."""
    axis = finger_axis(yaw)
    across = np.array([np.cos(yaw), np.sin(yaw), 0.0])
    c = np.asarray(point, dtype=float)
    spans = (chord_span(obj, c + u * PAD_HALF_WIDTH * across + (0.0, 0.0, v * PAD_HALF_HEIGHT),
                        axis)
             for u in (-1.0, -0.5, 0.0, 0.5, 1.0) for v in (-1.0, 0.0, 1.0))
    return [s for s in spans if s is not None]


def plausible_grasp(obj: Priv, width: float, yaw: float,
                    point: Sequence[float] | None = None) -> bool:
    """Can a gripper with finger gap ``width`` and hand ``yaw`` hold ``obj``?  The object
    fits between the fingers (wider than the gap by at most :data:`GRIP_SQUEEZE_TOL`), and
    either it is lifted off every support or the fingers are closed on it (gap at most
    :data:`GRIP_CLOSED_TOL` wider than the object).

    Without the grasp ``point`` (between the fingertips) the object's width through its
    centre is compared with the gap.  With it, the part of the object between the finger
    pads is: on every line across the pads it must lie between the fingers (no finger
    inside it by more than :data:`GRIP_SQUEEZE_TOL`), so fingers closed on a corner or an
    edge, off the object's centre, hold it too."""
    lifted = all(c in HAND_PARTS for c in obj.get("contacts", ()))
    spans = _between_pads(obj, yaw, point) if point is not None else []
    if not spans:
        extent = width_along(obj, finger_axis(yaw))
        spans = [(-extent / 2, extent / 2)]
    reach = width / 2 + GRIP_SQUEEZE_TOL
    if any(t1 - t0 > width + GRIP_SQUEEZE_TOL or t0 < -reach or t1 > reach for t0, t1 in spans):
        return False
    return lifted or max(t1 - t0 for t0, t1 in spans) >= width - GRIP_CLOSED_TOL


def held(obj: Priv) -> bool:
    """Both fingers touch the object and, where the record says how the hand touches it
    (:data:`GRIPPER_KEY`, set by the simulated robot), the grasp is plausible."""
    contacts = obj.get("contacts", ())
    if not all(f in contacts for f in FINGERS):
        return False
    grip = obj.get(GRIPPER_KEY)
    return grip is None or plausible_grasp(obj, float(grip["width"]), float(grip["yaw"]),
                                           grip.get("pos"))


def within_footprint(point: Sequence[float], obj: Priv, fraction: float = 1.0) -> bool:
    """Is the (x, y) of ``point`` within ``fraction`` of ``obj``'s footprint?

    The horizontal offset from the object's centre is measured along each axis of its
    oriented box against that axis' half-extent, so an object resting on any face (a cube
    a learned grasp turned onto its side) has the footprint of that face.  Only the table
    plane counts: the point's height does not."""
    r = rotation(obj["quat"])
    offset = np.asarray(point[:2], dtype=float) - np.asarray(obj["pos"][:2], dtype=float)
    along = np.abs(r[:2].T @ offset)  # the offset's component on each of the box's axes
    return bool(np.all(along <= fraction * np.asarray(obj["size"], dtype=float) / 2))


def is_over(upper: Priv, lower: Priv, gap_min: float, gap_max: float) -> bool:
    """``upper``'s centre lies over ``lower``'s footprint (:data:`ON_XY_FRACTION`) and its
    bottom is ``gap_min`` to ``gap_max`` above ``lower``'s top (negative: sunk into it)."""
    return (gap_min <= bottom(upper) - top(lower) <= gap_max
            and within_footprint(upper["pos"], lower, ON_XY_FRACTION))


def is_on(upper: Priv, lower: Priv) -> bool:
    """``upper`` rests on ``lower``: its centre is above ``lower`` and the faces meet."""
    return (not held(upper) and is_flat(upper)
            and is_over(upper, lower, -ON_Z_TOL, ON_Z_TOL))


def is_on_table(obj: Priv, table_height: float) -> bool:
    """Not held and its bottom is at the table top."""
    return (not held(obj) and is_flat(obj)
            and abs(bottom(obj) - table_height) <= TABLE_Z_TOL)


def is_inside(obj: Priv, box_min: Sequence[float], box_max: Sequence[float],
              margin: float = IN_MARGIN) -> bool:
    """Not held and its centre lies in the axis-aligned box [box_min, box_max] (world)."""
    if held(obj):
        return False
    p = obj["pos"]
    return all(lo + margin <= v <= hi - margin for v, lo, hi in zip(p, box_min, box_max))


def drawer_is_open(opening: float) -> bool:
    return opening >= DRAWER_OPEN_MIN


def drawer_is_closed(opening: float) -> bool:
    return opening <= DRAWER_CLOSED_MAX


def held_objects(priv: Priv) -> list[str]:
    return sorted(n for n, o in priv["objects"].items() if held(o))


def table_height(priv: Priv) -> float:
    return float(priv.get("table", {}).get("height", 0.0))
