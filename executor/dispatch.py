"""Following one plan: twin check, fault injection, closed-loop skill, monitoring.

:class:`Dispatcher` carries the state of one run (the plant, the latest observation and
its atoms, the ground actions the twin ruled out, the step counter and the faults still
to inject) and is driven by :class:`vlaplan.executor.loop.Executor`.
"""
from __future__ import annotations

from time import perf_counter
from typing import Any

import numpy as np

from vlaplan.executor import events as ev
from vlaplan.executor.bans import Bans
from vlaplan.executor.failures import FailureRules
from vlaplan.executor.loose import loose_support, with_assumed
from vlaplan.executor.planning import action_text, literal_text, plan_still_valid, unsupported
from vlaplan.executor.regrasp import refusal
from vlaplan.executor.relocation import staying
from vlaplan.executor.result import CheckRecord, InjectedFault, StepOutcome, StepRecord
from vlaplan.executor.runtime import FIXTURE_TYPES
from vlaplan.world_model.skill_start import skill_start
from vlaplan.planner.atoms import Atom
from vlaplan.skills.contract import ACTION_DIM, PRIVILEGED_KEY, SkillCall

RETRY_SHIFT = 0.06  # m: a retry's ready pose lies this far beside the usual one (collect jitters 0.15)

PROGRESS_EVERY = 5  # control steps between SkillProgress events
# After a skill, an object that no support atom places is most often still moving (a block
# the hand knocked is tumbling, or rocking on an edge); judging the scene then would see a
# transient state.  The hand holds still and the scene is observed again, for at most this
# many control steps (1 s at 20 Hz), until every movable object is placed again.
SETTLE_MAX = 20


