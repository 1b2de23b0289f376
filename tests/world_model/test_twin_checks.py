"""PhysicsTwin checks: one doomed action per reason code (and a good one that passes),
the plant untouched by checks, determinism.  Real pybullet, real scripted experts."""
from __future__ import annotations

import numpy as np
import pybullet as pb
import pytest

from vlaplan.domains.tabletop import DOMAIN
from vlaplan.planner.errors import WorldModelError
from vlaplan.skills.contract import PRIVILEGED_KEY, SkillCall
from vlaplan.skills.scripted import ScriptedPolicy
from vlaplan.world_model.checks import CheckStage, ReasonCode
from vlaplan.world_model.faults import FaultInjector
from vlaplan.world_model.geometry_checks import (
    COLLISION_DEPTH_TOL, GRIPPER_LINKS, PENETRATION_TOL, REACH_TOL, check_reach, extent_along,
    penetrations, set_arm)
from vlaplan.world_model.panda import FINGER_MAX
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.rollout import run_skill
from vlaplan.world_model.scene import ObjectSpec, RobotSpec, SceneSpec
from vlaplan.world_model.twin import PhysicsTwin


def tower_scene(lean: float = 0.0, held_mass: float = 0.05) -> SceneSpec:
    """red_1 in the hand; yellow_1 on green_1 on blue_1, each offset by ``lean`` in y."""
    return SceneSpec(robot=RobotSpec(holding="red_1"), objects=[
        ObjectSpec(name="red_1", colour="red", pos=(0.45, 0.0, 0.2), mass=held_mass),
        ObjectSpec(name="blue_1", colour="blue", pos=(0.5, 0.1, 0.02)),
        ObjectSpec(name="green_1", colour="green", pos=(0.5, 0.1 + lean, 0.06)),
        ObjectSpec(name="yellow_1", colour="yellow", pos=(0.5, 0.1 + 2 * lean, 0.10)),
        ObjectSpec(name="white_1", colour="white", pos=(0.55, -0.2, 0.02))])


def table_scene() -> SceneSpec:
    return SceneSpec(objects=[
        ObjectSpec(name="red_1", colour="red", pos=(0.5, 0.0, 0.02)),
        ObjectSpec(name="blue_1", colour="blue", shape="box", size=(0.12, 0.12, 0.03),
                   pos=(0.5, 0.2, 0.015))])


def setup(scene: SceneSpec) -> tuple[SimRobot, PhysicsTwin, dict]:
    plant = SimRobot(scene, render=False)
    twin = PhysicsTwin(scene, abstract=DOMAIN.abstract)
    obs = plant.observe()
    twin.sync(obs)
    return plant, twin, obs


def run_on_plant(plant: SimRobot, name: str, args: tuple[str, ...], steps: int = 120) -> frozenset:
    """Execute the scripted skill on the plant (what would happen without the check)."""
    policy = ScriptedPolicy()
    policy.reset(SkillCall(name, args, ""))
    obs = plant.observe()
    for _ in range(steps):
        if policy.done:
            break
        plant.apply(policy.select_action(obs))
        obs = plant.observe()
    for _ in range(10):
        plant.apply(np.array([0, 0, 0, 0, obs[PRIVILEGED_KEY]["ee"]["gripper_cmd"]]))
    return DOMAIN.abstract(plant.observe())


def plant_fails(plant: SimRobot, action) -> bool:
    """Does the scripted skill, dispatched anyway, miss the action's effects on the plant?"""
    outcome = run_skill(plant, ScriptedPolicy(), DOMAIN.call(action.name, action.args), 120,
                        DOMAIN.abstract, action.add, action.delete)
    return not outcome.success


def plant_snapshot(robot: SimRobot) -> list:
    c, out = robot.client, []
    for i in range(pb.getNumBodies(physicsClientId=c)):
        body = pb.getBodyUniqueId(i, physicsClientId=c)
        out.append(pb.getBasePositionAndOrientation(body, physicsClientId=c))
        out.append(pb.getBaseVelocity(body, physicsClientId=c))
        for j in range(pb.getNumJoints(body, physicsClientId=c)):
            out.append(pb.getJointState(body, j, physicsClientId=c)[:2])
    return out


