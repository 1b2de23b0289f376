"""``Executor``: observe -> abstract -> parse -> plan -> (check -> dispatch -> monitor -> replan)*.

The loop follows DESIGN.md's data flow.  Per ordered goal stage, it plans from the
observed atoms; for each planned action it asks the physics twin (unless ``checks`` is
off), runs the bound skill closed-loop with its language prompt until the skill's success
predicate holds or its step budget ends, observes, and continues while the rest of the plan
still reaches the goal from what it observes.  A failed check or a plan the world has
invalidated triggers a replan from the observed state (at most ``max_replans``; never with
``replan=False``).  Success is only ever reported when the final observed atoms satisfy the
goal.  Bad input raises; everything that goes wrong while running ends in the result.
"""
from __future__ import annotations

from pathlib import Path
from time import perf_counter
from typing import Any

from vlaplan.executor import events as ev
from vlaplan.executor.bans import call_text
from vlaplan.executor.dispatch import Dispatcher
from vlaplan.executor.mutex import goal_contradiction
from vlaplan.executor.planning import (action_text, forbid, goal_stages, holds, literal_text,
                                       make_problem, plan_with, restorable, stage_goal,
                                       stats_dict, unmet, without_bookkeeping)
from vlaplan.executor.policies import policy_label, resolve_policy
from vlaplan.executor.result import ExecutionResult, PlanRecord, ReplanRecord
from vlaplan.world_model.fault_spec import fault_request
from vlaplan.executor.runtime import DomainRuntime
from vlaplan.planner.errors import ExecutionError, InstructionNotUnderstood

# Twin verdicts after which the same ground action is not tried again in this run.
_STICKY = {"UNREACHABLE", "COLLISION", "GRASP_INFEASIBLE", "UNSTABLE", "EFFECT_MISMATCH",
           "UNSUPPORTED_ACTION", "UNKNOWN_OBJECT"}


