"""Pre-dispatch check results and the symbolic stage.

A check runs up to four stages, cheapest first, and stops at the first failure:

==============  =====================================================  ======================
stage           question                                               reason codes
==============  =====================================================  ======================
symbolic        do the action's preconditions hold in the state?       PRECONDITION_FALSE,
                                                                       UNKNOWN_OBJECT
reachability    can the arm's grasp frame reach the grasp/place pose?  UNREACHABLE
collision       does the subject fit the open fingers at the expert's  GRASP_INFEASIBLE,
                yaw; is the gripper (and held object) free at that     COLLISION
                pose (contacts deeper than 1 cm)?
lookahead       does the scripted skill, simulated on the twin,        GRASP_INFEASIBLE,
                produce the action's effects?                          UNSTABLE, EFFECT_MISMATCH
==============  =====================================================  ======================

The geometric stages live in :mod:`vlaplan.world_model.geometry_checks` (run by
:mod:`vlaplan.world_model.twin`) and :mod:`vlaplan.world_model.lookahead`; this module
holds the value types they return and the symbolic stage, which needs no simulator.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from vlaplan.planner.atoms import Atom


class ReasonCode(str, Enum):
    """Why a check said no."""

    PRECONDITION_FALSE = "PRECONDITION_FALSE"  # a precondition atom is false in the state
    UNKNOWN_OBJECT = "UNKNOWN_OBJECT"  # an argument the scene does not contain
    UNSUPPORTED_ACTION = "UNSUPPORTED_ACTION"  # the twin has no geometry for this action
    UNREACHABLE = "UNREACHABLE"  # IK cannot bring the grasp frame to the target pose
    COLLISION = "COLLISION"  # gripper or held object would hit something at the target pose
    GRASP_INFEASIBLE = "GRASP_INFEASIBLE"  # the simulated grasp does not hold the object
    UNSTABLE = "UNSTABLE"  # the simulated place makes objects fall (a tower topples)
    EFFECT_MISMATCH = "EFFECT_MISMATCH"  # simulated effects differ from the action's add/delete
    SIMULATION_ERROR = "SIMULATION_ERROR"  # the twin itself failed


class CheckStage(str, Enum):
    """The stages of a check, in the order they run."""

    SYMBOLIC = "symbolic"
    REACHABILITY = "reachability"
    COLLISION = "collision"
    LOOKAHEAD = "lookahead"


ALL_STAGES: tuple[CheckStage, ...] = tuple(CheckStage)
CHEAP_STAGES: tuple[CheckStage, ...] = (
    CheckStage.SYMBOLIC, CheckStage.REACHABILITY, CheckStage.COLLISION)


def parse_stages(stages: bool | str | Iterable[str | CheckStage] | None) -> tuple[CheckStage, ...]:
    """Normalise a stage selection: True/None = all, False = none, "cheap", or names."""
    if stages is None or stages is True:
        return ALL_STAGES
    if stages is False:
        return ()
    if isinstance(stages, str):
        if stages == "all":
            return ALL_STAGES
        if stages == "cheap":
            return CHEAP_STAGES
        stages = [s.strip() for s in stages.split(",") if s.strip()]
    chosen = {CheckStage(s) for s in stages}
    return tuple(s for s in ALL_STAGES if s in chosen)


class CheckResult(BaseModel):
    """The verdict of the twin on one ground action, with its timing.

    ``reason`` and ``stage`` are ``None`` when ``ok``.  ``objects`` names the objects the
    verdict is about (the unreachable target, the obstacle hit, the block that fell);
    ``atoms`` lists the atoms at fault (false preconditions, missing or wrong effects).
    """

    model_config = ConfigDict(frozen=True)

    ok: bool
    action: str = Field(description="the ground action, e.g. '(stack red_1 blue_1)'")
    reason: ReasonCode | None = None
    stage: CheckStage | None = None
    detail: str = ""
    objects: list[str] = Field(default_factory=list)
    atoms: list[str] = Field(default_factory=list)
    distance_error: float | None = Field(
        default=None, description="metres between the IK solution and the target (reachability)")
    stages_run: list[CheckStage] = Field(default_factory=list)
    stage_ms: dict[str, float] = Field(
        default_factory=dict, description="ms per stage run, plus 'target': deriving the "
        "grasp/place pose with the scripted experts' rules")
    duration_ms: float = 0.0

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"{self.action}: ok ({self.duration_ms:.1f} ms)"
        return f"{self.action}: {self.reason.value if self.reason else '?'} — {self.detail}"


@dataclass(frozen=True)
class Failure:
    """What a failing stage reports; the twin turns it into a :class:`CheckResult`."""

    reason: ReasonCode
    detail: str
    objects: tuple[str, ...] = ()
    atoms: tuple[str, ...] = ()
    distance_error: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ActionLike(Protocol):
    """Anything with the fields of ``vlaplan.planner.GroundAction`` a check reads."""

    name: str
    args: tuple[str, ...]
    pre: Any
    add: Any
    delete: Any


def as_atom(atom: Any) -> Atom:
    """Turn an Atom, a ``(pred, (args...))`` pair or a string ``"(on a b)"`` into an Atom."""
    if isinstance(atom, Atom):
        return atom
    if isinstance(atom, str):
        return Atom.parse(atom)
    pred, args = atom
    return Atom(str(pred), tuple(str(a) for a in args))


def atoms_of(items: Iterable[Any] | None) -> frozenset[Atom]:
    return frozenset(as_atom(a) for a in (items or ()))


def action_label(action: ActionLike) -> str:
    return "(" + " ".join((action.name, *action.args)) + ")"


def negative_preconditions(action: ActionLike) -> frozenset[Atom]:
    """Negative preconditions, under whichever name the action type uses (if any)."""
    for name in ("pre_neg", "neg_pre", "pre_negative"):
        if hasattr(action, name):
            return atoms_of(getattr(action, name))
    return frozenset()


def check_symbolic(action: ActionLike, state: Iterable[Any],
                   known_objects: Iterable[str] | None = None) -> Failure | None:
    """Stage 1: every argument is a known object and every precondition holds in ``state``."""
    if known_objects is not None:
        known = set(known_objects)
        unknown = [a for a in action.args if a not in known]
        if unknown:
            return Failure(ReasonCode.UNKNOWN_OBJECT,
                           f"{action_label(action)} names {', '.join(unknown)}, not in the scene "
                           f"(known: {', '.join(sorted(known))})", objects=tuple(unknown))
    facts = atoms_of(state)
    missing = sorted(str(a) for a in atoms_of(action.pre) - facts)
    wrongly_true = sorted(str(a) for a in negative_preconditions(action) & facts)
    if not missing and not wrongly_true:
        return None
    parts = []
    if missing:
        parts.append("false: " + " ".join(missing))
    if wrongly_true:
        parts.append("must be false but hold: " + " ".join(wrongly_true))
    involved = sorted({arg for text in missing + wrongly_true for arg in Atom.parse(text).args})
    return Failure(ReasonCode.PRECONDITION_FALSE,
                   f"preconditions of {action_label(action)} do not hold; " + "; ".join(parts),
                   objects=tuple(involved), atoms=tuple(missing + wrongly_true))


def effect_mismatch(action: ActionLike, predicted: Iterable[Any]) -> tuple[list[str], list[str]]:
    """(add effects missing from ``predicted``, delete effects still true in it)."""
    facts = atoms_of(predicted)
    add, delete = atoms_of(action.add), atoms_of(action.delete)
    return sorted(str(a) for a in add - facts), sorted(str(a) for a in (delete - add) & facts)
