"""Planner benchmark: vlaplan against pyperplan, pddlpy and Fast Downward.

Generates blocksworld, gripper, logistics and tabletop problems at growing sizes
(:mod:`vlaplan.planner.generators`), runs every planner on every problem in a process
of its own with a time limit, validates every plan with ``vlaplan.planner.validate``
and prints a table per domain, the peer/ours time ratios and the issue's targets::

    .venv/bin/python benchmarks/planner.py                 # full suite, 60 s limit
    .venv/bin/python benchmarks/planner.py --quick         # tiny sizes, seconds
    .venv/bin/python benchmarks/planner.py --domains blocksworld --planners ours,pyperplan \\
        --timeout 30 --json out.json --plot out.png --markdown out.md

A planner that timed out on two sizes of a domain is not run on its larger sizes
(shown as "skipped"); ``--skip-after 0`` runs them anyway.
"""
from __future__ import annotations

import argparse
import platform
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `benchmarks` folder importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402

from benchmarks.peers import PLANNERS, RawRun, available, run_planner  # noqa: E402
from benchmarks.report import (RATIO_PAIRS, SOLVED, BenchReport, Run, check_targets,  # noqa: E402
                               markdown_tables, plot, print_report, ratio)
from vlaplan.planner.generators import (DEFAULT_SIZES, QUICK_SIZES, SuiteProblem,  # noqa: E402
                                        write_suite)

DEFAULT_PLANNERS = ("ours", "ours-cli", "pyperplan", "pddlpy", "fd")


def validate_steps(domain_file: Path, problem_file: Path, steps: list[str]) -> list[str]:
    """Violations of an IPC plan (``["(pick a)", ...]``) by our validator; empty = valid.

    Raises ImportError when ``vlaplan.planner`` has no validator (the run is then
    recorded as not validated).
    """
    from vlaplan.planner import load_domain, load_problem, validate
    from vlaplan.planner.errors import VlaplanError
    domain = load_domain(str(domain_file))
    problem = load_problem(str(problem_file), domain)
    try:
        return list(validate(domain, problem, list(steps)))
    except VlaplanError as exc:
        return [f"plan rejected: {exc}"]


def compile_bytecode() -> None:
    """Byte-compile the modules ``vlaplan plan`` imports, as an installed package has them.

    The peers are installed wheels whose bytecode pip compiled; an editable checkout run
    with PYTHONDONTWRITEBYTECODE=1 (as on this project's machines) would otherwise compile
    the planner's source again in every ``vlaplan plan`` process (about 15 ms of CPU).
    Python checks each ``.pyc`` against its source, so a stale one is never used.
    """
    import compileall

    import vlaplan
    import vlaplan.planner
    for package in (vlaplan, vlaplan.planner):
        for folder in package.__path__:
            compileall.compile_dir(folder, maxlevels=0, quiet=1)


def _measure(planner: str, problem: SuiteProblem, timeout: float, repeat: int,
             memory: int | None) -> RawRun:
    """Run once; when it solved in under a second, run ``repeat - 1`` more and keep the best."""
    best = run_planner(planner, problem.domain_file, problem.problem_file, timeout, memory)
    for _ in range(repeat - 1):
        if best.status != SOLVED or (best.wall or 0) >= 1.0:
            break
        again = run_planner(planner, problem.domain_file, problem.problem_file, timeout, memory)
        if again.status == SOLVED:
            for measure in ("time", "wall", "cpu"):
                values = [v for v in (getattr(best, measure), getattr(again, measure))
                          if v is not None]
                setattr(best, measure, min(values) if values else None)
    return best


