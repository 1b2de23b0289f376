"""The plant's ``holding`` and the twin's look-ahead agree on a box wider than the hand."""
from __future__ import annotations

import pytest

from vlaplan.domains.tabletop import DOMAIN
from vlaplan.skills.contract import PRIVILEGED_KEY
from vlaplan.skills.scripted import ScriptedPolicy
from vlaplan.world_model import predicates as P
from vlaplan.world_model.checks import ReasonCode
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.rollout import run_skill
from vlaplan.world_model.scene import ObjectSpec, SceneSpec
from vlaplan.world_model.twin import PhysicsTwin


def scene(width: float) -> SceneSpec:
    return SceneSpec(objects=[
        ObjectSpec(name="red_1", colour="red", pos=(0.5, 0.0, 0.02)),
        ObjectSpec(name="blue_1", colour="blue", shape="box", size=(width, width, 0.03),
                   pos=(0.5, 0.2, 0.015))])


@pytest.mark.parametrize("width", [0.10])
def test_open_fingers_on_a_wide_box_are_no_pick(width: float) -> None:
    spec = scene(width)
    action = DOMAIN.ground("pick", ("blue_1",))
    with SimRobot(spec, render=False) as plant, PhysicsTwin(spec, abstract=DOMAIN.abstract) as twin:
        obs = plant.observe()
        twin.sync(obs)
        verdict = twin.check(action, DOMAIN.abstract(obs), stages=["lookahead"])
        touched = []

        def frame(o, a, i):
            box = o[PRIVILEGED_KEY]["objects"]["blue_1"]
            if set(P.FINGERS) <= set(box["contacts"]):
                touched.append(box)

        out = run_skill(plant, ScriptedPolicy(), DOMAIN.call("pick", ("blue_1",)), 60,
                        DOMAIN.abstract, action.add, action.delete, on_frame=frame)
    assert verdict.reason is ReasonCode.GRASP_INFEASIBLE
    assert touched, "the fingers never touched the box: the test shows nothing"
    assert all(P.GRIPPER_KEY in b for b in touched)
    assert not any(P.held(b) for b in touched)
    assert not out.success


def test_a_cube_pick_still_holds() -> None:
    spec = scene(0.10)
    action = DOMAIN.ground("pick", ("red_1",))
    with SimRobot(spec, render=False) as plant:
        out = run_skill(plant, ScriptedPolicy(), DOMAIN.call("pick", ("red_1",)), 80,
                        DOMAIN.abstract, action.add, action.delete)
        priv = plant.observe(render=False)[PRIVILEGED_KEY]
    assert out.success
    assert P.held_objects(priv) == ["red_1"]
