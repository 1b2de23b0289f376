"""Where the scripted experts send the gripper, derived with the experts' own rules.

The twin's reachability and collision stages must test the pose the skill will really
use: the same grasp height, the same hand yaw (the experts pick, among the object's
symmetric yaws, one whose hand clears the neighbours), the same free table spot or
container slot.  These functions ask :mod:`vlaplan.skills.scripted` and
:mod:`vlaplan.skills.scripted_fixtures` for those choices from a privileged
observation, so the twin never keeps a second copy of the experts' geometry.

Each returns ``(grasp-frame position, yaw)`` in the world frame, or None when the
action has no such pose (unknown action, missing fixture).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from vlaplan.skills import scripted as S

Pose = tuple[tuple[float, float, float], float]


def _world(priv: Mapping[str, Any]) -> Any:
    return S._World(priv)  # the experts' read-only view of an observation


def grasp(priv: Mapping[str, Any], name: str) -> Pose:
    """pick/unstack: just above the centre, the clear symmetric yaw nearest the hand's."""
    w = _world(priv)
    p = w.pos(name)
    z = p[2] + S.GRASP_OFFSET
    yaw = S.best_yaw(w, p[:2], S.grasp_yaw(w.yaw_of(name), w.yaw), z, exclude=(name,))
    return (float(p[0]), float(p[1]), float(z)), float(yaw)


def grasp_in_drawer(priv: Mapping[str, Any], name: str, drawer: str) -> Pose:
    """take-out: the drawer experts keep the hand's yaw at the cabinet's (mod pi/2)."""
    w = _world(priv)
    p = w.pos(name)
    cab = float(priv["fixtures"][drawer]["yaw"])
    yaw = cab if priv["objects"][name].get("shape") == "cylinder" else S.grasp_yaw(
        w.yaw_of(name), cab)
    return (float(p[0]), float(p[1]), float(p[2] + S.GRASP_OFFSET)), float(yaw)


def _hand_offset(w: Any, x: str) -> float:
    """Height of the grasp frame above the held object's centre (0 if not held)."""
    return float(w.ee[2] - w.pos(x)[2]) if w.held(x) else S.GRASP_OFFSET


def place(priv: Mapping[str, Any], x: str, onto: str | None = None) -> Pose:
    """place (free table spot) / stack (on ``onto``): where the grasp frame releases x."""
    w = _world(priv)
    expert = S.PlaceExpert((x,), onto=onto)
    xy, support_z, obj_yaw = expert._target(w, x)
    size = w.size(x)
    z = support_z + size[2] / 2 + _hand_offset(w, x)
    aligned = w.yaw + S.wrap(S.grasp_yaw(obj_yaw, w.yaw_of(x)) - w.yaw_of(x))
    yaw = S.best_yaw(w, np.asarray(xy), aligned, z, exclude=(x,) + ((onto,) if onto else ()))
    return (float(xy[0]), float(xy[1]), float(z)), float(yaw)


def put_in(priv: Mapping[str, Any], x: str, container: str) -> Pose:
    """put-in: over the free slot the expert picks, at its release height."""
    from vlaplan.skills import scripted_fixtures as F

    w = _world(priv)
    info = priv["fixtures"][container]
    slot = F._free_slot(w, x, info)
    expert = F.PutInExpert((x, container))
    expert.slot = slot
    bottom = expert._release_bottom(w, x, info)
    z = bottom + w.size(x)[2] / 2 + _hand_offset(w, x)
    drawer = info.get("kind") == "drawer"
    yaw = F._near_yaw(float(info["yaw"]), 0.0) if drawer else w.yaw
    return (float(slot[0]), float(slot[1]), float(z)), float(yaw)


def handle(priv: Mapping[str, Any], drawer: str) -> Pose:
    """open/close: on the handle bar, fingers across it, on the wrist's reachable side."""
    from vlaplan.skills import scripted_fixtures as F

    d = priv["fixtures"][drawer]
    h = d["handle"]
    yaw = F._near_yaw(float(d["yaw"]) + math.pi / 2, math.copysign(math.pi / 2, h[1]))
    return (float(h[0]), float(h[1]), float(h[2])), float(yaw)


def handle_slack() -> float:
    """How far above the bar's axis the drawer experts still grip (they stop short)."""
    from vlaplan.skills import scripted_fixtures as F

    return float(getattr(F, "HANDLE_GRIP_SLACK", 0.0))
