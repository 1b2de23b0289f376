"""The planner benchmark in quick mode: every planner's plans validate, the tables are complete.

Runs our planner (in-process and ``vlaplan plan``), pyperplan and pddlpy's GBFS on tiny
problems.  Fast Downward is left out here: it is only in the ``bench`` extra.
No timing asserts.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from rich.console import Console

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # benchmarks/ is a folder of scripts at the repository root

from benchmarks import peers  # noqa: E402
from benchmarks.planner import main, run_benchmark, validate_steps  # noqa: E402
from benchmarks.report import markdown_tables, print_report  # noqa: E402
from vlaplan.planner.generators import write_suite  # noqa: E402

SIZES = {"blocksworld": (4,), "gripper": (2,), "logistics": (2,), "tabletop": (5,)}
PLANNERS = ["ours", "ours-cli", "pyperplan", "pddlpy"]
for _peer, _module in (("pyperplan", "pyperplan"), ("pddlpy", "pddlpy")):
    if importlib.util.find_spec(_module) is None:  # pragma: no cover - dev extra installs both
        PLANNERS.remove(_peer)


@pytest.fixture(scope="module")
def report():
    return run_benchmark(SIZES, PLANNERS, timeout=30.0, memory_gb=None)


def test_every_planner_solves_and_every_plan_validates(report):
    assert {(r.planner, r.domain, r.size) for r in report.runs} == {
        (p, d, s) for p in PLANNERS for d, sizes in SIZES.items() for s in sizes}
    for run in report.runs:
        assert run.status == "solved", (run.planner, run.domain, run.detail, run.errors)
        assert run.valid is True and run.errors == []
        assert run.length and run.length > 0
        assert run.wall is not None and run.wall > 0
        assert run.cpu is not None and run.cpu > 0
        if run.planner != "ours-cli":
            assert run.time is not None and run.time > 0


def test_table_ratios_and_targets_are_complete(report):
    console = Console(record=True, width=200)
    print_report(report, console)
    text = console.export_text()
    for domain in SIZES:
        assert f"{domain}: time [plan length]" in text
    markdown = markdown_tables(report)
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "s [" in line]
    assert len(rows) == len(SIZES)  # one row per problem, every cell solved
    pyper = next(r for r in report.ratios if r.peer == "pyperplan")
    assert pyper.count == len(SIZES) and pyper.low <= pyper.median <= pyper.high
    names = [t.name for t in report.targets]
    assert "solve everything pyperplan solves" in names
    assert next(t for t in report.targets if t.name.startswith("solve everything")).met is True


def test_validation_catches_a_broken_plan(tmp_path):
    problem = write_suite(tmp_path, {"tabletop": (5,)})[0]
    run = peers.run_planner("ours", problem.domain_file, problem.problem_file, 30.0)
    assert run.status == "solved"
    assert validate_steps(problem.domain_file, problem.problem_file, run.plan) == []
    assert validate_steps(problem.domain_file, problem.problem_file, run.plan[1:]) != []
    assert validate_steps(problem.domain_file, problem.problem_file, run.plan[:-1]) != []


def test_a_run_over_its_limit_is_killed_and_reported():
    code, _, _, wall = peers.run_process([sys.executable, "-c", "import time; time.sleep(30)"], 0.5)
    assert code is None and wall < 10


def test_cli_quick_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    code = main(["--quick", "--domains", "gripper", "--sizes", "gripper=2",
                 "--planners", "ours,pyperplan", "--json", str(out)])
    assert code == 0
    data = json.loads(out.read_text())
    assert [(r["planner"], r["domain"], r["size"], r["status"], r["valid"]) for r in data["runs"]] \
        == [("ours", "gripper", 2, "solved", True), ("pyperplan", "gripper", 2, "solved", True)]
    assert {t["name"] for t in data["targets"]} >= {"solve everything pyperplan solves"}
