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


class _ShyInCrowds:
    """The scripted expert, except that it will not pick ``target`` while another block's
    centre is within 8 cm of it (it stands still): a learned pick that fails beside a
    neighbour set down too close."""

    def __init__(self, target: str) -> None:
        from vlaplan.skills.scripted import ScriptedPolicy
        self.expert, self.target, self.call = ScriptedPolicy(), target, None

    def reset(self, call=None, seed=None):
        self.call = call
        self.expert.reset(call=call, seed=seed)

    def select_action(self, observation, prompt):
        import numpy as np
        objects = observation["observation.privileged"]["objects"]
        if self.call.name == "pick" and self.call.args == (self.target,):
            me = np.asarray(objects[self.target]["pos"][:2])
            if any(np.linalg.norm(np.asarray(o["pos"][:2]) - me) < 0.08
                   for name, o in objects.items() if name != self.target):
                return np.zeros(5, dtype=np.float32)
        return self.expert.select_action(observation, prompt)

    def predict_action_chunk(self, observation, prompt):
        import numpy as np
        return np.stack([self.select_action(observation, prompt)])


def test_a_pick_that_keeps_failing_beside_a_neighbour_is_retried_after_moving_it() -> None:
    from executor_scenes import cube, robot_for
    from vlaplan.executor.crowding import CROWDED

    # red_1 with green_1 6 cm beside it (closer than CROWDED), blue_1 far away
    robot = robot_for(cube("red_1", "red", 0.45, 0.0), cube("green_1", "green", 0.45, 0.06),
                      cube("blue_1", "blue", 0.55, -0.15))
    assert 0.06 < CROWDED
    ex = vlaplan.Executor("tabletop", _ShyInCrowds("red_1"), robot=robot, attempts=2,
                          render=False, ready_pose=False)
    result = ex.run("stack red on blue", seed=0, max_replans=3)
    calls = [s.call for s in result.steps if s.frames > 0]
    assert calls[:2] == ["(pick red_1)"] * 2  # failed twice beside green_1
    assert calls[2:4] == ["(pick green_1)", "(place green_1)"]  # make room, then again
    assert calls[4:] == ["(pick red_1)", "(stack red_1 blue_1)"], calls
    assert result.success, result.reason
    ruled = result.plans[1].ruled_out
    assert len(ruled) == 1 and ruled[0].startswith(
        "(pick red_1): failed 2 times from this state, crowded by green_1; until a plan changes")
    assert "(on-table green_1)" in ruled[0]
    # with nothing crowding it, a pick that keeps failing is ruled out outright (as before)
    lone = robot_for(cube("red_1", "red", 0.45, 0.0), cube("blue_1", "blue", 0.55, -0.15))
    ex = vlaplan.Executor("tabletop", _StandStill(), robot=lone, attempts=2, render=False)
    result = ex.run("stack red on blue", seed=0, max_replans=3)
    assert [s.call for s in result.steps if s.frames > 0] == ["(pick red_1)"] * 2
    assert "ruled out: (pick red_1) (failed 2 times from this state)" in result.reason
    assert result.plans[-1].ruled_out == ["(pick red_1): failed 2 times from this state; outright"]


def test_the_plant_renders_through_the_checkpoints_front_camera(tmp_path) -> None:
    close = vlaplan.Executor("tabletop", str(save_tiny_checkpoint(tmp_path / "c",
                                                                  front_camera="close")))
    wide = vlaplan.Executor("tabletop", str(save_tiny_checkpoint(tmp_path / "w")))
    assert (close.front_camera, wide.front_camera) == ("close", "wide")
    robot, _ = close._prepare(0)
    assert robot.front_camera == "close" and robot.image_size == CAMERA[0]
    robot, _ = wide._prepare(0)
    assert robot.front_camera == "wide"


def test_a_shipped_side_camera_policy_drives_the_plant_through_three_cameras() -> None:
    import numpy as np
    import pytest

    from vlaplan.planner.errors import SkillError
    from vlaplan.skills.contract import IMAGE_SIDE

    ex = vlaplan.Executor("tabletop", "vla-heldout")
    assert ex.front_camera == "close+side"
    robot, _ = ex._prepare(3)
    assert robot.cameras == ("front", "wrist", "side")
    obs = robot.observe()
    assert obs[IMAGE_SIDE].shape == (96, 96, 3)
    ex.policy.reset(seed=0)
    action = ex.policy.select_action(obs, "pick up the red block")
    assert action.shape == (5,) and np.all(np.abs(action) <= 1.0 + 1e-6)
    without = {k: v for k, v in obs.items() if k != IMAGE_SIDE}
    with pytest.raises(SkillError, match="observation.images.side"):
        ex.policy.reset(seed=0)
        ex.policy.select_action(without, "pick up the red block")
