"""A box tucked against the drawer cabinet at 45 degrees (where a displace fault can leave
it): every hand yaw on the box's faces would hit the cabinet, so the scripted expert grasps
off the faces (the closing fingers square the box up) and the twin checks that pose.
Without that choice the twin refuses the pick (COLLISION) and the task cannot be done."""
from __future__ import annotations

import pytest

from vlaplan.executor import Executor
from vlaplan.skills import hand_clearance, scripted
from vlaplan.world_model.fixtures import drawer_fixture
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.scene import ObjectSpec, RobotSpec, SceneSpec, TableSpec

INSTRUCTION = "put the blue box in the drawer"


def _robot() -> SimRobot:
    box = ObjectSpec.model_construct(name="blue_box_1", shape="box", colour="blue",
                                     size=(0.06, 0.04, 0.025), mass=0.05,
                                     pos=(0.437, 0.465, 0.0125), yaw=0.77)
    scene = SceneSpec.model_construct(
        robot=RobotSpec(), table=TableSpec(), objects=[box],
        fixtures=[drawer_fixture("drawer", (0.675, 0.245), 0.05, opening=0.15)])
    return SimRobot(scene, render=False)


def test_box_against_the_cabinet_is_picked_off_its_faces_and_put_away() -> None:
    result = Executor("kitchen", "scripted", robot=_robot()).run(INSTRUCTION, seed=0)
    assert result.success, result.reason
    pick = next(s for s in result.steps if s.call == "(pick blue_box_1)")
    assert pick.checks and pick.checks[0].ok and pick.outcome.value == "succeeded"
    assert "(in blue_box_1 drawer)" in result.final_atoms


def test_face_aligned_grasp_would_hit_the_cabinet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scripted, "squaring_yaw", lambda w, n, xy, z, aligned, prefer=None: aligned)
    result = Executor("kitchen", "scripted", robot=_robot()).run(INSTRUCTION, seed=0)
    assert not result.success
    refused = [c for s in result.steps for c in s.checks if not c.ok]
    assert refused and refused[0].reason == "COLLISION" and "drawer" in refused[0].detail


def test_squaring_yaw_keeps_the_face_yaw_when_the_hand_clears() -> None:
    w = scripted.World({"objects": {"b": {"pos": [0.45, 0.0, 0.0125], "quat": [0, 0, 0.38, 0.92],
                                          "size": [0.06, 0.04, 0.025], "shape": "box"}},
                        "ee": {"pos": [0.45, 0.0, 0.3], "yaw": 0.0, "gripper_width": 0.08},
                        "fixtures": {}})
    aligned = scripted.grasp_target(w, "b").yaw
    assert hand_clearance.squaring_yaw(w, "b", w.pos("b")[:2], 0.02, aligned) == aligned
