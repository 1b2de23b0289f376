"""ExecutionResult: JSON round-trip and derived numbers."""
from __future__ import annotations

import json

from vlaplan.executor.result import (CheckRecord, ExecutionResult, InjectedFault, PlanRecord,
                                     ReplanRecord, SceneObjectRecord, StepOutcome, StepRecord,
                                     Timings)


def _sample() -> ExecutionResult:
    return ExecutionResult(
        instruction="stack red on blue", domain="tabletop", seed=3, policy="scripted",
        success=True, reason="goal reached",
        scene=[SceneObjectRecord(name="red_1", type="block", colour="red", shape="cube",
                                 pose=[0.4, 0.1, 0.02, 0, 0, 0, 1])],
        goal=[["(on red_1 blue_1)"]], final_atoms=["(on red_1 blue_1)"],
        plans=[PlanRecord(status="SOLVED", actions=["(pick red_1)", "(stack red_1 blue_1)"],
                          cost=2, stats={"expanded": 3})],
        steps=[StepRecord(index=0, call="(pick red_1)", prompt="pick up the red block",
                          checks=[CheckRecord(ok=False, reason="UNREACHABLE", seconds=0.002,
                                              stage_ms={"reachability": 1.5})],
                          outcome=StepOutcome.CHECK_FAILED, duration=0.0, frames=0)],
        replans=[ReplanRecord(after_step=0, cause="check failed", detail="x")],
        faults=[InjectedFault(step=1, kind="drop", target="red_1", detail="dropped")],
        timings=Timings(parse=0.001, plan=0.01, check=0.02, skill=2.0, total=2.2))


def test_json_round_trip_preserves_everything() -> None:
    result = _sample()
    text = result.model_dump_json()
    assert json.loads(text)["steps"][0]["outcome"] == "check_failed"
    back = ExecutionResult.model_validate_json(text)
    assert back == result
    assert back.steps[0].outcome is StepOutcome.CHECK_FAILED


def test_planning_and_checks_fraction() -> None:
    t = Timings(plan=0.1, check=0.1, skill=1.8, total=2.0)
    assert abs(t.planning_and_checks_fraction - 0.1) < 1e-9
    assert Timings().planning_and_checks_fraction == 0.0


def test_summary_names_failure_reason() -> None:
    result = _sample().model_copy(update={"success": False, "reason": "no plan"})
    assert "failure: no plan" in result.summary()
    assert result.actions_executed == 0


def test_the_summary_says_when_the_world_model_held_a_release_back() -> None:
    import io

    from rich.console import Console

    from vlaplan.executor.live import summary_table

    def text(result: ExecutionResult) -> str:
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(summary_table(result))
        return console.export_text()

    result = _sample()
    assert "releases held back" not in text(result)
    result.steps.append(StepRecord(index=1, call="(stack red_1 blue_1)",
                                   outcome=StepOutcome.BUDGET_EXHAUSTED, frames=120, held_back=97))
    assert "releases held back" in text(result) and "97 control steps" in text(result)
    assert json.loads(result.model_dump_json())["steps"][1]["held_back"] == 97
