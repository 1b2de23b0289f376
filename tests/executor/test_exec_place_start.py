"""A set-down on the table starts over the most open table near the ready pose
(``Executor(spread_places=...)``, ``vlaplan.world_model.place_start``)."""
from __future__ import annotations

import numpy as np
import pytest

from executor_scenes import cube, robot_for
from vlaplan.executor import Executor
from vlaplan.skills.contract import PRIVILEGED_KEY
from vlaplan.world_model.predicates import FINGERS
from vlaplan.world_model.place_start import ENOUGH, REACH, open_start, sets_down

HOME = np.array([0.45, 0.0])


def _obj(x: float, y: float, held: bool = False) -> dict:
    rec = {"pos": [x, y, 0.02], "size": [0.04, 0.04, 0.04], "quat": [0, 0, 0, 1]}
    if held:
        rec["contacts"] = list(FINGERS)
    return rec


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
    class A:
        def __init__(self, *preds):
            self.add = [type("Atom", (), {"predicate": p})() for p in preds]
    assert sets_down(A("on-table", "clear", "hand-empty"), {"on-table"})
    assert not sets_down(A("on", "hand-empty"), {"on-table"})


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
    ex = Executor("tabletop", "scripted", robot=robot, ready_pose=True, spread_places=spread)
    r = ex.run("put the red block on the table", seed=0)
    assert r.success, r.reason
    assert [s.call for s in r.steps] == ["(place red_1)"]
    objects = robot.observe(render=False)[PRIVILEGED_KEY]["objects"]
    room = _room(objects["red_1"]["pos"][:2], [o for n, o in objects.items() if n != "red_1"])
    if spread:
        assert room >= 0.13
    else:
        assert room < 0.11
