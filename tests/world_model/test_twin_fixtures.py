"""PhysicsTwin with fixtures: the drawer's opening is synced, a put-in to a closed drawer is
refused before dispatch (and would fail on the plant), good fixture actions pass."""
from __future__ import annotations

import pybullet as pb
import pytest

from vlaplan.domains import get_domain
from vlaplan.planner.atoms import Atom
from vlaplan.skills.scripted import ScriptedPolicy
from vlaplan.world_model.checks import CheckStage, ReasonCode
from vlaplan.world_model.fixtures import drawer_joint_index
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.rollout import run_skill
from vlaplan.world_model.twin import PhysicsTwin

KITCHEN = get_domain("kitchen")


def setup(scene_spec):
    plant = SimRobot(scene_spec, render=False)
    twin = PhysicsTwin(scene_spec, abstract=KITCHEN.abstract)
    obs = plant.observe()
    twin.sync(obs)
    return plant, twin, obs


def drawer_q(robot: SimRobot) -> float:
    body = robot.handles.fixtures["drawer"]
    return pb.getJointState(body, drawer_joint_index(robot.client, body),
                            physicsClientId=robot.client)[0]


def held(state) -> str:
    return next(a.args[0] for a in state if a.predicate == "holding")


def test_put_in_a_closed_drawer_is_refused_and_would_fail() -> None:
    scene = KITCHEN.generate_scene(1, for_skill="put-in", drawer_open=False)
    plant, twin, obs = setup(scene.spec)
    state = KITCHEN.abstract(obs)
    assert Atom("closed", ("drawer",)) in state
    action = KITCHEN.ground("put-in", (held(state), "drawer"))
    fresh = twin.check(action, state)
    assert fresh.reason is ReasonCode.PRECONDITION_FALSE and fresh.atoms == ["(open drawer)"]
    believed_open = (state - {Atom("closed", ("drawer",))}) | {Atom("open", ("drawer",))}
    stale = twin.check(action, believed_open)
    assert stale.reason is ReasonCode.COLLISION and stale.stage is CheckStage.COLLISION
    assert "drawer" in stale.objects
    physics = twin.check(action, believed_open, stages=["lookahead"])
    assert physics.reason is ReasonCode.EFFECT_MISMATCH and physics.stage is CheckStage.LOOKAHEAD
    assert physics.atoms == [f"(in {held(state)} drawer)"]
    outcome = run_skill(plant, ScriptedPolicy(), KITCHEN.call("put-in", action.args), 140,
                        KITCHEN.abstract, action.add, action.delete)
    assert not outcome.success
    twin.close()
    plant.close()


def test_put_in_an_open_drawer_passes_and_the_opening_is_synced() -> None:
    scene = KITCHEN.generate_scene(1, for_skill="put-in")
    plant, twin, obs = setup(scene.spec)
    state = KITCHEN.abstract(obs)
    assert Atom("open", ("drawer",)) in state
    assert drawer_q(twin.sim) == pytest.approx(drawer_q(plant), abs=1e-6)
    result = twin.check(KITCHEN.ground("put-in", (held(state), "drawer")), state)
    assert result.ok, result.detail
    assert "(in " + held(state) + " drawer)" in twin.last_lookahead.predicted
    twin.close()
    plant.close()


def test_open_and_close_checks_follow_the_plant() -> None:
    scene = KITCHEN.generate_scene(2, for_skill="open")
    plant, twin, obs = setup(scene.spec)
    state = KITCHEN.abstract(obs)
    opening = KITCHEN.ground("open", ("drawer",))
    assert twin.check(opening, state).ok
    assert drawer_q(plant) < 0.01  # the look-ahead opened only the twin's drawer
    outcome = run_skill(plant, ScriptedPolicy(), KITCHEN.call("open", ("drawer",)), 160,
                        KITCHEN.abstract, opening.add, opening.delete)
    assert outcome.success
    obs = plant.observe()
    twin.sync(obs)
    assert drawer_q(twin.sim) == pytest.approx(drawer_q(plant), abs=1e-6) and drawer_q(plant) > 0.1
    closing = twin.check(KITCHEN.ground("close", ("drawer",)), KITCHEN.abstract(obs))
    assert closing.ok, closing.detail
    twin.close()
    plant.close()
