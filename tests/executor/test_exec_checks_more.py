"""A failing twin check stops a doomed action before dispatch: GRASP_INFEASIBLE, COLLISION
and EFFECT_MISMATCH.

As in test_exec_checks.py, each scene offers a short plan through the doomed action and a
longer one that works.  The goal asks for *some* block on yellow_1 (hand empty), with every
other block but one excluded by a literal: the short plan takes the doomed block, the long
one first clears black_1 (from under another block).  With checks the twin rejects the
doomed action, the executor rules it out and the run succeeds without dispatching it;
without checks the plant dispatches it and that step fails.
"""
from __future__ import annotations

import pytest
from executor_scenes import cube, robot_for

from vlaplan.executor import Executor, StepOutcome
from vlaplan.planner.instruction_goal import Goal

# The way round: blue_1 sits on black_1, so black_1 takes four actions to reach yellow_1.
ALTERNATIVE = (cube("yellow_1", "yellow", 0.4, -0.25), cube("black_1", "black", 0.4, 0.25),
               cube("blue_1", "blue", 0.4, 0.25, level=1))
RING = 0.05  # m between red_1 and each neighbouring tower: the open fingers land on them
TOWERS = [("green_1", "white_2", (0.5, RING)), ("orange_1", "white_3", (0.5 + RING, 0.0)),
          ("purple_1", "white_4", (0.5 - RING, 0.0)), ("white_1", "white_5", (0.5, -RING))]


def scene(reason: str) -> list:
    """The objects besides ALTERNATIVE; red_1 (or the wide box) is the doomed pick."""
    if reason == "GRASP_INFEASIBLE":  # 12 cm across; the fingers open to 8 cm
        return [cube("red_1", "red", 0.5, 0.15, size=(0.12, 0.12, 0.03)),
                cube("orange_1", "orange", 0.55, -0.05),
                cube("white_1", "white", 0.55, -0.05, level=1)]
    if reason == "COLLISION":  # red_1 ringed by four two-block towers
        objects = [cube("red_1", "red", 0.5, 0.0)]
        for top, bottom, (x, y) in TOWERS:
            objects += [cube(bottom, "white", x, y), cube(top, top.split("_")[0], x, y, level=1)]
        return objects
    raise ValueError(reason)


def run(reason: str, checks: bool):
    objects = [*scene(reason), *ALTERNATIVE]
    others = [o.name for o in objects if o.name not in ("red_1", "yellow_1", "black_1")]
    goal = Goal.of(["(not (clear yellow_1))", "(hand-empty)",
                    *(f"(not (on {name} yellow_1))" for name in others)])
    ex = Executor("tabletop", "scripted", robot=robot_for(*objects), max_replans=3)
    return ex.run(goal, seed=0, checks=checks)


@pytest.mark.parametrize("reason", ["GRASP_INFEASIBLE", "COLLISION"])
def test_check_stops_doomed_pick_and_run_succeeds(reason: str) -> None:
    doomed = "(pick red_1)"
    with_checks = run(reason, checks=True)
    stopped = [s for s in with_checks.steps if s.outcome == StepOutcome.CHECK_FAILED]
    assert stopped and stopped[0].call == doomed
    assert stopped[0].checks[-1].reason == reason
    assert stopped[0].frames == 0 and stopped[0].duration == 0.0  # never dispatched
    assert not any(s.call == doomed and s.frames > 0 for s in with_checks.steps)
    assert with_checks.success, with_checks.reason
    assert with_checks.replans[0].cause.startswith("check failed")
    assert "(on black_1 yellow_1)" in with_checks.final_atoms  # the way round

    without = run(reason, checks=False)
    dispatched = [s for s in without.steps if s.call == doomed]
    assert dispatched and dispatched[0].frames > 0
    assert dispatched[0].outcome != StepOutcome.SUCCEEDED  # the plant failed at it
    if reason == "COLLISION":  # the towers stand untouched with the check, not without
        towers = {f"(on {top} {bottom})" for top, bottom, _ in TOWERS}
        assert towers <= set(with_checks.final_atoms)
        assert not towers <= set(without.final_atoms)


def run_unstack(checks: bool):
    """red_1 and green_1 both stand on one wide box, blue_1: the model's (unstack red_1
    blue_1) promises (clear blue_1), which the plant cannot deliver while green_1 stays."""
    objects = [cube("blue_1", "blue", 0.5, 0.05, size=(0.08, 0.2, 0.03)),
               cube("red_1", "red", 0.5, 0.0, z=0.05), cube("green_1", "green", 0.5, 0.1, z=0.05),
               cube("yellow_1", "yellow", 0.4, -0.25), cube("black_1", "black", 0.4, 0.25),
               cube("white_1", "white", 0.4, 0.25, level=1)]
    goal = Goal.of(["(not (clear yellow_1))", "(hand-empty)",
                    *(f"(not (on {name} yellow_1))" for name in ("green_1", "blue_1", "white_1"))])
    # The look-ahead runs for every action ("auto" simulates only stack and put-in).
    ex = Executor("tabletop", "scripted", robot=robot_for(*objects), max_replans=3,
                  check_stages="all")
    return ex.run(goal, seed=0, checks=checks)


def test_effect_mismatch_stops_an_unstack_whose_effects_cannot_hold() -> None:
    doomed = "(unstack red_1 blue_1)"
    with_checks = run_unstack(checks=True)
    first = with_checks.steps[0]
    assert first.call == doomed and first.outcome == StepOutcome.CHECK_FAILED
    assert first.checks[-1].reason == "EFFECT_MISMATCH" and first.frames == 0
    assert "(clear blue_1)" in first.checks[-1].atoms
    assert not any(s.call == doomed and s.frames > 0 for s in with_checks.steps)
    assert with_checks.success, with_checks.reason
    assert "(on black_1 yellow_1)" in with_checks.final_atoms  # the way round
    assert "(on red_1 blue_1)" in with_checks.final_atoms  # red_1 never moved

    without = run_unstack(checks=False)
    dispatched = [s for s in without.steps if s.call == doomed]
    assert dispatched and dispatched[0].frames > 0
    assert dispatched[0].outcome != StepOutcome.SUCCEEDED  # the plant failed at it
    assert "(clear blue_1)" in dispatched[0].reason