@pytest.fixture(scope="module")
def tower():
    plant, twin, obs = setup(tower_scene())
    yield plant, twin, obs
    twin.close()
    plant.close()


def test_good_stack_passes_every_stage(tower) -> None:
    plant, twin, obs = tower
    result = twin.check(DOMAIN.ground("stack", ("red_1", "yellow_1")), DOMAIN.abstract(obs))
    assert result.ok, result.detail
    assert result.stages_run == list(CheckStage)
    assert set(result.stage_ms) == {s.value for s in CheckStage} | {"target"}
    assert result.duration_ms >= sum(result.stage_ms.values()) > 0
    assert twin.last_lookahead.steps > 0
    assert "(on red_1 yellow_1)" in twin.last_lookahead.predicted


def test_precondition_false_names_the_atom(tower) -> None:
    plant, twin, obs = tower
    result = twin.check(DOMAIN.ground("stack", ("red_1", "green_1")), DOMAIN.abstract(obs))
    assert not result.ok and result.reason is ReasonCode.PRECONDITION_FALSE
    assert result.stage is CheckStage.SYMBOLIC and result.atoms == ["(clear green_1)"]
    assert result.stages_run == [CheckStage.SYMBOLIC]


def test_precondition_false_action_would_fail_on_the_plant() -> None:
    plant, twin, obs = setup(tower_scene())
    action = DOMAIN.ground("stack", ("red_1", "green_1"))
    assert twin.check(action, DOMAIN.abstract(obs)).reason is ReasonCode.PRECONDITION_FALSE
    assert plant_fails(plant, action)


def test_unknown_object(tower) -> None:
    plant, twin, obs = tower
    action = DOMAIN.ground("stack", ("red_1", "purple_7"))
    result = twin.check(action, DOMAIN.abstract(obs) | {("clear", ("purple_7",))})
    assert result.reason is ReasonCode.UNKNOWN_OBJECT and result.objects == ["purple_7"]


def test_unreachable_pick_is_refused_and_would_fail_on_the_plant() -> None:
    plant, twin, _ = setup(table_scene())
    FaultInjector(plant, seed=0).inject("displace", "red_1", position=(0.86, 0.0))
    obs = plant.observe()
    twin.sync(obs)
    state = DOMAIN.abstract(obs)
    result = twin.check(DOMAIN.ground("pick", ("red_1",)), state)
    assert result.reason is ReasonCode.UNREACHABLE and result.stage is CheckStage.REACHABILITY
    assert result.distance_error > REACH_TOL and "red_1" in result.objects
    assert ("holding", ("red_1",)) not in run_on_plant(plant, "pick", ("red_1",), steps=80)


def test_place_on_a_blocked_spot_collides() -> None:
    plant, twin, obs = setup(tower_scene())
    planned_state = DOMAIN.abstract(obs)  # the planner's belief, from before the fault
    record = FaultInjector(plant, seed=1).inject("block", "yellow_1")
    blocker = record.after["added"]
    obs = plant.observe()
    twin.sync(obs)
    assert blocker in twin.handles.objects  # the twin mirrors the new body
    action = DOMAIN.ground("stack", ("red_1", "yellow_1"))
    stale = twin.check(action, planned_state)
    assert stale.reason is ReasonCode.COLLISION and stale.stage is CheckStage.COLLISION
    assert blocker in stale.objects and blocker in stale.detail
    fresh = twin.check(action, DOMAIN.abstract(obs))
    assert fresh.reason is ReasonCode.PRECONDITION_FALSE
    # Dispatched anyway, the hand sweeps the blocker away and the tower under it falls.
    blocker_before = np.asarray(obs[PRIVILEGED_KEY]["objects"][blocker]["pos"])
    plant_fails(plant, action)
    after = plant.observe()
    moved = np.linalg.norm(np.asarray(after[PRIVILEGED_KEY]["objects"][blocker]["pos"])
                           - blocker_before)
    assert moved > 0.03
    assert ("on", ("yellow_1", "green_1")) not in DOMAIN.abstract(after)


