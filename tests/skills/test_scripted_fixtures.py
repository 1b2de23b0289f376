"""Scripted fixture experts: open, close, put-in, take-out (closed loop on privileged state)."""
import math
import subprocess
import sys

import numpy as np

from vlaplan.domains import get_domain
from vlaplan.skills.contract import PRIVILEGED_KEY, SkillCall
from vlaplan.skills.scripted import ScriptedPolicy, _World
from vlaplan.skills.scripted_fixtures import FIXTURE_EXPERTS, _free_slot
from vlaplan.world_model.fixtures import DRAWER_OPEN_TARGET, drawer_privileged
from vlaplan.world_model.robot import SimRobot

KITCHEN = get_domain("kitchen")


def _priv(objects, q=0.0, ee=(0.45, 0.0, 0.25), yaw=0.0):
    drawer = drawer_privileged(q, (0.68, 0.24, 0.0), 0.0)
    drawer.update(pos=[0.53, 0.24, 0.0], size=[0.578, 0.36, 0.1])
    objs = {n: {"pos": list(p), "quat": [0, 0, 0, 1], "size": [0.04] * 3, "shape": "cube",
                "contacts": ["table"]} for n, p in objects.items()}
    return {"objects": objs, "fixtures": {"drawer": drawer},
            "ee": {"pos": list(ee), "yaw": yaw, "gripper_width": 0.08, "gripper_cmd": 1.0},
            "table": {"height": 0.0}}


def test_default_scripted_policy_has_the_fixture_experts():
    assert set(FIXTURE_EXPERTS) <= set(ScriptedPolicy().skills)
    assert {"pick", "place", "open", "close", "put-in", "take-out"} <= set(ScriptedPolicy().skills)


def test_fixture_experts_do_not_import_pybullet():
    code = ("import sys, vlaplan.skills.scripted_fixtures; "
            "sys.exit(1 if 'pybullet' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_open_heads_for_the_handle_with_fingers_across_the_bar():
    policy = ScriptedPolicy()
    policy.reset(call=SkillCall("open", ("drawer",), "open the drawer"))
    priv = _priv({"red_cube_1": (0.4, -0.2, 0.02)})
    action = policy.select_action({PRIVILEGED_KEY: priv}, "open the drawer")
    handle = np.asarray(priv["fixtures"]["drawer"]["handle"])
    assert action[4] == 1.0 and action[3] > 0  # open gripper, turning towards +pi/2
    assert np.dot(action[:2], handle[:2] - np.asarray(priv["ee"]["pos"][:2])) > 0


def test_put_in_chooses_a_free_exposed_slot_and_any_slot_when_none_is_exposed():
    opened = _priv({}, q=DRAWER_OPEN_TARGET)
    slots = opened["fixtures"]["drawer"]["slots"]
    first = slots[0]
    blocked = _priv({"a": (first[0], first[1], 0.042), "x": (0.45, 0.0, 0.245)},
                    q=DRAWER_OPEN_TARGET)
    chosen = _free_slot(_World(blocked), "x", blocked["fixtures"]["drawer"])
    assert chosen[3] == 1.0 and math.dist(chosen[:2], first[:2]) > 0.05
    closed = _priv({"x": (0.45, 0.0, 0.245)}, q=0.0)
    chosen = _free_slot(_World(closed), "x", closed["fixtures"]["drawer"])
    assert chosen[3] == 0.0  # nothing reachable: the expert tries anyway and fails physically


def test_the_drawer_moves_only_while_the_gripper_holds_its_handle_and_then_stays():
    g = KITCHEN.generate_scene(11, for_skill="open")
    with SimRobot(g.spec, render=False) as robot:
        policy = ScriptedPolicy()
        policy.reset(call=KITCHEN.call("open", ("drawer",), g.describe()))
        obs, moves_far_from_handle, joints = robot.observe(render=False), 0, []
        for _ in range(160):
            before = obs[PRIVILEGED_KEY]["fixtures"]["drawer"]
            robot.apply(policy.select_action(obs, ""))
            obs = robot.observe(render=False)
            after = obs[PRIVILEGED_KEY]["fixtures"]["drawer"]
            ee = np.asarray(obs[PRIVILEGED_KEY]["ee"]["pos"])
            if abs(after["joint"] - before["joint"]) > 1e-3 and np.linalg.norm(
                    ee - np.asarray(after["handle"])) > 0.03:
                moves_far_from_handle += 1
            joints.append(after["joint"])
            if policy.done:
                break
        assert policy.done and moves_far_from_handle == 0
        assert joints[-1] >= DRAWER_OPEN_TARGET and joints[0] < 0.01
        for _ in range(20):  # let go: friction keeps it open
            robot.apply(np.array([0, 0, 0, 0, 1], dtype=np.float32))
        assert abs(robot.observe(render=False)[PRIVILEGED_KEY]["fixtures"]["drawer"]["joint"]
                   - joints[-1]) < 2e-3


def test_take_out_then_close_then_open_again_round_trip():
    """take-out leaves the drawer; close pushes it shut with objects inside; open reopens."""
    g = KITCHEN.generate_scene(3, for_skill="take-out", n_objects=4, in_drawer=2)
    inside = sorted(a.args[0] for a in g.init if a.predicate == "in")
    from vlaplan.world_model.rollout import run_skill
    with SimRobot(g.spec, render=False) as robot:
        policy = ScriptedPolicy()
        for name, args in (("take-out", (inside[0], "drawer")), ("place", (inside[0],)),
                           ("close", ("drawer",)), ("open", ("drawer",)),
                           ("take-out", (inside[1], "drawer"))):
            ground = KITCHEN.ground(name, args)
            state = KITCHEN.abstract(robot.observe(render=False))
            assert ground.applicable(state), (name, sorted(map(str, state)))
            out = run_skill(robot, policy, KITCHEN.call(name, args, g.describe()),
                            KITCHEN.skill(name).step_budget, KITCHEN.abstract, ground.add,
                            ground.delete)
            assert out.success, (name, args, out)
            assert KITCHEN.abstract(robot.observe(render=False)) == ground.apply(state)
