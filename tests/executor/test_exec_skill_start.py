"""Where a learned skill starts (``vlaplan.world_model.skill_start``): over the object it
acts on (``Executor(approach=...)``), or for a set-down on the table over the most open table
near the ready pose (``Executor(spread_places=...)``)."""
from __future__ import annotations

import numpy as np
import pytest

from executor_scenes import cube, robot_for
from vlaplan.executor import Executor
from vlaplan.skills.contract import PRIVILEGED_KEY
from vlaplan.world_model.predicates import FINGERS
from vlaplan.skills.scripted_policy import ScriptedPolicy
from vlaplan.world_model.skill_start import (ENOUGH, REACH, approach_object, open_start, sets_down,
                                            skill_start)

HOME = np.array([0.45, 0.0])


def _obj(x: float, y: float, held: bool = False) -> dict:
    rec = {"pos": [x, y, 0.02], "size": [0.04, 0.04, 0.04], "quat": [0, 0, 0, 1]}
    if held:
        rec["contacts"] = list(FINGERS)
    return rec


class _Act:
    """A ground action as the executor hands it over: name, args, add atoms."""

    def __init__(self, name, *args, add=()):
        self.name, self.args = name, args
        self.add = [type("Atom", (), {"predicate": p})() for p in add]


def _room(xy, objects) -> float:
    return min(float(np.linalg.norm(np.asarray(xy) - np.asarray(o["pos"][:2]))) for o in objects)


def test_the_start_is_the_roomiest_point_within_reach():
    crowd = {f"b{i}": _obj(0.45 + 0.06 * np.cos(a), 0.06 * np.sin(a))
             for i, a in enumerate(np.linspace(0, 2 * np.pi, 6, endpoint=False))}
    crowd["far"] = _obj(0.62, -0.10)
    xy = open_start({"objects": crowd, "ee": {"pos": [0.45, 0, 0.3], "yaw": 0.0,
                                              "gripper_width": 0.08}}, HOME)
    assert np.all(np.abs(xy - HOME) <= REACH + 1e-9)
    assert _room(xy, crowd.values()) >= 0.10            # the ring leaves 6 cm at the ready pose
    assert _room(xy, crowd.values()) > _room(HOME, crowd.values()) + 0.04


def test_plenty_of_room_keeps_the_start_near_the_ready_pose():
    lone = {"b": _obj(0.2, 0.3)}                       # farther than ENOUGH from every point
    xy = open_start({"objects": lone}, HOME)
    assert _room(xy, lone.values()) >= ENOUGH
    assert np.linalg.norm(xy - HOME) < 0.03            # the grid point nearest the ready pose


def test_the_held_object_and_an_empty_table_do_not_move_the_start():
    assert np.allclose(open_start({"objects": {}}, HOME), HOME)
    only_held = {"red": _obj(0.45, 0.0, held=True)}
    assert np.allclose(open_start({"objects": only_held}, HOME), HOME)


def test_fixtures_are_kept_clear_of():
    cabinet = {"drawer": {"pos": [0.57, 0.1, 0.1], "size": [0.2, 0.2, 0.2], "yaw": 0.0}}
    crowd = {"b": _obj(0.40, -0.08)}
    priv = {"objects": crowd, "fixtures": cabinet,
            "ee": {"pos": [0.45, 0, 0.3], "yaw": 0.0, "gripper_width": 0.08}}
    xy = open_start(priv, HOME)
    assert not (abs(xy[0] - 0.57) < 0.1 and abs(xy[1] - 0.1) < 0.1)
    assert _room(xy, crowd.values()) > 0.1


def test_only_actions_that_put_something_on_the_table_count():
    assert sets_down(_Act("place", "red", add=("on-table", "clear", "hand-empty")), {"on-table"})
    assert not sets_down(_Act("stack", "red", "green", add=("on", "hand-empty")), {"on-table"})


def _ringed_robot():
    """red_1 held at the ready pose; three blocks 9.5 cm around it: the expert's nearest free
    spot (9 cm from everything) is right below the hand, the open table out along +x."""
    ring = [cube(n, n.split("_")[0], 0.45 + dx, dy) for n, (dx, dy) in
            {"blue_1": (-0.095, 0.0), "yellow_1": (0.0, 0.095), "orange_1": (0.0, -0.095)}.items()]
    return robot_for(cube("red_1", "red", 0.45, 0.0, z=0.2), *ring, holding="red_1")