def test_too_wide_object_grasp_infeasible() -> None:
    plant, twin, obs = setup(table_scene())
    state = DOMAIN.abstract(obs)
    wide = DOMAIN.ground("pick", ("blue_1",))
    assert twin.check(DOMAIN.ground("pick", ("red_1",)), state, stages="cheap").ok
    result = twin.check(wide, state, stages="cheap")
    assert result.reason is ReasonCode.GRASP_INFEASIBLE and result.objects == ["blue_1"]
    only_physics = twin.check(wide, state, stages=["lookahead"])
    assert only_physics.reason is ReasonCode.GRASP_INFEASIBLE
    assert only_physics.stage is CheckStage.LOOKAHEAD
    assert plant_fails(plant, wide)


def test_stack_on_a_leaning_tower_is_unstable_and_topples_the_plant() -> None:
    plant, twin, obs = setup(tower_scene(lean=0.012, held_mass=0.2))
    state = DOMAIN.abstract(obs)
    action = DOMAIN.ground("stack", ("red_1", "yellow_1"))
    assert ("on", ("yellow_1", "green_1")) in state  # the tower stands before
    assert twin.check(action, state, stages="cheap").ok  # geometry alone cannot tell
    result = twin.check(action, state)
    assert result.reason is ReasonCode.UNSTABLE and result.stage is CheckStage.LOOKAHEAD
    assert "yellow_1" in result.objects
    after = run_on_plant(plant, "stack", ("red_1", "yellow_1"))
    assert ("on", ("red_1", "yellow_1")) not in after
    assert ("on", ("yellow_1", "green_1")) not in after


def test_effect_mismatch_when_the_model_expects_other_effects(tower) -> None:
    plant, twin, obs = tower
    planned = DOMAIN.ground("stack", ("red_1", "yellow_1"))
    wrong_model = type(planned)(planned.name, planned.args, planned.pre,
                                planned.add | {("on", ("red_1", "white_1"))}, planned.delete)
    result = twin.check(wrong_model, DOMAIN.abstract(obs))
    assert result.reason is ReasonCode.EFFECT_MISMATCH and "(on red_1 white_1)" in result.atoms


def test_checks_never_move_the_plant(tower) -> None:
    plant, twin, obs = tower
    before = plant_snapshot(plant)
    obs_before = plant.observe(render=False)
    actions = [DOMAIN.ground("stack", ("red_1", "yellow_1")), DOMAIN.ground("place", ("red_1",)),
               DOMAIN.ground("stack", ("red_1", "white_1"))]
    for action in actions:
        twin.check(action, DOMAIN.abstract(obs))
    assert twin.client != plant.client
    assert plant_snapshot(plant) == before
    after = plant.observe(render=False)
    assert np.array_equal(after["observation.state"], obs_before["observation.state"])
    assert after[PRIVILEGED_KEY]["objects"] == obs_before[PRIVILEGED_KEY]["objects"]


def test_checks_are_deterministic_and_restore_the_twin(tower) -> None:
    """Same verdicts every time; predicted displacements agree to 5 mm.  Bullet keeps some
    solver caches outside saveState, so the first look-ahead after a sync and later ones
    may differ by about a millimetre; bit-identity is not promised."""
    plant, twin, obs = tower
    action = DOMAIN.ground("stack", ("red_1", "white_1"))
    state = DOMAIN.abstract(obs)
    synced = plant_snapshot(twin.sim)
    first = twin.check(action, state)
    predicted, moved = twin.last_lookahead.predicted, twin.last_lookahead.moved
    assert first.ok and plant_snapshot(twin.sim) == synced
    keep = {"ok", "reason", "stage", "detail", "objects", "atoms", "stages_run"}
    other = PhysicsTwin(tower_scene(), abstract=DOMAIN.abstract)
    other.sync(obs)
    for t in (twin, other):
        again = t.check(action, state)
        assert again.model_dump(include=keep) == first.model_dump(include=keep)
        assert t.last_lookahead.predicted == predicted
        assert t.last_lookahead.moved.keys() == moved.keys()
        assert np.allclose(list(t.last_lookahead.moved.values()), list(moved.values()), atol=5e-3)
    doomed = twin.check(DOMAIN.ground("stack", ("red_1", "green_1")), state)
    assert doomed.model_dump(include=keep) == other.check(
        DOMAIN.ground("stack", ("red_1", "green_1")), state).model_dump(include=keep)
    other.close()


