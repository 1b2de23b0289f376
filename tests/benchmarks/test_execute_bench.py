"""benchmarks/execute.py on short tasks: the report's rows, skill counts and ablation switches."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import execute as bench  # noqa: E402


def test_report_counts_every_dispatched_skill(tmp_path):
    out = tmp_path / "report.json"
    assert bench.main(["--domains", "tabletop", "--seeds", "2", "--conditions", "scripted",
                       "--actions", "4", "--json", str(out)]) == 0
    report = json.loads(out.read_text())["report"]
    row = report["tabletop/scripted"]
    episodes, summary = row["episodes"], row["summary"]
    assert summary["episodes"] == 2 and summary["success"] == 1.0
    counts = summary["skills_in_chain"]
    dispatched = [d for e in episodes for d in e["dispatched"]]
    assert sum(c["dispatched"] for c in counts.values()) == len(dispatched) >= 4
    assert sum(c["succeeded"] for c in counts.values()) == sum(o == "succeeded" for _, o in dispatched)
    assert set(counts) <= {"pick", "place", "stack", "unstack"}
    assert "pick" in counts or "unstack" in counts


def test_ready_pose_switch_reaches_the_executor(tmp_path):
    rows = {}
    for mode in ("auto", "on"):
        out = tmp_path / f"{mode}.json"
        assert bench.main(["--domains", "tabletop", "--seeds", "1", "--conditions", "scripted",
                           "--actions", "4", "--ready-pose", mode, "--json", str(out)]) == 0
        rows[mode] = json.loads(out.read_text())["report"]["tabletop/scripted"]["episodes"]
    assert all(e["success"] for r in rows.values() for e in r)
    assert sum(e["ready_frames"] for e in rows["auto"]) == 0  # the scripted expert starts anywhere
    assert sum(e["ready_frames"] for e in rows["on"]) > 0


def test_vla_ablation_rows_switch_off_checks_and_replanning(tmp_path):
    out = tmp_path / "vla.json"
    assert bench.main(["--policy", "vla", "--seeds", "1", "--actions", "2", "--conditions",
                       "vla no-checks,vla open-loop", "--json", str(out)]) == 0
    report = json.loads(out.read_text())["report"]
    assert set(report) == {"tabletop/vla no-checks", "tabletop/vla open-loop"}
    unchecked = report["tabletop/vla no-checks"]["episodes"][0]
    assert unchecked["steps"] >= 1 and unchecked["stage_ms"] == {} and unchecked["lookaheads"] == 0
    open_loop = report["tabletop/vla open-loop"]["episodes"][0]
    assert open_loop["replans"] == 0 and open_loop["stage_ms"]  # checked, never replanned
    assert open_loop["instruction"] == unchecked["instruction"]  # the same task in both rows


def test_unknown_condition_is_refused(capsys):
    with pytest.raises(SystemExit) as info:
        bench.main(["--policy", "vla", "--seeds", "1", "--conditions", "vla sideways"])
    assert info.value.code == 2
    assert "vla sideways" in capsys.readouterr().err


def test_vla_inference_options_reach_the_policy(tmp_path, monkeypatch):
    import vlaplan.skills.policies as policies

    made = []
    real = policies.load_policy

    def spy(name, **kw):
        made.append(real(name, **kw))
        return made[-1]

    monkeypatch.setattr(policies, "load_policy", spy)
    out = tmp_path / "vla.json"
    assert bench.main(["--policy", "vla", "--seeds", "1", "--actions", "2", "--noise-scale", "0",
                       "--ensemble-every", "2", "--json", str(out)]) == 0
    vla = [p for p in made if hasattr(p, "noise_scale")]
    assert len(vla) == 1 and vla[0].noise_scale == 0.0 and vla[0].ensemble_every == 2
    episode = json.loads(out.read_text())["report"]["tabletop/vla"]["episodes"][0]
    assert episode["steps"] >= 1
