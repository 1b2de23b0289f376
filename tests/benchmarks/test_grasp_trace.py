"""benchmarks/grasp_trace.py: the scripted expert closes aligned with the block."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import grasp_trace  # noqa: E402


def test_face_yaw_error_is_the_angle_to_the_nearest_face():
    assert grasp_trace.face_yaw_error(0.0, 0.0) == 0.0
    assert np.isclose(grasp_trace.face_yaw_error(np.pi / 2 + 0.1, 0.0), 0.1)
    assert np.isclose(grasp_trace.face_yaw_error(-0.2, 0.0), 0.2)
    assert np.isclose(grasp_trace.face_yaw_error(np.pi / 4, 0.0), np.pi / 4)


def test_trace_of_the_scripted_expert(tmp_path, capsys):
    out = tmp_path / "trace.json"
    assert grasp_trace.main(["--policy", "scripted", "--trials", "2", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    summary = report["summary"]
    assert summary["trials"] == 2 and summary["successes"] == 2
    for row in report["trials"]:
        first = row["events"][0]
        assert first["xy"] < 0.012 and first["yaw"] < 0.1  # it lines up before closing
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == summary


def test_stack_trace_of_the_scripted_expert_releases_over_the_block(tmp_path):
    out = tmp_path / "trace.json"
    assert grasp_trace.main(["--policy", "scripted", "--skill", "stack", "--trials", "2",
                             "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["skill"] == "stack" and report["summary"]["successes"] == 2
    for row in report["trials"]:
        first = row["events"][0]  # the first open: the held block sits on the one below
        assert first["xy"] < 0.012 and 0.03 < first["dz"] < 0.06
        assert np.isclose(np.hypot(first["dx"], first["dy"]), first["xy"], atol=2e-4)
    summary = report["summary"]  # the offset's components, along and across the table
    assert 0 <= summary["first_abs_dx_median"] < 0.012 and 0 <= summary["first_abs_dy_median"] < 0.012


def test_only_grasps_and_stacks_are_traced():
    import pytest

    with pytest.raises(ValueError, match="cannot trace 'place'"):
        grasp_trace.trace(None, 1, skill="place")
