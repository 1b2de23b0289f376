"""Where the scripted experts send the gripper, derived with the experts' own rules.

The twin's reachability and collision stages must test the pose the skill will really
use: the same grasp height, the same hand yaw (the experts pick, among the object's
symmetric yaws, one whose hand clears the neighbours), the same free table spot or
container slot.  These functions ask :mod:`vlaplan.skills.scripted` (its public
:func:`~vlaplan.skills.scripted.expert_target`) and :mod:`vlaplan.skills.scripted_fixtures`
(its public ``free_slot``, ``near_yaw``, ``PutInExpert.release_bottom``) for those
choices from a privileged observation, so the twin never keeps a second copy of the
experts' geometry.

Each returns ``(grasp-frame position, yaw)`` in the world frame; a missing object or
fixture raises KeyError, a table with no free spot SkillError.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from vlaplan.skills import scripted as S
from vlaplan.skills.contract import SkillCall

Pose = tuple[tuple[float, float, float], float]


def _expert(priv: Mapping[str, Any], name: str, *args: str) -> Pose:
    target = S.expert_target(SkillCall(name, args, ""), priv)
    if target is None:
        raise KeyError(name)
    return target.pos, target.yaw


def grasp(priv: Mapping[str, Any], name: str) -> Pose:
    """pick/unstack: just above the centre, the clear symmetric yaw nearest the hand's."""
    return _expert(priv, "pick", name)


def place(priv: Mapping[str, Any], x: str, onto: str | None = None) -> Pose:
    """place (free table spot) / stack (on ``onto``): where the grasp frame releases x."""
    return _expert(priv, "stack", x, onto) if onto else _expert(priv, "place", x)


def grasp_in_drawer(priv: Mapping[str, Any], name: str, drawer: str) -> Pose:
    """take-out: the drawer experts keep the hand's yaw at the cabinet's (mod pi/2)."""
    w = S.World(priv)
    p = w.pos(name)
    cab = float(priv["fixtures"][drawer]["yaw"])
    yaw = cab if priv["objects"][name].get("shape") == "cylinder" else S.grasp_yaw(
        w.yaw_of(name), cab)
    return (float(p[0]), float(p[1]), float(p[2] + S.GRASP_OFFSET)), float(yaw)


def put_in(priv: Mapping[str, Any], x: str, container: str) -> Pose:
    """put-in: over the free slot the expert picks, at its release height."""
    from vlaplan.skills import scripted_fixtures as F

    w = S.World(priv)
    info = priv["fixtures"][container]
    expert = F.PutInExpert((x, container))
    expert.slot = slot = F.free_slot(w, x, info)
    z = expert.release_bottom(w, x, info) + w.size(x)[2] / 2 + S.hand_offset(w, x)
    drawer = info.get("kind") == "drawer"
    yaw = F.near_yaw(float(info["yaw"]), 0.0) if drawer else w.yaw
    return (float(slot[0]), float(slot[1]), float(z)), float(yaw)


def handle(priv: Mapping[str, Any], drawer: str) -> Pose:
    """open/close: on the handle bar, fingers across it, on the wrist's reachable side."""
    from vlaplan.skills import scripted_fixtures as F

    d = priv["fixtures"][drawer]
    h = d["handle"]
    yaw = F.near_yaw(float(d["yaw"]) + math.pi / 2, math.copysign(math.pi / 2, h[1]))
    return (float(h[0]), float(h[1]), float(h[2])), float(yaw)


def handle_slack() -> float:
    """How far above the bar's axis the drawer experts still grip (they stop short)."""
    from vlaplan.skills import scripted_fixtures as F

    return float(getattr(F, "HANDLE_GRIP_SLACK", 0.0))
