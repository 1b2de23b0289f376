"""GRIP_OFF_CENTRE: a stack of a block held far off the hand's centre is refused before
dispatch, and the next plan sets the block down and grasps it again (executor.regrasp).

The policy here stands in for a learned one: the scripted expert, except that its stack
brings the *hand* over the destination (as learned stacks do), not the block.  With the
block 26 mm off the hand's centre (beyond the 20 mm half-width of the block below), that
stack drops it off the tower.
"""
from __future__ import annotations

import pytest
from executor_scenes import hand_aiming, off_centre_robot

from vlaplan.executor import Executor, StepOutcome
from vlaplan.executor.regrasp import REASON, TOLERANCE, off_centre, refusal
from vlaplan.planner.errors import ExecutionError
from vlaplan.planner.instruction_goal import Goal
from vlaplan.world_model.predicates import FINGERS


def _run(regrasp: float):
    ex = Executor("tabletop", hand_aiming(), robot=off_centre_robot(), max_replans=3,
                  render=False, ready_pose=False, release_guard=False, aim_held=False,
                  regrasp=regrasp)
    return ex.run(Goal.of(["(on green_1 red_1)", "(hand-empty)"]), seed=0)


def test_off_centre_stack_is_refused_and_regrasped() -> None:
    doomed = "(stack green_1 red_1)"
    with_check = _run(TOLERANCE)
    first = with_check.steps[0]
    assert first.call == doomed and first.outcome == StepOutcome.CHECK_FAILED
    assert first.checks[-1].reason == REASON and first.frames == 0   # never dispatched
    assert "green_1 is held 2" in first.checks[-1].detail
    calls = [s.call for s in with_check.steps if s.outcome == StepOutcome.SUCCEEDED]
    assert calls[:2] == ["(place green_1)", "(pick green_1)"], calls   # set down, regrasp
    assert with_check.success, with_check.reason
    assert all(s.outcome == StepOutcome.SUCCEEDED for s in with_check.steps[1:])

    without = _run(0.0)
    dispatched = [s for s in without.steps if s.call == doomed]
    assert dispatched and dispatched[0].frames > 0
    assert dispatched[0].outcome != StepOutcome.SUCCEEDED   # the plant dropped it beside


def _observation(held_at: tuple[float, float], hand: tuple[float, float]) -> dict:
    def block(x: float, y: float, z: float, holder: bool) -> dict:
        return {"pos": [x, y, z], "quat": [0, 0, 0, 1], "size": [0.04, 0.04, 0.04],
                "contacts": list(FINGERS) if holder else ["table"]}
    return {"observation.privileged": {
        "ee": {"pos": [hand[0], hand[1], 0.2]},
        "objects": {"green_1": block(*held_at, 0.2, True), "red_1": block(0.5, 0.1, 0.02, False)}}}


class Call:
    def __init__(self, name: str, args: tuple[str, ...], add: list) -> None:
        self.name, self.args, self.add = name, args, add


STACK = Call("stack", ("green_1", "red_1"), [("on", ("green_1", "red_1"))])
PLACE = Call("place", ("green_1",), [("on-table", ("green_1",))])


@pytest.mark.parametrize("offset, refused", [(0.02, True), (0.01, False)])
def test_refusal_measures_the_held_block_off_the_hand(offset: float, refused: bool) -> None:
    obs = _observation((0.45 + offset, 0.0), (0.45, 0.0))
    verdict = refusal(STACK, obs, ["green_1", "red_1"], TOLERANCE)
    assert (verdict is not None) is refused
    if refused:
        assert verdict.reason == REASON and verdict.objects == ["green_1"] and not verdict.ok


def test_refusal_only_for_releases_onto_another_object() -> None:
    obs = _observation((0.48, 0.0), (0.45, 0.0))
    assert refusal(PLACE, obs, ["green_1", "red_1"], TOLERANCE) is None   # onto the table
    assert refusal(STACK, obs, ["green_1", "red_1"], 0.0) is None          # off
    objects = obs["observation.privileged"]["objects"]
    assert off_centre(STACK, objects, {"green_1", "red_1"}, None, TOLERANCE) is None


def test_regrasp_is_off_by_default_and_refuses_bad_values() -> None:
    assert Executor("tabletop", "scripted").regrasp == 0.0
    for bad in (1.5, -0.01):
        with pytest.raises(ExecutionError, match="regrasp"):
            Executor("tabletop", "scripted", regrasp=bad)
