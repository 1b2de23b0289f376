"""Bringing the arm back to its ready pose between skills.

Skill policies are trained on calls that start with the hand near the scene's home pose
(``SceneSpec.robot.home``, jittered by ``collect``'s ``home_jitter``).  Inside a long task a
skill would otherwise start wherever the previous one stopped: an unstack ends with the
block held a few centimetres above the tower, and a learned ``place`` started there lowers
it straight back onto the tower (session 6's trace).  :func:`move_to_ready` is the fixed
motion most manipulation stacks run between primitives: rise vertically, then travel to
the home pose, keeping the gripper as it is (closed on a held object, open otherwise).

It drives the robot only through the ``Robot`` protocol (``observe``/``apply`` with
normalised actions), reads the hand from ``observation.state`` (x, y, z, yaw, gripper
width, joints) and stops within :data:`POS_TOL` / :data:`YAW_TOL` or after ``max_steps``.
Given the observed objects, the ready height is raised where needed so that the hand and
what it holds pass :data:`CLEARANCE` over the tallest tower (a tower of six reaches above
the home height).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from vlaplan.planner.errors import WorldModelError
from vlaplan.skills.contract import ACTION_DIM, MAX_ROTATION, MAX_TRANSLATION, STATE_KEY
from vlaplan.skills.hand_clearance import wrap
from vlaplan.world_model.predicates import bottom, held, top

POS_TOL = 0.01  # m from the ready position counted as there
YAW_TOL = 0.05  # rad
RISE_FIRST = 0.01  # m: below ready height by more than this, rise before travelling sideways
CLEARANCE = 0.03  # m between the lowest point of the hand (or held object) and any top
FINGERTIP_DROP = 0.02  # m the fingertips reach below the grasp point
MAX_STEPS = 60  # control steps at most (the farthest start takes about 30)


def ready_target(scene: Any, priv: Mapping[str, Any] | None = None) -> tuple[np.ndarray, float]:
    """The ready pose of a scene's robot: the home grasp-target position (world frame,
    above the table top) and yaw.  With ``priv`` (the observation's privileged part:
    objects and the hand), the height is raised until the fingertips, or the bottom of a
    held object, clear every other object by :data:`CLEARANCE`."""
    robot = getattr(scene, "robot", None)
    table = getattr(scene, "table", None)
    if robot is None or table is None:
        raise WorldModelError("the ready pose needs a scene with `robot.home` and `table.height`")
    hx, hy, hz = robot.home
    pos = np.array([hx, hy, hz + table.height], dtype=float)
    objects = (priv or {}).get("objects", {})
    in_hand = [o for o in objects.values() if held(o)]
    tops = [top(o) for o in objects.values() if not held(o)]
    if tops:
        drop = FINGERTIP_DROP
        if in_hand and "ee" in priv:
            drop = max(drop, float(priv["ee"]["pos"][2]) - min(bottom(o) for o in in_hand))
        pos[2] = max(pos[2], max(tops) + CLEARANCE + drop)
    return pos, float(robot.home_yaw)


def ready_action(state: np.ndarray, target: np.ndarray, yaw: float, gripper: float) -> np.ndarray | None:
    """The next normalised action towards (``target``, ``yaw``), or None when there."""
    pos, cur_yaw = np.asarray(state[:3], dtype=float), float(state[3])
    err = target - pos
    dyaw = wrap(yaw - cur_yaw)
    if np.linalg.norm(err) < POS_TOL and abs(dyaw) < YAW_TOL:
        return None
    move = err / MAX_TRANSLATION
    if err[2] > RISE_FIRST:
        move[:2] = 0.0  # clear what is under the hand first
    action = np.zeros(ACTION_DIM, dtype=np.float32)
    action[:3] = np.clip(move, -1.0, 1.0)
    action[3] = np.clip(dyaw / MAX_ROTATION, -1.0, 1.0)
    action[4] = gripper
    return action


def move_to_ready(robot: Any, target: np.ndarray, yaw: float, holding: bool,
                  max_steps: int = MAX_STEPS,
                  on_frame: Callable[[Mapping[str, Any], np.ndarray, int], None] | None = None
                  ) -> tuple[int, Mapping[str, Any]]:
    """Move the hand to (``target``, ``yaw``); returns (control steps, last observation).

    The gripper stays closed when ``holding`` (the held object comes along), open
    otherwise.  ``on_frame(observation, action, step)`` sees every executed step."""
    gripper = -1.0 if holding else 1.0
    obs = robot.observe()
    for step in range(max_steps):
        action = ready_action(np.asarray(obs[STATE_KEY]), target, yaw, gripper)
        if action is None:
            return step, obs
        if on_frame is not None:
            on_frame(obs, action, step)
        robot.apply(action)
        obs = robot.observe()
    return max_steps, obs
