"""The symbolic stage and the CheckResult model (no simulator)."""
from __future__ import annotations

from dataclasses import dataclass

from vlaplan.planner.atoms import Atom
from vlaplan.world_model.checks import (
    ALL_STAGES, CHEAP_STAGES, CheckResult, CheckStage, ReasonCode, check_symbolic,
    effect_mismatch, parse_stages)


@dataclass(frozen=True)
class Act:
    name: str
    args: tuple[str, ...]
    pre: frozenset
    add: frozenset
    delete: frozenset


STACK = Act("stack", ("red_1", "blue_1"),
            pre=frozenset({Atom("holding", ("red_1",)), Atom("clear", ("blue_1",))}),
            add=frozenset({Atom("on", ("red_1", "blue_1")), Atom("hand-empty")}),
            delete=frozenset({Atom("holding", ("red_1",)), Atom("clear", ("blue_1",))}))


def test_preconditions_true_passes() -> None:
    state = {Atom("holding", ("red_1",)), Atom("clear", ("blue_1",)), Atom("on-table", ("blue_1",))}
    assert check_symbolic(STACK, state, known_objects=["red_1", "blue_1"]) is None


def test_false_precondition_is_named() -> None:
    state = {("holding", ("red_1",)), ("on", ("green_1", "blue_1"))}
    failure = check_symbolic(STACK, state)
    assert failure is not None and failure.reason is ReasonCode.PRECONDITION_FALSE
    assert failure.atoms == ("(clear blue_1)",)
    assert "blue_1" in failure.objects and "(clear blue_1)" in failure.detail


def test_unknown_argument() -> None:
    failure = check_symbolic(STACK, set(), known_objects=["red_1"])
    assert failure is not None and failure.reason is ReasonCode.UNKNOWN_OBJECT
    assert failure.objects == ("blue_1",)


def test_effect_mismatch_lists_missing_and_stale_atoms() -> None:
    predicted = {Atom("holding", ("red_1",)), Atom("hand-empty")}
    missing, stale = effect_mismatch(STACK, predicted)
    assert missing == ["(on red_1 blue_1)"] and stale == ["(holding red_1)"]


def test_stage_selection_and_result_model() -> None:
    assert parse_stages(True) == ALL_STAGES and parse_stages(False) == ()
    assert parse_stages("cheap") == CHEAP_STAGES
    assert parse_stages(["lookahead", "symbolic"]) == (CheckStage.SYMBOLIC, CheckStage.LOOKAHEAD)
    result = CheckResult(ok=False, action="(stack red_1 blue_1)",
                         reason=ReasonCode.COLLISION, stage=CheckStage.COLLISION,
                         detail="gripper hits green_1", objects=["green_1"])
    assert not result
    again = CheckResult.model_validate_json(result.model_dump_json())
    assert again == result and again.reason is ReasonCode.COLLISION


def test_planner_ground_actions_with_negative_preconditions() -> None:
    from vlaplan.planner import GroundAction

    action = GroundAction("stack", ("red_1", "blue_1"), pre=STACK.pre, add=STACK.add,
                          delete=STACK.delete, pre_neg=frozenset({Atom("on", ("red_1", "blue_1"))}))
    good = {Atom("holding", ("red_1",)), Atom("clear", ("blue_1",))}
    assert check_symbolic(action, good) is None
    failure = check_symbolic(action, good | {Atom("on", ("red_1", "blue_1"))})
    assert failure is not None and failure.atoms == ("(on red_1 blue_1)",)
    assert "must be false" in failure.detail
