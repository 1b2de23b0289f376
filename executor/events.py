"""Typed events that ``Executor.run`` emits through ``on_event`` as it goes.

A listener (the CLI's live view, a logger, a GUI) receives them in this order::

    SceneObserved, GoalParsed,
    (PlanMade, (CheckDone*, SkillStarted, SkillProgress*, StepFinished, FaultInjected?)*, Replanning?)*,
    Finished

Events are small frozen dataclasses; listeners must not block for long, they run
inside the control loop.  An exception raised by a listener is not caught.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vlaplan.executor.result import (CheckRecord, ExecutionResult, InjectedFault, PlanRecord,
                                     SceneObjectRecord, StepRecord)


@dataclass(frozen=True)
class SceneObserved:
    """The first observation of the scene, abstracted to atoms."""

    objects: tuple[SceneObjectRecord, ...]
    atoms: tuple[str, ...]


@dataclass(frozen=True)
class GoalParsed:
    """The instruction understood as ordered stages of goal literals."""

    instruction: str
    stages: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()     # choices the reading made (see Goal.notes)


@dataclass(frozen=True)
class PlanMade:
    """A new plan (initial or after a replan)."""

    plan: PlanRecord


@dataclass(frozen=True)
class CheckDone:
    """The twin's verdict on the next action."""

    step: int
    call: str
    check: CheckRecord


@dataclass(frozen=True)
class SkillStarted:
    """A skill is dispatched with its prompt."""

    step: int
    call: str
    prompt: str
    budget: int


@dataclass(frozen=True)
class SkillProgress:
    """A control step of the running skill (emitted every few steps)."""

    step: int
    control_steps: int
    budget: int


@dataclass(frozen=True)
class StepFinished:
    """A planned action ended (dispatched or stopped by a check)."""

    step: StepRecord


@dataclass(frozen=True)
class FaultInjected:
    """A fault was injected into the plant."""

    fault: InjectedFault


@dataclass(frozen=True)
class Replanning:
    """The executor is replanning from the observed state."""

    after_step: int
    cause: str
    detail: str = ""
    replans_left: int = 0


@dataclass(frozen=True)
class Finished:
    """The run is over; the result is final."""

    result: ExecutionResult = field(repr=False)


Event = (SceneObserved | GoalParsed | PlanMade | CheckDone | SkillStarted | SkillProgress
         | StepFinished | FaultInjected | Replanning | Finished)
EventHandler = Callable[[Event], None]
