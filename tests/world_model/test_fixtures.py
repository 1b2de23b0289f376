"""The drawer cabinet and bin builders: URDFs, joint, physics, privileged state, validation."""
import math
import xml.etree.ElementTree as ET

import numpy as np
import pybullet as pb
import pytest
from pydantic import ValidationError

from vlaplan.world_model import fixtures as fx
from vlaplan.world_model.build import build_world
from vlaplan.world_model.scene import ObjectSpec, SceneSpec


def test_urdfs_are_well_formed_and_cached_by_content():
    root = ET.fromstring(fx.drawer_urdf())
    joint = [j for j in root.iter("joint") if j.get("type") == "prismatic"]
    assert len(joint) == 1 and joint[0].get("name") == fx.DRAWER_JOINT_NAME
    limit = joint[0].find("limit")
    assert float(limit.get("lower")) == 0.0 and float(limit.get("upper")) == fx.DRAWER.travel
    assert ET.fromstring(fx.bin_urdf((1, 0, 0, 1))).find("link") is not None
    a, b = fx.write_urdf(fx.bin_urdf((1, 0, 0, 1)), "bin"), fx.write_urdf(
        fx.bin_urdf((0, 0, 1, 1)), "bin")
    assert a != b and a.exists() and fx.write_urdf(fx.bin_urdf((1, 0, 0, 1)), "bin") == a


def _world(fixtures, objects=()):
    client = pb.connect(pb.DIRECT)
    handles = build_world(client, SceneSpec(fixtures=list(fixtures), objects=list(objects)))
    return client, handles


def test_drawer_joint_stays_where_it_is_left_and_respects_limits():
    spec = fx.drawer_fixture("drawer", (0.68, 0.22), 0.1, opening=0.1)
    client, h = _world([spec])
    try:
        body = h.fixtures["drawer"]
        j = fx.drawer_joint_index(client, body)
        info = pb.getJointInfo(body, j, physicsClientId=client)
        assert info[2] == pb.JOINT_PRISMATIC and (info[8], info[9]) == (0.0, fx.DRAWER.travel)
        for _ in range(240):
            pb.stepSimulation(physicsClientId=client)
        state = fx.fixture_state(client, body, spec)
        assert abs(state["joint"] - 0.1) < 1e-3  # friction holds it, gravity does not move it
        # A push along the opening direction larger than the friction moves it, to the limit.
        for _ in range(480):
            pb.applyExternalForce(body, j + 1, (-30 * math.cos(0.1), -30 * math.sin(0.1), 0),
                                  state["handle"], pb.WORLD_FRAME, physicsClientId=client)
            pb.stepSimulation(physicsClientId=client)
        moved = fx.fixture_state(client, body, spec)
        assert fx.DRAWER.travel - 0.01 < moved["joint"] <= fx.DRAWER.travel + 1e-3
        assert np.linalg.norm(np.subtract(moved["handle"], state["handle"])) == pytest.approx(
            moved["joint"] - state["joint"], abs=2e-3)
    finally:
        pb.disconnect(client)


def test_privileged_drawer_slots_lie_in_the_drawer_and_expose_with_opening():
    origin, yaw = (0.68, -0.24, 0.0), -0.1
    closed = fx.drawer_privileged(0.0, origin, yaw)
    opened = fx.drawer_privileged(fx.DRAWER_OPEN_TARGET, origin, yaw)
    assert not any(s[3] for s in closed["slots"]) and all(s[3] for s in opened["slots"])
    x_min, x_max, y_half = opened["interior"]
    for x, y, z, _ in opened["slots"]:
        lx, ly, _ = fx.to_local((x, y, z), origin, yaw)
        assert x_min < lx < min(x_max, fx.DRAWER.front_x) and abs(ly) < y_half
        assert z == pytest.approx(opened["floor_z"])
    # The handle moves along open_dir by the opening.
    delta = np.subtract(opened["handle"], closed["handle"])
    assert np.allclose(delta, np.multiply(opened["open_dir"], fx.DRAWER_OPEN_TARGET))


def test_object_dropped_over_a_bin_lands_inside_it():
    spec = fx.bin_fixture("red_bin", "red", (0.6, 0.1), 0.3)
    cube = ObjectSpec(name="red_cube_1", colour="red", pos=(0.45, -0.2, 0.02))
    client, h = _world([spec], [cube])
    try:
        info = fx.fixture_state(client, h.fixtures["red_bin"], spec)
        x, y, _, _ = info["slots"][1]
        body = h.objects["red_cube_1"]
        pb.resetBasePositionAndOrientation(body, (x, y, info["wall_top_z"] + 0.05), (0, 0, 0, 1),
                                           physicsClientId=client)
        for _ in range(240):
            pb.stepSimulation(physicsClientId=client)
        pos, _ = pb.getBasePositionAndOrientation(body, physicsClientId=client)
        lx, ly, _ = fx.to_local(pos, info["center"], info["yaw"])
        assert abs(lx) < info["inner_half"] and abs(ly) < info["inner_half"]
        assert pos[2] == pytest.approx(info["floor_z"] + 0.02, abs=2e-3)
    finally:
        pb.disconnect(client)


@pytest.mark.parametrize("kwargs, words", [
    (dict(fixtures=[fx.drawer_fixture("drawer", (0.95, 0.2))]), ["fixtures[0]", "off the table"]),
    (dict(fixtures=[fx.bin_fixture("red_bin", "red", (0.6, 0.2)),
                    fx.bin_fixture("blue_bin", "blue", (0.62, 0.28))]),
     ["fixtures[1]", "blue_bin", "overlaps", "red_bin"]),
    (dict(fixtures=[fx.bin_fixture("red_bin", "red", (0.6, 0.2))],
          objects=[ObjectSpec(name="a", colour="red", pos=(0.6, 0.28, 0.02))]),
     ["objects[0]", "overlaps fixture 'red_bin'"]),
    (dict(fixtures=[fx.drawer_fixture("drawer", (0.68, 0.2))],
          objects=[ObjectSpec(name="a", colour="red", pos=(0.5, 0.2, 0.02))]),
     ["objects[0]", "overlaps fixture 'drawer'"]),
    (dict(fixtures=[fx.drawer_fixture("drawer", (0.68, 0.2), opening=0.5)]),
     ["params.opening"]),
])
def test_bad_fixture_scenes_are_validation_errors(kwargs, words):
    with pytest.raises(ValidationError) as err:
        SceneSpec(**kwargs)
    for word in words:
        assert word in str(err.value)


def test_objects_resting_inside_fixtures_are_valid():
    drawer = fx.drawer_fixture("drawer", (0.68, 0.2), 0.05, opening=0.19)
    x, y, z, _ = fx.drawer_privileged(0.19, fx.cabinet_origin(drawer), 0.05)["slots"][0]
    bin_ = fx.bin_fixture("red_bin", "red", (0.6, -0.25))
    bx, by, bz = fx.bin_slot(bin_, 0.04, 0.04)
    scene = SceneSpec(fixtures=[drawer, bin_], objects=[
        ObjectSpec(name="a", colour="red", pos=(x, y, z + 0.02), yaw=0.05),
        ObjectSpec(name="b", colour="red", pos=(bx, by, bz + 0.02))])
    assert len(scene.objects) == 2
