"""`vlaplan run|goal|domains|demo`: output contracts and exit codes (0 / 1 / 2)."""
from __future__ import annotations

import json
import subprocess
import sys

import imageio.v2 as imageio

from vlaplan.executor.result import ExecutionResult


def vlaplan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vlaplan.cli", *args], capture_output=True,
                          text=True, timeout=120)


def test_run_json_prints_exactly_one_result_and_exits_0() -> None:
    out = vlaplan("run", "stack purple on orange", "--policy", "scripted", "--seed", "0", "--json")
    assert out.returncode == 0, out.stderr
    result = ExecutionResult.model_validate_json(out.stdout)  # nothing else on stdout
    assert result.success and result.policy == "scripted"
    assert [s.call for s in result.steps] == ["(pick purple_1)", "(stack purple_1 orange_1)"]


def test_run_task_failure_exits_1_with_the_reason() -> None:
    out = vlaplan("run", "make sure purple is on orange and orange is held", "--policy",
                  "scripted", "--json")
    assert out.returncode == 1
    result = json.loads(out.stdout)
    assert not result["success"] and "can never hold together" in result["reason"]
    loop = vlaplan("run", "put purple on orange and orange on purple", "--policy", "scripted")
    assert loop.returncode == 2 and "is a loop" in loop.stderr     # bad input, before acting


def test_run_live_view_ends_with_a_summary(tmp_path) -> None:
    gif = tmp_path / "run.gif"
    out = vlaplan("run", "stack purple on orange", "--policy", "scripted", "--record", str(gif))
    assert out.returncode == 0, out.stderr
    assert "SUCCESS" in out.stdout and "stack the purple block on the orange block" in out.stdout
    frames = imageio.mimread(gif)
    assert len(frames) > 10


def test_bad_input_exits_2_in_at_most_two_lines() -> None:
    for args in (["run", "stack red on blue", "--domain", "tabeltop", "--policy", "scripted"],
                 ["run", "flibber the gorp", "--policy", "scripted"],
                 ["run", "stack purple on orange", "--policy", "scripted", "--faults", "boom@1"],
                 ["run", "stack purple on orange", "--policy", "scripted", "--record", "x.avi"],
                 ["goal", "", "--json"],
                 ["goal", "stack purple on orange", "--scene", "colour=3"],
                 ["run", "stack purple on orange", "--policy", "scripted", "--scene", "n_objects"]):
        out = vlaplan(*args)
        assert out.returncode == 2, (args, out.stderr)
        errors = [line for line in out.stderr.splitlines() if not line.startswith("pybullet")]
        assert 1 <= len(errors) <= 2 and errors[0].startswith("error:"), out.stderr
        assert "Traceback" not in out.stderr


def test_goal_shows_scene_and_goal_without_executing() -> None:
    out = vlaplan("goal", "stack purple on orange on white", "--seed", "0", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["goal"]["stages"] == [["(on purple_1 orange_1)", "(on orange_1 white_1)"]]
    assert data["unreachable"] is None
    assert {o["name"] for o in data["scene"]} >= {"purple_1", "orange_1", "white_1"}
    assert "(hand-empty)" in data["atoms"]
    text = vlaplan("goal", "put the red cylinder in the drawer, then close it", "--domain",
                   "kitchen", "--seed", "2")
    assert text.returncode == 0, text.stderr
    assert "red_cylinder_1" in text.stdout and "drawer" in text.stdout
    assert "(in red_cylinder_1 drawer)" in text.stdout and "then (closed drawer)" in text.stdout
    chosen = json.loads(vlaplan("goal", "put a red block on white", "--seed", "0", "--json").stdout)
    assert chosen["notes"] == ["'a red block' could be any of red_1, red_2, red_3; chose red_1"]
    assert chosen["goal"]["stages"] == [["(on red_1 white_1)"]]
    missing = vlaplan("goal", "put the red cube in the drawer", "--domain", "kitchen", "--seed", "2")
    assert missing.returncode == 2 and "there is no red cube in the scene" in missing.stderr


def test_goal_says_when_a_goal_can_never_hold() -> None:
    held = vlaplan("goal", "make sure purple is on orange and orange is held", "--seed", "0",
                   "--json")
    assert held.returncode == 0, held.stderr
    assert json.loads(held.stdout)["unreachable"] == (
        "(on purple_1 orange_1) and (holding orange_1) can never hold together")
    later = vlaplan("goal", "put white on red_1, then make sure purple is on orange and orange "
                    "is held", "--seed", "0")
    assert later.returncode == 0, later.stderr
    assert "after stage 2" in later.stdout and "can never" in later.stdout


def test_domains_lists_every_domain_with_examples() -> None:
    out = vlaplan("domains", "--json")
    assert out.returncode == 0
    infos = {d["name"]: d for d in json.loads(out.stdout)["domains"]}
    assert {"tabletop", "kitchen", "sorting"} <= set(infos)
    assert all(d["examples"] and d["actions"] for d in infos.values())
    assert "stack" in infos["tabletop"]["actions"]


def test_demo_runs_a_long_task_with_scripted_skills() -> None:
    out = vlaplan("demo", "--policy", "scripted", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["instruction"].startswith("build a tower of")
    assert result["success"] and len(result["steps"]) >= 8


def test_scene_options_shape_the_scene_and_are_kept_in_the_result() -> None:
    goal = vlaplan("goal", "put every block on the table", "--seed", "2", "--scene", "n_objects=3",
                   "--json")
    assert goal.returncode == 0, goal.stderr
    assert len(json.loads(goal.stdout)["scene"]) == 3
    plain = vlaplan("goal", "put every block on the table", "--seed", "2", "--json")
    assert len(json.loads(plain.stdout)["scene"]) != 3
    out = vlaplan("run", "put every block on the table", "--policy", "scripted", "--seed", "2",
                  "--scene", "n_objects=3", "--json")
    assert out.returncode == 0, out.stderr
    result = ExecutionResult.model_validate_json(out.stdout)
    assert result.success and result.scene_options == {"n_objects": 3} and len(result.scene) == 3