@pytest.mark.parametrize("spread", [False, True])
def test_a_set_down_lands_in_the_open_with_the_spread(spread):
    """The scripted expert sets an object down at the free spot nearest where it starts,
    as the learned policies were trained to: started from the ready pose, red_1 lands inside
    the ring; started over the open table, it lands there."""
    robot = _ringed_robot()
    ex = Executor("tabletop", "scripted", robot=robot, ready_pose=True, spread_places=spread,
                  approach=True)
    r = ex.run("put the red block on the table", seed=0)
    assert r.success, r.reason
    assert [s.call for s in r.steps] == ["(place red_1)"]
    objects = robot.observe(render=False)[PRIVILEGED_KEY]["objects"]
    room = _room(objects["red_1"]["pos"][:2], [o for n, o in objects.items() if n != "red_1"])
    if spread:
        assert room >= 0.13
    else:
        assert room < 0.11


def test_the_approach_object_is_the_first_movable_argument_not_in_the_hand():
    objects = {"red": _obj(0.5, 0.1, held=True), "green": _obj(0.4, -0.1), "drawer": _obj(0.6, 0)}
    movable = {"red", "green"}
    assert approach_object(_Act("pick", "green"), objects, movable) == "green"
    assert approach_object(_Act("stack", "red", "green"), objects, movable) == "green"
    assert approach_object(_Act("put-in", "red", "drawer"), objects, movable) is None
    assert approach_object(_Act("open", "drawer"), objects, movable) is None
    assert approach_object(_Act("place", "red"), objects, movable) is None


def test_the_start_is_over_the_object_as_near_as_the_reach_allows():
    objects = {"near": _obj(0.50, 0.08), "far": _obj(0.70, -0.30), "red": _obj(0.45, 0, held=True)}
    kw = dict(movable={"near", "far", "red"}, on_table={"on-table"}, spread=True)
    assert np.allclose(skill_start(_Act("pick", "near"), {"objects": objects}, HOME, approach=True,
                                   **kw), [0.50, 0.08])
    assert np.allclose(skill_start(_Act("pick", "far"), {"objects": objects}, HOME, approach=True,
                                   **kw), HOME + [REACH, -REACH])
    assert np.allclose(skill_start(_Act("pick", "near"), {"objects": objects}, HOME,
                                   approach=False, **kw), HOME)
    place = _Act("place", "red", add=("on-table", "hand-empty"))
    spread = skill_start(place, {"objects": objects}, HOME, approach=True, **kw)
    assert np.allclose(spread, open_start({"objects": objects}, HOME))
    assert not np.allclose(spread, HOME)


class _StartRecorder(ScriptedPolicy):
    """The scripted expert, noting where the hand is when each skill's first action is asked."""

    def __init__(self):
        super().__init__()
        self.starts, self._fresh = [], False

    def reset(self, call=None, seed=None):
        super().reset(call=call, seed=seed)
        self._fresh = True

    def select_action(self, observation, prompt):
        if self._fresh:
            self.starts.append(np.asarray(observation[PRIVILEGED_KEY]["ee"]["pos"][:2], dtype=float))
            self._fresh = False
        return super().select_action(observation, prompt)


@pytest.mark.parametrize("approach", [False, True])
def test_a_learned_skill_starts_over_its_object_with_the_approach(approach):
    """Through the executor's ready-pose move (a learned policy's default): the pick of a
    block 8 cm off the ready position starts over it with the approach, at the ready
    position without."""
    robot = robot_for(cube("red_1", "red", 0.50, 0.08), cube("green_1", "green", 0.38, -0.10))
    policy = _StartRecorder()
    r = Executor("tabletop", policy, robot=robot, render=False, ready_pose=True,
                 approach=approach).run("pick up the red block", seed=0)
    assert r.success, r.reason
    assert [s.call for s in r.steps] == ["(pick red_1)"]
    expected = [0.50, 0.08] if approach else HOME
    assert np.linalg.norm(policy.starts[0] - expected) < 0.015
