"""benchmarks/horizon.py: the Wilson interval, the no-recovery prediction, a short real run."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import horizon  # noqa: E402


def test_wilson_interval_matches_known_values():
    assert horizon.wilson(0, 0) == (0.0, 1.0)
    lo, hi = horizon.wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-3) and hi == pytest.approx(0.7634, abs=1e-3)
    lo, hi = horizon.wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-3)
    lo, hi = horizon.wilson(10, 10)
    assert lo == pytest.approx(0.7225, abs=1e-3) and hi == 1.0


def _episode(seed, success, first_plan, dispatched):
    return {"seed": seed, "success": success, "reason": "" if success else "gave up",
            "first_plan": first_plan, "dispatched": dispatched, "steps": len(dispatched)}


def test_no_recovery_is_the_product_of_the_skills_in_task_rates():
    rows = {2: [_episode(0, True, ["pick", "stack"],
                         [["pick", "succeeded"], ["stack", "budget_exhausted"],
                          ["stack", "succeeded"]]),
                _episode(1, False, ["pick", "stack"],
                         [["pick", "succeeded"], ["stack", "budget_exhausted"]])],
            4: [_episode(2, False, ["pick", "stack", "pick", "stack"],
                         [["pick", "budget_exhausted"]])]}
    analysis = horizon.analyse(rows)
    rates = analysis["skill_rates"]
    assert rates == {"pick": pytest.approx(2 / 3), "stack": pytest.approx(1 / 3)}
    two, four = analysis["lengths"][2], analysis["lengths"][4]
    assert two["success"] == 0.5 and two["successes"] == 1 and two["episodes"] == 2
    assert two["no_recovery"] == pytest.approx(2 / 3 * 1 / 3)
    assert two["per_action"] == pytest.approx(0.5 ** 0.5)
    assert four["no_recovery"] == pytest.approx((2 / 3 * 1 / 3) ** 2)
    assert four["success"] == 0.0 and four["interval"][0] == 0.0


def test_scripted_run_reports_every_length(tmp_path):
    out, png = tmp_path / "h.json", tmp_path / "h.png"
    assert horizon.main(["--policy", "scripted", "--actions", "4", "2", "--seeds", "1",
                         "--json", str(out), "--plot", str(png)]) == 0
    lengths = json.loads(out.read_text())["analysis"]["lengths"]
    assert sorted(lengths) == ["2", "4"]
    for k, row in lengths.items():
        assert row["episodes"] == 1 and row["success"] == 1.0
        assert abs(row["first_plan_actions"] - int(k)) <= 1
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert not png.exists()
    else:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_policy_is_a_clear_error(capsys):
    assert horizon.main(["--policy", "no-such-policy", "--seeds", "1", "--actions", "2"]) == 2
    assert "no-such-policy" in capsys.readouterr().out


def _run_file(path, seeds, policy="vla", domain="tabletop"):
    path.write_text(json.dumps({
        "args": {"domain": domain, "policy": policy},
        "episodes": {"2": [_episode(s, s % 2 == 0, ["pick", "stack"],
                                    [["pick", "succeeded"], ["stack", "succeeded"]])
                           for s in seeds]}}))
    return str(path)


def test_merge_pools_the_episodes_of_runs(tmp_path):
    a, b = _run_file(tmp_path / "a.json", [0, 1]), _run_file(tmp_path / "b.json", [2, 3, 4])
    out = tmp_path / "all.json"
    assert horizon.main(["--merge", a, b, "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    two = data["analysis"]["lengths"]["2"]
    assert two["episodes"] == 5 and two["successes"] == 3      # seeds 0, 2, 4
    assert data["args"]["policy"] == "vla" and data["args"]["domain"] == "tabletop"


def test_merge_refuses_runs_that_do_not_belong_together(tmp_path, capsys):
    a = _run_file(tmp_path / "a.json", [0, 1])
    again = _run_file(tmp_path / "b.json", [1, 2])
    other = _run_file(tmp_path / "c.json", [5], policy="scripted")
    assert horizon.main(["--merge", a, again]) == 2
    assert "seed(s) [1] appear twice" in capsys.readouterr().out
    assert horizon.main(["--merge", a, other]) == 2
    assert "differ" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text("{}")
    assert horizon.main(["--merge", str(tmp_path / "bad.json")]) == 2
    assert "not a horizon.py --json file" in capsys.readouterr().out
