"""benchmarks/crowding.py: distances measured per dispatched skill, bucketed by outcome."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import crowding  # noqa: E402


def test_nearest_other_skips_the_hand_and_the_same_stack():
    objects = {
        "a": {"pos": [0.4, 0.0, 0.02], "contacts": []},
        "b": {"pos": [0.4, 0.0, 0.06], "contacts": []},  # on a: same stack
        "c": {"pos": [0.4, 0.07, 0.02], "contacts": []},
        "h": {"pos": [0.4, 0.02, 0.2], "contacts": ["left_finger", "right_finger"]},
    }
    assert abs(crowding.nearest_other(objects, ("a",)) - 0.07) < 1e-9  # not b, not h
    assert crowding.nearest_other(objects, ("h",)) is None  # in the hand
    objects["h"]["contacts"] = []  # set down beside a
    assert abs(crowding.nearest_other(objects, ("a",)) - 0.02) < 1e-9
    assert crowding.nearest_other(objects, ("zz",)) is None


def test_report_buckets_every_dispatched_skill(tmp_path):
    out = tmp_path / "crowding.json"
    assert crowding.main(["--policy", "scripted", "--seeds", "1", "--actions", "4",
                          "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    rows, summary = data["rows"], data["summary"]
    assert len(rows) >= 4 and all(r["outcome"] == "succeeded" for r in rows)
    placed = [r for r in rows if r["nearest"] is not None]
    assert sum(n for cells in summary.values() for _, n in cells.values()) == len(placed)
    assert all(r["nearest"] > 0.015 for r in placed)