def test_sync_rejects_an_observation_without_ground_truth(tower) -> None:
    plant, twin, obs = tower
    with pytest.raises(WorldModelError, match="observation.privileged"):
        twin.sync({"observation.state": obs["observation.state"]})
    twin.sync(obs)  # still usable afterwards
    assert twin.check(DOMAIN.ground("stack", ("red_1", "yellow_1")), DOMAIN.abstract(obs),
                      stages="cheap").ok


@pytest.mark.parametrize("lean, mass, expected", [(0.0, 0.05, None),
                                                  (0.012, 0.2, ReasonCode.UNSTABLE)])
def test_transit_skip_does_not_change_the_verdict(lean: float, mass: float, expected) -> None:
    plant = SimRobot(tower_scene(lean, mass), render=False)
    obs = plant.observe()
    action = DOMAIN.ground("stack", ("red_1", "yellow_1"))
    steps = {}
    for skip in (True, False):
        twin = PhysicsTwin(tower_scene(lean, mass), abstract=DOMAIN.abstract, skip_transit=skip)
        twin.sync(obs)
        result = twin.check(action, DOMAIN.abstract(obs), stages=["lookahead"])
        assert result.reason is expected, result.detail
        assert twin.last_lookahead.skipped_transit is skip
        steps[skip] = twin.last_lookahead.steps
        twin.close()
    assert steps[True] < steps[False]
    plant.close()


def test_frame_check_flags_a_disturbed_neighbour_but_not_classifier_flicker() -> None:
    from vlaplan.planner.atoms import Atom
    from vlaplan.world_model.lookahead import _frame_check

    action = DOMAIN.ground("stack", ("red_1", "yellow_1"))
    before = frozenset({Atom("holding", ("red_1",)), Atom("clear", ("yellow_1",)),
                        Atom("on", ("green_1", "blue_1")), Atom("on-table", ("blue_1",))})
    after = ((before - action.delete) | action.add) - {Atom("on", ("green_1", "blue_1"))}
    moved = {"red_1": 0.2, "green_1": 0.06, "blue_1": 0.0}
    failure = _frame_check("(stack red_1 yellow_1)", action, before, after, moved)
    assert failure is not None and failure.reason is ReasonCode.UNSTABLE
    assert failure.objects == ("green_1",) and "(on green_1 blue_1)" in failure.atoms
    assert _frame_check("x", action, before, after, {**moved, "green_1": 0.001}) is None
    assert _frame_check("x", action, before, (before - action.delete) | action.add, moved) is None


@pytest.mark.parametrize("lean, mass", [(0.008, 0.3), (0.010, 0.05), (0.013, 0.15)])
def test_marginal_towers_twin_agrees_with_the_plant(lean: float, mass: float) -> None:
    """Near the tipping point the look-ahead must use the plant's physics to be right."""
    plant, twin, obs = setup(tower_scene(lean, mass))
    state = DOMAIN.abstract(obs)
    action = DOMAIN.ground("stack", ("red_1", "yellow_1"))
    verdict = twin.check(action, state)
    after = run_on_plant(plant, "stack", ("red_1", "yellow_1"))
    stands = {("on", ("red_1", "yellow_1")), ("on", ("yellow_1", "green_1")),
              ("on", ("green_1", "blue_1"))} <= after
    assert verdict.ok == stands, verdict.detail
    twin.close()
    plant.close()


# -- false alarms the geometric stages must not raise, next to the true ones they keep ----

def ring_scene(gap: float) -> SceneSpec:
    """red_1 with a cube on each side, centres ``gap`` apart."""
    return SceneSpec(objects=[
        ObjectSpec(name="red_1", colour="red", pos=(0.5, 0.0, 0.02)),
        ObjectSpec(name="green_1", colour="green", pos=(0.5, gap, 0.02)),
        ObjectSpec(name="blue_1", colour="blue", pos=(0.5 + gap, 0.0, 0.02)),
        ObjectSpec(name="yellow_1", colour="yellow", pos=(0.5 - gap, 0.0, 0.02)),
        ObjectSpec(name="white_1", colour="white", pos=(0.5, -gap, 0.02))])


