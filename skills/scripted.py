"""Scripted experts: privileged closed-loop controllers for the built-in skills.

They read ground truth from ``observation.privileged`` (object poses and contacts, the
end effector) on every step, so they react when things move, and never import pybullet.
They record demonstrations and are the upper baseline of the learned policies.

Each expert is a small state machine (approach, descend, close, lift, ...); phases move
on when the measured state says so, and fall back (e.g. re-grasp) when the object slips.
The policy that runs them, ``ScriptedPolicy``, lives in :mod:`vlaplan.skills.scripted_policy`
(still importable from here).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from vlaplan.planner.errors import SkillError
from vlaplan.world_model.predicates import plausible_grasp  # numpy only, no pybullet
from vlaplan.skills.contract import MAX_ROTATION, MAX_TRANSLATION, PRIVILEGED_KEY, SkillCall
# Hand geometry lives in hand_clearance; its names stay importable from here.
from vlaplan.skills.hand_clearance import (  # noqa: F401
    _SPOT_ARRAY, FIXTURE_CLEARANCE, HAND_ABOVE_GRASP, HAND_HALF_LONG, HAND_HALF_SHORT, SPOT_GRID,
    YAW_RANGE, best_yaw, clear_of_fixtures, fixtures_clear, grasp_yaw, hand_margin, hand_margins,
    fixture_top_on_path, squaring_yaw, wrap, yaw_of, yaw_options)

GAIN = 0.8  # fraction of the remaining error commanded per step
POS_TOL = 0.004  # m: a waypoint is reached
XY_ALIGN_TOL = 0.006  # m: close enough above an object to descend
YAW_TOL = 0.06  # rad
HOVER = 0.07  # m of clearance over the tallest object when travelling
GRASP_OFFSET = 0.008  # m: grasp target above the object's centre
LIFT = 0.10  # m lifted after a grasp
PLACE_GAP = 0.004  # m: lower a held object until its bottom is this close to its support
RETREAT = 0.06  # m above the released object's top
SPOT_CLEARANCE = 0.09  # m between a chosen free spot and any other object's centre
OPEN_WIDTH = 0.075  # m: the gripper counts as open
CLOSE_STEPS = 5  # control steps the gripper squeezes before lifting
CLOSE_RISE = 0.015  # m above the grasp point at which a closing hand has left it
SQUARE_TOL = 0.05  # rad off the object's faces from which a grasp counts as a squaring one
# (hand_clearance.squaring_yaw); if the fingers close on it wedged (not a plausible grasp
# by world_model.predicates), the expert lets go and grasps again from the new pose
RELEASE_STEPS = 4  # control steps the gripper opens before retreating


class World:
    """A read-only view of the privileged observation (what every expert reads)."""

    def __init__(self, priv: Mapping[str, Any]) -> None:
        self.objects = priv["objects"]
        ee = priv["ee"]
        self.ee = np.asarray(ee["pos"], dtype=float)
        self.yaw = float(ee["yaw"])
        self.width = float(ee["gripper_width"])
        self.table_z = float(priv.get("table", {}).get("height", 0.0))
        self.fixtures = priv.get("fixtures", {})  # drawers, bins (skills/scripted_fixtures.py)

    def pos(self, name: str) -> np.ndarray:
        return np.asarray(self.objects[name]["pos"], dtype=float)

    def size(self, name: str) -> np.ndarray:
        return np.asarray(self.objects[name]["size"], dtype=float)

    def yaw_of(self, name: str) -> float:
        return yaw_of(self.objects[name]["quat"])

    def top(self, name: str) -> float:
        return float(self.pos(name)[2] + self.size(name)[2] / 2)

    def held(self, name: str) -> bool:
        contacts = self.objects[name].get("contacts", ())
        return "left_finger" in contacts and "right_finger" in contacts

    def max_top(self, exclude: tuple[str, ...] = ()) -> float:
        tops = [self.top(n) for n in self.objects if n not in exclude]
        return max(tops, default=self.table_z)


_World = World  # the name skills/scripted_fixtures.py and older tests import


class Target(NamedTuple):
    """Where an expert sends the grasp frame (link 11): world position and hand yaw."""

    pos: tuple[float, float, float]
    yaw: float


def grasp_target(w: World, name: str, prefer: float | None = None) -> Target:
    """Just above ``name``'s centre, with the clear symmetric yaw nearest the hand's (a
    yaw off the object's faces when every face-aligned hand would hit something)."""
    p = w.pos(name)
    z = float(p[2] + GRASP_OFFSET)
    yaw = best_yaw(w, p[:2], grasp_yaw(w.yaw_of(name), w.yaw), z, exclude=(name,),
                   prefer=prefer, fingers=True)
    yaw = squaring_yaw(w, name, p[:2], z, yaw, prefer)
    return Target((float(p[0]), float(p[1]), z), float(yaw))


def _skew(w: World, name: str, yaw: float) -> float:
    """Angle between a hand yaw and the nearest face-aligned one of ``name`` (0 for a
    cylinder)."""
    if w.objects[name].get("shape") == "cylinder":
        return 0.0
    rel = (yaw - w.yaw_of(name)) % (np.pi / 2)
    return float(min(rel, np.pi / 2 - rel))


def _move(w: World, target: np.ndarray, yaw: float, gripper: float) -> np.ndarray:
    d = np.clip(GAIN * (target - w.ee) / MAX_TRANSLATION, -1.0, 1.0)
    dyaw = float(np.clip(GAIN * wrap(yaw - w.yaw) / MAX_ROTATION, -1.0, 1.0))
    return np.array([d[0], d[1], d[2], dyaw, gripper], dtype=np.float32)


Mover = Callable[[World, np.ndarray, float, float], np.ndarray]  # (world, target, yaw, gripper)


class _Expert:
    """Base state machine; ``step`` returns one action and may change ``phase``."""

    def __init__(self, args: tuple[str, ...]) -> None:
        self.args = args
        self.phase = "start"
        self.counter = 0
        self.done = False

    def step(self, w: World) -> np.ndarray:
        raise NotImplementedError

    def _goto(self, phase: str) -> None:
        self.phase, self.counter = phase, 0

    # -- shared pieces: grasp an object from wherever it rests ---------------------------
    def _grasp(self, w: World, name: str) -> np.ndarray | None:
        """Grasp ``name``; returns an action, or None once it is held and lifted."""
        p, size = w.pos(name), w.size(name)
        target = grasp_target(w, name, prefer=getattr(self, "grasp_yaw_choice", None))
        grasp_z, yaw = target.pos[2], target.yaw
        self.grasp_yaw_choice = yaw
        if self.phase in ("start", "approach"):  # off the faces: the fingers square it up
            self.squaring = _skew(w, name, yaw) > SQUARE_TOL
        if self.phase in ("start", "approach"):
            self.phase = "approach"
            travel = max(w.max_top(), p[2] + size[2] / 2,
                         fixture_top_on_path(w, w.ee, p, HAND_HALF_SHORT)) + HOVER
            xy_err = float(np.linalg.norm(w.ee[:2] - p[:2]))
            if xy_err > XY_ALIGN_TOL or abs(wrap(yaw - w.yaw)) > YAW_TOL:
                z = travel if xy_err > 0.03 else max(w.ee[2], min(travel, p[2] + HOVER))
                if xy_err > 0.03 and w.ee[2] < travel - 0.02:  # rise before travelling
                    return _move(w, np.array([w.ee[0], w.ee[1], travel]), yaw, 1.0)
                return _move(w, np.array([p[0], p[1], z]), yaw, 1.0)
            self._goto("descend")
        action = self._descend_and_close(w, name, p, grasp_z, yaw, size[1])
        if action is not None:
            return action
        if self.phase == "lift":
            return self._lift(w, name, self.lift_z)
        return None

    def _descend_and_close(self, w: World, name: str, p: np.ndarray, grasp_z: float, yaw: float,
                           width: float, move: Mover | None = None) -> np.ndarray | None:
        """Phases ``descend`` and ``close`` of a grasp at ``(p.x, p.y, grasp_z)``: an action,
        or None in any other phase.  On a hold the phase becomes ``lift`` with ``lift_z``
        set ``LIFT`` over the grasp; closing on nothing (fingers narrower than half of
        ``width``) goes back to ``approach``.  ``move`` turns a target into an action."""
        move = move or _move
        if self.phase == "descend":
            if float(np.linalg.norm(w.ee[:2] - p[:2])) > 2 * XY_ALIGN_TOL:
                self._goto("approach")
                return move(w, np.array([p[0], p[1], w.ee[2] + 0.01]), yaw, 1.0)
            if w.ee[2] - grasp_z > POS_TOL:
                return move(w, np.array([p[0], p[1], grasp_z]), yaw, 1.0)
            self._goto("close")
        if self.phase == "close":
            off = float(np.linalg.norm(w.ee[:2] - p[:2])) > 2 * XY_ALIGN_TOL or \
                w.ee[2] - grasp_z > CLOSE_RISE
            if off and not w.held(name):  # the hand left the grasp pose (another policy
                self._goto("approach")    # drives, DAgger): open and line up again
                return move(w, np.array([p[0], p[1], max(w.ee[2], grasp_z) + 0.01]), yaw, 1.0)
            self.counter += 1
            if self.counter >= CLOSE_STEPS:
                if w.held(name) and getattr(self, "squaring", False) and not plausible_grasp(
                        w.objects[name], w.width, w.yaw):  # wedged askew: let go, again
                    self._goto("approach")
                    return move(w, w.ee + np.array([0, 0, 0.02]), yaw, 1.0)
                if w.held(name):
                    self._goto("lift")
                    self.lift_z = grasp_z + LIFT
                elif w.width < 0.5 * width:  # closed on nothing: try again
                    self._goto("approach")
                    return move(w, w.ee + np.array([0, 0, 0.02]), yaw, 1.0)
            return move(w, np.array([p[0], p[1], grasp_z]), w.yaw, -1.0)
        return None

    def _lift(self, w: World, name: str, z: float,
              move: Mover | None = None) -> np.ndarray | None:
        """Phase ``lift``: rise holding ``name`` to ``z``; None once there.  A lost object
        sends the expert back to ``approach``."""
        move = move or _move
        if not w.held(name):
            self._goto("approach")
            return move(w, w.ee, w.yaw, 1.0)
        if z - w.ee[2] > POS_TOL:
            return move(w, np.array([w.ee[0], w.ee[1], z]), w.yaw, -1.0)
        return None


class PickExpert(_Expert):
    """pick(x) / unstack(x, y): grasp x and lift it."""

    def step(self, w: World) -> np.ndarray:
        if self.done:
            return _move(w, w.ee, w.yaw, -1.0)
        action = self._grasp(w, self.args[0])
        if action is None:
            self.done = True
            return _move(w, w.ee, w.yaw, -1.0)
        return action


class PlaceExpert(_Expert):
    """place(x) on a free table spot, or stack(x, y) on y: carry, lower, release, retreat."""

    def __init__(self, args: tuple[str, ...], onto: str | None = None) -> None:
        super().__init__(args)
        self.onto = onto
        self.spot: np.ndarray | None = None
        self.spot_yaw = 0.0

    def use_spot(self, xy: Any, obj_yaw: float) -> None:
        """Place on ``xy`` with the object at ``obj_yaw`` (a spot already chosen by the
        same rule, e.g. by the twin), unless it gets blocked."""
        self.spot, self.spot_yaw = np.asarray(xy, dtype=float), float(obj_yaw)

    def _free_spot(self, w: World, x: str) -> np.ndarray:
        """The point of :data:`SPOT_GRID` nearest x (first in grid order on ties) that is
        :data:`SPOT_CLEARANCE` from every other object, clear of the fixtures, and where
        the hand has room at one of its yaws."""
        grid = _SPOT_ARRAY
        others = np.array([w.pos(n)[:2] for n in w.objects if n != x]).reshape(-1, 2)
        ok = (np.linalg.norm(grid[:, None, :] - others[None, :, :], axis=-1)
              >= SPOT_CLEARANCE).all(axis=1) & fixtures_clear(w, grid)
        if ok.any():
            grasp_z = w.table_z + w.size(x)[2] / 2 + GRASP_OFFSET
            room = hand_margins(w, grid[ok], yaw_options(w.yaw), grasp_z, (x,)).max(axis=1)
            ok[ok] = room >= 0.0
        if not ok.any():
            raise SkillError(f"place {x}: no free spot on the table")
        dist = np.where(ok, np.linalg.norm(grid - w.pos(x)[:2], axis=1), np.inf)
        return grid[int(np.argmin(dist))].copy()

    def _target(self, w: World, x: str) -> tuple[np.ndarray, float, float]:
        """Target xy, the support's top z, and the target yaw of the held object."""
        if self.onto is not None:
            q = w.pos(self.onto)
            return q[:2], w.top(self.onto), w.yaw_of(self.onto)
        others = [w.pos(n)[:2] for n in w.objects if n != x]
        if self.spot is None or any(np.linalg.norm(self.spot - o) < SPOT_CLEARANCE - 0.01
                                    for o in others):
            self.spot = self._free_spot(w, x)
            self.spot_yaw = w.yaw_of(x)  # keep the object's yaw: a fixed target
        return self.spot, w.table_z, self.spot_yaw

    def release(self, w: World, x: str, offset: float) -> tuple[np.ndarray, float, float, float]:
        """Target xy, the support's top z, the grasp frame's release height (``offset``
        above x's centre) and the hand yaw (the object keeps its yaw mod pi/2)."""
        xy, support_z, obj_yaw = self._target(w, x)
        place_z = support_z + w.size(x)[2] / 2 + offset
        aligned = w.yaw + wrap(grasp_yaw(obj_yaw, w.yaw_of(x)) - w.yaw_of(x))
        yaw = best_yaw(w, xy, aligned, place_z, exclude=(x,) + ((self.onto,) if self.onto else ()),
                       prefer=getattr(self, "place_yaw_choice", None))
        return xy, support_z, place_z, yaw

    def step(self, w: World) -> np.ndarray:
        x = self.args[0]
        if self.done:
            return _move(w, w.ee, w.yaw, 1.0)
        if self.phase in ("start", "approach", "descend", "close", "lift"):
            if self.phase == "start" and w.held(x):
                self._goto("carry")
            else:
                action = self._grasp(w, x)
                if action is not None:
                    return action
                self._goto("carry")
        p, size = w.pos(x), w.size(x)
        offset = w.ee[2] - p[2]  # grasp target above the held object's centre
        xy, support_z, place_z, yaw = self.release(w, x, offset)
        self.place_yaw_choice = yaw
        if self.phase in ("carry", "lower") and not w.held(x):
            self._goto("approach")  # dropped: grasp it again
            return _move(w, w.ee + np.array([0, 0, 0.02]), w.yaw, 1.0)
        if self.phase == "carry":
            travel = w.max_top(exclude=(x,)) + size[2] + HOVER
            xy_err = float(np.linalg.norm(p[:2] - xy))
            if xy_err > XY_ALIGN_TOL or abs(wrap(yaw - w.yaw)) > YAW_TOL:
                if xy_err > 0.03 and w.ee[2] < travel - 0.02:
                    return _move(w, np.array([w.ee[0], w.ee[1], travel]), yaw, -1.0)
                target = w.ee[:2] + (xy - p[:2])
                return _move(w, np.array([target[0], target[1], max(travel, w.ee[2])
                                          if xy_err > 0.03 else w.ee[2]]), yaw, -1.0)
            self._goto("lower")
        if self.phase == "lower":
            bottom = p[2] - size[2] / 2
            touching = self.onto in w.objects[x]["contacts"] if self.onto else \
                "table" in w.objects[x]["contacts"]
            xy_err = float(np.linalg.norm(p[:2] - xy))
            target_xy = w.ee[:2] + (xy - p[:2])
            if xy_err > 2 * XY_ALIGN_TOL:  # swung off target: stop descending, re-align
                z = w.ee[2] + (0.01 if touching else 0.0)
                return _move(w, np.array([target_xy[0], target_xy[1], z]), yaw, -1.0)
            if bottom - support_z > PLACE_GAP and not touching:
                z = place_z
                return _move(w, np.array([target_xy[0], target_xy[1], z]), yaw, -1.0)
            self._goto("release")
        if self.phase == "release":
            self.counter += 1
            if self.counter >= RELEASE_STEPS and w.width >= min(OPEN_WIDTH, size[1] + 0.02):
                self._goto("retreat")
            else:
                return _move(w, w.ee, w.yaw, 1.0)
        if self.phase == "retreat":
            if w.ee[2] < w.top(x) + RETREAT:
                return _move(w, np.array([w.ee[0], w.ee[1], w.top(x) + RETREAT + 0.01]),
                             w.yaw, 1.0)
            self.done = True
        return _move(w, w.ee, w.yaw, 1.0)


EXPERTS = {
    "pick": lambda args: PickExpert(args),
    "unstack": lambda args: PickExpert(args),
    "place": lambda args: PlaceExpert(args),
    "stack": lambda args: PlaceExpert(args, onto=args[1]),
}


def hand_offset(w: World, x: str) -> float:
    """Height of the grasp frame above x's centre: as held now, else as it will be grasped."""
    return float(w.ee[2] - w.pos(x)[2]) if w.held(x) else GRASP_OFFSET


def expert_target(call: SkillCall, observation: Mapping[str, Any]) -> Target | None:
    """The grasp or release pose the expert for ``call`` would choose now (pick, unstack:
    the grasp; place: the free spot; stack: on top of the lower object), from an
    observation or its privileged part; None for skills without an expert here."""
    priv = observation.get(PRIVILEGED_KEY, observation)
    w, args = World(priv), tuple(call.args)
    if call.name in ("pick", "unstack"):
        return grasp_target(w, args[0])
    if call.name in ("place", "stack"):
        x = args[0]
        xy, _, z, yaw = EXPERTS[call.name](args).release(w, x, hand_offset(w, x))
        return Target((float(xy[0]), float(xy[1]), float(z)), float(yaw))
    return None


def __getattr__(name: str) -> Any:
    """``ScriptedPolicy`` moved to :mod:`vlaplan.skills.scripted_policy` (which imports this
    module, hence the lazy re-export); it stays importable from here."""
    if name == "ScriptedPolicy":
        from vlaplan.skills.scripted_policy import ScriptedPolicy
        return ScriptedPolicy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