def run_benchmark(sizes: dict[str, Iterable[int]], planners: Iterable[str] = DEFAULT_PLANNERS,
                  timeout: float = 60.0, seeds: Iterable[int] = (0,), work_dir: Path | None = None,
                  repeat: int = 1, skip_after: int = 2, memory_gb: float | None = 4.0,
                  on_run: Callable[[Run], None] | None = None) -> BenchReport:
    """Generate the suite, run each planner on each problem, validate, and summarise.

    A planner that timed out on ``skip_after`` sizes of a domain (0: never skip) is
    not run on the larger sizes of that domain; those runs are recorded as skipped.
    """
    planners = list(planners)
    unknown = [p for p in planners if p not in PLANNERS]
    if unknown:
        raise ValueError(f"unknown planners {unknown}; known: {', '.join(PLANNERS)}")
    memory = int(memory_gb * 2**30) if memory_gb else None
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="vlaplan-bench-") as tmp:
        suite = write_suite(Path(work_dir or tmp), sizes, seeds=tuple(seeds))
        runs: list[Run] = []
        timed_out: dict[tuple[str, str], list[int]] = {}  # (planner, domain) -> sizes
        for problem in suite:
            for planner in planners:
                base = dict(planner=planner, domain=problem.domain, size=problem.size,
                            seed=problem.seed, objects=problem.objects)
                sizes_out = timed_out.get((planner, problem.domain), [])
                if skip_after and len(sizes_out) >= skip_after and problem.size > sizes_out[-1]:
                    run = Run(status="skipped", detail=f"timed out at sizes {sizes_out}", **base)
                elif not available(planner):
                    run = Run(status="unavailable", detail="package not installed", **base)
                else:
                    raw = _measure(planner, problem, timeout, repeat, memory)
                    run = Run(status=raw.status, time=raw.time, wall=raw.wall, cpu=raw.cpu,
                              detail=raw.detail, **base)
                    if raw.status == "timeout":
                        timed_out.setdefault((planner, problem.domain), []).append(problem.size)
                    if raw.status == SOLVED:
                        run.length = len(raw.plan)
                        try:
                            run.errors = validate_steps(problem.domain_file,
                                                        problem.problem_file, raw.plan)
                            run.valid = not run.errors
                        except ImportError as exc:
                            run.detail = f"not validated: {exc}"
                        if run.errors:
                            run.status = "invalid"
                runs.append(run)
                if on_run:
                    on_run(run)
    report = BenchReport(timeout=timeout, planners=planners, runs=runs,
                         machine=f"{platform.machine()} {platform.python_version()}")
    present = set(planners)
    report.ratios = [ratio(runs, peer, ours, measure) for peer, ours, measure in RATIO_PAIRS
                     if peer in present and ours in present]
    report.targets = check_targets(runs)
    return report


def _sizes(args: argparse.Namespace) -> dict[str, tuple[int, ...]]:
    table = dict(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    for item in args.sizes or []:
        name, _, values = item.partition("=")
        table[name] = tuple(int(v) for v in values.split(",") if v)
    domains = args.domains.split(",") if args.domains else list(table)
    missing = [d for d in domains if d not in table]
    if missing:
        raise SystemExit(f"unknown domains {missing}; known: {', '.join(table)}")
    return {d: table[d] for d in domains}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="benchmarks/planner.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument("--domains", help="comma-separated subset of the domains")
    parser.add_argument("--sizes", action="append", metavar="DOMAIN=N,N",
                        help="override the sizes of a domain (repeatable)")
    parser.add_argument("--planners", default=",".join(DEFAULT_PLANNERS),
                        help=f"comma-separated, from {', '.join(PLANNERS)}")
    parser.add_argument("--seeds", type=int, default=1, help="problems per size (seeds 0..N-1)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per planner and problem, best kept (only for runs under 1 s)")
    parser.add_argument("--memory-gb", type=float, default=4.0, help="address-space limit per run")
    parser.add_argument("--skip-after", type=int, default=2, metavar="K",
                        help="skip larger sizes of a domain once a planner timed out on K sizes "
                             "(0: never skip)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write all runs as JSON")
    parser.add_argument("--markdown", type=Path, metavar="OUT", help="write the tables as Markdown")
    parser.add_argument("--plot", type=Path, metavar="PNG", help="plot time vs size (matplotlib)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the generated PDDL here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)  # wide tables in log files
    sizes = _sizes(args)
    planners = [p for p in args.planners.split(",") if p]
    total = sum(len(tuple(v)) for v in sizes.values()) * args.seeds * len(planners)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("planning", total=total)

        def step(run: Run) -> None:
            progress.update(task, advance=1,
                            description=f"{run.planner} {run.domain}-{run.size}: {run.status}")

        report = run_benchmark(sizes, planners, args.timeout, range(args.seeds), args.keep,
                               args.repeat, args.skip_after, args.memory_gb, step)
    given = argv if argv is not None else sys.argv[1:]
    report.command = " ".join(["benchmarks/planner.py", *given])
    print_report(report, console)
    for run in report.runs:
        if run.status in ("invalid", "error"):
            console.print(f"[red]{run.planner} {run.domain}-{run.size}: {run.status} "
                          f"{run.detail} {'; '.join(run.errors[:3])}")
    if args.json:
        args.json.write_text(report.model_dump_json(indent=1))
    if args.markdown:
        args.markdown.write_text(markdown_tables(report))
    if args.plot:
        console.print(plot(report, args.plot))
    return 0 if not any(r.status in ("invalid", "error") for r in report.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
