"""Build a :class:`SceneSpec` into a PyBullet client: table, Panda, objects, fixtures.

Used by the plant (:class:`~vlaplan.world_model.robot.SimRobot`) and by the physics
twin, so both worlds are made the same way.  Fixtures are built by
``vlaplan.world_model.fixtures.build_fixture(client, spec) -> body id`` when that
module is present.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pybullet as pb

from vlaplan.planner.errors import WorldModelError
from vlaplan.world_model.panda import (ARM_JOINTS, FINGER_JOINTS, GRASP_LINK, fast_panda_urdf)
from vlaplan.world_model.scene import RGBA, FixtureSpec, ObjectSpec, SceneSpec

PHYSICS_HZ = 240
OBJECT_FRICTION = 1.0  # lateral friction of objects and fingers (see DESIGN.md, measured)
FINGER_FRICTION = 1.0
SPINNING_FRICTION = 0.002
TABLE_THICKNESS = 0.05
# A comfortable arm configuration with the gripper pointing down; IK rest pose.
REST_POSE: tuple[float, ...] = (0.0, -0.25, 0.0, -2.2, 0.0, 1.95, 0.785)
ARM_LOWER = np.array([-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973])
ARM_UPPER = np.array([2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973])
FINGER_RGBA = (0.25, 0.25, 0.28, 1.0)


@dataclass
class WorldHandles:
    """Body ids of a built scene in one client."""

    client: int
    panda: int
    table: int
    objects: dict[str, int] = field(default_factory=dict)
    fixtures: dict[str, int] = field(default_factory=dict)

    def name_of(self, body: int) -> str | None:
        if body == self.table:
            return "table"
        if body == self.panda:
            return "robot"
        for table in (self.objects, self.fixtures):
            for name, bid in table.items():
                if bid == body:
                    return name
        return None


def down_quat(yaw: float) -> tuple[float, float, float, float]:
    """Orientation of the grasp frame pointing straight down, rotated by ``yaw``."""
    return tuple(pb.getQuaternionFromEuler((math.pi, 0.0, yaw)))


def _object_shapes(obj: ObjectSpec, client: int) -> tuple[int, int]:
    rgba = RGBA[obj.colour]
    half = [s / 2 for s in obj.size]
    if obj.shape == "cylinder":
        col = pb.createCollisionShape(pb.GEOM_CYLINDER, radius=half[0], height=obj.size[2],
                                      physicsClientId=client)
        vis = pb.createVisualShape(pb.GEOM_CYLINDER, radius=half[0], length=obj.size[2],
                                   rgbaColor=rgba, physicsClientId=client)
    else:
        col = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=half, physicsClientId=client)
        vis = pb.createVisualShape(pb.GEOM_BOX, halfExtents=half, rgbaColor=rgba,
                                   physicsClientId=client)
    return col, vis


def add_object(client: int, obj: ObjectSpec) -> int:
    """Create one movable object; returns its body id."""
    col, vis = _object_shapes(obj, client)
    body = pb.createMultiBody(obj.mass, col, vis, obj.pos,
                              pb.getQuaternionFromEuler((0.0, 0.0, obj.yaw)),
                              physicsClientId=client)
    pb.changeDynamics(body, -1, lateralFriction=OBJECT_FRICTION,
                      spinningFriction=SPINNING_FRICTION, physicsClientId=client)
    return body


def _add_table(client: int, spec: SceneSpec) -> int:
    t = spec.table
    half = (t.size[0] / 2, t.size[1] / 2, TABLE_THICKNESS / 2)
    col = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=half, physicsClientId=client)
    vis = pb.createVisualShape(pb.GEOM_BOX, halfExtents=half, rgbaColor=t.colour,
                               physicsClientId=client)
    body = pb.createMultiBody(0, col, vis, (t.centre[0], t.centre[1],
                                            t.height - TABLE_THICKNESS / 2),
                              physicsClientId=client)
    pb.changeDynamics(body, -1, lateralFriction=OBJECT_FRICTION, physicsClientId=client)
    return body


def _add_panda(client: int, spec: SceneSpec) -> int:
    base = spec.robot.base_pos
    body = pb.loadURDF(str(fast_panda_urdf()), (base[0], base[1], base[2] + spec.table.height),
                       useFixedBase=True, physicsClientId=client)
    for j, q in zip(ARM_JOINTS, REST_POSE):
        pb.resetJointState(body, j, q, physicsClientId=client)
    for j in FINGER_JOINTS:
        pb.resetJointState(body, j, 0.04, physicsClientId=client)
        pb.changeDynamics(body, j, lateralFriction=FINGER_FRICTION,
                          spinningFriction=SPINNING_FRICTION, physicsClientId=client)
        pb.changeVisualShape(body, j, rgbaColor=FINGER_RGBA, physicsClientId=client)
    # The real gripper's fingers are geared together (URDF <mimic>); PyBullet ignores
    # mimic tags, so couple them with a gear constraint to keep grasps centred.
    gear = pb.createConstraint(body, FINGER_JOINTS[0], body, FINGER_JOINTS[1], pb.JOINT_GEAR,
                               (1, 0, 0), (0, 0, 0), (0, 0, 0), physicsClientId=client)
    pb.changeConstraint(gear, gearRatio=-1, erp=0.1, maxForce=50, physicsClientId=client)
    return body


def _add_fixture(client: int, fixture: FixtureSpec, spec: SceneSpec) -> int:
    try:
        from vlaplan.world_model import fixtures as fixture_builders
    except ModuleNotFoundError as exc:
        raise WorldModelError(f"fixture {fixture.name!r} ({fixture.kind}) needs "
                              "vlaplan.world_model.fixtures, which is not installed") from exc
    return fixture_builders.build_fixture(client, fixture, table_height=spec.table.height)


def build_world(client: int, spec: SceneSpec) -> WorldHandles:
    """Reset ``client`` and build ``spec`` into it (gravity, 240 Hz physics)."""
    pb.resetSimulation(physicsClientId=client)
    pb.setGravity(0, 0, -9.81, physicsClientId=client)
    pb.setPhysicsEngineParameter(fixedTimeStep=1.0 / PHYSICS_HZ, numSolverIterations=50,
                                 physicsClientId=client)
    table = _add_table(client, spec)
    panda = _add_panda(client, spec)
    return _add_scene_bodies(WorldHandles(client=client, panda=panda, table=table), spec)


def replace_objects(handles: WorldHandles, spec: SceneSpec) -> WorldHandles:
    """Swap the objects and fixtures of a built world for ``spec``'s (same robot and table).

    Much cheaper than :func:`build_world` (the Panda URDF is not reloaded)."""
    c = handles.client
    # Remove the highest ids first, so that the freed ids come back in ascending order and
    # the new bodies get the ids a fresh build would give them (same contact order, so
    # the same trajectories as after build_world).
    for body in sorted([*handles.objects.values(), *handles.fixtures.values()], reverse=True):
        pb.removeBody(body, physicsClientId=c)
    handles.objects.clear()
    handles.fixtures.clear()
    return _add_scene_bodies(handles, spec)


def _add_scene_bodies(handles: WorldHandles, spec: SceneSpec) -> WorldHandles:
    """Add ``spec``'s fixtures, then its objects (this order fixes the body ids)."""
    for fixture in spec.fixtures:
        handles.fixtures[fixture.name] = _add_fixture(handles.client, fixture, spec)
    for obj in spec.objects:
        handles.objects[obj.name] = add_object(handles.client, obj)
    return handles


def solve_ik(client: int, panda: int, pos: tuple[float, float, float], yaw: float,
             iterations: int = 30) -> np.ndarray:
    """Arm joint positions (7,) putting the grasp target (link 11) at ``pos``, pointing down."""
    ranges = ARM_UPPER - ARM_LOWER
    lower = list(ARM_LOWER) + [0.0, 0.0]
    upper = list(ARM_UPPER) + [0.04, 0.04]
    rest = list(REST_POSE[:6]) + [REST_POSE[6] + yaw, 0.02, 0.02]
    q = pb.calculateInverseKinematics(
        panda, GRASP_LINK, pos, down_quat(yaw), lowerLimits=lower, upperLimits=upper,
        jointRanges=list(ranges) + [0.04, 0.04], restPoses=rest, maxNumIterations=iterations,
        residualThreshold=1e-4, physicsClientId=client)
    return np.clip(np.asarray(q[:7]), ARM_LOWER, ARM_UPPER)
