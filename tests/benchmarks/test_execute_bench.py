"""benchmarks/execute.py on one short scripted task: the report's rows and skill counts."""
from __future__ import annotations

import json
import sys
from pathlib import Path

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
