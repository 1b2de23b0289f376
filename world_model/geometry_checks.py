"""The geometric check stages on the twin: the target pose of an action, IK reachability
and gripper collision there.

Each stage returns ``None`` when it passes or a :class:`~vlaplan.world_model.checks.Failure`.
They move the twin's bodies (joint resets, the held object); the caller restores the
twin's saved state afterwards.  Nothing here touches the plant.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any

import numpy as np
import pybullet as pb

from vlaplan.planner.errors import VlaplanError
from vlaplan.world_model import expert_targets as T
from vlaplan.world_model.build import REST_POSE, WorldHandles, solve_ik
from vlaplan.world_model.checks import ActionLike, Failure, ReasonCode, action_label
from vlaplan.world_model.panda import ARM_JOINTS, FINGER_JOINTS, FINGER_MAX, GRASP_LINK
from vlaplan.world_model.predicates import HAND_PARTS, finger_axis, width_along

REACH_TOL = 0.02  # m between the IK solution's grasp frame and the target (the skills are
# closed-loop and absorb IK residuals; really unreachable targets miss by several cm)
TILT_TOL = 0.25  # rad between the grasp frame's approach axis and straight down
COLLISION_DEPTH_TOL = 0.01  # m of interpenetration tolerated before a contact counts as a
# collision: the IK pose may sit up to REACH_TOL off the target and the closed-loop skill
# pushes shallow contacts aside (measured false alarms were 0.3-0.8 cm deep; real
# obstacles in the way, e.g. a block on the target spot, cut several cm deep)
PENETRATION_TOL = 0.002  # m: default of :func:`penetrations` (the look-ahead's transit
# shortcut refuses any hover pose touching something; the collision stage passes the above)
GRIP_CLEARANCE = 0.005  # m the open fingers must span beyond the object's extent
PLACE_CLEARANCE = 0.004  # m the held object is lifted above its support for the check
GRIPPER_LINKS: tuple[int, ...] = (7, 8, 9, 10)  # link 7 (wrist), hand, two fingers
FINGER_LINKS: tuple[int, ...] = (9, 10)
IK_ROUNDS = 3  # refinements of the IK solution from the current arm pose
IK_WAYPOINTS = 5  # waypoints of the last attempt, from the current grasp frame
IK_LAST_ROUNDS = 4  # refinements from the rest pose when every other attempt missed


@dataclass(frozen=True)
class TargetPose:
    """Where an action sends the grasp frame (Panda link 11), pointing down with ``yaw``.

    ``mode`` is ``grasp`` (fingers open around ``subject``), ``place`` (``subject`` is
    carried to ``pos``) or ``handle`` (fingers open around a drawer handle).  ``support``
    names what the placed object may touch (the block below, the table, the container) or,
    for a grasp, what the subject rests on: the expert's fingertips touch it there too.
    ``extent`` is the subject's width along the finger axis at ``yaw`` (grasps only).
    """

    pos: tuple[float, float, float]
    yaw: float
    mode: str
    subject: str
    support: frozenset[str] = field(default_factory=frozenset)
    z_slack: float = 0.0  # m the skill may stop short above the target (handle grips)
    extent: float | None = None


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


def _reached(client: int, panda: int, target: TargetPose, q: np.ndarray) -> tuple[bool, float]:
    """Set the arm to ``q``; (does the grasp frame sit on the target, distance error)."""
    goal = np.asarray(target.pos)
    set_arm(client, panda, q)
    pos, rot = grasp_frame(client, panda)
    error = float(np.linalg.norm(pos - goal))
    tilt = math.acos(max(-1.0, min(1.0, -rot[2, 2])))
    short = 0.0 <= pos[2] - goal[2] <= target.z_slack + REACH_TOL and float(
        np.linalg.norm(pos[:2] - goal[:2])) <= REACH_TOL
    return (error <= REACH_TOL or short) and tilt <= TILT_TOL, error


def _ik_attempts(client: int, panda: int, target: TargetPose):
    """Joint solutions to try, cheapest first: from the current arm pose (refined), from
    the rest pose, then along waypoints from the current grasp frame (as the arm moves)."""
    q = solve_ik(client, panda, target.pos, target.yaw)
    for _ in range(IK_ROUNDS):
        yield q
        q = solve_ik(client, panda, target.pos, target.yaw, iterations=60)
    start_q = np.asarray([pb.getJointState(panda, j, physicsClientId=client)[0]
                          for j in ARM_JOINTS])
    set_arm(client, panda, np.asarray(REST_POSE))
    yield solve_ik(client, panda, target.pos, target.yaw, iterations=100)
    set_arm(client, panda, start_q)
    pos, rot = grasp_frame(client, panda)
    yaw0 = math.atan2(rot[1, 0], rot[0, 0])
    dyaw = (target.yaw - yaw0 + math.pi) % (2 * math.pi) - math.pi
    for k in range(1, IK_WAYPOINTS + 1):
        f = k / IK_WAYPOINTS
        point = tuple(pos + f * (np.asarray(target.pos) - pos))
        q = solve_ik(client, panda, point, yaw0 + f * dyaw, iterations=60)
        set_arm(client, panda, q)
    yield solve_ik(client, panda, target.pos, target.yaw, iterations=100)
    # Last resort (only when all the above missed, e.g. a wrist near its joint limit):
    # refine from the rest pose for a few more rounds, as the closed-loop skill does.
    set_arm(client, panda, np.asarray(REST_POSE))
    for _ in range(IK_LAST_ROUNDS):
        q = solve_ik(client, panda, target.pos, target.yaw, iterations=200)
        set_arm(client, panda, q)
    yield q


def check_reach(client: int, panda: int, target: TargetPose,
                label: str) -> tuple[Failure | None, np.ndarray]:
    """Stage 2: can IK bring the grasp frame to ``target``?  Returns (failure, joints)."""
    goal = np.asarray(target.pos)
    best, q = math.inf, np.asarray(REST_POSE)
    for q in _ik_attempts(client, panda, target):
        ok, error = _reached(client, panda, target, q)
        if ok:
            return None, q
        best = min(best, error)
    dist = math.hypot(goal[0], goal[1])
    return Failure(ReasonCode.UNREACHABLE,
                   f"{label}: the gripper cannot reach {target.subject} at "
                   f"({goal[0]:.3f}, {goal[1]:.3f}, {goal[2]:.3f}), {dist:.2f} m from the base; "
                   f"best IK solution misses by {best * 100:.1f} cm",
                   objects=(target.subject,), distance_error=best), q


def penetrations(client: int, body: int, link: int | None, handles: WorldHandles,
                 skip: set[int], tol: float = PENETRATION_TOL) -> list[tuple[float, int]]:
    """(depth, other body) for every body of the scene but ``skip`` that ``body`` (or its
    ``link``) cuts into by more than ``tol``."""
    hits = []
    others = [handles.table, *handles.objects.values(), *handles.fixtures.values()]
    for other in others:
        if other in skip or other == body:
            continue
        kwargs = {"linkIndexA": link} if link is not None else {}
        for point in pb.getClosestPoints(body, other, 0.0, physicsClientId=client, **kwargs):
            if point[8] < -tol:
                hits.append((float(point[8]), other))
    return hits


def extent_along(obj: Mapping[str, Any], yaw: float) -> float:
    """Width of ``obj`` (a privileged object entry) along the finger axis of a hand
    pointing down with ``yaw``: what the open fingers must span to close around it."""
    return width_along(obj, finger_axis(yaw))


def check_grip(target: TargetPose, label: str) -> Failure | None:
    """Does the subject fit between the open fingers at the expert's yaw?"""
    if target.mode != "grasp" or target.extent is None:
        return None
    opening = 2 * FINGER_MAX
    if target.extent <= opening - GRIP_CLEARANCE:
        return None
    return Failure(ReasonCode.GRASP_INFEASIBLE,
                   f"{label}: {target.subject} is {target.extent * 100:.1f} cm wide across the "
                   f"fingers at the grasp yaw; the gripper opens {opening * 100:.0f} cm",
                   objects=(target.subject,))


