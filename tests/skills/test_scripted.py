"""Scripted experts: each tabletop skill succeeds closed-loop, and the abstraction after
it equals the successor state the PDDL action predicts."""
import random

import numpy as np
import pybullet as pb
import pytest

from vlaplan.domains import get_domain
from vlaplan.planner.errors import SkillError
from vlaplan.skills.contract import ACTION_DIM, Policy, SkillCall
from vlaplan.skills.scripted import ScriptedPolicy, grasp_yaw, yaw_of
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.rollout import run_skill

DOMAIN = get_domain("tabletop")


@pytest.fixture(scope="module")
def robot():
    r = SimRobot(DOMAIN.generate_scene(0).spec, render=False)
    yield r
    r.close()


@pytest.mark.parametrize("skill", DOMAIN.actions)
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_skill_succeeds_and_reaches_the_predicted_successor(robot, skill, seed):
    scene = DOMAIN.generate_scene(seed, for_skill=skill)
    robot.reset(seed, scene=scene.spec)
    state = DOMAIN.abstract(robot.observe())
    assert state == scene.init
    ground = random.Random(seed).choice(DOMAIN.applicable_calls(state, scene.objects, skill))
    call = DOMAIN.call(skill, ground.args, scene.describe())
    policy = ScriptedPolicy()
    out = run_skill(robot, policy, call, DOMAIN.skill(skill).step_budget, DOMAIN.abstract,
                    ground.add, ground.delete)
    assert out.success, (call, out)
    assert 0 < out.steps < DOMAIN.skill(skill).step_budget
    assert DOMAIN.abstract(robot.observe()) == ground.apply(state)


def test_policy_protocol_and_chunks(robot):
    scene = DOMAIN.generate_scene(3, for_skill="pick")
    obs = robot.reset(3, scene=scene.spec)
    target = next(a.args[0] for a in scene.init if a.predicate == "clear"
                  and ("on-table", a.args) in scene.init)
    policy = ScriptedPolicy(chunk_size=6)
    assert isinstance(policy, Policy)
    policy.reset(call=SkillCall("pick", (target,), "pick it up"))
    chunk = policy.predict_action_chunk(obs, "pick it up")
    assert chunk.shape == (6, ACTION_DIM) and chunk.dtype == np.float32
    assert np.all(np.abs(chunk) <= 1.0)
    action = policy.select_action(obs, "pick it up")
    assert action.shape == (ACTION_DIM,) and np.allclose(action, chunk[0])
    policy.reset(call=SkillCall("pick", (target,), "again"))
    assert np.array_equal(policy.select_action(obs, ""), action)  # deterministic


def test_bad_calls_are_skill_errors(robot):
    obs = robot.observe()
    policy = ScriptedPolicy()
    with pytest.raises(SkillError, match="reset"):
        policy.select_action(obs, "pick")
    with pytest.raises(SkillError, match="no scripted expert"):
        policy.reset(call=SkillCall("fly", ("red_1",), "fly"))
    policy.reset(call=SkillCall("pick", ("ghost_9",), "pick the ghost"))
    with pytest.raises(SkillError, match="ghost_9"):
        policy.select_action(obs, "")
    with pytest.raises(SkillError, match="privileged"):
        policy.select_action({"observation.state": obs["observation.state"]}, "")


def test_yaw_of_a_cube_on_its_side_is_a_side_face_heading():
    # upright: the usual yaw of the local x axis
    assert yaw_of(pb.getQuaternionFromEuler((0.0, 0.0, 0.7))) == pytest.approx(0.7)
    # a quarter turn about y first makes local x vertical, where the Euler yaw is
    # undefined; the heading of a horizontal face normal (0.7 up to a quarter turn) is not
    for yaw in (0.7, -2.5):
        quat = pb.getQuaternionFromEuler((0.0, np.pi / 2, yaw))  # about y, then about z
        got = yaw_of(quat)
        assert min(abs((got - yaw) % (np.pi / 2)), np.pi / 2 - abs((got - yaw) % (np.pi / 2))) \
            == pytest.approx(0.0, abs=1e-6)


def test_grasp_yaw_uses_the_cube_symmetry():
    assert grasp_yaw(1.4, 0.0) == pytest.approx(1.4 - np.pi / 2)
    assert grasp_yaw(-0.3, 0.1) == pytest.approx(-0.3)


def test_a_closing_hand_pushed_off_the_block_opens_and_lines_up_again(robot):
    """When another policy drives (DAgger), the expert's labels must follow the real hand:
    in its close phase, a hand that is no longer over the block is told to open, not to
    squeeze on."""
    from vlaplan.skills.contract import PRIVILEGED_KEY
    from vlaplan.skills.scripted import PickExpert, World

    scene = DOMAIN.generate_scene(3, for_skill="pick")
    obs = robot.reset(3, scene=scene.spec)
    target = next(a.args[0] for a in scene.init if a.predicate == "clear"
                  and ("on-table", a.args) in scene.init)
    expert = PickExpert((target,))
    w = World(obs[PRIVILEGED_KEY])
    w.ee = w.pos(target) + np.array([0.0, 0.0, 0.008])  # at the grasp point
    expert.step(w)
    w.yaw = expert.grasp_yaw_choice
    while expert.phase != "close":
        expert.step(w)
    assert expert.step(w)[4] < 0  # squeezing over the block
    w.ee = w.ee + np.array([0.03, 0.0, 0.0])  # the hand was moved 3 cm away
    action = expert.step(w)
    assert action[4] > 0 and expert.phase == "approach"  # open, and go back over it
    assert action[0] < 0  # towards the block
