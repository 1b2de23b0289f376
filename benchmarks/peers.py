"""The planners the benchmark compares, each run in a process of its own.

Every run is one child process with a wall-clock limit (the whole process group is
killed when it runs over).  Two times are recorded per run:

- ``time``: the planner's own work measured inside the child (parse + ground +
  search, after its imports), for the Python planners that we drive through their API;
- ``wall``: process start to plan, measured by the parent (interpreter start-up and
  imports included); this is the only time Fast Downward and ``vlaplan plan`` get;
- ``cpu``: user + system CPU seconds of the whole process tree (robust when other
  jobs share the cores and stretch the wall clock).

``python benchmarks/peers.py CHILD DOMAIN PROBLEM TIMEOUT`` is the child side for the
in-process planners; it prints one JSON object ``{"status", "time", "plan", "detail"}``.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PEERS_FILE = Path(__file__).resolve()

# Planner name -> what it is, as printed in the table and the README.
PLANNERS: dict[str, str] = {
    "ours": "vlaplan gbfs-ff, in-process time (load + solve)",
    "ours-cli": "`vlaplan plan --json`, process start to plan",
    "pyperplan": "pyperplan 2.1 GBFS + hFF (API: parse + ground + search)",
    "pddlpy": "pddlpy 1.2.2 reference GBFS (goal-count heuristic, full grounding)",
    "fd": "Fast Downward --alias lama-first (up-fast-downward binary), process start to plan",
}


@dataclass
class RawRun:
    """What one planner process gave back: status solved/unsolved/timeout/error."""

    status: str
    time: float | None
    wall: float | None
    plan: list[str]
    detail: str = ""
    cpu: float | None = None


def parse_plan_lines(text: str) -> list[str]:
    """IPC plan text -> ``["(pick a)", ...]`` (comments and blank lines dropped)."""
    steps = []
    for line in text.splitlines():
        line = line.split(";", 1)[0].strip()
        if line:
            steps.append(line.lower() if line.startswith("(") else f"({line.lower()})")
    return steps


def _memory_limit(limit_bytes: int | None):
    if not limit_bytes:
        return None

    def apply() -> None:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    return apply


def children_cpu() -> float:
    """CPU seconds used so far by this process's finished (waited-for) children."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_process(cmd: list[str], timeout: float, cwd: str | None = None,
                memory: int | None = None) -> tuple[int | None, str, str, float]:
    """Run ``cmd`` in a new session; returns (exit code or None on timeout, out, err, wall)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=cwd, start_new_session=True, preexec_fn=_memory_limit(memory))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out, err, time.perf_counter() - start
    return proc.returncode, out, err, time.perf_counter() - start


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


def run_child(planner: str, domain_file: Path, problem_file: Path, timeout: float,
              memory: int | None = None) -> RawRun:
    """Run an in-process planner (ours, pyperplan, pddlpy) in a child interpreter."""
    cmd = [sys.executable, str(PEERS_FILE), planner, str(domain_file), str(problem_file),
           str(timeout)]
    code, out, err, wall = run_process(cmd, timeout + 5.0, memory=memory)
    if code is None:
        return RawRun("timeout", None, None, [], f"killed after {wall:.1f} s")
    try:
        answer = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return RawRun("error", None, wall, [], f"exit {code}: {_last_line(err) or _last_line(out)}")
    return RawRun(answer["status"], answer.get("time"), wall, answer.get("plan", []),
                  answer.get("detail", ""))


def run_cli(domain_file: Path, problem_file: Path, timeout: float,
            memory: int | None = None) -> RawRun:
    """``vlaplan plan DOMAIN PROBLEM --json``: end to end, process start to plan."""
    exe = shutil.which("vlaplan", path=str(Path(sys.executable).parent)) or "vlaplan"
    cmd = [exe, "plan", str(domain_file), str(problem_file), "--json", "--timeout", str(timeout)]
    code, out, err, wall = run_process(cmd, timeout + 5.0, memory=memory)
    if code is None:
        return RawRun("timeout", None, None, [], f"killed after {wall:.1f} s")
    try:
        answer = json.loads(out)
    except ValueError:
        return RawRun("error", None, wall, [], f"exit {code}: {_last_line(err) or _last_line(out)}")
    status = {"SOLVED": "solved", "UNSOLVABLE": "unsolved", "TIMEOUT": "timeout"}.get(
        str(answer.get("status", "")).upper().split(".")[-1], "error")
    return RawRun(status, None, wall, [s.lower() for s in answer.get("plan") or []])


def fast_downward_driver() -> Path | None:
    """The ``fast-downward.py`` driver shipped in the up-fast-downward wheel, if installed."""
    import importlib.util
    spec = importlib.util.find_spec("up_fast_downward")
    if spec is None or not spec.submodule_search_locations:
        return None
    driver = Path(list(spec.submodule_search_locations)[0]) / "downward" / "fast-downward.py"
    return driver if driver.exists() else None


def run_fast_downward(domain_file: Path, problem_file: Path, timeout: float,
                      memory: int | None = None) -> RawRun:
    """Fast Downward ``--alias lama-first`` through its driver; process start to plan."""
    driver = fast_downward_driver()
    if driver is None:
        return RawRun("unavailable", None, None, [], "up-fast-downward is not installed")
    with tempfile.TemporaryDirectory(prefix="fd-") as work:
        plan_file = Path(work) / "plan.txt"
        cmd = [sys.executable, str(driver), "--alias", "lama-first", "--plan-file",
               str(plan_file), str(Path(domain_file).resolve()), str(Path(problem_file).resolve())]
        code, out, err, wall = run_process(cmd, timeout, cwd=work, memory=memory)
        if code is None:
            return RawRun("timeout", None, None, [], f"killed after {wall:.1f} s")
        if code == 0 and plan_file.exists():
            return RawRun("solved", None, wall, parse_plan_lines(plan_file.read_text()))
        if code in (11, 12):  # translator / search proved the task unsolvable
            return RawRun("unsolved", None, wall, [], f"exit {code}")
        return RawRun("error", None, wall, [], f"exit {code}: {_last_line(err) or _last_line(out)}")


def available(planner: str) -> bool:
    """True when the planner's package is installed."""
    import importlib.util
    module = {"ours": "vlaplan.planner", "ours-cli": "vlaplan.planner", "pyperplan": "pyperplan",
              "pddlpy": "pddlpy", "fd": "up_fast_downward"}[planner]
    return importlib.util.find_spec(module) is not None