def held_in_hand(client: int, panda: int, body: int) -> tuple[tuple, tuple]:
    """Pose (position, quaternion) of ``body`` in the grasp frame, from the current state."""
    state = pb.getLinkState(panda, GRASP_LINK, computeForwardKinematics=True,
                            physicsClientId=client)
    inv = pb.invertTransform(state[4], state[5])
    obj_pos, obj_quat = pb.getBasePositionAndOrientation(body, physicsClientId=client)
    return pb.multiplyTransforms(inv[0], inv[1], obj_pos, obj_quat)


def _body(handles: WorldHandles, name: str) -> int | None:
    if name == "table":
        return handles.table
    return handles.objects.get(name, handles.fixtures.get(name))


def check_collision(client: int, handles: WorldHandles, target: TargetPose, q: np.ndarray,
                    held: str | None, label: str, held_local: tuple | None = None
                    ) -> Failure | None:
    """Stage 3: are the gripper (and the held object) free at ``target`` with joints ``q``?

    ``held_local`` is the held object's pose in the grasp frame (:func:`held_in_hand`,
    taken before the arm moved).  A grasp whose subject is wider across the fingers than
    they open is GRASP_INFEASIBLE (:func:`check_grip`).  Contacts count only deeper than
    :data:`COLLISION_DEPTH_TOL`; the grasp subject is never an obstacle, nor is the
    support (``target.support``: table or object, not a fixture) to the fingertips, which
    the expert also sets down on it.
    """
    infeasible = check_grip(target, label)
    if infeasible is not None:
        return infeasible
    panda = handles.panda
    names = {bid: name for name, bid in {**handles.objects, **handles.fixtures}.items()}
    names[handles.table] = "table"
    subject = _body(handles, target.subject)
    held_body = handles.objects.get(held) if held else None
    placing = held_body is not None and target.mode == "place" and held_local is not None
    if placing:
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
        skip.add(subject)
    support = {b for b in (_body(handles, n) for n in target.support) if b is not None}
    # a fixture is one body (cabinet and drawer): fingertips inside it may be in its walls
    rest_on = support - set(handles.fixtures.values())
    hits: list[tuple[float, int, str]] = []
    for link in GRIPPER_LINKS:
        ignore = skip | rest_on if link in FINGER_LINKS else skip
        hits += [(d, b, "gripper") for d, b in penetrations(
            client, panda, link, handles, ignore, COLLISION_DEPTH_TOL)]
    if placing:
        hits += [(d, b, held or "") for d, b in
                 penetrations(client, held_body, None, handles, support | {panda},
                                 COLLISION_DEPTH_TOL)]
    if not hits:
        return None
    depth, body, what = min(hits)
    obstacle = names.get(body, f"body {body}")
    return Failure(ReasonCode.COLLISION,
                   f"{label}: the {what} would hit {obstacle} at the {target.mode} pose of "
                   f"{target.subject} ({-depth * 100:.1f} cm deep, more than the "
                   f"{COLLISION_DEPTH_TOL * 100:.0f} cm tolerated)",
                   objects=(obstacle, target.subject), extra={"obstacle": obstacle,
                                                            "depth": -depth})


