"""Scripted experts for fixtures: open and close a drawer, put an object in a drawer or
bin, take one out of a drawer.

Like the experts of :mod:`vlaplan.skills.scripted` they are closed-loop state machines
over ``observation.privileged`` and never import pybullet.  Fixture geometry comes from
``privileged["fixtures"][name]`` (see ``vlaplan.world_model.fixtures``): a drawer gives
its joint position, handle, pull direction, yaw and slots; a bin its centre, walls and
slots.  The drawer moves only because the gripper pulls or pushes its handle.

Inside a drawer the gripper keeps its yaw equal to the cabinet's (mod pi): the fingers
close across the drawer's width and the hand's thin side faces the carcass.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from vlaplan.planner.errors import SkillError
from vlaplan.skills.contract import MAX_ROTATION, MAX_TRANSLATION
from vlaplan.skills.scripted import (CLOSE_STEPS, GAIN, GRASP_OFFSET, HOVER, OPEN_WIDTH,
                                     POS_TOL, RELEASE_STEPS, XY_ALIGN_TOL, YAW_TOL, _Expert,
                                     _World, grasp_yaw)

HANDLE_HOVER = 0.07  # m above the handle before descending onto it
HANDLE_GRIP_MIN = 0.006  # m: narrower than this, the fingers closed on nothing
HANDLE_GRIP_SLACK = 0.012  # m above the bar's axis still good for a grip (the pads are 2 cm)
LOOSE_GRIPPER = -0.2  # gripper command that frees the 14 mm bar (fingers 32 mm apart)
LOOSE_WIDTH = 0.026  # m: the fingers have let go of the bar
HANDLE_LOST = 0.03  # m between grasp target and handle: the grip slipped off
PULL_STEP = 0.6  # fraction of the maximal translation per step while pulling/pushing
CLOSE_TARGET = 0.004  # m: the close skill pushes until the joint is this near 0
STALL_STEPS = 12  # steps without progress that end a push or a lowering
HANDLE_RETREAT = 0.08  # m above the handle after letting go
SLOT_FREE = 0.055  # m between a slot and any other object's centre
DRAWER_DROP = 0.012  # m: release with the object's bottom this high over the drawer floor
BIN_DROP = 0.008  # m: ... over a bin's wall top (or over the highest object in it)
FIXTURE_HOVER = 0.05  # m over the tallest fixture when travelling
APPROACH_SLACK = 0.011  # m: close enough above a target once the approach stalls
PLACE_GAP_IN = 0.004  # m: stop lowering this close to the release height


def _move(w: _World, target: np.ndarray, yaw: float, gripper: float) -> np.ndarray:
    """One action towards ``target`` and ``yaw``.  Unlike a wrapped angle difference, the
    yaw turns the direct way: the commanded yaw is limited to about +-0.75 pi, so the
    short way across +-pi is not available."""
    d = np.clip(GAIN * (np.asarray(target, dtype=float) - w.ee) / MAX_TRANSLATION, -1.0, 1.0)
    dyaw = float(np.clip(GAIN * (yaw - w.yaw) / MAX_ROTATION, -1.0, 1.0))
    return np.array([d[0], d[1], d[2], dyaw, gripper], dtype=np.float32)


def _yaw_err(yaw: float, w: _World) -> float:
    return abs(yaw - w.yaw)


def _fixtures(w: _World) -> Mapping[str, Any]:
    fixtures = getattr(w, "fixtures", None)
    if fixtures is None:
        raise SkillError("fixture experts need observation.privileged['fixtures']")
    return fixtures


def _fixture_top(info: Mapping[str, Any]) -> float:
    return float(info.get("top_z", info.get("wall_top_z", 0.0)))


def travel_height(w: _World, exclude: tuple[str, ...] = (), extra: float = 0.0) -> float:
    """A height to travel at: above every object and fixture."""
    tops = [w.max_top(exclude=exclude) + HOVER]
    tops += [_fixture_top(f) + FIXTURE_HOVER for f in _fixtures(w).values()]
    return max(tops) + extra


def _near_yaw(target: float, current: float, period: float = math.pi) -> float:
    """The angle equivalent to ``target`` modulo ``period`` nearest ``current``."""
    return target + period * round((current - target) / period)


def _step(w: _World, target: np.ndarray, yaw: float, gripper: float, travel: float,
          xy_tol: float = 0.03) -> np.ndarray:
    """Move to ``target``: rise to ``travel`` first when the xy distance is large."""
    far = float(np.linalg.norm(w.ee[:2] - target[:2])) > xy_tol
    if far and w.ee[2] < travel - 0.02:  # rise straight up first, without turning
        return _move(w, np.array([w.ee[0], w.ee[1], travel]), w.yaw, gripper)
    if far:
        return _move(w, np.array([target[0], target[1], max(travel, target[2])]), yaw, gripper)
    return _move(w, target, yaw, gripper)


class _SettleMixin:
    """Counts steps without getting closer, so an approach the arm cannot finish exactly
    (IK near the wrist's limits) still moves on once it is close enough."""

    closest = math.inf
    idle = 0

    def _settled(self, w: _World, xy_err: float) -> bool:
        if xy_err < self.closest - 0.0005:
            self.closest, self.idle = xy_err, 0
        else:
            self.idle += 1
        return xy_err < APPROACH_SLACK and self.idle >= STALL_STEPS


class DrawerExpert(_SettleMixin, _Expert):
    """open(d) / close(d): grasp the handle bar, pull or push it, let go, rise."""

    def __init__(self, args: tuple[str, ...], opening: bool) -> None:
        super().__init__(args)
        self.opening = opening
        self.best = math.inf
        self.stalled = 0

    def _finished(self, q: float, d: Mapping[str, Any]) -> bool:
        if self.opening:
            return q >= float(d.get("open_target", 0.19))
        return q <= CLOSE_TARGET

    def step(self, w: _World) -> np.ndarray:
        d = _fixtures(w)[self.args[0]]
        h = np.asarray(d["handle"], dtype=float)
        q = float(d["joint"])
        # Fingers across the bar; of the two such yaws, the one the wrist reaches on that
        # side of the robot (measured: +pi/2 for handles at y > 0, -pi/2 at y < 0).
        yaw = _near_yaw(float(d["yaw"]) + math.pi / 2, math.copysign(math.pi / 2, h[1]))
        if self.done:
            return _move(w, w.ee, w.yaw, 1.0)
        if self.phase == "start":
            self._goto("retreat" if self._finished(q, d) else "approach")
        if self.phase == "approach":
            above = h + np.array([0.0, 0.0, HANDLE_HOVER])
            xy_err = float(np.linalg.norm(w.ee[:2] - h[:2]))
            if (xy_err > XY_ALIGN_TOL or _yaw_err(yaw, w) > YAW_TOL) and not self._settled(
                    w, xy_err):
                return _step(w, above, yaw, 1.0, travel_height(w))
            self._goto("descend")
            self.best, self.stalled = math.inf, 0
        if self.phase == "descend":
            if w.ee[2] < self.best - 0.001:
                self.best, self.stalled = w.ee[2], 0
            else:
                self.stalled += 1
            # Grip once at the bar, or once the arm stops short of it but within reach.
            low = w.ee[2] - h[2] <= POS_TOL or (
                self.stalled >= STALL_STEPS // 2 and w.ee[2] - h[2] < HANDLE_GRIP_SLACK)
            if float(np.linalg.norm(w.ee[:2] - h[:2])) > 2 * XY_ALIGN_TOL:
                self._goto("approach")
            elif not low:
                return _move(w, h, yaw, 1.0)
            else:
                self._goto("grip")
        if self.phase == "grip":
            self.counter += 1
            if self.counter < CLOSE_STEPS:
                return _move(w, h, w.yaw, -1.0)
            if w.width < HANDLE_GRIP_MIN:  # closed beside the bar: open and try again
                self._goto("approach")
                return _move(w, w.ee + np.array([0, 0, 0.02]), w.yaw, 1.0)
            self._goto("pull")
            self.best, self.stalled = q, 0
        if self.phase == "pull":
            if float(np.linalg.norm(w.ee - h)) > HANDLE_LOST:
                self._goto("approach")
                return _move(w, w.ee + np.array([0, 0, 0.02]), w.yaw, 1.0)
            progress = (q > self.best + 1e-4) if self.opening else (q < self.best - 1e-4)
            self.best = max(self.best, q) if self.opening else min(self.best, q)
            self.stalled = 0 if progress else self.stalled + 1
            near_stop = not self.opening and q <= 2 * CLOSE_TARGET
            if not (self._finished(q, d) or (near_stop and self.stalled >= STALL_STEPS)):
                direction = np.asarray(d["open_dir"], dtype=float) * (1 if self.opening else -1)
                target = h + direction * PULL_STEP * MAX_TRANSLATION / 0.8
                return _move(w, target, yaw, -1.0)
            self._goto("release")
        # Let go of the bar only loosely, rise clear of it, then open fully: the hand never
        # looks "done" (wide open) while its fingers still straddle the handle.
        if self.phase == "release":
            self.counter += 1
            if self.counter < RELEASE_STEPS or w.width < LOOSE_WIDTH:
                return _move(w, w.ee, w.yaw, LOOSE_GRIPPER)
            self._goto("retreat")
        if self.phase == "retreat":
            z = max(h[2] + HANDLE_RETREAT, w.ee[2])
            if z - w.ee[2] > POS_TOL:
                return _move(w, np.array([w.ee[0], w.ee[1], z]), w.yaw, LOOSE_GRIPPER)
            self._goto("open_hand")
        if self.phase == "open_hand":
            if w.width < 0.9 * OPEN_WIDTH:
                return _move(w, w.ee, w.yaw, 1.0)
            self.done = True
        return _move(w, w.ee, w.yaw, 1.0)


def _free_slot(w: _World, x: str, info: Mapping[str, Any]) -> np.ndarray:
    """The first reachable slot of a container with no other object near it."""
    slots = [np.asarray(s, dtype=float) for s in info["slots"]]
    others = [w.pos(n) for n in w.objects if n != x]

    def clearance(s: np.ndarray) -> float:
        return min((float(np.linalg.norm(o[:2] - s[:2])) for o in others), default=math.inf)

    reachable = [s for s in slots if s[3] > 0.5] or slots
    for s in reachable:
        if clearance(s) >= SLOT_FREE:
            return s
    return max(reachable, key=clearance)


free_slot = _free_slot  # public names for the twin (world_model/expert_targets.py)
near_yaw = _near_yaw


class PutInExpert(_Expert):
    """put-in(x, c): carry x over a free slot of drawer or bin c, lower, release, rise.

    Into a drawer the object is lowered to just above the drawer floor; into a closed
    drawer it meets the carcass, so the expert lets go where it is stopped (and fails).
    """

    def __init__(self, args: tuple[str, ...]) -> None:
        super().__init__(args)
        self.slot: np.ndarray | None = None
        self.best_z = math.inf
        self.stalled = 0

    def _release_bottom(self, w: _World, x: str, info: Mapping[str, Any]) -> float:
        if info.get("kind") == "drawer":
            return float(info["floor_z"]) + DRAWER_DROP
        s = self.slot
        piles = [w.top(n) for n in w.objects if n != x
                 and float(np.linalg.norm(w.pos(n)[:2] - s[:2])) < SLOT_FREE]
        return max([float(info["wall_top_z"])] + piles) + BIN_DROP

    release_bottom = _release_bottom  # public name for the twin

    def step(self, w: _World) -> np.ndarray:
        x, c = self.args[0], self.args[1]
        info = _fixtures(w)[c]
        if self.done:
            return _move(w, w.ee, w.yaw, 1.0)
        if self.phase in ("start", "approach", "descend", "close", "lift"):
            if not (self.phase == "start" and w.held(x)):
                action = self._grasp(w, x)
                if action is not None:
                    return action
            self._goto("carry")
        p, size = w.pos(x), w.size(x)
        if self.phase == "carry" and not w.held(x):
            self._goto("approach")  # dropped on the way: grasp it again
            return _move(w, w.ee + np.array([0, 0, 0.02]), w.yaw, 1.0)
        if self.phase == "lower" and not w.held(x):
            self._goto("release")  # out of the hand over the container: let it be
        drawer = info.get("kind") == "drawer"
        yaw = _near_yaw(float(info["yaw"]), 0.0) if drawer else w.yaw
        offset = w.ee[2] - p[2]
        if self.phase == "carry":
            if self.slot is None or any(
                    float(np.linalg.norm(w.pos(n)[:2] - self.slot[:2])) < SLOT_FREE
                    for n in w.objects if n != x):
                self.slot = _free_slot(w, x, info)
            travel = travel_height(w, exclude=(x,), extra=size[2])
            xy_err = float(np.linalg.norm(p[:2] - self.slot[:2]))
            if xy_err > XY_ALIGN_TOL or _yaw_err(yaw, w) > YAW_TOL:
                target = w.ee[:2] + (self.slot[:2] - p[:2])
                z = max(travel, w.ee[2]) if xy_err > 0.03 else w.ee[2]
                if xy_err > 0.03 and w.ee[2] < travel - 0.02:
                    return _move(w, np.array([w.ee[0], w.ee[1], travel]), yaw, -1.0)
                return _move(w, np.array([target[0], target[1], z]), yaw, -1.0)
            self._goto("lower")
            self.best_z, self.stalled = w.ee[2], 0
        if self.phase == "lower":
            bottom = p[2] - size[2] / 2
            goal = self._release_bottom(w, x, info)
            if w.ee[2] < self.best_z - 0.001:
                self.best_z, self.stalled = w.ee[2], 0
            else:
                self.stalled += 1
            if bottom - goal > PLACE_GAP_IN and self.stalled < STALL_STEPS:
                target_xy = w.ee[:2] + (self.slot[:2] - p[:2])
                return _move(w, np.array([target_xy[0], target_xy[1],
                                          goal + size[2] / 2 + offset]), yaw, -1.0)
            self._goto("release")
        if self.phase == "release":  # ease off upwards so pressed fingertips can open
            self.counter += 1
            if self.counter < RELEASE_STEPS or w.width < min(OPEN_WIDTH, size[1] + 0.02):
                return _move(w, w.ee + np.array([0.0, 0.0, 0.004]), w.yaw, 1.0)
            self._goto("retreat")
        if self.phase == "retreat":
            z = max(w.top(x) + HOVER, _fixture_top(info) + 0.02)
            if z - w.ee[2] > POS_TOL:
                return _move(w, np.array([w.ee[0], w.ee[1], z]), w.yaw, 1.0)
            self.done = True
        return _move(w, w.ee, w.yaw, 1.0)


class TakeOutExpert(_SettleMixin, _Expert):
    """take-out(x, d): grasp x in the open drawer with the cabinet's yaw, lift it clear."""

    def step(self, w: _World) -> np.ndarray:
        x, d = self.args[0], self.args[1]
        info = _fixtures(w)[d]
        if self.done:
            return _move(w, w.ee, w.yaw, -1.0)
        p, size = w.pos(x), w.size(x)
        cab = _near_yaw(float(info["yaw"]), 0.0)
        shape = w.objects[x].get("shape", "cube")
        yaw = cab if shape == "cylinder" else grasp_yaw(w.yaw_of(x), cab)
        grasp_z = p[2] + GRASP_OFFSET
        clear_z = float(info["top_z"]) + size[2] + 0.03
        if self.phase in ("start", "approach"):
            self.phase = "approach"
            xy_err = float(np.linalg.norm(w.ee[:2] - p[:2]))
            if (xy_err > XY_ALIGN_TOL or _yaw_err(yaw, w) > YAW_TOL) and not self._settled(
                    w, xy_err):
                travel = travel_height(w)
                near_z = max(w.ee[2], min(travel, p[2] + HOVER))
                return _step(w, np.array([p[0], p[1], near_z]), yaw, 1.0, travel)
            self._goto("descend")
        action = self._descend_and_close(w, x, p, grasp_z, yaw, size[1], move=_move)
        if action is not None:
            return action
        if self.phase == "lift":
            action = self._lift(w, x, clear_z, move=_move)
            if action is not None:
                return action
            self.done = True
        return _move(w, w.ee, w.yaw, -1.0)


FIXTURE_EXPERTS: dict[str, Any] = {
    "open": lambda args: DrawerExpert(args, opening=True),
    "close": lambda args: DrawerExpert(args, opening=False),
    "put-in": lambda args: PutInExpert(args),
    "take-out": lambda args: TakeOutExpert(args),
}
