"""How fast a look-ahead simulates: physics rate per action and distant objects asleep.

:func:`substeps_for` picks the physics steps per control step for an action (the plant's
240 Hz when it loads a support, coarser otherwise), :func:`physics_rate` applies it (and
the twin's solver iterations) for the look-ahead and restores the plant's settings, and
:func:`distant_asleep` puts :func:`distant_objects` to sleep meanwhile.  Moved here from
:mod:`vlaplan.world_model.lookahead`, which runs the look-ahead and still re-exports them.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import pybullet as pb

from vlaplan.skills.contract import CONTROL_HZ
from vlaplan.world_model.robot import SUBSTEPS as PLANT_SUBSTEPS
from vlaplan.world_model.build import PHYSICS_HZ
from vlaplan.world_model.checks import ActionLike, atoms_of
from vlaplan.world_model.geometry_checks import TargetPose, grasp_frame

if TYPE_CHECKING:
    from vlaplan.world_model.twin import PhysicsTwin

PLANT_SOLVER_ITERATIONS = 50  # what build_world sets; restored after a look-ahead
SLEEP_ASLEEP = pb.ACTIVATION_STATE_ENABLE_SLEEPING | pb.ACTIVATION_STATE_SLEEP
SLEEP_AWAKE = pb.ACTIVATION_STATE_WAKE_UP | pb.ACTIVATION_STATE_DISABLE_SLEEPING


def substeps_for(twin: "PhysicsTwin", action: ActionLike) -> int:
    """Physics steps per control step for ``action``: ``twin.lookahead_substeps`` (the
    plant's 240 Hz by default) when it releases an object onto or into another one (stack,
    put-in), where a marginal tower or a heap may topple; ``twin.coarse_substeps`` for
    the rest (pick, unstack, take-out, open, close, place on the table: nothing is loaded
    onto a support that could give way)."""
    full = twin.lookahead_substeps or PLANT_SUBSTEPS
    add = atoms_of(action.add)
    loads = any(a.predicate == "hand-empty" for a in add) and any(
        len(a.args) >= 2 for a in add)
    return full if loads or not twin.coarse_substeps else twin.coarse_substeps


@contextmanager
def physics_rate(twin: "PhysicsTwin", substeps: int) -> Iterator[None]:
    """Run the twin's controller with ``substeps`` physics steps per control step (same
    simulated time per step) and ``twin.solver_iterations``; the twin's SimRobot gets the
    plant's settings back afterwards."""
    sim = twin.sim
    client = twin.client
    pb.setPhysicsEngineParameter(fixedTimeStep=1.0 / (CONTROL_HZ * substeps),
                                 numSolverIterations=twin.solver_iterations,
                                 physicsClientId=client)
    saved = sim.substeps
    sim.substeps = substeps
    try:
        yield
    finally:
        sim.substeps = saved
        pb.setPhysicsEngineParameter(fixedTimeStep=1.0 / PHYSICS_HZ,
                                     numSolverIterations=PLANT_SOLVER_ITERATIONS,
                                     physicsClientId=client)


def distant_objects(twin: "PhysicsTwin", action: ActionLike) -> list[int]:
    """Bodies of the objects the look-ahead may put to sleep: farther than
    ``twin.sleep_radius`` (horizontally) from both the hand and the action's target, not
    named by the action, not held, and not touching a fixture with a joint (what lies in
    a drawer moves with it)."""
    if twin.sleep_radius is None:
        return []
    c, handles = twin.client, twin.handles
    centres = [grasp_frame(c, handles.panda)[0][:2]]
    target = twin.target(action)
    if isinstance(target, TargetPose):
        centres.append(np.asarray(target.pos[:2], dtype=float))
    moving = [b for b in handles.fixtures.values() if pb.getNumJoints(b, physicsClientId=c)]
    keep = set(action.args) | ({twin.held} if twin.held else set())
    bodies = []
    for name, body in handles.objects.items():
        if name in keep:
            continue
        pos = np.asarray(pb.getBasePositionAndOrientation(body, physicsClientId=c)[0][:2])
        if min(float(np.linalg.norm(pos - x)) for x in centres) <= twin.sleep_radius:
            continue
        if any(pb.getContactPoints(body, f, physicsClientId=c) for f in moving):
            continue
        bodies.append(body)
    return bodies


@contextmanager
def distant_asleep(twin: "PhysicsTwin", action: ActionLike) -> Iterator[int]:
    """Put :func:`distant_objects` to sleep for the look-ahead (yields how many).

    A sleeping body costs the solver nothing while it rests and wakes up when anything
    active touches it (Bullet's island activation), so a pushed neighbour or a falling
    block still moves it.  restoreState does not restore activation states: all of them
    are woken (and may not sleep, the twin's default) afterwards."""
    bodies = distant_objects(twin, action)
    for body in bodies:
        pb.changeDynamics(body, -1, activationState=SLEEP_ASLEEP, physicsClientId=twin.client)
    try:
        yield len(bodies)
    finally:
        for body in bodies:
            pb.changeDynamics(body, -1, activationState=SLEEP_AWAKE,
                              physicsClientId=twin.client)