def test_shallow_contact_with_a_neighbour_is_no_collision_a_deep_one_is() -> None:
    action = DOMAIN.ground("pick", ("red_1",))
    plant, twin, obs = setup(ring_scene(0.074))
    c, h = twin.client, twin.handles
    state_id = pb.saveState(physicsClientId=c)
    target = twin.target(action)
    _, q = check_reach(c, h.panda, target, "probe")
    set_arm(c, h.panda, q, finger=FINGER_MAX)
    pb.performCollisionDetection(physicsClientId=c)
    skip = {h.objects["red_1"], h.table}
    depth = -min(d for link in GRIPPER_LINKS for d, _ in penetrations(c, h.panda, link, h, skip,
                                                                      tol=0.0))
    pb.restoreState(state_id, physicsClientId=c)
    assert PENETRATION_TOL < depth < COLLISION_DEPTH_TOL  # touching, as the plant's hand does
    assert twin.check(action, DOMAIN.abstract(obs), stages="cheap").ok
    assert ("holding", ("red_1",)) in run_on_plant(plant, "pick", ("red_1",))
    twin.close()
    plant.close()
    plant, twin, obs = setup(ring_scene(0.055))
    deep = twin.check(action, DOMAIN.abstract(obs), stages="cheap")
    assert deep.reason is ReasonCode.COLLISION and deep.stage is CheckStage.COLLISION
    obstacle = deep.objects[0]
    assert obstacle in {"green_1", "blue_1", "yellow_1", "white_1"} and obstacle in deep.detail
    twin.close()
    plant.close()


def test_flat_box_is_grasped_across_the_side_the_expert_chooses() -> None:
    """A 6 x 4 x 2.5 cm kitchen box: the expert's yaw puts at most 6 cm between the
    fingers (8 cm open); the check must not call it too wide, and the plant grasps it."""
    from vlaplan.domains import get_domain

    kitchen = get_domain("kitchen")
    g = kitchen.generate_scene(10)
    plant = SimRobot(g.spec, render=False)
    twin = PhysicsTwin(g.spec, abstract=kitchen.abstract)
    obs = plant.observe()
    twin.sync(obs)
    box = "black_box_1"
    assert obs[PRIVILEGED_KEY]["objects"][box]["size"] == [0.06, 0.04, 0.025]
    action = kitchen.ground("pick", (box,))
    target = twin.target(action)
    assert target.extent == pytest.approx(extent_along(obs[PRIVILEGED_KEY]["objects"][box],
                                                       target.yaw))
    assert target.extent < 2 * FINGER_MAX
    result = twin.check(action, kitchen.abstract(obs), stages="cheap")
    assert result.ok, result.detail
    outcome = run_skill(plant, ScriptedPolicy(), kitchen.call("pick", (box,)), 120,
                        kitchen.abstract, action.add, action.delete)
    assert outcome.success
    twin.close()
    plant.close()


@pytest.mark.parametrize("size, yaw, hand_yaw, expected", [
    ((0.06, 0.04, 0.025), 0.0, 0.0, 0.04),  # fingers along y: across the 4 cm side
    ((0.06, 0.04, 0.025), 0.0, np.pi / 2, 0.06),  # fingers along x: across the 6 cm side
    ((0.06, 0.04, 0.025), np.pi / 2, np.pi / 2, 0.04),
    ((0.04, 0.04, 0.04), np.pi / 4, 0.0, 0.04 * np.sqrt(2)),  # a cube's diagonal
    ((0.12, 0.12, 0.03), 0.3, 1.0, None)])
def test_extent_along_the_finger_axis(size, yaw, hand_yaw, expected) -> None:
    quat = pb.getQuaternionFromEuler((0.0, 0.0, yaw))
    box = {"size": list(size), "quat": list(quat), "shape": "box"}
    width = extent_along(box, hand_yaw)
    if expected is None:  # wider than the open gripper at any yaw
        assert width > 2 * FINGER_MAX
    else:
        assert width == pytest.approx(expected, abs=1e-6)
    cylinder = {"size": [0.05, 0.05, 0.08], "quat": list(quat), "shape": "cylinder"}
    assert extent_along(cylinder, hand_yaw) == pytest.approx(0.05)