def _grasp_support(priv: Mapping[str, Any], name: str) -> frozenset[str]:
    """What ``name`` rests on: the table and the bodies it touches lower down."""
    objects = priv.get("objects", {})
    obj = objects[name]
    z = float(obj["pos"][2])
    below = {c for c in obj.get("contacts", ()) if c not in HAND_PARTS and (
        c not in objects or float(objects[c]["pos"][2]) < z)}
    return frozenset(below | {"table"})


def target_pose(action: ActionLike, priv: dict[str, Any]) -> TargetPose | Failure:
    """The pose an action's skill sends the gripper to, as the scripted expert chooses it
    in the privileged observation ``priv`` (see :mod:`vlaplan.world_model.expert_targets`)."""
    name, args, label = action.name, tuple(action.args), action_label(action)
    objects, fixtures = priv.get("objects", {}), priv.get("fixtures", {})
    try:
        if name in ("pick", "unstack") and args[0] in objects:
            pos, yaw = T.grasp(priv, args[0])
            return TargetPose(pos, yaw, "grasp", args[0], _grasp_support(priv, args[0]),
                              extent=extent_along(objects[args[0]], yaw))
        if name == "take-out" and args[0] in objects and args[1] in fixtures:
            pos, yaw = T.grasp_in_drawer(priv, args[0], args[1])
            return TargetPose(pos, yaw, "grasp", args[0],
                              _grasp_support(priv, args[0]) | {args[1]},
                              extent=extent_along(objects[args[0]], yaw))
        if name == "stack" and args[0] in objects and args[1] in objects:
            pos, yaw = T.place(priv, args[0], onto=args[1])
            return TargetPose(pos, yaw, "place", args[0], frozenset({args[1]}))
        if name == "place" and args[0] in objects:
            pos, yaw = T.place(priv, args[0])
            return TargetPose(pos, yaw, "place", args[0], frozenset({"table"}))
        if name == "put-in" and args[0] in objects and args[1] in fixtures:
            pos, yaw = T.put_in(priv, args[0], args[1])
            return TargetPose(pos, yaw, "place", args[0], frozenset({args[1]}))
        if name in ("open", "close") and args[0] in fixtures:
            pos, yaw = T.handle(priv, args[0])
            return TargetPose(pos, yaw, "handle", args[0], z_slack=T.handle_slack())
    except VlaplanError as exc:  # e.g. "no free spot on the table"
        return Failure(ReasonCode.COLLISION, f"{label}: {exc}", objects=args)
    except (KeyError, IndexError) as exc:
        return Failure(ReasonCode.UNSUPPORTED_ACTION,
                       f"{label}: the twin cannot derive a target pose ({exc!r} missing)",
                       objects=args)
    return Failure(ReasonCode.UNSUPPORTED_ACTION,
                   f"{label}: the twin has no target pose for this action", objects=args)
