"""The plant: a simulated Franka Panda on a table, in its own PyBullet client (DIRECT mode).

``SimRobot`` implements the small ``Robot`` protocol of DESIGN.md: ``reset(seed)``,
``observe()`` and ``apply(action)``.  Actions are the normalised 5-D end-effector deltas of
:mod:`vlaplan.skills.contract`; each one moves a commanded grasp-target pose, solved by IK
on link 11 into joint targets, and the physics runs at 240 Hz for ``1 / CONTROL_HZ`` s.
Grasping is physical: the fingers squeeze with :data:`FINGER_FORCE` and friction holds.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pybullet as pb

from vlaplan.planner.errors import WorldModelError
from vlaplan.skills.contract import (ACTION_DIM, CAMERA_KEYS, CONTROL_HZ,
                                     MAX_ROTATION, MAX_TRANSLATION, PRIVILEGED_KEY, STATE_KEY,
                                     clip_action)
from vlaplan.world_model.build import (PHYSICS_HZ, REST_POSE, WorldHandles, build_world,
                                       replace_objects, solve_ik)
from vlaplan.world_model.predicates import GRIPPER_KEY
from vlaplan.world_model.ready_pose import ready_target
from vlaplan.world_model.panda import (ARM_FORCES, ARM_JOINTS, FINGER_JOINTS, FINGER_MAX,
                                       GRASP_LINK)
from vlaplan.world_model.render import DEFAULT_FRONT, CameraRig, camera_names, check_front
from vlaplan.world_model.scene import SceneSpec

SUBSTEPS = PHYSICS_HZ // CONTROL_HZ  # physics steps per control step (12)
FINGER_FORCE = 30.0  # N per finger (20-40 N carries a 50 g cube reliably)
MAX_LEAD = 0.04  # m the commanded pose may run ahead of the measured one
YAW_LIMIT = 0.75 * math.pi  # rad, commanded yaw range of the grasp frame
HOLD_SETTLE_STEPS = 48  # physics steps letting a start-of-scene grasp settle


class SimRobot:
    """A Panda, a table and the scene's objects and fixtures in a private DIRECT client.

    ``render=False`` skips the cameras (fast checks, scripted evaluation).
    ``home_jitter`` (m) perturbs the start pose of the gripper, seeded by ``reset(seed)``
    (x, y by up to that much, z by half, yaw by twice as many radians).
    ``fast_reset`` keeps the Panda and table loaded across ``reset(scene=...)`` (about
    10 ms faster); results then differ from a fresh build by ~1e-5 m (solver caches), so
    a trial is bit-reproducible only after the same sequence of resets.
    ``substeps`` is the number of physics steps per control step (default
    :data:`SUBSTEPS`); a twin that changes the physics time step changes it with it.
    ``front_camera`` names the camera setup: the front camera's placement
    (``render.FRONT_PLACEMENTS``), with extra cameras after a ``+`` (``close+side``).
    ``cameras`` renders only some of the setup's cameras (default: all of them).
    """

    def __init__(self, scene: SceneSpec, image_size: int = 96,
                 cameras: tuple[str, ...] | None = None, render: bool = True,
                 seed: int | None = None, home_jitter: float = 0.0,
                 fast_reset: bool = False, front_camera: str = DEFAULT_FRONT) -> None:
        if not isinstance(scene, SceneSpec):
            raise WorldModelError(f"SimRobot needs a SceneSpec, got {type(scene).__name__}")
        if not 16 <= int(image_size) <= 512:
            raise WorldModelError(f"image_size must be in [16, 512], got {image_size}")
        self.image_size = int(image_size)
        self.front_camera = check_front(front_camera)
        self.cameras = tuple(cameras) if cameras is not None else camera_names(front_camera)
        self.render = render
        self.home_jitter = float(home_jitter)
        self.fast_reset = fast_reset
        self.client = pb.connect(pb.DIRECT)
        self.scene = scene
        self.handles: WorldHandles | None = None
        self.rig: CameraRig | None = None
        self.step_count = 0
        self.substeps = SUBSTEPS
        self.reset(seed)

    # -- lifecycle ---------------------------------------------------------------------
    def reset(self, seed: int | None = None, scene: SceneSpec | None = None) -> dict[str, Any]:
        """Rebuild the scene (``scene`` replaces the current one) and return an observation.

        With ``fast_reset`` and the same robot base and table, only objects and fixtures
        are rebuilt; otherwise the whole world is (bit-identical to a new SimRobot)."""
        old = self.scene
        if scene is not None:
            if not isinstance(scene, SceneSpec):
                raise WorldModelError(f"reset needs a SceneSpec, got {type(scene).__name__}")
            self.scene = scene
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        reuse = (self.fast_reset and self.handles is not None
                 and old.robot.base_pos == self.scene.robot.base_pos
                 and old.table == self.scene.table)
        try:
            if reuse:
                self.handles = replace_objects(self.handles, self.scene)
            else:
                self.handles = build_world(self.client, self.scene)
        except pb.error as exc:
            raise WorldModelError(f"could not build the scene: {exc}") from exc
        self.step_count = 0
        self._sim_steps = 0
        self._target_pos, self._target_yaw = ready_target(self.scene)
        if self.home_jitter > 0:  # seeded variety of start poses (demonstrations)
            j = self.rng.uniform(-1.0, 1.0, size=4) * self.home_jitter
            self._target_pos += np.array([j[0], j[1], 0.5 * j[2]])
            self._target_yaw += 2.0 * j[3]
        self._gripper_cmd = 1.0
        self._teleport_arm(self._target_pos, self._target_yaw)
        if self.scene.robot.holding:
            self._start_holding(self.scene.robot.holding)
        pb.performCollisionDetection(physicsClientId=self.client)
        self.rig = (CameraRig(self.client, self.handles.panda, self.scene, self.image_size,
                              self.cameras, self.front_camera) if self.render else None)
        return self.observe()

    def close(self) -> None:
        if self.client >= 0:
            pb.disconnect(physicsClientId=self.client)
            self.client = -1

    def __enter__(self) -> "SimRobot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # -- arm helpers -------------------------------------------------------------------
    def _teleport_arm(self, pos: np.ndarray, yaw: float, fingers: float = FINGER_MAX) -> None:
        panda, c = self.handles.panda, self.client
        for j, v in zip(ARM_JOINTS, REST_POSE):  # the same IK seed whatever came before
            pb.resetJointState(panda, j, v, physicsClientId=c)
        for _ in range(3):
            q = solve_ik(c, panda, tuple(pos), yaw, iterations=60)
            for j, v in zip(ARM_JOINTS, q):
                pb.resetJointState(panda, j, v, physicsClientId=c)
        for j in FINGER_JOINTS:
            pb.resetJointState(panda, j, fingers, physicsClientId=c)
        self._drive(q, fingers)

    def _drive(self, q: np.ndarray, finger_target: float) -> None:
        panda, c = self.handles.panda, self.client
        pb.setJointMotorControlArray(panda, ARM_JOINTS, pb.POSITION_CONTROL,
                                     targetPositions=list(q), forces=ARM_FORCES,
                                     physicsClientId=c)
        pb.setJointMotorControlArray(panda, FINGER_JOINTS, pb.POSITION_CONTROL,
                                     targetPositions=[finger_target] * 2,
                                     forces=[FINGER_FORCE] * 2, physicsClientId=c)

    def _start_holding(self, name: str) -> None:
        """Put object ``name`` between the fingers at the home pose (shifted by the
        robot's ``hold_offset``) and squeeze it."""
        obj = self.scene.object(name)
        body = self.handles.objects[name]
        pos, _ = self.ee_pose()
        width = obj.size[1] / 2
        self._teleport_arm(self._target_pos, self._target_yaw, fingers=width + 0.002)
        along, lower = self.scene.robot.hold_offset
        yaw = self._target_yaw
        pb.resetBasePositionAndOrientation(
            body, (pos[0] + along * np.cos(yaw), pos[1] + along * np.sin(yaw),
                   pos[2] - 0.005 - lower),
            pb.getQuaternionFromEuler((0.0, 0.0, yaw)), physicsClientId=self.client)
        self._gripper_cmd = -1.0
        q = [pb.getJointState(self.handles.panda, j, physicsClientId=self.client)[0]
             for j in ARM_JOINTS]
        self._drive(np.asarray(q), 0.0)
        for _ in range(HOLD_SETTLE_STEPS):
            pb.stepSimulation(physicsClientId=self.client)

    def command(self) -> tuple[np.ndarray, float, float]:
        """The controller's state: commanded grasp-target position, yaw, gripper command."""
        return self._target_pos.copy(), self._target_yaw, self._gripper_cmd

    def set_command(self, pos: np.ndarray, yaw: float, gripper: float,
                    joints: np.ndarray | None = None) -> None:
        """Set the controller's state (e.g. a twin continuing from an observed plant) and
        drive the arm motors to ``joints`` (default: IK of ``pos``/``yaw``)."""
        self._target_pos = np.asarray(pos, dtype=float).copy()
        self._target_yaw = float(yaw)
        self._gripper_cmd = float(gripper)
        q = joints if joints is not None else solve_ik(
            self.client, self.handles.panda, tuple(self._target_pos), self._target_yaw)
        self._drive(np.asarray(q), (self._gripper_cmd + 1.0) / 2.0 * FINGER_MAX)

    def ee_pose(self) -> tuple[np.ndarray, float]:
        """Measured position of the grasp target (link 11) and its yaw."""
        state = pb.getLinkState(self.handles.panda, GRASP_LINK, computeForwardKinematics=True,
                                physicsClientId=self.client)
        rot = pb.getMatrixFromQuaternion(state[5])
        return np.asarray(state[4]), math.atan2(rot[3], rot[0])

    def gripper_width(self) -> float:
        return float(sum(pb.getJointState(self.handles.panda, j, physicsClientId=self.client)[0]
                         for j in FINGER_JOINTS))

    def joint_positions(self) -> np.ndarray:
        return np.asarray([pb.getJointState(self.handles.panda, j, physicsClientId=self.client)[0]
                           for j in ARM_JOINTS])

    @property
    def sim_time(self) -> float:
        return self._sim_steps / PHYSICS_HZ

    # -- the Robot protocol ------------------------------------------------------------
    def apply(self, action: Any) -> None:
        """Apply one normalised action for one control step (1 / CONTROL_HZ s)."""
        try:
            a = clip_action(action)
        except (ValueError, TypeError) as exc:
            raise WorldModelError(f"bad action (expected {ACTION_DIM} finite numbers "
                                  f"dx, dy, dz, dyaw, gripper in [-1, 1]): {exc}") from exc
        pos, _ = self.ee_pose()
        lead = self._target_pos - pos
        dist = float(np.linalg.norm(lead))
        if dist > MAX_LEAD:
            self._target_pos = pos + lead * (MAX_LEAD / dist)
        target = self._target_pos + a[:3].astype(float) * MAX_TRANSLATION
        self._target_pos = self._clip_workspace(target)
        self._target_yaw = float(np.clip(self._target_yaw + a[3] * MAX_ROTATION,
                                         -YAW_LIMIT, YAW_LIMIT))
        self._gripper_cmd = float(a[4])
        q = solve_ik(self.client, self.handles.panda, tuple(self._target_pos), self._target_yaw)
        self._drive(q, (self._gripper_cmd + 1.0) / 2.0 * FINGER_MAX)
        for _ in range(self.substeps):
            pb.stepSimulation(physicsClientId=self.client)
        self._sim_steps += self.substeps
        self.step_count += 1

    def _clip_workspace(self, p: np.ndarray) -> np.ndarray:
        t = self.scene.table
        base = np.asarray(self.scene.robot.base_pos[:2])
        out = p.copy()
        out[2] = np.clip(out[2], t.height + 0.005, t.height + 0.6)
        rel = out[:2] - base
        r = float(np.linalg.norm(rel))
        if r > 0.82:
            out[:2] = base + rel * (0.82 / r)
        elif r < 0.2:
            out[:2] = base + (rel / r if r > 1e-6 else np.array([1.0, 0.0])) * 0.2
        return out

    def observe(self, render: bool | None = None) -> dict[str, Any]:
        """The observation dict of DESIGN.md (images only when rendering is on)."""
        obs: dict[str, Any] = {}
        if (self.render if render is None else render):
            if self.rig is None:
                self.rig = CameraRig(self.client, self.handles.panda, self.scene,
                                     self.image_size, self.cameras, self.front_camera)
            for name, img in self.rig.render_all().items():
                obs[CAMERA_KEYS[name]] = img
        pos, yaw = self.ee_pose()
        width = self.gripper_width()
        state = np.concatenate([pos, [yaw, width], self.joint_positions()]).astype(np.float32)
        obs[STATE_KEY] = state
        obs[PRIVILEGED_KEY] = self.privileged(pos, yaw, width)
        return obs

    def privileged(self, pos: np.ndarray | None = None, yaw: float | None = None,
                   width: float | None = None) -> dict[str, Any]:
        """Ground truth: object poses and contacts, fixture states, the end effector.  An
        object both fingers touch also records the gripper's width and yaw (for
        :func:`~vlaplan.world_model.predicates.held`)."""
        if pos is None or yaw is None:
            pos, yaw = self.ee_pose()
        if width is None:
            width = self.gripper_width()
        c = self.client
        objects: dict[str, Any] = {}
        for spec in self.scene.objects:
            body = self.handles.objects.get(spec.name)
            if body is None:
                continue
            p, q = pb.getBasePositionAndOrientation(body, physicsClientId=c)
            contacts = self._contacts(body)
            objects[spec.name] = {
                "pos": list(p), "quat": list(q), "shape": spec.shape, "colour": spec.colour,
                "size": list(spec.size), "contacts": contacts,
            }
            if "left_finger" in contacts and "right_finger" in contacts:
                objects[spec.name][GRIPPER_KEY] = {"width": float(width), "yaw": float(yaw),
                                                   "pos": list(map(float, pos))}
        fixtures: dict[str, Any] = {}
        for spec in self.scene.fixtures:
            fixtures[spec.name] = self._fixture_state(spec)
        return {"objects": objects, "fixtures": fixtures,
                "ee": {"pos": list(map(float, pos)), "yaw": float(yaw),
                       "gripper_width": float(width), "gripper_cmd": self._gripper_cmd},
                "table": {"height": self.scene.table.height, "centre": list(self.scene.table.centre),
                          "size": list(self.scene.table.size)},
                "time": self.sim_time}

    def _contacts(self, body: int) -> list[str]:
        names: set[str] = set()
        panda = self.handles.panda
        for point in pb.getContactPoints(bodyA=body, physicsClientId=self.client):
            other, link = point[2], point[4]
            if other == panda:
                names.add({9: "left_finger", 10: "right_finger"}.get(link, "robot"))
            else:
                name = self.handles.name_of(other)
                if name:
                    names.add(name)
        return sorted(names)

    def _fixture_state(self, spec: Any) -> dict[str, Any]:
        body = self.handles.fixtures[spec.name]
        base = {"kind": spec.kind, "pos": list(spec.pos), "size": list(spec.size),
                "yaw": spec.yaw, "colour": spec.colour}
        try:
            from vlaplan.world_model import fixtures as fixture_builders
        except ModuleNotFoundError:
            return base
        state = getattr(fixture_builders, "fixture_state", None)
        if state is not None:
            base.update(state(self.client, body, spec, table_height=self.scene.table.height))
        return base
