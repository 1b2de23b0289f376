"""The physics twin: a second, private PyBullet world that checks actions before dispatch.

The twin is built from the same :class:`~vlaplan.world_model.scene.SceneSpec` as the plant,
in its own DIRECT client (never the plant's), without cameras.  ``sync(observation)`` copies
the observed world into it (object poses from ``observation.privileged``, arm joints and
gripper width from ``observation.state``, drawer openings, the held object, objects that
appeared or vanished) and saves the PyBullet state; ``check(action, state)`` runs the check
stages cheapest first (see :mod:`vlaplan.world_model.checks`), stops at the first failure,
and restores the saved state after every stage that moved something.

    twin = PhysicsTwin(scene, abstract=domain.abstract)
    twin.sync(robot.observe())
    result = twin.check(action, state)          # CheckResult
    if not result.ok: print(result.reason, result.detail)
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pybullet as pb

from vlaplan.planner.errors import WorldModelError
from vlaplan.skills.contract import PRIVILEGED_KEY, STATE_KEY
from vlaplan.world_model.build import add_object
from vlaplan.world_model.checks import (
    ActionLike, CheckResult, CheckStage, Failure, ReasonCode, action_label, atoms_of,
    check_symbolic, parse_stages)
from vlaplan.world_model.geometry_checks import (
    TargetPose, check_collision, check_reach, held_in_hand, target_pose)
from vlaplan.world_model.panda import ARM_JOINTS, FINGER_JOINTS
from vlaplan.world_model.predicates import held_objects
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.scene import ObjectSpec, SceneSpec

Abstraction = Callable[[dict[str, Any]], Iterable[Any]]
LOOKAHEAD_SUBSTEPS = 12  # the plant's 240 Hz: coarser physics misjudges marginal towers
COARSE_SUBSTEPS = 6  # 120 Hz for look-aheads that load no support (see substeps_for)
LOOKAHEAD_SOLVER_ITERATIONS = 50  # as the plant
SETTLE_STEPS = 2  # control steps after the skill for the scene to show it falls
SLEEP_RADIUS = 0.12  # m from the hand and the target beyond which resting objects sleep
TARGET_TIMING = "target"  # stage_ms key: deriving the grasp/place pose (not a stage)
SCREEN_TIMING = "screen"  # stage_ms key: deciding whether the look-ahead can be skipped


def held_object(privileged: dict[str, Any]) -> str | None:
    """The object the hand holds in a privileged observation (predicates.held), if any."""
    return next(iter(held_objects(privileged)), None)


class PhysicsTwin:
    """A private copy of the scene for pre-dispatch checks (see the module docstring).

    ``abstract`` maps an observation to atoms (the domain's classifiers); the look-ahead
    needs it to compare predicted effects. ``policy`` is the scripted expert the
    look-ahead runs (default: ``vlaplan.skills.scripted.ScriptedPolicy``). ``stages``
    selects the stages run by default (True = all, False = none, "cheap", or names).
    ``lookahead_substeps`` (physics steps per control step in the look-ahead; the plant
    uses 12 at 240 Hz), ``coarse_substeps`` (the same for actions that load no support;
    None: as ``lookahead_substeps``), ``solver_iterations``, ``settle_steps`` (control
    steps the scene may settle after the skill), ``skip_transit`` (start the look-ahead
    with the hand already over the target) and ``sleep_radius`` (objects resting farther
    than this from the hand and the target sleep until touched; None keeps all awake)
    trade the look-ahead's cost against its fidelity.
    """

    def __init__(self, scene: SceneSpec, *, abstract: Abstraction | None = None,
                 policy: Any = None, stages: Any = True,
                 lookahead_substeps: int | None = LOOKAHEAD_SUBSTEPS,
                 coarse_substeps: int | None = COARSE_SUBSTEPS,
                 solver_iterations: int = LOOKAHEAD_SOLVER_ITERATIONS,
                 settle_steps: int = SETTLE_STEPS, max_lookahead_steps: int | None = None,
                 skip_transit: bool = True, sleep_radius: float | None = SLEEP_RADIUS,
                 seed: int = 0) -> None:
        self.sim = SimRobot(scene, render=False, seed=seed)
        self.scene = scene
        self.abstract = abstract
        self.policy = policy
        self.stages = parse_stages(stages)
        self.lookahead_substeps = lookahead_substeps
        self.coarse_substeps = coarse_substeps
        self.solver_iterations = solver_iterations
        self.settle_steps = settle_steps
        self.skip_transit = skip_transit
        self.sleep_radius = sleep_radius
        self.max_lookahead_steps = max_lookahead_steps
        self.seed = seed
        self.held: str | None = scene.robot.holding
        self.observation: dict[str, Any] | None = None
        self.sync_ms = 0.0
        self._saved: int | None = None
        self._saved_fresh = False  # the saved PyBullet state is the last sync's
        self._command: tuple | None = None
        self._targets: dict[tuple, Any] = {}
        self._last_target_ms = 0.0
        self.last_lookahead: Any = None
        self._save()

    # -- lifecycle -------------------------------------------------------------------
    @property
    def client(self) -> int:
        return self.sim.client

    @property
    def handles(self) -> Any:
        return self.sim.handles

    def close(self) -> None:
        self.sim.close()

    def __enter__(self) -> "PhysicsTwin":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _save(self) -> None:
        if self._saved is not None:
            pb.removeState(self._saved, physicsClientId=self.client)
        self._saved = pb.saveState(physicsClientId=self.client)
        self._saved_fresh = True

    def ensure_saved(self) -> None:
        """Save the synced state in PyBullet (before a stage that steps the physics).

        ``saveState`` costs ~2 ms; checks that only pose the arm (reachability, collision)
        never need it: :meth:`restore` then re-applies the synced observation instead."""
        if not self._saved_fresh:
            self._save()
            self.restore()  # every look-ahead starts from a restored state (same contacts)

    def restore(self) -> None:
        """Put the twin back to the state of the last sync (bodies, contacts, controller)."""
        if self._saved_fresh and self._saved is not None:
            pb.restoreState(self._saved, physicsClientId=self.client)
        elif self.observation is not None:
            self._apply(self.observation)
        elif self._saved is not None:
            pb.restoreState(self._saved, physicsClientId=self.client)
        if self._command is not None:
            self._set_command()
        # Contacts are not part of what observe() sees after a restore until the next
        # collision pass; without it the held object would look loose to the experts.
        pb.performCollisionDetection(physicsClientId=self.client)

    def _set_command(self) -> None:
        """The twin's controller continues from the observed command (pose, gripper
        command, arm motors at the observed joints)."""
        pos, yaw, cmd, q = self._command
        self.sim.set_command(pos, yaw, cmd, joints=q)

    # -- synchronisation -------------------------------------------------------------
    def sync(self, observation: dict[str, Any]) -> float:
        """Copy an observation into the twin; returns the time it took in ms."""
        try:
            return self._sync(observation)
        except pb.error as exc:
            raise WorldModelError(f"the twin could not take the observation: {exc}") from exc

    def _sync(self, observation: dict[str, Any]) -> float:
        start = time.perf_counter()
        try:
            privileged = observation[PRIVILEGED_KEY]
            state = np.asarray(observation[STATE_KEY], dtype=float)
        except KeyError as exc:
            raise WorldModelError(f"the twin syncs from an observation with {exc.args[0]!r}; "
                                  "it has only " + ", ".join(sorted(observation))) from exc
        self._match_bodies(privileged.get("objects", {}))
        self._apply(observation, privileged, state)
        self.held = held_object(privileged)
        self._targets = {}
        self.observation = observation
        self._saved_fresh = False  # saved lazily, by the first stage that steps physics
        self._set_command()
        pb.performCollisionDetection(physicsClientId=self.client)
        self.sync_ms = (time.perf_counter() - start) * 1e3
        return self.sync_ms

    def _apply(self, observation: dict[str, Any], privileged: dict[str, Any] | None = None,
               state: Any = None) -> None:
        """Set bodies, joints, drawer openings and the controller to an observation."""
        if privileged is None:
            privileged = observation[PRIVILEGED_KEY]
            state = np.asarray(observation[STATE_KEY], dtype=float)
        c, handles = self.client, self.handles
        objects = privileged.get("objects", {})
        for name, info in objects.items():
            pb.resetBasePositionAndOrientation(handles.objects[name], info["pos"], info["quat"],
                                               physicsClientId=c)
            pb.resetBaseVelocity(handles.objects[name], (0, 0, 0), (0, 0, 0),
                                 physicsClientId=c)
        q = state[5:12]
        width = float(state[4])
        for j, v in zip(ARM_JOINTS, q):
            pb.resetJointState(handles.panda, j, float(v), 0.0, physicsClientId=c)
        for j in FINGER_JOINTS:
            pb.resetJointState(handles.panda, j, width / 2, 0.0, physicsClientId=c)
        for name, info in privileged.get("fixtures", {}).items():
            if "joint" in info and name in handles.fixtures:
                self._set_fixture_joint(handles.fixtures[name], float(info["joint"]))
        ee = privileged.get("ee", {})
        cmd = float(ee.get("gripper_cmd", 1.0))
        self._command = (np.asarray(state[0:3], dtype=float), float(state[3]), cmd, q.copy())

    def _set_fixture_joint(self, body: int, q: float) -> None:
        for j in range(pb.getNumJoints(body, physicsClientId=self.client)):
            if pb.getJointInfo(body, j, physicsClientId=self.client)[2] == pb.JOINT_PRISMATIC:
                pb.resetJointState(body, j, q, 0.0, physicsClientId=self.client)

    def _match_bodies(self, objects: dict[str, Any]) -> None:
        """Add bodies for objects that appeared in the plant, drop those that vanished."""
        handles, scene = self.handles, self.sim.scene
        gone = [n for n in handles.objects if n not in objects]
        new = [n for n in objects if n not in handles.objects]
        if not gone and not new:
            return
        specs = {o.name: o for o in scene.objects}
        for name in gone:
            pb.removeBody(handles.objects.pop(name), physicsClientId=self.client)
            specs.pop(name, None)
        for name in new:
            info = objects[name]
            spec = ObjectSpec.model_construct(
                name=name, shape=info.get("shape", "cube"), colour=info.get("colour", "black"),
                size=tuple(info.get("size", (0.04, 0.04, 0.04))),
                mass=float(info.get("mass", 0.05)), pos=tuple(info["pos"]), yaw=0.0)
            handles.objects[name] = add_object(self.client, spec)
            specs[name] = spec
        self.sim.scene = scene.model_copy(update={"objects": list(specs.values())})

    # -- checks ----------------------------------------------------------------------
    @property
    def known_objects(self) -> set[str]:
        return set(self.handles.objects) | set(self.handles.fixtures)

    def target(self, action: ActionLike) -> TargetPose | Failure:
        """The grasp/place pose of ``action`` in the synced state (as the expert picks it;
        cached until the next sync: the experts' free-spot search is not cheap)."""
        key = (action.name, tuple(action.args))
        if key not in self._targets:
            priv = (self.observation[PRIVILEGED_KEY] if self.observation is not None
                    else self.sim.privileged())
            self._targets[key] = target_pose(action, priv)
        return self._targets[key]

    def check(self, action: ActionLike, state: Iterable[Any] | None = None, *,
              stages: Any = None, screen: bool = False) -> CheckResult:
        """Run the selected stages on ``action`` (see the module docstring).

        ``state`` is the abstract state the action is planned from; when it is None the
        twin abstracts its synced observation (needs ``abstract``).  ``screen``: skip the
        look-ahead when the synced geometry already settles its verdict
        (:func:`vlaplan.world_model.lookahead_screen.settled`; ``stage_ms["screen"]``,
        and the detail says why).
        """
        chosen = self.stages if stages is None else parse_stages(stages)
        label = action_label(action)
        timings: dict[str, float] = {}
        run: list[CheckStage] = []
        start = time.perf_counter()

        skipped: list[str] = []

        def done(failure: Failure | None, stage: CheckStage | None) -> CheckResult:
            total = (time.perf_counter() - start) * 1e3
            if failure is None:
                detail = "all checks passed" if run else "no stages selected"
                if skipped:
                    detail += f" (look-ahead skipped: {skipped[0]})"
                return CheckResult(ok=True, action=label, stages_run=run, stage_ms=timings,
                                   duration_ms=total, detail=detail)
            return CheckResult(ok=False, action=label, reason=failure.reason, stage=stage,
                               detail=failure.detail, objects=list(failure.objects),
                               atoms=list(failure.atoms), distance_error=failure.distance_error,
                               stages_run=run, stage_ms=timings, duration_ms=total)

        def timed(stage: CheckStage, fn: Callable[[], Any]) -> Any:
            t0 = time.perf_counter()
            try:
                return fn()
            except pb.error as exc:
                return Failure(ReasonCode.SIMULATION_ERROR, f"{label}: twin error: {exc}")
            finally:
                ms = (time.perf_counter() - t0) * 1e3
                timings[stage.value] = timings.get(stage.value, 0.0) + ms
                if stage not in run:
                    run.append(stage)

        if CheckStage.SYMBOLIC in chosen:
            facts = self._state(state)
            if facts is not None:
                failure = timed(CheckStage.SYMBOLIC,
                                lambda: check_symbolic(action, facts, self.known_objects))
                if failure is not None:
                    return done(failure, CheckStage.SYMBOLIC)
        geometric = [s for s in (CheckStage.REACHABILITY, CheckStage.COLLISION) if s in chosen]
        if geometric:
            try:
                verdict = self._geometric(action, geometric, label, timed)
            finally:
                timings[TARGET_TIMING] = self._last_target_ms
                self.restore()
            if verdict is not None:
                return done(*verdict)
        if CheckStage.LOOKAHEAD in chosen and screen:
            why = self._screen(action, timings)
            if why is not None:
                skipped.append(why)
                self._audit(action, label, why)
                return done(None, None)
        if CheckStage.LOOKAHEAD in chosen:
            from vlaplan.world_model.lookahead import run_lookahead

            failure = timed(CheckStage.LOOKAHEAD, lambda: run_lookahead(self, action))
            if failure is not None:
                return done(failure, CheckStage.LOOKAHEAD)
        return done(None, None)

    def _geometric(self, action: ActionLike, stages: list[CheckStage], label: str,
                   timed: Callable[[CheckStage, Callable[[], Any]], Any]
                   ) -> tuple[Failure, CheckStage] | None:
        """Stages 2 and 3.  Deriving the target pose with the experts' rules is timed apart
        (``stage_ms["target"]``: a place's free-spot search can take tens of ms); an action
        without geometry (UNSUPPORTED_ACTION) skips both stages."""
        first = stages[0]
        t0 = time.perf_counter()
        try:
            target = self.target(action)
        finally:
            self._last_target_ms = (time.perf_counter() - t0) * 1e3
        if isinstance(target, Failure):
            return None if target.reason is ReasonCode.UNSUPPORTED_ACTION else (target, first)
        held_body = self.handles.objects.get(self.held) if self.held else None
        held_local = timed(first, lambda: held_in_hand(self.client, self.handles.panda,
                                                       held_body)
                           if held_body is not None else None)
        reach = timed(first, lambda: check_reach(self.client, self.handles.panda, target,
                                                 label))
        if isinstance(reach, Failure):  # the simulator failed
            return reach, first
        failure, q = reach
        if failure is not None and CheckStage.REACHABILITY in stages:
            return failure, CheckStage.REACHABILITY
        if CheckStage.COLLISION in stages:
            failure = timed(CheckStage.COLLISION, lambda: check_collision(
                self.client, self.handles, target, q, self.held, label, held_local))
            if failure is not None:
                return failure, CheckStage.COLLISION
        return None

    def _screen(self, action: ActionLike, timings: dict[str, float]) -> str | None:
        """Why the look-ahead may be skipped for ``action`` in the synced state, or None."""
        from vlaplan.world_model.lookahead_screen import settled

        t0 = time.perf_counter()
        try:
            if self.observation is None:
                return None
            target = self.target(action)
            return settled(action, self.observation[PRIVILEGED_KEY],
                           target if isinstance(target, TargetPose) else None)
        finally:
            timings[SCREEN_TIMING] = (time.perf_counter() - t0) * 1e3

    def _audit(self, action: ActionLike, label: str, why: str) -> None:
        """With ``lookahead_screen.AUDIT`` a list: simulate the screened action anyway and
        record the look-ahead's verdict (diagnostics; the check's verdict is unchanged)."""
        from vlaplan.world_model import lookahead_screen
        from vlaplan.world_model.lookahead import run_lookahead

        if lookahead_screen.AUDIT is None:
            return
        failure = run_lookahead(self, action)
        lookahead_screen.AUDIT.append(
            (label, why, "OK" if failure is None else f"{failure.reason.value}: {failure.detail}"))

    def _state(self, state: Iterable[Any] | None) -> frozenset | None:
        if state is not None:
            return atoms_of(state)
        if self.abstract is not None and self.observation is not None:
            return atoms_of(self.abstract(self.observation))
        return None

    def __repr__(self) -> str:
        return (f"PhysicsTwin(client={self.client}, objects={len(self.handles.objects)}, "
                f"stages={[s.value for s in self.stages]})")
