"""The dependency direction of DESIGN.md, and what a regular (wheel) install contains.

Each package is imported in a fresh interpreter and ``sys.modules`` is inspected:
planner imports nothing of ours and no torch/pybullet/transformers; skills never imports
pybullet, world_model, executor or the planner (except the shared ``vlaplan.planner.errors``);
world_model never imports executor or domains; ``import vlaplan.executor`` stays light.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"torch", "pybullet", "transformers"}
PACKAGES = ("planner", "skills", "world_model", "executor", "domains")


def _modules_after_import(package: str, walk: bool) -> set[str]:
    """Modules loaded after importing ``vlaplan.<package>`` (and all its submodules if walk)."""
    code = f"""
import importlib, json, pkgutil, sys
pkg = importlib.import_module("vlaplan.{package}")
if {walk}:
    for info in pkgutil.walk_packages(pkg.__path__, "vlaplan.{package}."):
        importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def _ours(modules: set[str], package: str) -> set[str]:
    """Our modules outside ``vlaplan.<package>`` (and the public face ``vlaplan``)."""
    return {m for m in modules if m.startswith("vlaplan.")
            and m.split(".")[1] != package}


def _tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_planner_depends_on_nothing_of_ours_and_nothing_heavy():
    loaded = _modules_after_import("planner", walk=True)
    assert not _tops(loaded) & HEAVY, _tops(loaded) & HEAVY
    assert not _ours(loaded, "planner")
    light = _modules_after_import("planner", walk=False)
    assert not {m for m in light if m.startswith("vlaplan.planner.")}  # names load lazily
    assert "antlr4" not in _tops(light)


def test_skills_import_no_pybullet_and_no_planner_but_its_errors():
    loaded = _modules_after_import("skills", walk=True)
    assert "pybullet" not in _tops(loaded)
    foreign = _ours(loaded, "skills")
    # the scripted expert shares the numpy-only grasp test of world_model.predicates (one
    # definition of "held"); nothing else of ours, and no planner beyond its errors
    allowed = {"vlaplan.planner", "vlaplan.planner.errors", "vlaplan.world_model",
               "vlaplan.world_model.predicates"}
    assert foreign <= allowed, foreign


def test_world_model_does_not_reach_up():
    loaded = _modules_after_import("world_model", walk=True)
    foreign = _ours(loaded, "world_model")
    assert not {m for m in foreign if m.split(".")[1] in ("executor", "domains")}, foreign


def test_executor_import_is_light():
    loaded = _modules_after_import("executor", walk=False)
    assert not _tops(loaded) & HEAVY, _tops(loaded) & HEAVY


def test_domains_compose_everything():
    loaded = _modules_after_import("domains", walk=False)
    assert "vlaplan.domains" in loaded


def test_wheel_installs_only_under_vlaplan(tmp_path):
    """Build a wheel from a copy of the sources and inspect it (no install, no network)."""
    src = tmp_path / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in ("pyproject.toml", "setup.py", "README.md", "constraints.txt"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, src / name)
    for folder in ("vlaplan", *PACKAGES):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    out = tmp_path / "wheels"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(out), str(src)],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 and "No module named pip" in proc.stderr:
        pytest.fail("pip is missing from the test interpreter")
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(out.glob("vlaplan-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert not tops & set(PACKAGES), tops & set(PACKAGES)
    assert tops <= {"vlaplan"} | {t for t in tops if t.endswith((".dist-info", ".data"))}
    for package in PACKAGES:
        assert f"vlaplan/{package}/__init__.py" in names
    assert "vlaplan/planner/solver.py" in names and "vlaplan/cli.py" in names
    for domain in ("tabletop", "kitchen", "sorting"):
        assert f"vlaplan/domains/{domain}/domain.pddl" in names
    assert any(n.startswith("vlaplan/domains/tabletop/problems/") and n.endswith(".pddl")
               for n in names)
    for shipped in ("vla-pi0", "vla-heldout", "vla-tokens"):  # execute() must work from a regular install
        for part in ("config.json", "model.safetensors", "vlaplan.json", "vlaplan_processor.json",
                     "tokenizer.json"):
            assert f"vlaplan/skills/checkpoints/{shipped}/{part}" in names