class SkillAborted(Exception):
    """A skill that could not go on: the policy or the simulator raised."""

    def __init__(self, outcome: StepOutcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome, self.reason = outcome, reason


class Dispatcher:
    """The mutable state of one run, and the steps that change it."""

    def __init__(self, executor: Any, robot: Any, objects: list[Any], result: Any, emit: Any,
                 recorder: Any, fault_items: list[Any], seed: int | None, checks: bool) -> None:
        self.ex, self.robot, self.objects = executor, robot, objects
        self.runtime = executor.runtime
        self.result, self.emit, self.recorder = result, emit, recorder
        self.seed, self.checks = seed, checks
        self.describe = self.runtime.describe(objects)
        self.types = self.runtime.object_types(objects)
        self.bans = Bans()  # ground actions ruled out, each scoped (executor.bans)
        self.rules = FailureRules(self.bans, self.runtime, executor.attempts)  # executor.failures
        self.override: set[tuple[str, tuple[str, ...]]] = set()  # dispatch despite the twin
        self.obs: Any = None
        self.observed: frozenset = frozenset()  # the domain's classifiers on the latest observation
        self.assumed: dict[str, Atom] = {}  # loose support assumed for planning (executor.loose)
        self.atoms: frozenset = frozenset()  # what planning and monitoring use: both of them
        self.goal: list[Any] = []  # the goal literals being planned for
        self.step = 0  # dispatched steps so far (the fault spec's STEP)
        self._fault_items = fault_items
        self.faults: list[Any] = []
        self._scheduled = not fault_items
        self._injector = None
        self.prompt = ""
        self.gripper = 1.0  # the gripper command last sent (held while the scene settles)

    # -- observation ---------------------------------------------------------------
    def observe(self) -> None:
        t0 = perf_counter()
        self.obs = self.robot.observe()
        self.seen(self.runtime.abstract(self.obs))
        self.bans.observe(self.atoms)
        self.result.timings.observe += perf_counter() - t0

    def seen(self, observed: frozenset) -> None:
        """Take ``observed`` (the classifiers' atoms of ``self.obs``) as the current state."""
        self.observed = observed
        self._assume()

    def set_goal(self, goal_literals: list[Any]) -> None:
        """Plan for ``goal_literals`` from now on (assumed atoms never move the goal closer)."""
        self.goal = list(goal_literals)
        self._assume()

    def _assume(self) -> None:
        self.assumed = {}
        if self.ex.loose_support:
            self.assumed = loose_support(self.observed, self.seen_objects(), self.movable(),
                                         self.goal, self.runtime.arity, self.runtime.locator)
        self.atoms = with_assumed(self.observed, self.assumed, self.runtime.arity)

    def seen_objects(self) -> dict[str, Any]:
        """The latest observation's privileged objects by name (pose, size, contacts)."""
        return ((self.obs or {}).get(PRIVILEGED_KEY) or {}).get("objects", {})

    def lost(self) -> list[str]:
        """Movable objects that no observed atom places (:func:`planning.unsupported`)."""
        return unsupported(self.observed, self.movable(), self.runtime.locator)

    def movable(self) -> list[str]:
        """The objects that can fall over or be carried (not drawers, bins, containers)."""
        return [n for n, t in self.object_types().items() if t not in FIXTURE_TYPES]

    def object_types(self) -> dict[str, str]:
        """Problem objects: the scene's, plus any new object the observation mentions."""
        types = dict(self.types)
        for atom in self.observed:
            for arg in atom[1]:
                if arg not in types:
                    types[arg] = self.runtime.type_of(arg, self.obs)
        return types

    # -- faults --------------------------------------------------------------------
    def _schedule(self, first_plan_length: int) -> None:
        """Make random fault items concrete once the first plan's length is known."""
        from vlaplan.world_model.fault_spec import schedule_faults

        self.faults = list(schedule_faults(self._fault_items, max(1, first_plan_length), self.seed))
        self._scheduled = True

    def _inject_due(self, frame: int | None) -> None:
        due = [f for f in self.faults if f.at_step == self.step and f.frame == frame]
        for spec in due:
            self.faults.remove(spec)
            if self._injector is None:
                self._injector = self.runtime.make_injector(self.robot, self.seed)
            rec = self.runtime.inject(self._injector, spec)
            fault = InjectedFault(step=self.step, frame=frame, kind=str(getattr(rec.kind, "value", rec.kind)),
                                  target=rec.target, applied=bool(rec.applied), detail=rec.detail)
            self.result.faults.append(fault)
            if fault.applied and fault.kind in ("block", "remove"):
                self._refresh_objects()
            self.emit(ev.FaultInjected(fault))

    def _refresh_objects(self) -> None:
        """Objects appeared or vanished (a fault): update names, types and prompt words."""
        scene = getattr(self.robot, "scene", None)
        if scene is None:
            return
        known = self.types
        fresh = self.runtime.scene_objects(scene)
        fresh = [o if o.name not in known else type(o)(o.name, known[o.name], o.colour, o.shape)
                 for o in fresh]
        self.objects = fresh
        self.types = {o.name: o.type for o in fresh}
        self.describe = self.runtime.describe(fresh)

    # -- one plan ------------------------------------------------------------------
    def follow(self, actions: list[Any], goal_literals: list[Any], replan: bool) -> str | None:
        """Execute ``actions`` in order; None when all ran, else why a replan is needed.

        A skill that failed and left the observed atoms as they were is dispatched again
        in place (checked again first), up to ``Executor.attempts`` times from that state:
        the plan is unchanged, so this is a retry of the step, not a replan.  Open loop
        (``replan=False``) never retries.
        """
        if not self._scheduled:
            self._schedule(len(actions))
        for i, action in enumerate(actions):
            while True:
                record = self._attempt(action, retry=replan)
                if isinstance(record, str):
                    return record  # the twin refused it
                if not record.retry:
                    break
            if not replan:
                continue
            ok, why = plan_still_valid(self.atoms, actions[i + 1:], goal_literals)
            if not ok:
                if record.outcome != StepOutcome.SUCCEEDED:
                    return f"{record.outcome.value} {record.reason}"
                return f"world changed: {why}"
        return None

    def _attempt(self, action: Any, retry: bool) -> StepRecord | str:
        """Check and dispatch ``action`` once; its record, or why the twin refused it.
        ``record.retry`` is set when it is to be dispatched again (only with ``retry``)."""
        record = StepRecord(index=len(self.result.steps), stage=self.result.plans[-1].stage,
                            call=action_text(action), outcome=StepOutcome.SUCCEEDED,
                            expected_add=sorted(map(literal_text, action.add)),
                            expected_delete=sorted(map(literal_text, action.delete)))
        key = (action.name, tuple(action.args))
        if self.checks and key in self.override:
            self.override.discard(key)
            record.check_overridden = True  # when_blocked="try": no other way to the goal
        elif self.checks:
            verdict = self._check(action, record)
            if not verdict.ok:
                record.outcome = StepOutcome.CHECK_FAILED
                record.reason = f"{verdict.reason}: {verdict.detail}"
                self._close(record)
                if verdict.reason != "PRECONDITION_FALSE":
                    self.rules.refused(action, verdict, self.seen_objects(), self.atoms)
                return f"check failed {verdict.reason}: {verdict.detail}"
            if key in self.bans.by_twin():
                self.bans.lift(key)  # accepted now
        before = self.atoms
        locates = self.runtime.locator
        stay = staying(action, self.seen_objects(), self.movable(), locates) if locates else {}
        self._dispatch(action, record, self.rules.tries(action, before))
        if record.outcome in (StepOutcome.POLICY_ERROR, StepOutcome.SIMULATOR_ERROR,
                              StepOutcome.INTERRUPTED):
            from vlaplan.executor.loop import _Stop
            raise _Stop(record.reason)
        if record.outcome != StepOutcome.SUCCEEDED and self.atoms == before:
            # It failed and changed nothing.  More tries (from another arm pose, with other
            # policy noise), then it is ruled out while the world stays like this.
            record.attempt = self.rules.unchanged(action, before, self.seen_objects(), self.movable())
            record.retry = retry and record.attempt < self.ex.attempts
        elif record.outcome != StepOutcome.SUCCEEDED and retry and stay and self.ex.relocate:
            self.rules.missed(action, stay, self.atoms, self.movable())
        return record

    def _check(self, action: Any, record: StepRecord) -> CheckRecord:
        t0 = perf_counter()
        res = self.runtime.check(self.ex._twin_for(), self.obs, action, self.atoms,
                                 self.ex.check_stages)
        seconds = perf_counter() - t0
        self.result.timings.check += seconds
        verdict = CheckRecord(ok=bool(res.ok), reason="OK" if res.ok else str(getattr(res.reason, "value", res.reason)),
                              stage=None if res.stage is None else str(getattr(res.stage, "value", res.stage)),
                              detail=res.detail, objects=list(res.objects), atoms=list(res.atoms),
                              seconds=seconds, stage_ms=dict(res.stage_ms))
        grip = verdict.ok and refusal(action, self.obs, self.movable(), self.ex.regrasp)
        for said in [verdict] + ([grip] if grip else []):   # the twin passed an off-centre stack
            record.checks.append(said)
            self.emit(ev.CheckDone(record.index, record.call, said))
        return grip or verdict

    def _close(self, record: StepRecord) -> None:
        self.result.steps.append(record)
        self.emit(ev.StepFinished(record))

    def _dispatch(self, action: Any, record: StepRecord, tries: int = 0) -> None:
        """Run the bound skill closed-loop, then observe and compare effects.  ``tries``:
        how often it already failed from this state (a retry starts from a shifted ready
        pose, :meth:`_to_ready`)."""
        skill = self.runtime.skill(action.name)
        prompt = skill.instruction(tuple(action.args), self.describe)
        record.prompt, self.prompt = prompt, prompt
        budget = int(skill.step_budget)
        self.emit(ev.SkillStarted(record.index, record.call, prompt, budget))
        t0 = perf_counter()
        try:
            self._inject_due(None)
            record.ready_frames = self._to_ready(prompt, tries, record.index, action)
            reached, frames, why, record.held_back = self._closed_loop(
                skill, action, prompt, budget, record.index)
            record.frames = frames
            record.outcome = StepOutcome.SUCCEEDED if reached else StepOutcome.BUDGET_EXHAUSTED
            record.reason = why
        except SkillAborted as exc:
            record.outcome, record.reason = exc.outcome, exc.reason
        except KeyboardInterrupt:
            record.outcome, record.reason = StepOutcome.INTERRUPTED, "interrupted by the user (Ctrl-C)"
            record.duration = perf_counter() - t0
            self.result.timings.skill += record.duration
            self.step += 1
            self._close(record)
            raise
        record.duration = perf_counter() - t0
        self.result.timings.skill += record.duration
        self.step += 1
        if record.outcome in (StepOutcome.POLICY_ERROR, StepOutcome.SIMULATOR_ERROR):
            self._close(record)
            return
        try:
            self.observe()
            t1, observed = perf_counter(), self.result.timings.observe
            record.settle_frames = self._settle(prompt)
            # the plant ran on: skill time, like the ready move (its observations are
            # already counted as observe time)
            waited = perf_counter() - t1 - (self.result.timings.observe - observed)
            record.duration += waited
            self.result.timings.skill += waited
        except KeyboardInterrupt:
            self._close(record)
            raise
        except Exception as exc:
            record.outcome = StepOutcome.SIMULATOR_ERROR
            record.reason = f"observing after {record.call} failed: {type(exc).__name__}: {exc}"
            self._close(record)
            return
        add = {a for a in map(literal_text, action.add)}
        delete = {a for a in map(literal_text, action.delete)} - add
        now = {literal_text(a) for a in self.observed}  # effects must be seen, not assumed
        record.missing = sorted(add - now)
        record.unexpected = sorted(delete & now)
        if record.outcome == StepOutcome.SUCCEEDED and (record.missing or record.unexpected):
            record.outcome = StepOutcome.EFFECT_MISMATCH
        if record.outcome == StepOutcome.EFFECT_MISMATCH or (
                record.outcome == StepOutcome.BUDGET_EXHAUSTED and (record.missing or record.unexpected)):
            diff = [f"missing {m}" for m in record.missing] + [f"still {u}" for u in record.unexpected]
            record.reason = (record.reason + "; " if record.reason else "") + ", ".join(diff)
        elif record.outcome == StepOutcome.BUDGET_EXHAUSTED:
            record.outcome = StepOutcome.SUCCEEDED  # effects hold after all
            record.reason = ""
        self._close(record)

    def _to_ready(self, prompt: str, tries: int = 0, index: int = 0, action: Any = None) -> int:
        """Bring the hand to the scene's ready pose before a skill (``Executor(ready_pose=True)``);
        returns the control steps it took (0 when off or already there).

        At the ready height, the skill for ``action`` starts over what it acts on or over open
        table (``Executor.approach``, ``spread_places``: :mod:`vlaplan.world_model.skill_start`);
        a retry (``tries`` > 0 failures from this state) :data:`RETRY_SHIFT` sideways of that,
        in a direction drawn from the run's seed and the step: a learned policy started where
        it failed from tends to repeat itself, and training starts were jittered further."""
        scene = getattr(self.robot, "scene", None)
        if not self.ex.ready_pose or scene is None:
            return 0
        from vlaplan.world_model.ready_pose import move_to_ready, ready_target

        on_frame = None if self.recorder is None else lambda o, a, s: self.recorder.add(o, prompt)
        priv = (self.obs or {}).get(PRIVILEGED_KEY)
        target, yaw = ready_target(scene, priv)
        if priv and action is not None:
            target[:2] = skill_start(action, priv, target[:2], self.movable(),
                                     self.runtime.table_predicates, spread=self.ex.spread_places,
                                     approach=self.ex.approach)
        if tries:
            angle = np.random.default_rng([self.seed or 0, index]).uniform(0.0, 2.0 * np.pi)
            target = target + RETRY_SHIFT * np.array([np.cos(angle), np.sin(angle), 0.0])
        holding = any(a[0] == "holding" for a in self.atoms)
        try:
            steps, obs = move_to_ready(self.robot, target, yaw, holding, on_frame=on_frame)
        except (KeyboardInterrupt, SkillAborted):
            raise
        except Exception as exc:
            raise SkillAborted(StepOutcome.SIMULATOR_ERROR,
                               f"robot failed moving to the ready pose: {type(exc).__name__}: {exc}") from exc
        self.obs = obs
        return steps

    def _settle(self, prompt: str) -> int:
        """Hold the hand still while some movable object has no support atom (it is
        still falling or rocking), observing after every control step; returns the steps
        waited (0 when the scene is already placed, :data:`SETTLE_MAX` when an object stays
        unplaced, e.g. leaning on another one)."""
        hold = np.zeros(ACTION_DIM, dtype=np.float32)
        hold[4] = self.gripper
        for step in range(SETTLE_MAX):
            if not self.lost():
                return step
            if self.recorder is not None:
                self.recorder.add(self.obs, prompt)
            self.robot.apply(hold)
            self.observe()
        return SETTLE_MAX

    def _closed_loop(self, skill: Any, action: Any, prompt: str, budget: int,
                     index: int) -> tuple[bool, int, str, int]:
        """The skill closed-loop through the world model's ``run_skill`` (success = the
        call's effects observed and the arm done, a few steps running), the held object
        aimed and its release onto another guarded (``Executor.aim_held``, ``release_guard``).
        Returns (reached, control steps, why not, control steps the release was held back)."""
        from vlaplan.world_model import HeldAim, run_skill
        from vlaplan.world_model.release_guard import guard_for

        guard = (guard_for(action, self.seen_objects(), set(self.movable()))
                 if self.ex.release_guard and self.checks else None)
        policy = HeldAim(self.ex.policy) if self.ex.aim_held else self.ex.policy
        call = SkillCall(action.name, tuple(action.args), prompt)

        def on_frame(obs: Any, act: Any, step: int) -> None:
            self.obs = obs
            self.gripper = float(np.clip(act[4], -1.0, 1.0))
            if self.recorder is not None:
                self.recorder.add(obs, prompt)
            if self.faults:
                self._inject_due(step)
            if step % PROGRESS_EVERY == 0:
                self.emit(ev.SkillProgress(index, step, budget))

        try:
            out = run_skill(self.robot, policy, call, budget, self.runtime.abstract,
                            action.add, action.delete, on_frame=on_frame,
                            seed=None if self.seed is None else self.seed * 1000 + index,
                            guard=guard)
        except (KeyboardInterrupt, SkillAborted):
            raise
        except Exception as exc:  # anything the plant or a fault raised
            raise SkillAborted(StepOutcome.SIMULATOR_ERROR,
                               f"simulator failed during {action_text(action)}: "
                               f"{type(exc).__name__}: {exc}") from exc
        if out.reason in ("policy_error", "robot_error"):   # "policy failed during ..."
            raise SkillAborted(StepOutcome.POLICY_ERROR if out.reason == "policy_error" else
                               StepOutcome.SIMULATOR_ERROR, f"{out.reason[:-6]} failed during "
                               f"{action_text(action)} at control step {out.steps}: {out.detail}")
        held_back = guard.vetoed if guard is not None else 0
        why = "" if out.success else (out.detail or out.reason)
        if held_back and not out.success and not guard.released:
            why += (f"; the world model held the release back {held_back} steps: {guard.held} "
                    f"was never over {guard.onto}")
        return bool(out.success), int(out.steps), why, held_back
