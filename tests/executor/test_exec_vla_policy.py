"""execute() with a learned VLA policy given as a checkpoint path (a tiny, untrained one).

The shipped checkpoint is exercised by `vlaplan demo` and benchmarks/execute.py; here a
random tiny checkpoint checks the wiring: cameras rendered at the checkpoint's resolution,
prompts passed, the policy's actions applied closed-loop, and an untrained policy failing
honestly.
"""
from __future__ import annotations

import sys
from pathlib import Path

import vlaplan
from vlaplan.executor import StepOutcome

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "skills"))
from vla_helpers import CAMERA, save_tiny_checkpoint  # noqa: E402


def test_checkpoint_path_runs_closed_loop_and_fails_honestly(tmp_path) -> None:
    ckpt = save_tiny_checkpoint(tmp_path / "vla", head="pi0")
    ex = vlaplan.Executor("tabletop", str(ckpt))
    assert ex.image_size == CAMERA[0]
    prompts: list[str] = []
    result = ex.run("stack purple on orange", seed=0, max_replans=0, checks=False,
                    on_event=lambda e: prompts.append(getattr(e, "prompt", "")))
    assert result.policy == str(ckpt)
    assert "pick up the purple block" in prompts
    first = result.steps[0]
    assert first.call == "(pick purple_1)" and first.frames > 0
    assert first.outcome in (StepOutcome.BUDGET_EXHAUSTED, StepOutcome.EFFECT_MISMATCH), \
        result.reason  # the policy accepted the images: no policy_error
    assert not result.success and "gave up after 0 replans" in result.reason


class _StandStill:
    """A policy object that never moves the arm: every skill runs out of budget."""

    def reset(self, call=None, seed=None):
        pass

    def select_action(self, observation, prompt):
        import numpy as np
        return np.zeros(5, dtype=np.float32)

    def predict_action_chunk(self, observation, prompt):
        import numpy as np
        return np.zeros((4, 5), dtype=np.float32)


def test_a_failing_action_is_tried_attempts_times_then_ruled_out() -> None:
    import pytest

    from vlaplan.planner.errors import ExecutionError

    for attempts in (1, 2):
        ex = vlaplan.Executor("tabletop", _StandStill(), attempts=attempts, render=False)
        result = ex.run("pick up the red block", seed=1, max_replans=10)
        calls = [s.call for s in result.steps if s.outcome != StepOutcome.CHECK_FAILED]
        assert calls == [calls[0]] * attempts, calls  # the same pick, then no more
        assert not result.success and f"failed {attempts} times from this state" in result.reason
    with pytest.raises(ExecutionError, match="attempts"):
        vlaplan.Executor("tabletop", "scripted", attempts=0)


def test_a_failure_that_changed_nothing_is_retried_in_place_without_a_replan() -> None:
    ex = vlaplan.Executor("tabletop", _StandStill(), attempts=3, render=False)
    result = ex.run("pick up the red block", seed=1, max_replans=0)
    tried = [s for s in result.steps if s.outcome != StepOutcome.CHECK_FAILED]
    assert [s.call for s in tried] == ["(pick red_1)"] * 3
    assert [s.attempt for s in tried] == [1, 2, 3]
    assert [s.retry for s in tried] == [True, True, False]
    assert result.replans == [] and len(result.plans) == 1  # retries are not replans
    assert "gave up after 0 replans" in result.reason and not result.success
    # open loop: no recovery of any kind, so one try only
    open_loop = ex.run("pick up the red block", seed=1, replan=False)
    assert [s.call for s in open_loop.steps] == ["(pick red_1)"] and not open_loop.success
    assert not open_loop.steps[0].retry  # it was not dispatched again
