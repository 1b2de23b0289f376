"""The ready-pose motion between skills: where it goes, what it keeps, and the executor's use."""
from __future__ import annotations

import math

import numpy as np
import pytest

from vlaplan.domains import get_domain
from vlaplan.planner.errors import WorldModelError
from vlaplan.world_model.predicates import held
from vlaplan.world_model.ready_pose import (POS_TOL, YAW_TOL, move_to_ready, ready_action,
                                            ready_target)
from vlaplan.world_model.robot import SimRobot


def _state(x: float, y: float, z: float, yaw: float) -> np.ndarray:
    return np.array([x, y, z, yaw, 0.08] + [0.0] * 7, dtype=np.float32)


def test_action_is_none_at_the_target_and_points_towards_it_elsewhere() -> None:
    target = np.array([0.45, 0.0, 0.65])
    assert ready_action(_state(0.45, 0.0, 0.65, 0.0), target, 0.0, 1.0) is None
    act = ready_action(_state(0.55, -0.1, 0.645, 0.3), target, 0.0, 1.0)
    assert act is not None and act.shape == (5,) and np.all(np.abs(act) <= 1.0)
    assert act[0] < 0 and act[1] > 0 and act[3] < 0 and act[4] == 1.0


def test_a_low_hand_rises_before_it_travels_sideways() -> None:
    target = np.array([0.45, 0.0, 0.65])
    act = ready_action(_state(0.60, 0.2, 0.50, 0.0), target, 0.0, -1.0)
    assert act[2] > 0 and act[0] == 0 and act[1] == 0 and act[4] == -1.0


def test_yaw_error_takes_the_short_way_round() -> None:
    target = np.array([0.45, 0.0, 0.65])
    act = ready_action(_state(0.45, 0.0, 0.65, math.pi - 0.1), target, -math.pi + 0.1, 1.0)
    assert act[3] > 0  # +0.2 rad, not -6.08


def test_target_needs_a_scene_with_a_robot_and_a_table() -> None:
    with pytest.raises(WorldModelError):
        ready_target(object())


def test_the_plant_reaches_the_ready_pose_and_keeps_a_held_block() -> None:
    domain = get_domain("tabletop")
    scene = domain.generate_scene(3, holding=True)
    robot = SimRobot(scene.spec, render=False)
    try:
        for _ in range(12):  # carry the held block away: right, down, turned
            robot.apply(np.array([0.8, -0.8, -0.6, 0.5, -1.0], dtype=np.float32))
        target, yaw = ready_target(robot.scene)
        start = robot.observe()["observation.state"]
        assert np.linalg.norm(start[:3] - target) > 0.1
        seen: list[int] = []
        steps, obs = move_to_ready(robot, target, yaw, holding=True,
                                   on_frame=lambda o, a, s: seen.append(s))
        state = obs["observation.state"]
        assert 0 < steps < 60 and seen == list(range(steps))
        assert np.linalg.norm(state[:3] - target) < POS_TOL
        assert abs(state[3] - yaw) < YAW_TOL
        name = scene.spec.robot.holding
        assert held(obs["observation.privileged"]["objects"][name])
    finally:
        robot.close()


def _block(z: float, held_by_hand: bool = False) -> dict:
    return {"pos": [0.5, 0.1, z], "quat": [0, 0, 0, 1], "size": [0.04, 0.04, 0.04],
            "contacts": ["left_finger", "right_finger"] if held_by_hand else ["table"]}


def test_the_ready_height_clears_the_tallest_tower_and_what_the_hand_holds() -> None:
    scene = get_domain("tabletop").generate_scene(0).spec
    home, _ = ready_target(scene)
    low = {"objects": {"a": _block(0.02)}, "ee": {"pos": [0.45, 0.0, 0.3]}}
    assert np.allclose(ready_target(scene, low)[0], home)  # nothing near the home height
    tower = {f"b{i}": _block(0.02 + 0.04 * i) for i in range(7)}  # top at 0.28 m
    pos, _ = ready_target(scene, {"objects": tower, "ee": {"pos": [0.45, 0.0, 0.3]}})
    assert pos[2] == pytest.approx(0.28 + 0.03 + 0.02)  # fingertips clear it
    carried = dict(tower, c=_block(0.27, held_by_hand=True))  # its bottom 0.03 m below the hand
    pos, _ = ready_target(scene, {"objects": carried, "ee": {"pos": [0.45, 0.0, 0.28]}})
    assert pos[2] == pytest.approx(0.28 + 0.03 + 0.03)