class _Stop(Exception):
    """Ends a run early with a reason (the result is still returned)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Executor:
    """Executes instructions in one domain, keeping domain, planner, twin and policy warm.

    ``Executor("tabletop", policy="scripted").run("stack red on blue", seed=3)``.
    ``robot`` replaces the simulated plant with any object having ``reset(seed)``,
    ``observe()`` and ``apply(action)`` (then the scene is the robot's, not generated).
    ``check_stages`` selects the twin's check stages: ``"auto"`` (the default: all stages for
    stack and put-in, the cheap ones for the rest, and the look-ahead skipped where the
    synced geometry settles it: ``vlaplan.world_model.lookahead_screen``),
    ``"auto-unscreened"`` (the same, never skipping), ``"all"`` (symbolic, reachability,
    collision, physics look-ahead), ``"cheap"`` (no look-ahead) or a list of names.
    ``scene_options`` go to the domain's scene generator (e.g. ``{"n_objects": 7}``).
    ``render``: render the cameras on every control step (None: only when the policy needs
    images or a video is recorded; the scripted expert reads privileged state).
    ``search``: ``"auto"`` (default: optimal A* for up to 200 expansions, then greedy best-first
    for the rest of ``plan_timeout``; ``vlaplan.executor.planning.plan_with``) or any
    ``vlaplan.planner.solve`` search.
    ``when_blocked``: what to do when only actions the twin rejected lead to the goal:
    ``"stop"`` (default: fail with the twin's reasons) or ``"try"`` (dispatch them anyway,
    monitored, and record that the verdict was overridden).
    ``attempts``: how often an action whose skill failed without changing the observed
    atoms is dispatched again from that same state before it is ruled out there (a learned
    policy's next try starts from another arm pose with other noise, and often succeeds).
    ``ready_pose``: before each skill, bring the hand back to the scene's home pose
    (rise, then travel; ``vlaplan.world_model.ready_pose``), where learned skills are
    trained to start; off, a skill starts wherever the previous one left the arm.  None
    (default): on for every policy but the privileged scripted expert, which starts anywhere.
    ``relocate``: when a skill failed twice while the objects it needs to stay put (the
    block to stack on) stood where they were, a plan must move those resting on the table
    before trying it again (``vlaplan.executor.relocation``); off, it is tried where they
    stand until the replans run out.
    ``loose_support``: plan with an assumed support atom for an object that no classifier
    places but that touches the table or lies on blocks (``vlaplan.executor.loose``; the
    plans record what they assumed, success is judged on observed atoms only); off, such an
    object can be planned for by no action.
    ``release_guard``: while a skill lets go of a held object onto another (a stack), the
    world model holds back a gripper-open command until the object's centre is over its
    destination (``vlaplan.world_model.release_guard``); a policy that never gets there
    keeps the object (the step is retried, then planned around by setting it down and
    grasping it again) instead of dropping it beside the tower.  Part of the checks.
    ``regrasp``: refuse a stack (``GRIP_OFF_CENTRE``) of an object held more than this many
    metres off the hand's centre, so it is grasped again first (``executor.regrasp``; a check).
    ``aim_held``: while an object is in the hand, the policy sees its centre as the hand's
    x, y (``vlaplan.world_model.held_aim``): a learned stack brings the object over its target.
    ``approach``: a skill acting on a movable object starts over it (at the ready height,
    within 12 cm of the ready pose); ``spread_places``: a set-down on the table starts over
    the most open table near the ready pose (``vlaplan.world_model.skill_start``).
    ``release_guard``, ``aim_held``, ``approach`` and ``spread_places`` None (default): on
    for every policy but the privileged scripted expert, which reads where things are.
    """

    def __init__(self, domain: str = "tabletop", policy: Any = "vla", *, robot: Any = None,
                 checks: bool = True, replan: bool = True, max_replans: int = 5,
                 search: str = "auto", plan_timeout: float = 10.0,
                 check_stages: Any = "auto", scene_options: dict[str, Any] | None = None,
                 render: bool | None = None, when_blocked: str = "stop",
                 attempts: int = 3, ready_pose: bool | None = None,
                 relocate: bool = True,
                 loose_support: bool = True, release_guard: bool | None = None,
                 regrasp: float = 0.0, aim_held: bool | None = None,
                 approach: bool | None = None, spread_places: bool | None = None) -> None:
        if attempts < 1:
            raise ExecutionError(f"attempts must be >= 1, got {attempts}")
        self.attempts, self.relocate, self.loose_support = attempts, bool(relocate), loose_support
        if max_replans < 0:
            raise ExecutionError(f"max_replans must be >= 0, got {max_replans}")
        if when_blocked not in ("stop", "try"):
            raise ExecutionError(f"when_blocked must be 'stop' or 'try', got {when_blocked!r}")
        self.when_blocked = when_blocked
        self.runtime = DomainRuntime(domain)
        self.domain = domain
        self.checks, self.replan, self.max_replans = checks, replan, max_replans
        from vlaplan.planner.solver import SEARCHES

        if search != "auto" and search not in SEARCHES:
            raise ExecutionError(f"unknown search {search!r}; choose auto or one of {', '.join(SEARCHES)}")
        self.search, self.plan_timeout = search, plan_timeout
        self.check_stages = check_stages
        self.scene_options = dict(scene_options or {})
        self.policy_name = policy_label(policy) if policy is not None else ""
        self.policy = resolve_policy(policy, domain) if policy is not None else None
        self._robot, self._own_robot, self._twin, self._scene = robot, robot is None, None, None
        # Rendering costs most of a control step; the privileged expert does not need it.
        self.render = render
        self._needs_images = render if render is not None else self.policy_name != "scripted"
        learned = self.policy_name != "scripted"
        self.ready_pose = ready_pose if ready_pose is not None else learned
        self.release_guard = release_guard if release_guard is not None else learned
        self.aim_held = bool(aim_held if aim_held is not None else learned)
        self.approach = bool(approach if approach is not None else learned)
        self.spread_places = bool(spread_places if spread_places is not None else learned)
        if not 0 <= regrasp < 0.1:
            raise ExecutionError(f"regrasp is a distance in metres (0: off), got {regrasp}")
        self.regrasp = float(regrasp)
        # Cameras render at the resolution the policy was trained on (when it says).
        config = getattr(getattr(self.policy, "processor", None), "config", None)
        shape = getattr(config, "camera_shape", None)
        self.image_size = int(shape[0]) if shape else 96
        from vlaplan.world_model.render import front_camera_of
        self.front_camera = front_camera_of(self.policy)

    # -- the scene -------------------------------------------------------------------
    def _prepare(self, seed: int | None) -> tuple[Any, list[Any]]:
        """Set up the plant (and twin) for a run; returns (robot, scene objects)."""
        if not self._own_robot:
            self._robot.reset(seed)
            scene = getattr(self._robot, "scene", None)
            if scene is None:
                raise ExecutionError("a custom robot needs a `scene` attribute describing its objects")
            return self._robot, self.runtime.scene_objects(scene)
        scene = self.runtime.generate(seed, **self.scene_options)
        robot = self.runtime.load_scene(self._robot, scene, seed, render=self._needs_images,
                                        image_size=self.image_size,
                                        front_camera=self.front_camera)
        self._robot = robot
        self._scene = scene
        if self._twin is not None:
            self._twin.close()
        self._twin = None
        return robot, self.runtime.scene_objects(scene)

    def _twin_for(self) -> Any:
        if self._twin is None:
            scene = getattr(self, "_scene", None) or getattr(self._robot, "scene", None)
            self._twin = self.runtime.make_twin(scene)
        return self._twin

    def scene(self, seed: int | None = None) -> tuple[list[Any], frozenset]:
        """(scene objects, observed atoms) of the seeded scene, as ``run`` would see them."""
        robot, objects = self._prepare(seed)
        return objects, self.runtime.abstract(robot.observe())

    def goal(self, instruction: str, seed: int | None = None) -> tuple[Any, list[Any], Any]:
        """(observation, scene objects, Goal): what ``instruction`` means in the seeded scene."""
        from vlaplan.planner.instruction import parse_instruction

        if not instruction or not instruction.strip():
            raise InstructionNotUnderstood(instruction or "", "the instruction is empty")
        robot, objects = self._prepare(seed)
        obs = robot.observe()
        atoms = self.runtime.abstract(obs)
        return obs, objects, parse_instruction(instruction, objects, self.runtime.lexicon, atoms)

    # -- the run ---------------------------------------------------------------------
    def run(self, instruction: Any, *, seed: int | None = None, faults: Any = None,
            record: str | Path | None = None, on_event: ev.EventHandler | None = None,
            checks: bool | None = None, replan: bool | None = None,
            max_replans: int | None = None) -> ExecutionResult:
        """Carry out ``instruction`` (text, or a ``Goal`` to skip parsing); see
        :func:`vlaplan.execute` for the other arguments."""

        t_start = perf_counter()
        if self.policy is None:
            raise ExecutionError("this Executor was made without a policy; pass policy=...")
        given_goal = None
        if not isinstance(instruction, str):  # a Goal built by a program: no parsing
            given_goal, instruction = instruction, str(instruction)
        elif not instruction.strip():
            raise InstructionNotUnderstood(instruction, "the instruction is empty")
        checks = self.checks if checks is None else checks
        replan = self.replan if replan is None else replan
        max_replans = self.max_replans if max_replans is None else max_replans
        emit = on_event or (lambda event: None)
        fault_items = fault_request(faults)
        recorder = None
        self._needs_images = (self.render if self.render is not None
                              else self.policy_name != "scripted") or record is not None
        if record is not None:
            from vlaplan.executor.recording import Recorder
            recorder = Recorder(record)
        result = ExecutionResult(instruction=instruction, domain=self.domain, seed=seed,
                                 scene_options=self.scene_options if self._own_robot else {},
                                 policy=self.policy_name, checks=checks, replan=replan,
                                 max_replans=max_replans)
        t = result.timings
        dispatcher = None
        goal_literals: list[Any] = []
        reached_all = False
        try:
            t0 = perf_counter()
            robot, objects = self._prepare(seed)
            if checks:
                self._twin_for()
            t.setup += perf_counter() - t0
            t0 = perf_counter()
            obs = robot.observe()
            atoms = self.runtime.abstract(obs)
            t.observe += perf_counter() - t0
            result.scene = self.runtime.records(objects, obs)
            result.initial_atoms = sorted(map(literal_text, atoms))
            emit(ev.SceneObserved(tuple(result.scene), tuple(result.initial_atoms)))
            t0 = perf_counter()
            if given_goal is None:
                from vlaplan.planner.instruction import parse_instruction
            goal = given_goal or parse_instruction(instruction, objects, self.runtime.lexicon, atoms)
            t.parse += perf_counter() - t0
            stages = [list(stage) for stage in goal_stages(goal)]
            checkpoints = [list(c) for c in getattr(goal, "checkpoints", ())] or [
                stage_goal(stages, k) for k in range(len(stages))]
            result.goal = [[literal_text(lit) for lit in stage] for stage in stages]
            result.goal_notes = list(getattr(goal, "notes", ()))
            emit(ev.GoalParsed(instruction, tuple(tuple(s) for s in result.goal),
                               tuple(result.goal_notes)))
            dispatcher = Dispatcher(self, robot, objects, result, emit, recorder, fault_items,
                                    seed, checks)
            dispatcher.obs = obs
            dispatcher.seen(atoms)
            goal_literals = self._run_stages(dispatcher, stages, checkpoints, replan, max_replans)
            reached_all = True
        except _Stop as stop:
            result.reason = stop.reason
        except KeyboardInterrupt:
            result.reason = "interrupted by the user (Ctrl-C); the result holds what was done so far"
        except Exception as exc:
            if dispatcher is None:  # bad input or a plant that cannot start: raise
                raise
            result.reason = (f"execution stopped by {type(exc).__name__}: {exc}; the result holds "
                             "what was done so far")
        finally:
            if recorder is not None:
                try:
                    path = recorder.close()
                    result.record = str(path) if path else None
                except Exception as exc:  # a failed video must not hide the run's outcome
                    result.reason = (result.reason + "; " if result.reason else "") + f"recording failed: {exc}"
        self._finish(result, dispatcher, goal_literals, reached_all)
        t.total = perf_counter() - t_start
        emit(ev.Finished(result))
        return result

    def _finish(self, result: ExecutionResult, dispatcher: Any, goal_literals: list[Any],
                reached_all: bool) -> None:
        """Observe one last time and decide success from the observed atoms only."""
        if dispatcher is None:
            return
        try:
            dispatcher.observe()
        except KeyboardInterrupt:
            pass
        except Exception as exc:  # the plant is gone: keep the last atoms we have
            result.reason = result.reason or f"final observation failed: {exc}"
        result.final_atoms = sorted(map(literal_text, dispatcher.observed))
        ok = reached_all and holds(goal_literals, dispatcher.observed)
        result.success = ok
        if ok:
            result.reason = "goal reached: all goal literals hold in the observed state"
        elif not result.reason:
            missing = unmet(goal_literals, dispatcher.observed)
            result.reason = "goal not reached; unmet: " + " ".join(missing)

    def _run_stages(self, d: Dispatcher, stages: list[list[Any]], checkpoints: list[list[Any]],
                    replan: bool, max_replans: int) -> list[Any]:
        """Achieve the stages in order; returns the goal literals that must hold at the end.

        Stage ``k`` is planned towards its checkpoint (the stage plus the earlier stages'
        literals it does not replace); if that is unsolvable, towards the stage alone.
        """
        replans_left = max_replans
        goal_literals: list[Any] = []
        for k, stage in enumerate(stages):
            goal_literals, cumulative = list(checkpoints[k]), True
            d.set_goal(goal_literals)
            cause = "initial" if k == 0 else f"stage {k + 1} of {len(stages)}"
            while not holds(goal_literals, d.atoms):
                plan = self._plan(d, k, goal_literals, cause)
                if plan is None and cumulative and k > 0:
                    goal_literals, cumulative = list(stage), False
                    d.set_goal(goal_literals)
                    plan = self._plan(d, k, goal_literals, cause + " (earlier stages not kept)")
                if plan is None:
                    raise _Stop(d.result.plans[-1].cause)
                why = d.follow(plan, goal_literals, replan)
                if why is None:
                    if holds(goal_literals, d.atoms):
                        break
                    why = "plan finished but the goal does not hold: " + " ".join(
                        unmet(goal_literals, d.atoms))
                if not replan:
                    raise _Stop(f"open loop (replan=False): {why}")
                if replans_left <= 0:
                    raise _Stop(f"gave up after {max_replans} replans; last cause: {why}")
                replans_left -= 1
                after = len(d.result.steps) - 1
                d.result.replans.append(ReplanRecord(after_step=after, cause=why.split(":")[0],
                                                     detail=why))
                d.emit(ev.Replanning(after, why.split(":")[0], why, replans_left))
                cause = f"replan: {why}"
        return goal_literals

    def _plan(self, d: Dispatcher, stage: int, goal_literals: list[Any], cause: str) -> Any | None:
        """Plan from the observed atoms; records the plan, returns its actions or None."""
        from vlaplan.planner import PlanResult, PlanStatus

        t0 = perf_counter()

        def attempt() -> Any:
            rearm = {k: restorable(scope, self.runtime.locator, d.movable())
                     for k, scope in d.bans.scope.items()}
            domain = forbid(self.runtime.pddl, d.bans.scope, rearm)
            problem = make_problem(domain, d.object_types(), d.atoms, goal_literals)
            return plan_with(self.search, domain, problem, self.plan_timeout)

        contradiction = None
        if not cause.startswith("replan"):  # a new goal: is it contradictory? (milliseconds)
            contradiction = goal_contradiction(self.runtime.pddl, d.object_types(), d.atoms,
                                               goal_literals)
        if contradiction is not None:
            res = PlanResult(PlanStatus.UNSOLVABLE, None, {"proof": "h2"}, contradiction)
        else:
            res = attempt()
        # Bans to drop when no plan avoids them: verdicts taken before the world moved (ask
        # again), then advice to move a missed destination first (impossible here).
        for droppable in (lambda: d.bans.stale(d.atoms), d.bans.advisory):
            keys = droppable()
            if not res.solved and keys:
                for key in keys:
                    d.bans.lift(key)
                res = attempt()
        twin = d.bans.by_twin()
        if not res.solved and twin and self.when_blocked == "try" and contradiction is None:
            for key in twin:  # only rejected actions lead there: try them, monitored
                d.bans.lift(key)
                d.override.add(key)
            res = attempt()
            cause += " (overriding the twin: " + ", ".join(call_text(k) for k in twin) + ")"
        seconds = perf_counter() - t0
        d.result.timings.plan += seconds
        status = str(getattr(res.status, "value", res.status)).upper()
        plan = res.plan
        actions = [without_bookkeeping(a) for a in getattr(plan, "actions", plan) or []]
        record = PlanRecord(stage=stage, status=status, actions=[action_text(a) for a in actions],
                            assumed=sorted(map(literal_text, d.assumed.values())),
                            ruled_out=d.bans.explain(),
                            cost=float(getattr(plan, "cost", len(actions)) or 0.0),
                            stats=stats_dict(getattr(res, "stats", {})), cause=cause, seconds=seconds)
        d.result.plans.append(record)
        d.emit(ev.PlanMade(record))
        if status != "SOLVED":
            goal = " ".join(literal_text(g) for g in goal_literals)
            banned = f"; ruled out: {d.bans.describe()}" if d.bans else ""
            if contradiction is not None:
                record.cause = f"the goal can never be reached: {contradiction}"
                return None
            why = {"UNSOLVABLE": "no plan reaches the goal from the observed state",
                   "TIMEOUT": f"the planner timed out after {self.plan_timeout:g} s"}.get(
                       status, f"the planner returned {status} ({getattr(res, 'message', '')})")
            lost = d.lost()
            lost_text = (f"; {', '.join(lost)} {'is' if len(lost) == 1 else 'are'} neither on the "
                         "table, on or in anything, nor held (fallen over or out of the "
                         "workspace?)") if lost else ""
            planned_as = [literal_text(d.assumed[x]) for x in lost if x in d.assumed]
            if planned_as:
                lost_text += f"; planned as {', '.join(planned_as)}"
            record.cause = (f"{why}: {goal}{banned}{lost_text}"
                            + (f" ({cause})" if cause != "initial" else ""))
            return None
        return actions
