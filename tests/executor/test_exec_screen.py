"""check_stages="auto" skips the physics look-ahead where the synced geometry settles it
(a straight level tower) and says so; "all" always simulates; a leaning tower is simulated
under "auto" too (test_exec_checks.py: UNSTABLE)."""
from __future__ import annotations

import pytest
from executor_scenes import cube, robot_for

from vlaplan.executor import Executor


def _stack_check(check_stages: str):
    robot = robot_for(cube("red_1", "red", 0.45, 0.0), cube("blue_1", "blue", 0.5, -0.15))
    result = Executor("tabletop", "scripted", robot=robot, check_stages=check_stages).run(
        "stack red on blue", seed=0)
    assert result.success, result.reason
    return next(s for s in result.steps if s.call == "(stack red_1 blue_1)").checks[0]


def test_auto_skips_the_lookahead_on_a_straight_tower() -> None:
    check = _stack_check("auto")
    assert check.ok and "look-ahead skipped: straight level column" in check.detail
    assert "lookahead" not in check.stage_ms and "screen" in check.stage_ms


@pytest.mark.parametrize("stages", ["all", "auto-unscreened"])
def test_all_and_unscreened_always_simulate(stages: str) -> None:
    check = _stack_check(stages)
    assert check.ok and "lookahead" in check.stage_ms and "skipped" not in check.detail
