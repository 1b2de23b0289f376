"""benchmarks/skill_context.py: the context of every dispatched skill, bucketed by outcome."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import skill_context as sc  # noqa: E402


def test_nearest_other_skips_the_hand_and_the_same_stack():
    objects = {
        "a": {"pos": [0.4, 0.0, 0.02], "contacts": []},
        "b": {"pos": [0.4, 0.0, 0.06], "contacts": []},  # on a: same stack
        "c": {"pos": [0.4, 0.07, 0.02], "contacts": []},
        "h": {"pos": [0.4, 0.02, 0.2], "contacts": ["left_finger", "right_finger"]},
    }
    assert abs(sc.nearest_other(objects, ("a",)) - 0.07) < 1e-9  # not b, not h
    assert sc.nearest_other(objects, ("h",)) is None  # in the hand
    objects["h"]["contacts"] = []  # set down beside a
    assert abs(sc.nearest_other(objects, ("a",)) - 0.02) < 1e-9
    assert sc.nearest_other(objects, ("zz",)) is None


def test_report_buckets_every_dispatched_skill(tmp_path):
    out = tmp_path / "sc.json"
    assert sc.main(["--policy", "scripted", "--seeds", "1", "--actions", "4",
                          "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    rows, summary = data["rows"], data["summary"]
    assert len(rows) >= 4 and all(r["outcome"] == "succeeded" for r in rows)
    for measure in sc.BUCKETS:
        counted = [r for r in rows if r[measure] is not None]
        assert sum(n for cells in summary[measure].values() for _, n in cells.values()) \
            == len(counted), measure
    placed = [r for r in rows if r["nearest"] is not None]
    assert placed and all(r["nearest"] > 0.015 for r in placed)
    # the scripted expert grasps blocks at their centre, and a stack works above the table
    assert all(r["grip"] < 0.005 for r in rows if r["skill"] == "stack")
    assert all(r["level"] >= 1 for r in rows if r["skill"] in ("stack", "pick", "unstack"))


def test_level_and_grip_read_the_stack_and_the_hand():
    objects = {
        "a": {"pos": [0.4, 0.0, 0.02], "contacts": []},
        "b": {"pos": [0.401, 0.0, 0.06], "contacts": []},  # on a
        "c": {"pos": [0.5, 0.0, 0.02], "contacts": []},
        "h": {"pos": [0.5, 0.008, 0.2], "contacts": ["left_finger", "right_finger"]},
    }
    assert sc.level(objects, ("b",)) == 2 and sc.level(objects, ("a",)) == 1
    assert sc.level(objects, ("h", "b")) == 2  # the held block does not count
    assert sc.level(objects, ("h",)) is None
    assert abs(sc.grip(objects, ("h", "b"), [0.5, 0.0, 0.2]) - 0.008) < 1e-9
    assert sc.grip(objects, ("a",), [0.5, 0.0, 0.2]) is None
    rows = [{"skill": "stack", "level": 2, "outcome": "succeeded"},
            {"skill": "stack", "level": 5, "outcome": "budget_exhausted"},
            {"skill": "place", "level": None, "outcome": "succeeded"}]
    assert sc.summarise(rows, "level") == {"stack": {"1 block": [0, 0], "2": [1, 1], "3": [0, 0],
                                                     "4+": [0, 1]}}


def test_plot_writes_a_png_or_says_why_not(tmp_path):
    summary = {m: {"stack": {b[2]: [1, 2] for b in sc.BUCKETS[m]}} for m in sc.BUCKETS}
    out = tmp_path / "sub" / "context.png"
    message = sc.plot(summary, out, "test")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in message and not out.exists()
    else:
        assert message == f"plot written to {out}"
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
