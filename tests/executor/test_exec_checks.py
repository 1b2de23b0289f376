"""A failing twin check stops a doomed action before dispatch.

Each scenario offers the planner a short plan through a doomed action and a longer one
that works.  With checks, the twin rejects the doomed action, the executor rules it out
and replans, and the run succeeds without ever dispatching it; without checks the plant
dispatches it and that step fails.
"""
from __future__ import annotations

import pytest
from executor_scenes import cube, robot_for

from vlaplan.executor import Executor, StepOutcome
from vlaplan.planner.instruction_goal import Goal

# Green must end up on some block with the hand empty, but not on red_1 (the top of a
# blue/red tower): stacking on the doomed block is the short plan; the long one clears
# blue_1 first.
LITERALS = ["(not (on-table green_1))", "(hand-empty)", "(not (on green_1 red_1))"]
TOWER = (cube("blue_1", "blue", 0.45, -0.2), cube("red_1", "red", 0.45, -0.2, level=1))
LEAN = 0.012  # m per level: the tower stands, but not with a heavy block on top


def scenario(reason: str):
    """(objects, held object, goal literals, doomed call) for a reason code."""
    if reason == "UNREACHABLE":  # yellow_1 is 0.91 m from the base
        objects = [cube("green_1", "green", 0.45, 0.0), cube("yellow_1", "yellow", 0.86, 0.30)]
        return objects, None, "(stack green_1 yellow_1)"
    if reason == "UNSTABLE":  # a heavy block on a leaning tower topples it
        objects = [cube("green_1", "green", 0.45, 0.0, mass=0.2, z=0.2),
                   cube("white_1", "white", 0.5, 0.1),
                   cube("white_2", "white", 0.5, 0.1 + LEAN, level=1),
                   cube("yellow_1", "yellow", 0.5, 0.1 + 2 * LEAN, level=2)]
        return objects, "green_1", "(stack green_1 yellow_1)"
    raise ValueError(reason)


def _run(reason: str, checks: bool):
    objects, held, _ = scenario(reason)
    robot = robot_for(*objects, *TOWER, holding=held)
    ex = Executor("tabletop", "scripted", robot=robot, max_replans=2)
    return ex.run(Goal.of(LITERALS), seed=0, checks=checks)


@pytest.mark.parametrize("reason", ["UNREACHABLE", "UNSTABLE"])
def test_check_stops_doomed_action_and_run_succeeds(reason: str) -> None:
    doomed = scenario(reason)[2]
    with_checks = _run(reason, checks=True)
    stopped = [s for s in with_checks.steps if s.outcome == StepOutcome.CHECK_FAILED]
    assert stopped and stopped[0].call == doomed
    assert stopped[0].checks[-1].reason == reason
    assert stopped[0].frames == 0 and stopped[0].duration == 0.0  # never dispatched
    assert with_checks.success, with_checks.reason
    assert with_checks.replans[0].cause.startswith("check failed")
    assert all(s.call != doomed for s in with_checks.steps if s.checks and s.checks[-1].ok)

    without = _run(reason, checks=False)
    dispatched = [s for s in without.steps if s.call == doomed]
    assert dispatched and dispatched[0].frames > 0
    assert dispatched[0].outcome != StepOutcome.SUCCEEDED  # the plant failed at it
    if reason == "UNSTABLE":  # and knocked the tower over on the way
        assert "(on yellow_1 white_2)" in with_checks.final_atoms
        assert "(on yellow_1 white_2)" not in without.final_atoms


def test_precondition_false_stops_the_doomed_stack_in_open_loop() -> None:
    """A block lands on blue_1 while green_1 is picked.  Open loop (no monitoring), the
    symbolic check still stops (stack green_1 blue_1); without it the plant stacks green_1
    onto the intruder.  With replanning the run clears blue_1 and succeeds."""
    def run(checks: bool, replan: bool):
        robot = robot_for(cube("green_1", "green", 0.45, 0.0), cube("blue_1", "blue", 0.45, -0.2))
        return Executor("tabletop", "scripted", robot=robot).run(
            "stack green on blue", seed=0, faults="block(blue_1)@0", checks=checks, replan=replan)

    stopped = run(checks=True, replan=False)
    last = stopped.steps[-1]
    assert last.call == "(stack green_1 blue_1)" and last.outcome == StepOutcome.CHECK_FAILED
    assert last.checks[-1].reason == "PRECONDITION_FALSE" and last.frames == 0
    assert "(clear blue_1)" in last.checks[-1].detail
    assert "(holding green_1)" in stopped.final_atoms  # nothing was dispatched: still held

    blind = run(checks=False, replan=False)
    assert blind.steps[-1].call == "(stack green_1 blue_1)" and blind.steps[-1].frames > 0
    assert blind.steps[-1].outcome != StepOutcome.SUCCEEDED and not blind.success

    recovered = run(checks=True, replan=True)
    assert recovered.success and recovered.replans


@pytest.mark.parametrize("when_blocked", ["stop", "try"])
def test_when_the_only_way_is_rejected(when_blocked: str) -> None:
    """Stacking on the out-of-reach block is the only way: "stop" fails with the twin's
    reason and never dispatches it; "try" dispatches it anyway (marked), and fails on the plant."""
    robot = robot_for(cube("green_1", "green", 0.45, 0.0), cube("yellow_1", "yellow", 0.86, 0.30))
    ex = Executor("tabletop", "scripted", robot=robot, when_blocked=when_blocked)
    result = ex.run(Goal.of(["(on green_1 yellow_1)"]), seed=0)
    assert not result.success
    doomed = [s for s in result.steps if s.call == "(stack green_1 yellow_1)"]
    assert doomed[0].outcome == StepOutcome.CHECK_FAILED
    assert doomed[0].checks[-1].reason == "UNREACHABLE"
    if when_blocked == "stop":
        assert len(doomed) == 1 and "ruled out: (stack green_1 yellow_1) (the twin: UNREACHABLE)" \
            in result.reason
    else:
        tried = [s for s in doomed if s.check_overridden]
        assert tried and tried[0].frames > 0 and tried[0].outcome != StepOutcome.SUCCEEDED
        assert "overriding the twin" in result.plans[1].cause
