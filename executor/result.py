"""The record of one ``execute()`` call: :class:`ExecutionResult` and its parts.

Everything here is a pydantic model so that a result crosses process and language
boundaries as JSON (``result.model_dump_json()`` / ``ExecutionResult.model_validate_json``).
Atoms and actions are stored as PDDL strings (``"(on red_1 blue_1)"``, ``"(pick red_1)"``).
"""
from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, Field


class StepOutcome(str, Enum):
    """How one planned action ended."""

    SUCCEEDED = "succeeded"              # dispatched, observed effects match the plan
    CHECK_FAILED = "check_failed"        # stopped before dispatch by a twin check
    EFFECT_MISMATCH = "effect_mismatch"  # dispatched, but the world differs from the plan's prediction
    BUDGET_EXHAUSTED = "budget_exhausted"  # the skill's success predicate never held
    POLICY_ERROR = "policy_error"        # the policy raised
    SIMULATOR_ERROR = "simulator_error"  # the robot / simulator raised
    INTERRUPTED = "interrupted"          # Ctrl-C during the step


class SceneObjectRecord(BaseModel):
    """One object of the observed scene."""

    name: str
    type: str = ""
    colour: str | None = None
    shape: str | None = None
    pose: list[float] = Field(default_factory=list, description="x, y, z (m) and quaternion x, y, z, w")


class PlanRecord(BaseModel):
    """One plan the planner made, and why it was made."""

    stage: int = 0
    status: str
    actions: list[str] = Field(default_factory=list)
    cost: float = 0.0
    stats: dict = Field(default_factory=dict)
    cause: str = "initial"
    seconds: float = 0.0
    assumed: list[str] = Field(default_factory=list, description=(
        "support atoms assumed for objects no classifier placed (vlaplan.executor.loose)"))
    ruled_out: list[str] = Field(default_factory=list, description=(
        "ground actions the plan could not use (twin refusals, repeated failures), each "
        "with its reason and what would lift it (vlaplan.executor.bans)"))


class CheckRecord(BaseModel):
    """The twin's verdict on one action before dispatch."""

    ok: bool
    reason: str = "OK"
    stage: str | None = None
    detail: str = ""
    objects: list[str] = Field(default_factory=list)
    atoms: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    stage_ms: dict[str, float] = Field(default_factory=dict)


class StepRecord(BaseModel):
    """One planned action: its checks, the skill call and what came of it."""

    index: int
    stage: int = 0
    call: str
    prompt: str = ""
    checks: list[CheckRecord] = Field(default_factory=list)
    check_overridden: bool = Field(False, description="dispatched although the twin had said no")
    outcome: StepOutcome
    reason: str = ""
    duration: float = 0.0
    frames: int = 0
    ready_frames: int = Field(0, description="control steps moving to the ready pose before the skill")
    settle_frames: int = Field(0, description="control steps the hand held still after the skill "
                               "while an object had no support (still falling or rocking)")
    held_back: int = Field(0, description="control steps whose opening gripper command the world "
                           "model held back: the held object was not over its destination "
                           "(Executor.release_guard)")
    expected_add: list[str] = Field(default_factory=list)
    expected_delete: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="expected atoms not observed")
    unexpected: list[str] = Field(default_factory=list, description="deleted atoms still observed")
    attempt: int = Field(1, description="tries of this action from the same observed state so far")
    retry: bool = Field(False, description="failed without changing the observed atoms and was "
                        "dispatched again in place (a retry of the step, not a replan)")


class ReplanRecord(BaseModel):
    """A replan: after which step, and why."""

    after_step: int
    cause: str
    detail: str = ""


class InjectedFault(BaseModel):
    """A fault injected into the plant during the run (or tried: ``applied`` False)."""

    step: int
    frame: int | None = None
    kind: str
    target: str | None = None
    applied: bool = True
    detail: str = ""


class Timings(BaseModel):
    """Wall-clock seconds spent in each phase; ``total`` covers the whole call.

    ``setup``: scene generation and building the plant and twin; ``observe``: observations
    and their abstraction outside skills; ``skill``: closed-loop skill execution.
    """

    setup: float = 0.0
    parse: float = 0.0
    observe: float = 0.0
    plan: float = 0.0
    check: float = 0.0
    skill: float = 0.0
    total: float = 0.0

    @property
    def planning_and_checks_fraction(self) -> float:
        """Share of the wall time spent planning and checking."""
        return (self.plan + self.check) / self.total if self.total > 0 else 0.0


class ExecutionResult(BaseModel):
    """Everything about one execution: success, the reason, and the full trace."""

    instruction: str
    domain: str
    seed: int | None = None
    scene_options: dict[str, Any] = Field(default_factory=dict,
                                          description="options given to the scene generator")
    policy: str = ""
    success: bool = False
    reason: str = ""
    checks: bool = True
    replan: bool = True
    max_replans: int = 5
    scene: list[SceneObjectRecord] = Field(default_factory=list)
    goal: list[list[str]] = Field(default_factory=list, description="ordered stages of goal literals")
    goal_notes: list[str] = Field(default_factory=list, description=(
        "how the instruction was read: choices it left open ('a red block', a tower's order) "
        "and objects a collective left out"))
    initial_atoms: list[str] = Field(default_factory=list)
    final_atoms: list[str] = Field(default_factory=list)
    plans: list[PlanRecord] = Field(default_factory=list)
    steps: list[StepRecord] = Field(default_factory=list)
    replans: list[ReplanRecord] = Field(default_factory=list)
    faults: list[InjectedFault] = Field(default_factory=list)
    timings: Timings = Field(default_factory=Timings)
    record: str | None = Field(default=None, description="path of the recorded video, if any")

    @property
    def actions_executed(self) -> int:
        return sum(1 for s in self.steps if s.outcome == StepOutcome.SUCCEEDED)

    def summary(self) -> str:
        """One line for logs: success, steps, replans, time."""
        verdict = "success" if self.success else f"failure: {self.reason}"
        return (f"{verdict} ({len(self.steps)} steps, {len(self.replans)} replans, "
                f"{self.timings.total:.1f} s)")
