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
