"""Faults injected into the plant: replanning recovers, open loop does not."""
from __future__ import annotations

import pytest
from executor_scenes import cube, robot_for

from vlaplan.executor import Executor

# blue_1 is stacked on red_1 first; the fault knocks it off before green_1 goes on top.
INSTRUCTION = "stack green on blue on red"
FAULT = "displace(blue_1)@2"


def _scene():
    return robot_for(cube("green_1", "green", 0.45, 0.0), cube("blue_1", "blue", 0.45, -0.2),
                     cube("red_1", "red", 0.55, 0.15))


def test_displaced_tower_is_rebuilt_by_replanning() -> None:
    result = Executor("tabletop", "scripted", robot=_scene()).run(INSTRUCTION, seed=0, faults=FAULT)
    assert [(f.kind, f.target, f.step, f.applied) for f in result.faults] == [
        ("displace", "blue_1", 2, True)]
    assert result.success, result.reason
    assert result.replans and "world changed" in result.replans[0].cause
    assert len(result.plans) >= 2
    assert {"(on green_1 blue_1)", "(on blue_1 red_1)"} <= set(result.final_atoms)


def test_open_loop_does_not_recover_from_the_same_fault() -> None:
    result = Executor("tabletop", "scripted", robot=_scene()).run(
        INSTRUCTION, seed=0, faults=FAULT, replan=False)
    assert not result.success
    assert result.reason.startswith("open loop")
    assert not result.replans and len(result.plans) == 1
    assert "(on blue_1 red_1)" not in result.final_atoms


def test_open_loop_without_checks_dispatches_the_rest_blindly() -> None:
    result = Executor("tabletop", "scripted", robot=_scene()).run(
        INSTRUCTION, seed=0, faults=FAULT, replan=False, checks=False)
    assert not result.success
    assert len(result.steps) == len(result.plans[0].actions)  # the whole first plan ran
    assert "(on blue_1 red_1)" not in result.final_atoms
    assert "goal does not hold" in result.reason


def test_bad_fault_spec_is_bad_input() -> None:
    from vlaplan.planner.errors import VlaplanError

    with pytest.raises(VlaplanError, match="fault"):
        Executor("tabletop", "scripted", robot=_scene()).run(INSTRUCTION, faults="explode@1")
