"""What makes the look-ahead cheap without changing its verdicts: distant resting objects
sleep (and still wake on contact, and are awake again afterwards), the plant's physics
rate only for actions that load a support (stack, put-in), open/close decided at the
release."""
from __future__ import annotations

import numpy as np
import pybullet as pb

from vlaplan.domains import get_domain
from vlaplan.world_model.lookahead import distant_asleep, distant_objects, substeps_for
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.scene import ObjectSpec, RobotSpec, SceneSpec
from vlaplan.world_model.twin import PhysicsTwin

TABLETOP = get_domain("tabletop")
KITCHEN = get_domain("kitchen")


def scene() -> SceneSpec:
    """red_1 in the hand over a tower (yellow_1 on blue_1); white_1 and green_1 far off."""
    return SceneSpec(robot=RobotSpec(holding="red_1"), objects=[
        ObjectSpec(name="red_1", colour="red", pos=(0.45, 0.0, 0.2)),
        ObjectSpec(name="blue_1", colour="blue", pos=(0.5, 0.1, 0.02)),
        ObjectSpec(name="yellow_1", colour="yellow", pos=(0.5, 0.1, 0.06)),
        ObjectSpec(name="white_1", colour="white", pos=(0.5, -0.25, 0.02)),
        ObjectSpec(name="green_1", colour="green", pos=(0.5, -0.2, 0.02))])


def twin_of(spec: SceneSpec, domain=TABLETOP, **options) -> tuple[PhysicsTwin, dict]:
    plant = SimRobot(spec, render=False)
    obs = plant.observe()
    plant.close()
    twin = PhysicsTwin(spec, abstract=domain.abstract, **options)
    twin.sync(obs)
    return twin, obs


def z_of(twin: PhysicsTwin, name: str) -> float:
    body = twin.handles.objects[name]
    return pb.getBasePositionAndOrientation(body, physicsClientId=twin.client)[0][2]


def test_only_objects_far_from_hand_and_target_sleep() -> None:
    twin, _ = twin_of(scene())
    stack = TABLETOP.ground("stack", ("red_1", "yellow_1"))
    names = {twin.handles.name_of(b) for b in distant_objects(twin, stack)}
    assert names == {"white_1", "green_1"}  # not the held block, not the tower
    twin.sleep_radius = None
    assert distant_objects(twin, stack) == []
    twin.close()


def shove(sleep_radius: float | None) -> tuple[int, list[float]]:
    """An awake red_1 slides into green_1, which sits next to white_1 (both far from the
    stack): how many slept, and how far red_1, green_1, white_1 moved."""
    twin, _ = twin_of(scene(), sleep_radius=sleep_radius)
    c = twin.client
    bodies = [twin.handles.objects[n] for n in ("red_1", "green_1", "white_1")]
    with distant_asleep(twin, TABLETOP.ground("stack", ("red_1", "yellow_1"))) as asleep:
        pb.resetBasePositionAndOrientation(bodies[0], (0.5, -0.14, 0.02), (0, 0, 0, 1),
                                           physicsClientId=c)
        pb.resetBaseVelocity(bodies[0], (0, -2.0, 0), (0, 0, 0), physicsClientId=c)
        start = [np.array(pb.getBasePositionAndOrientation(b, physicsClientId=c)[0])
                 for b in bodies]
        for _ in range(120):
            pb.stepSimulation(physicsClientId=c)
        moved = [float(np.linalg.norm(
            np.array(pb.getBasePositionAndOrientation(b, physicsClientId=c)[0]) - s))
            for b, s in zip(bodies, start)]
    twin.close()
    return asleep, moved


def test_a_sleeping_object_wakes_when_pushed_as_if_it_had_never_slept() -> None:
    asleep, moved = shove(0.12)
    awake, reference = shove(None)
    assert asleep == 2 and awake == 0
    assert moved[1] > 0.02 and moved[2] > 0.01  # green_1 is pushed and pushes white_1
    assert np.allclose(moved, reference, atol=2e-3)


def test_objects_are_awake_after_a_check() -> None:
    twin, obs = twin_of(scene())
    result = twin.check(TABLETOP.ground("stack", ("red_1", "yellow_1")), TABLETOP.abstract(obs))
    assert result.ok, result.detail
    assert twin.last_lookahead.asleep == 2
    c, white = twin.client, twin.handles.objects["white_1"]
    pb.resetBasePositionAndOrientation(white, (0.5, -0.25, 0.15), (0, 0, 0, 1),
                                       physicsClientId=c)
    for _ in range(120):
        pb.stepSimulation(physicsClientId=c)
    assert z_of(twin, "white_1") < 0.03  # it falls: not left asleep in mid-air
    twin.close()


def test_plant_rate_physics_only_for_actions_that_load_a_support() -> None:
    twin, _ = twin_of(scene())
    stack = TABLETOP.ground("stack", ("red_1", "yellow_1"))
    coarse = [TABLETOP.ground("unstack", ("yellow_1", "blue_1")),
              TABLETOP.ground("place", ("red_1",)), TABLETOP.ground("pick", ("white_1",))]
    put_in = KITCHEN.ground("put-in", ("red_1", "drawer"))
    assert substeps_for(twin, stack) == substeps_for(twin, put_in) == twin.lookahead_substeps
    for action in coarse:
        assert substeps_for(twin, action) == twin.coarse_substeps < twin.lookahead_substeps
    twin.coarse_substeps = None
    assert substeps_for(twin, coarse[0]) == twin.lookahead_substeps
    twin.close()


def test_open_is_decided_at_the_release_with_the_drawer_open() -> None:
    spec = KITCHEN.generate_scene(3, for_skill="open").spec
    twin, obs = twin_of(spec, KITCHEN)
    result = twin.check(KITCHEN.ground("open", ("drawer",)), KITCHEN.abstract(obs))
    stats = twin.last_lookahead
    assert result.ok, result.detail
    assert stats.hand_neutral and "(open drawer)" in stats.predicted
    twin.close()
