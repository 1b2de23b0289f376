"""FaultInjector on a real plant: every kind has its physical effect, is recorded, is seeded."""
from __future__ import annotations

import numpy as np
import pybullet as pb
import pytest

from vlaplan.domains.tabletop import DOMAIN
from vlaplan.planner.errors import WorldModelError
from vlaplan.skills.contract import PRIVILEGED_KEY
from vlaplan.world_model.fault_spec import FaultKind, FaultSpec, FaultSpecError
from vlaplan.world_model.faults import FaultInjector
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.scene import ObjectSpec, RobotSpec, SceneSpec


def scene(holding: bool = True) -> SceneSpec:
    return SceneSpec(robot=RobotSpec(holding="red_1" if holding else None), objects=[
        ObjectSpec(name="red_1", colour="red",
                   pos=(0.45, 0.0, 0.2) if holding else (0.45, -0.15, 0.02)),
        ObjectSpec(name="blue_1", colour="blue", pos=(0.5, 0.2, 0.02)),
        ObjectSpec(name="green_1", colour="green", pos=(0.5, 0.2, 0.06)),
        ObjectSpec(name="yellow_1", colour="yellow", pos=(0.6, -0.2, 0.02))])


@pytest.fixture
def plant():
    robot = SimRobot(scene(), render=False)
    yield robot
    robot.close()


def atoms(robot: SimRobot) -> frozenset:
    return DOMAIN.abstract(robot.observe())


def pos(robot: SimRobot, name: str) -> np.ndarray:
    return np.asarray(robot.observe()[PRIVILEGED_KEY]["objects"][name]["pos"])


def test_drop_opens_the_gripper_and_the_object_falls(plant) -> None:
    assert ("holding", ("red_1",)) in atoms(plant)
    z0 = pos(plant, "red_1")[2]
    record = FaultInjector(plant, seed=0).inject("drop", at_step=2)
    assert record.applied and record.kind is FaultKind.DROP and record.target == "red_1"
    assert record.at_step == 2 and record.before["pos"][2] == pytest.approx(z0, abs=1e-3)
    after = atoms(plant)
    assert ("holding", ("red_1",)) not in after and ("hand-empty", ()) in after
    assert pos(plant, "red_1")[2] < z0 - 0.1
    assert plant.gripper_width() > 0.07


def test_slip_keeps_the_fingers_closed_and_restores_friction(plant) -> None:
    body = plant.handles.objects["red_1"]
    friction = pb.getDynamicsInfo(body, -1, physicsClientId=plant.client)[1]
    record = FaultInjector(plant, seed=0).inject("slip")
    assert record.applied and record.kind is FaultKind.SLIP
    assert ("holding", ("red_1",)) not in atoms(plant)
    assert pos(plant, "red_1")[2] < 0.05
    assert plant.gripper_width() < 0.01  # closed on nothing
    assert pb.getDynamicsInfo(body, -1, physicsClientId=plant.client)[1] == friction


def test_displace_moves_a_free_object_to_a_free_spot(plant) -> None:
    record = FaultInjector(plant, seed=4).inject("displace")
    assert record.applied and record.target in {"green_1", "yellow_1"}
    moved = np.linalg.norm(np.subtract(record.after["pos"][:2], record.before["pos"][:2]))
    assert moved > 0.05
    assert ("on-table", (record.target,)) in atoms(plant)


def test_displace_to_a_given_position_out_of_reach(plant) -> None:
    record = FaultInjector(plant, seed=0).inject("displace", "yellow_1", position=(0.86, 0.0))
    assert record.applied and "out of reach" in record.detail
    assert np.allclose(pos(plant, "yellow_1")[:2], (0.86, 0.0), atol=0.01)


def test_block_adds_a_new_object_on_the_target(plant) -> None:
    bodies = pb.getNumBodies(physicsClientId=plant.client)
    record = FaultInjector(plant, seed=0).inject("block", "green_1")
    new = record.after["added"]
    assert record.applied and new not in {o.name for o in scene().objects}
    assert pb.getNumBodies(physicsClientId=plant.client) == bodies + 1
    assert new in plant.observe()[PRIVILEGED_KEY]["objects"]
    assert ("on", (new, "green_1")) in atoms(plant) and ("clear", ("green_1",)) not in atoms(plant)
    assert plant.scene.object(new).colour not in {"red", "blue", "green", "yellow"}


def test_remove_takes_the_object_out_of_the_world(plant) -> None:
    bodies = pb.getNumBodies(physicsClientId=plant.client)
    record = FaultInjector(plant, seed=0).inject("remove", "yellow_1")
    assert record.applied and record.after == {"removed": "yellow_1"}
    assert "yellow_1" not in plant.observe()[PRIVILEGED_KEY]["objects"]
    assert pb.getNumBodies(physicsClientId=plant.client) == bodies - 1
    assert not any("yellow_1" in atom[1] for atom in atoms(plant))


