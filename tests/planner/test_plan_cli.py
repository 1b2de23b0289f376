"""`vlaplan plan` and `vlaplan validate`: output, files, exit codes."""
import json
import subprocess
import sys

import pytest

from planner_oracle import DATA, ROOT
from vlaplan.cli import main

TABLETOP = str(ROOT / "domains/tabletop/domain.pddl")
TOWER3 = str(ROOT / "domains/tabletop/problems/tower3.pddl")
TOWER10 = str(ROOT / "domains/tabletop/problems/tower10.pddl")


def run(*args):
    """The real console entry point in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "vlaplan.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def test_plan_prints_ipc_plan_and_exits_0():
    proc = run("plan", TABLETOP, TOWER3)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:4] == ["(pick green_1)", "(stack green_1 blue_1)", "(pick red_1)",
                         "(stack red_1 green_1)"]
    assert lines[4] == "; cost = 4 (unit cost)" and "expanded" in lines[5]


def test_bad_input_exits_2_with_a_short_located_message(tmp_path):
    bad = tmp_path / "bad.pddl"
    bad.write_text(open(TOWER3).read().replace("(on-table blue_1)", "(on-table blue_7)"))
    proc = run("plan", TABLETOP, str(bad))
    assert proc.returncode == 2 and proc.stdout == ""
    err = proc.stderr.strip().splitlines()
    assert 1 <= len(err) <= 2 and f"{bad}:6:" in err[0] and "blue_7" in err[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("search", ["gbfs-ff", "wastar", "astar"])
def test_json_output_is_one_object(search, capsys):
    code = main(["plan", TABLETOP, TOWER3, "--search", search, "--json"])
    out = capsys.readouterr().out
    assert code == 0 and len(out.strip().splitlines()) == 1
    data = json.loads(out)
    assert set(data) == {"status", "plan", "cost", "stats"}
    assert data["status"] == "solved" and data["cost"] == 4 and len(data["plan"]) == 4
    assert data["stats"]["search"] == search and data["stats"]["expanded"] >= 1


def test_out_graph_and_validate_roundtrip(tmp_path, capsys):
    plan_file, dot, js = tmp_path / "p.plan", tmp_path / "g.dot", tmp_path / "g.json"
    assert main(["plan", TABLETOP, TOWER10, "--out", str(plan_file), "--graph", str(dot)]) == 0
    assert main(["plan", TABLETOP, TOWER3, "--graph", str(js)]) == 0
    capsys.readouterr()
    assert plan_file.read_text().splitlines()[-1].startswith("; cost = ")
    assert dot.read_text().startswith("digraph") and json.loads(js.read_text())["edges"]
    assert main(["validate", TABLETOP, TOWER10, str(plan_file)]) == 0
    assert capsys.readouterr().out.strip() == "valid plan"
    broken = tmp_path / "broken.plan"
    broken.write_text("\n".join(plan_file.read_text().splitlines()[1:]))
    assert main(["validate", TABLETOP, TOWER10, str(broken)]) == 1
    assert "precondition not satisfied" in capsys.readouterr().out
    assert main(["validate", TABLETOP, TOWER10, str(broken), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["valid"] is False


def test_unsolvable_and_timeout_exit_1(capsys):
    gripper = str(DATA / "gripper_domain.pddl")
    assert main(["plan", gripper, str(DATA / "gripper_unsolvable.pddl"), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "unsolvable"
    assert main(["plan", TABLETOP, TOWER10, "--max-nodes", "2", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "timeout" and data["plan"] == [] and data["cost"] is None
    assert main(["plan", TABLETOP, TOWER10, "--search", "astar", "--timeout", "0"]) == 1
    assert "timeout" in capsys.readouterr().err


def test_json_bad_input_is_still_one_object(tmp_path, capsys):
    bad = tmp_path / "bad.pddl"
    bad.write_text("(define (problem x) (:domain tabletop) (:init (hand-empty)) (:goal (on a b)))")
    assert main(["plan", TABLETOP, str(bad), "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "invalid-input" and str(bad) in data["message"]


def test_validate_bad_input_exits_2(tmp_path, capsys):
    assert main(["validate", TABLETOP, str(tmp_path / "missing.pddl"), TOWER3]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_plan_starts_light():
    """`vlaplan plan` builds only the planner's parsers and reads PDDL with our reader:
    no ANTLR/pddlpy, no torch, pybullet, transformers, pydantic, other packages' CLIs."""
    code = ("import sys, io, contextlib\n"
            "from vlaplan.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    rc = main(['plan', {TABLETOP!r}, {TOWER3!r}, '--json'])\n"
            "print(rc, ' '.join(sorted(sys.modules)))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    rc, modules = proc.stdout.split(" ", 1)
    assert rc == "0", proc.stderr
    loaded = set(modules.split())
    assert "vlaplan.planner.reader" in loaded
    heavy = {"antlr4", "pddlpy", "torch", "pybullet", "transformers", "pydantic", "numpy",
             "networkx", "rich", "vlaplan.skills", "vlaplan.executor", "vlaplan.world_model"}
    assert not heavy & loaded, heavy & loaded


def test_help_still_lists_every_command():
    proc = run("--help")
    assert proc.returncode == 0
    for command in ("plan", "validate", "run", "demo"):
        assert f"    {command} " in proc.stdout, command