def run_planner(planner: str, domain_file: Path, problem_file: Path, timeout: float,
                memory: int | None = None) -> RawRun:
    """Run one planner on one problem in its own process."""
    if not available(planner):
        return RawRun("unavailable", None, None, [], f"{planner} is not installed")
    before = children_cpu()
    if planner == "ours-cli":
        raw = run_cli(domain_file, problem_file, timeout, memory)
    elif planner == "fd":
        raw = run_fast_downward(domain_file, problem_file, timeout, memory)
    else:
        raw = run_child(planner, domain_file, problem_file, timeout, memory)
    if raw.wall is not None:
        raw.cpu = children_cpu() - before
    return raw


# --------------------------------------------------------------------------- child side

def _ours() -> Callable[[str, str, float], tuple[str, list[str], str]]:
    from vlaplan.planner import load_domain, load_problem, solve

    def run(domain_file: str, problem_file: str, timeout: float) -> tuple[str, list[str], str]:
        domain = load_domain(domain_file)
        problem = load_problem(problem_file, domain)
        result = solve(domain, problem, search="gbfs-ff", timeout=timeout)
        status = str(getattr(result.status, "value", result.status)).lower()
        status = {"solved": "solved", "unsolvable": "unsolved", "timeout": "timeout"}.get(
            status, "error")
        if result.plan is None:
            return status, [], ""
        return status, parse_plan_lines(result.plan.to_ipc()), ""
    return run


def _pyperplan() -> Callable[[str, str, float], tuple[str, list[str], str]]:
    import logging
    logging.disable(logging.CRITICAL)
    from pyperplan.heuristics.relaxation import hFFHeuristic
    from pyperplan.planner import search_plan
    from pyperplan.search import greedy_best_first_search

    def run(domain_file: str, problem_file: str, timeout: float) -> tuple[str, list[str], str]:
        plan = search_plan(domain_file, problem_file, greedy_best_first_search, hFFHeuristic)
        if plan is None:
            return "unsolved", [], ""
        return "solved", [op.name.lower() for op in plan], ""
    return run


def _pddlpy() -> Callable[[str, str, float], tuple[str, list[str], str]]:
    from pddlpy import DomainProblem
    from pddlpy.planning import get

    def run(domain_file: str, problem_file: str, timeout: float) -> tuple[str, list[str], str]:
        dp = DomainProblem(domain_file, problem_file)
        plan = get("gbfs").solve(dp)
        if plan is None:
            return "unsolved", [], ""
        # A grounded step's bindings are not in parameter order; the schema's are.
        steps = []
        for name, args in plan.action_names():
            params = dp.domain.operators[name].variable_list
            steps.append("(" + " ".join([name, *[str(args[v]) for v in params]]).lower() + ")")
        return "solved", steps, ""
    return run


# Planner -> function that imports the planner and returns its timed part.
CHILD_SOLVERS = {"ours": _ours, "pyperplan": _pyperplan, "pddlpy": _pddlpy}


def child_main(argv: list[str]) -> int:
    """Child side: solve one problem, print one JSON line with status, time and plan.

    ``time`` covers reading the files, grounding and search, not the imports (those are
    in the process time the parent measures).
    """
    planner, domain_file, problem_file, timeout = argv[0], argv[1], argv[2], float(argv[3])
    start = time.perf_counter()
    try:
        solver = CHILD_SOLVERS[planner]()
        start = time.perf_counter()
        status, plan, detail = solver(domain_file, problem_file, timeout)
    except Exception as exc:  # a peer crashing is a result of the benchmark, not ours to fix
        status, plan, detail = "error", [], f"{type(exc).__name__}: {exc}"[:300]
    elapsed = time.perf_counter() - start
    print(json.dumps({"status": status, "time": elapsed, "plan": plan, "detail": detail}))
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
