"""Executor.aim_held: a policy that locates its hand from the state is shown the held
object's centre as its hand (vlaplan.world_model.held_aim), so it aims what it holds.

The closed-loop policy stands in for a learned one on two counts: it reads where its hand
is from ``observation.state`` (as learned policies do), and its stack brings that hand over
the destination.  With the block 26 mm off the hand's centre, beyond the 20 mm half-width
of the block below, the stack drops it beside the target; aimed, it lands on it.
"""
from __future__ import annotations

import numpy as np
from executor_scenes import hand_aiming, off_centre_robot

from vlaplan.executor import Executor, StepOutcome
from vlaplan.planner.instruction_goal import Goal
from vlaplan.skills.contract import PRIVILEGED_KEY, STATE_DIM, STATE_KEY
from vlaplan.skills.scripted_policy import ScriptedPolicy
from vlaplan.world_model.held_aim import HeldAim, aimed
from vlaplan.world_model.predicates import FINGERS


class StateHand(ScriptedPolicy):
    """The scripted expert, knowing where its hand is (x, y) only from the state."""

    def _world(self, observation):
        w = super()._world(observation)
        w.ee = np.array([*observation[STATE_KEY][:2], w.ee[2]], dtype=float)
        return w


def _run(aim_held: bool):
    ex = Executor("tabletop", hand_aiming(StateHand), robot=off_centre_robot(), max_replans=0,
                  render=False, ready_pose=False, release_guard=False, aim_held=aim_held)
    return ex.run(Goal.of(["(on green_1 red_1)", "(hand-empty)"]), seed=0)


def test_aiming_the_held_block_lands_an_off_centre_stack() -> None:
    stack = "(stack green_1 red_1)"
    aimed_run = _run(True)
    assert aimed_run.success, aimed_run.reason
    assert [s.call for s in aimed_run.steps] == [stack]
    assert aimed_run.steps[0].outcome == StepOutcome.SUCCEEDED

    unaimed = _run(False)
    assert not unaimed.success
    assert unaimed.steps[0].call == stack and unaimed.steps[0].frames > 0
    assert unaimed.steps[0].outcome != StepOutcome.SUCCEEDED   # dropped beside red_1


def _observation(holding: bool) -> dict:
    state = np.arange(STATE_DIM, dtype=np.float32)
    block = {"pos": [0.47, -0.03, 0.2], "contacts": list(FINGERS) if holding else ["table"]}
    return {STATE_KEY: state, PRIVILEGED_KEY: {"objects": {"green_1": block}}}


def test_aimed_moves_only_the_hands_xy_and_only_while_holding() -> None:
    obs = _observation(holding=True)
    out = aimed(obs)
    assert np.allclose(out[STATE_KEY][:2], [0.47, -0.03])
    assert np.array_equal(out[STATE_KEY][2:], obs[STATE_KEY][2:])
    assert np.array_equal(obs[STATE_KEY], np.arange(STATE_DIM))   # the input is not changed
    empty = _observation(holding=False)
    assert aimed(empty) is empty
    assert aimed({STATE_KEY: obs[STATE_KEY]}) is not None          # no world-model record


class Recorder:
    """A learned policy's stand-in: records the hand's x, y it is shown."""
    chunk_size = 8

    def __init__(self) -> None:
        self.seen: list = []

    def reset(self, call=None, seed=None):
        self.seen.append(("reset", seed))

    def select_action(self, observation, prompt):
        self.seen.append(tuple(observation[STATE_KEY][:2]))
        return np.zeros(5, dtype=np.float32)

    def predict_action_chunk(self, observation, prompt):
        self.seen.append(tuple(observation[STATE_KEY][:2]))
        return np.zeros((8, 5), dtype=np.float32)


def test_held_aim_passes_aimed_observations_and_everything_else_through() -> None:
    inner = Recorder()
    policy = HeldAim(inner)
    policy.reset(seed=3)
    policy.select_action(_observation(holding=True), "stack")
    policy.predict_action_chunk(_observation(holding=False), "stack")
    assert inner.seen[0] == ("reset", 3)
    assert np.allclose(inner.seen[1], (0.47, -0.03)) and np.allclose(inner.seen[2], (0.0, 1.0))
    assert policy.chunk_size == 8


def test_aim_held_is_on_for_learned_policies_only_by_default() -> None:
    assert Executor("tabletop", "scripted").aim_held is False
    assert Executor("tabletop", Recorder()).aim_held is True
    assert Executor("tabletop", "scripted", aim_held=True).aim_held is True