def test_inapplicable_faults_are_recorded_and_change_nothing() -> None:
    robot = SimRobot(scene(holding=False), render=False)
    before = robot.observe()[PRIVILEGED_KEY]["objects"]
    injector = FaultInjector(robot, seed=0)
    for kind in ("drop", "slip"):
        record = injector.inject(kind)
        assert not record.applied and "holds no object" in record.detail
    missing = injector.inject("displace", "purple_3")
    assert not missing.applied and "purple_3" in missing.detail
    assert robot.observe()[PRIVILEGED_KEY]["objects"] == before
    assert [r.index for r in injector.records] == [0, 1, 2]
    with pytest.raises(WorldModelError):
        injector.inject("explode")
    robot.close()


def test_same_seed_same_faults() -> None:
    outcomes = []
    for _ in range(2):
        robot = SimRobot(scene(), render=False)
        injector = FaultInjector(robot, seed=11)
        records = [injector.inject("random"), injector.inject("displace"),
                   injector.apply(FaultSpec(kind=FaultKind.BLOCK, at_step=3)),
                   injector.apply("remove@4")]
        outcomes.append(([r.model_dump() for r in records],
                         robot.observe()[PRIVILEGED_KEY]["objects"]))
        robot.close()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0][2]["at_step"] == 3 and outcomes[0][0][3]["kind"] == "remove"
    with pytest.raises(FaultSpecError):
        FaultInjector(SimRobot(scene(), render=False), seed=0).apply("random:2")


def test_occlude_changes_images_but_not_physics() -> None:
    robot = SimRobot(scene(holding=False), image_size=48)
    before = robot.observe()
    record = FaultInjector(robot, seed=0).inject("occlude", "yellow_1")
    after = robot.observe()
    assert record.applied and record.kind is FaultKind.OCCLUDE
    assert after[PRIVILEGED_KEY]["objects"] == before[PRIVILEGED_KEY]["objects"]
    assert not np.array_equal(after["observation.images.front"],
                              before["observation.images.front"])
    assert DOMAIN.abstract(after) == DOMAIN.abstract(before)
    robot.close()


def test_faults_do_not_outlive_a_reset() -> None:
    robot = SimRobot(scene(holding=False), render=False, fast_reset=True)
    bodies = pb.getNumBodies(physicsClientId=robot.client)
    injector = FaultInjector(robot, seed=0)
    injector.inject("block", "green_1")
    injector.inject("occlude", "yellow_1")
    assert pb.getNumBodies(physicsClientId=robot.client) == bodies + 2
    robot.reset(scene=injector.original_scene)
    assert pb.getNumBodies(physicsClientId=robot.client) == bodies
    assert set(robot.observe()[PRIVILEGED_KEY]["objects"]) == {o.name for o in scene(False).objects}
    robot.close()


def test_random_draws_among_the_allowed_kinds_that_apply() -> None:
    robot = SimRobot(scene(holding=False), render=False)
    injector = FaultInjector(robot, seed=3)
    spec = FaultSpec(kind=FaultKind.RANDOM, at_step=0, choices=(FaultKind.DROP, FaultKind.DISPLACE))
    for _ in range(3):
        record = injector.apply(spec)
        assert record.requested is FaultKind.RANDOM and record.kind is FaultKind.DISPLACE
        assert record.applied
    robot.close()
    held = SimRobot(scene(holding=True), render=False)
    record = FaultInjector(held, seed=3).apply(
        FaultSpec(kind=FaultKind.RANDOM, at_step=1, choices=(FaultKind.DROP,)))
    assert record.kind is FaultKind.DROP and record.applied and record.at_step == 1
    held.close()


def test_a_closed_plant_gives_our_error() -> None:
    robot = SimRobot(scene(), render=False)
    injector = FaultInjector(robot, seed=0)
    robot.close()
    with pytest.raises(WorldModelError, match="plant is gone"):
        injector.inject("drop")


def test_displace_never_lands_in_a_fixture_footprint() -> None:
    """A displaced object lands on free table, clear of the drawer cabinet and its travel
    (a teleport into the cabinet would have the solver eject it against the wall)."""
    from vlaplan.world_model.faults import _in_footprint
    from vlaplan.world_model.fixtures import drawer_fixture

    objects = [ObjectSpec(name=f"c{i}", colour="red", pos=(0.35 + 0.1 * i, -0.25, 0.02))
               for i in range(3)]
    spec = SceneSpec(robot=RobotSpec(), objects=objects,
                     fixtures=[drawer_fixture("drawer", (0.62, 0.2), 0.0, opening=0.1)])
    robot = SimRobot(spec, render=False)
    try:
        injector = FaultInjector(robot, seed=1)
        drawer = robot.privileged()["fixtures"]["drawer"]
        for _ in range(12):
            record = injector.inject("displace", "c1")
            assert record.applied
            xy = np.asarray(record.after["pos"][:2])
            assert not _in_footprint(xy, drawer, 0.02), record.detail
    finally:
        robot.close()
