"""The geometric check stages on the twin: the target pose of an action, IK reachability
and gripper collision there.

Each stage returns ``None`` when it passes or a :class:`~vlaplan.world_model.checks.Failure`.
They move the twin's bodies (joint resets, the held object); the caller restores the
twin's saved state afterwards.  Nothing here touches the plant.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pybullet as pb

from vlaplan.skills.scripted import GRASP_OFFSET
from vlaplan.skills.scripted import grasp_yaw as expert_grasp_yaw
from vlaplan.world_model.build import WorldHandles, down_quat, solve_ik
from vlaplan.world_model.checks import ActionLike, Failure, ReasonCode, action_label
from vlaplan.world_model.panda import ARM_JOINTS, FINGER_JOINTS, FINGER_MAX, GRASP_LINK

REACH_TOL = 0.01  # m between the IK solution's grasp frame and the target
TILT_TOL = 0.25  # rad between the grasp frame's approach axis and straight down
PENETRATION_TOL = 0.002  # m of interpenetration tolerated before it counts as a collision
PLACE_CLEARANCE = 0.004  # m the held object is lifted above its support for the check
GRIPPER_LINKS: tuple[int, ...] = (7, 8, 9, 10)  # link 7 (wrist), hand, two fingers
IK_ROUNDS = 3


@dataclass(frozen=True)
class TargetPose:
    """Where an action sends the grasp frame (Panda link 11), pointing down with ``yaw``.

    ``mode`` is ``grasp`` (fingers open around ``subject``), ``place`` (``subject`` is
    carried to ``pos``) or ``handle`` (fingers open around a drawer handle).  ``support``
    names what the placed object may touch (the block below, the table, the container).
    """

    pos: tuple[float, float, float]
    yaw: float
    mode: str
    subject: str
    support: frozenset[str] = field(default_factory=frozenset)


def body_pose(client: int, body: int) -> tuple[np.ndarray, float]:
    pos, quat = pb.getBasePositionAndOrientation(body, physicsClientId=client)
    return np.asarray(pos), float(pb.getEulerFromQuaternion(quat)[2])


def grasp_frame(client: int, panda: int) -> tuple[np.ndarray, np.ndarray]:
    """(position, rotation matrix) of link 11 from the current joint positions."""
    state = pb.getLinkState(panda, GRASP_LINK, computeForwardKinematics=True,
                            physicsClientId=client)
    return np.asarray(state[4]), np.asarray(pb.getMatrixFromQuaternion(state[5])).reshape(3, 3)


def set_arm(client: int, panda: int, q: np.ndarray, finger: float | None = None) -> None:
    for j, v in zip(ARM_JOINTS, q):
        pb.resetJointState(panda, j, float(v), physicsClientId=client)
    if finger is not None:
        for j in FINGER_JOINTS:
            pb.resetJointState(panda, j, finger, physicsClientId=client)


def check_reach(client: int, panda: int, target: TargetPose,
                label: str) -> tuple[Failure | None, np.ndarray]:
    """Stage 2: can IK bring the grasp frame to ``target``?  Returns (failure, joints)."""
    goal = np.asarray(target.pos)
    q = solve_ik(client, panda, target.pos, target.yaw)
    error = math.inf
    for _ in range(IK_ROUNDS):
        set_arm(client, panda, q)
        pos, rot = grasp_frame(client, panda)
        error = float(np.linalg.norm(pos - goal))
        tilt = math.acos(max(-1.0, min(1.0, -rot[2, 2])))
        if error <= REACH_TOL and tilt <= TILT_TOL:
            return None, q
        q = solve_ik(client, panda, target.pos, target.yaw, iterations=60)
    dist = math.hypot(goal[0], goal[1])
    return Failure(ReasonCode.UNREACHABLE,
                   f"{label}: the gripper cannot reach {target.subject} at "
                   f"({goal[0]:.3f}, {goal[1]:.3f}, {goal[2]:.3f}), {dist:.2f} m from the base; "
                   f"best IK solution misses by {error * 100:.1f} cm",
                   objects=(target.subject,), distance_error=error), q


def _penetrations(client: int, body: int, link: int | None, handles: WorldHandles,
                  skip: set[int]) -> list[tuple[float, int]]:
    hits = []
    others = [handles.table, *handles.objects.values(), *handles.fixtures.values()]
    for other in others:
        if other in skip or other == body:
            continue
        kwargs = {"linkIndexA": link} if link is not None else {}
        for point in pb.getClosestPoints(body, other, PENETRATION_TOL, physicsClientId=client,
                                         **kwargs):
            if point[8] < -PENETRATION_TOL:
                hits.append((float(point[8]), other))
    return hits


def held_in_hand(client: int, panda: int, body: int) -> tuple[tuple, tuple]:
    """Pose (position, quaternion) of ``body`` in the grasp frame, from the current state."""
    state = pb.getLinkState(panda, GRASP_LINK, computeForwardKinematics=True,
                            physicsClientId=client)
    inv = pb.invertTransform(state[4], state[5])
    obj_pos, obj_quat = pb.getBasePositionAndOrientation(body, physicsClientId=client)
    return pb.multiplyTransforms(inv[0], inv[1], obj_pos, obj_quat)


def check_collision(client: int, handles: WorldHandles, target: TargetPose, q: np.ndarray,
                    held: str | None, label: str, held_local: tuple | None = None
                    ) -> Failure | None:
    """Stage 3: are the gripper (and the held object) free at ``target`` with joints ``q``?

    ``held_local`` is the held object's pose in the grasp frame (:func:`held_in_hand`,
    taken before the arm moved).  In ``grasp``/``handle`` mode the fingers are opened
    fully; open fingers that cut into the subject mean it is wider than the gripper
    opens (GRASP_INFEASIBLE).
    """
    panda = handles.panda
    names = {bid: name for name, bid in {**handles.objects, **handles.fixtures}.items()}
    names[handles.table] = "table"
    subject = handles.objects.get(target.subject, handles.fixtures.get(target.subject))
    held_body = handles.objects.get(held) if held else None
    if held_body is not None and target.mode == "place" and held_local is not None:
        set_arm(client, panda, q)
        state = pb.getLinkState(panda, GRASP_LINK, computeForwardKinematics=True,
                                physicsClientId=client)
        pos, quat = pb.multiplyTransforms(state[4], state[5], *held_local)
        pos = (pos[0], pos[1], pos[2] + PLACE_CLEARANCE)
        pb.resetBasePositionAndOrientation(held_body, pos, quat, physicsClientId=client)
    else:
        set_arm(client, panda, q, finger=FINGER_MAX)
    pb.performCollisionDetection(physicsClientId=client)
    skip = {held_body} if held_body is not None else set()
    if target.mode in ("grasp", "handle") and subject is not None:
        for link in (9, 10):
            if _penetrations(client, panda, link, handles, set(handles.objects.values()) - {
                    subject} | set(handles.fixtures.values()) - {subject} | {handles.table}):
                return Failure(ReasonCode.GRASP_INFEASIBLE,
                               f"{label}: the open fingers cut into {target.subject}; it is wider "
                               f"than the gripper opens ({2 * FINGER_MAX * 100:.0f} cm)",
                               objects=(target.subject,))
        skip.add(subject)
    hits: list[tuple[float, int, str]] = []
    for link in GRIPPER_LINKS:
        hits += [(d, b, "gripper") for d, b in _penetrations(client, panda, link, handles, skip)]
    if held_body is not None and target.mode == "place" and held_local is not None:
        allowed = {handles.objects.get(n, handles.fixtures.get(n)) for n in target.support}
        allowed |= {panda}
        hits += [(d, b, held or "") for d, b in
                 _penetrations(client, held_body, None, handles, allowed)]
    if not hits:
        return None
    depth, body, what = min(hits)
    obstacle = names.get(body, f"body {body}")
    return Failure(ReasonCode.COLLISION,
                   f"{label}: the {what} would hit {obstacle} at the {target.mode} pose of "
                   f"{target.subject} ({-depth * 100:.1f} cm deep)",
                   objects=(obstacle, target.subject))


PlaceSpot = Callable[[str], tuple[float, float]]


def target_pose(action: ActionLike, handles: WorldHandles, sizes: dict[str, tuple[float, ...]],
                held: str | None, fixture_info: dict[str, dict],
                place_spot: PlaceSpot | None = None) -> TargetPose | Failure:
    """The pose an action's skill sends the gripper to, from the twin's current state."""
    client, name, args = handles.client, action.name, tuple(action.args)
    label = action_label(action)

    def obj(n: str) -> tuple[np.ndarray, float, tuple[float, ...]]:
        pos, yaw = body_pose(client, handles.objects[n])
        return pos, yaw, sizes[n]

    def carried_offset(x: str) -> float:
        """Height of the grasp frame above the held object's centre."""
        if held != x:
            return 0.0
        hand, _ = grasp_frame(client, handles.panda)
        return float(hand[2] - body_pose(client, handles.objects[x])[0][2])

    if name in ("pick", "unstack", "take-out") and args and args[0] in handles.objects:
        pos, yaw, size = obj(args[0])
        # As the scripted expert grasps: just above the centre, the symmetric yaw nearest
        # the hand's.
        yaw = expert_grasp_yaw(yaw, _held_yaw(handles))
        return TargetPose((pos[0], pos[1], pos[2] + GRASP_OFFSET), yaw, "grasp", args[0])
    if name == "stack" and len(args) == 2 and args[1] in handles.objects:
        below, _, bsize = obj(args[1])
        x_size = sizes.get(args[0], (0.04, 0.04, 0.04))
        z = below[2] + bsize[2] / 2 + x_size[2] / 2 + carried_offset(args[0])
        yaw = _held_yaw(handles)
        return TargetPose((below[0], below[1], z), yaw, "place", args[0], frozenset({args[1]}))
    if name in ("put-in",) and len(args) == 2 and args[1] in fixture_info:
        info = fixture_info[args[1]]
        centre = info.get("exposed_center") or info.get("interior_center") or info["origin"]
        x_size = sizes.get(args[0], (0.04, 0.04, 0.04))
        z = float(info.get("floor_z", centre[2])) + x_size[2] / 2 + carried_offset(args[0])
        return TargetPose((centre[0], centre[1], z), _held_yaw(handles), "place", args[0],
                          frozenset({args[1]}))
    if name == "place" and args and place_spot is not None:
        x, y = place_spot(args[0])
        x_size = sizes.get(args[0], (0.04, 0.04, 0.04))
        base_z = pb.getAABB(handles.table, physicsClientId=client)[1][2]
        z = base_z + x_size[2] / 2 + carried_offset(args[0])
        return TargetPose((x, y, z), _held_yaw(handles), "place", args[0], frozenset({"table"}))
    if name in ("open", "close") and args and args[0] in fixture_info:
        handle = fixture_info[args[0]]["handle"]
        return TargetPose(tuple(handle), float(fixture_info[args[0]].get("yaw", 0.0)) + math.pi / 2,
                          "handle", args[0])
    return Failure(ReasonCode.UNSUPPORTED_ACTION,
                   f"{label}: the twin has no target pose for this action", objects=args)


def _held_yaw(handles: WorldHandles) -> float:
    _, rot = grasp_frame(handles.client, handles.panda)
    return math.atan2(rot[1, 0], rot[0, 0])
