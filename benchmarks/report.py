"""Results of a planner benchmark: records, ratios, targets, tables and plots."""
from __future__ import annotations

import statistics
from pathlib import Path

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table
from rich.text import Text

from benchmarks import NO_MATPLOTLIB, pyplot, save_figure

SOLVED = "solved"


class Run(BaseModel):
    """One planner on one problem."""

    planner: str
    domain: str
    size: int
    seed: int
    objects: int
    status: str  # solved | unsolved | timeout | error | invalid | skipped | unavailable
    time: float | None = None  # the planner's own work inside its process (s)
    wall: float | None = None  # process start to plan (s)
    cpu: float | None = None  # CPU seconds of the process tree, start to plan
    length: int | None = None
    valid: bool | None = None  # None: the plan was not validated
    errors: list[str] = Field(default_factory=list)  # validation errors of the plan
    detail: str = ""

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.domain, self.size, self.seed)

    @property
    def best_time(self) -> float | None:
        """In-process time when measured, else process time."""
        return self.time if self.time is not None else self.wall


class Ratio(BaseModel):
    """Peer time / our time over the problems both solved."""

    peer: str
    ours: str
    measure: str  # "time" (in-process) or "wall" (end to end)
    count: int
    median: float | None = None
    low: float | None = None
    high: float | None = None


class Target(BaseModel):
    """One of the issue's targets, checked on this run."""

    name: str
    met: bool | None  # None: not measurable in this run
    detail: str


class BenchReport(BaseModel):
    """Everything one benchmark run measured."""

    timeout: float
    planners: list[str]
    command: str = ""
    machine: str = ""
    runs: list[Run]
    ratios: list[Ratio] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)

    def by_key(self, planner: str) -> dict[tuple[str, int, int], Run]:
        return {r.key: r for r in self.runs if r.planner == planner}


# Which measurement each ratio compares: the Python planners in-process, FD end to end.
RATIO_PAIRS = (("pyperplan", "ours", "time"), ("pddlpy", "ours", "time"),
               ("fd", "ours-cli", "wall"), ("fd", "ours-cli", "cpu"))
MEASURES = {"time": "in-process", "wall": "end to end, wall", "cpu": "end to end, CPU"}


def ratio(runs: list[Run], peer: str, ours: str, measure: str) -> Ratio:
    """Peer/ours time ratios on commonly solved problems (> 1 means we are faster)."""
    mine = {r.key: r for r in runs if r.planner == ours and r.status == SOLVED}
    values = []
    for r in runs:
        if r.planner == peer and r.status == SOLVED and r.key in mine:
            a, b = getattr(r, measure), getattr(mine[r.key], measure)
            if a is not None and b:
                values.append(a / b)
    if not values:
        return Ratio(peer=peer, ours=ours, measure=measure, count=0)
    return Ratio(peer=peer, ours=ours, measure=measure, count=len(values),
                 median=statistics.median(values), low=min(values), high=max(values))


def check_targets(runs: list[Run], max_objects: int = 30) -> list[Target]:
    """The issue's four targets, each met / missed / not measured, with the evidence."""
    targets = []
    by = {p: {r.key: r for r in runs if r.planner == p} for p in {r.planner for r in runs}}
    ours, cli = by.get("ours", {}), by.get("ours-cli", {})
    pyper = by.get("pyperplan", {})

    if ours and pyper and any(r.status != "unavailable" for r in pyper.values()):
        missed = [k for k, r in pyper.items() if r.status == SOLVED
                  and (k not in ours or ours[k].status != SOLVED)]
        solved = sum(r.status == SOLVED for r in pyper.values())
        targets.append(Target(
            name="solve everything pyperplan solves", met=not missed,
            detail=f"pyperplan solved {solved}; we missed {len(missed)}"
                   + (": " + ", ".join(f"{d}-{s}" for d, s, _ in missed) if missed else "")))
        r = ratio(runs, "pyperplan", "ours", "time")
        targets.append(Target(
            name="median speed-up >= 10x over pyperplan",
            met=None if r.median is None else r.median >= 10.0,
            detail="no common problems" if r.median is None
            else f"median {r.median:.2f}x over {r.count} problems "
                 f"(min {r.low:.2f}x, max {r.high:.1f}x)"))
    else:
        targets.append(Target(name="pyperplan targets", met=None,
                              detail="ours or pyperplan not run"))

    fd = by.get("fd", {})
    small = [k for k, r in fd.items() if r.status == SOLVED and r.objects <= max_objects]
    if cli and small:
        def slower(measure: str) -> list[tuple[str, int, int]]:
            return [k for k in small if k not in cli or cli[k].status != SOLVED
                    or (getattr(cli[k], measure) or 0) > (getattr(fd[k], measure) or 0)]
        by_wall, by_cpu = slower("wall"), slower("cpu")
        worst = [f"{d}-{s} ({(cli[(d, s, e)].wall or 0):.3f}s vs FD {fd[(d, s, e)].wall:.3f}s)"
                 for d, s, e in by_wall if (d, s, e) in cli and cli[(d, s, e)].wall]
        targets.append(Target(
            name=f"end to end no slower than FD (<= {max_objects} objects)", met=not by_wall,
            detail=f"wall: {len(small) - len(by_wall)}/{len(small)} problems as fast or faster, "
                   f"CPU: {len(small) - len(by_cpu)}/{len(small)}"
                   + ("; slower (wall): " + ", ".join(worst[:6]) if worst else "")))
    else:
        targets.append(Target(name=f"end to end no slower than FD (<= {max_objects} objects)",
                              met=None, detail="FD or `vlaplan plan` not run"))

    bw20 = [r for p in ("ours", "ours-cli") for r in by.get(p, {}).values()
            if r.domain == "blocksworld" and r.size == 20]
    if bw20:
        slow = [r for r in bw20 if r.status != SOLVED or (r.best_time or 0) >= 1.0]
        times = ", ".join(f"{r.planner} {r.best_time:.3f}s" if r.best_time is not None
                          else f"{r.planner} {r.status}" for r in bw20)
        targets.append(Target(name="20-block blocksworld under 1 s", met=not slow, detail=times))
    else:
        targets.append(Target(name="20-block blocksworld under 1 s", met=None,
                              detail="blocksworld 20 not in this run"))
    return targets


STATUS_TEXT = {"timeout": "timeout", "skipped": "skipped", "invalid": "INVALID",
               "unavailable": "n/a", "unsolved": "unsolvable", "error": "error"}
STATUS_STYLE = {"timeout": "yellow", "skipped": "dim", "unavailable": "dim", "unsolved": ""}


def cell_text(run: Run | None) -> str:
    """``0.012s [10]`` for a solved run, else the status word."""
    if run is None:
        return ""
    if run.status == SOLVED:
        t = run.best_time
        text = f"{t:.3f}s" if t is not None else "?"
        if run.time is None and run.cpu is not None:  # end to end: show the CPU time too
            text += f" (cpu {run.cpu:.3f})"
        return f"{text} [{run.length}]"
    return STATUS_TEXT.get(run.status, run.status)


def _cell(run: Run | None) -> Text:
    style = "" if run is None or run.status == SOLVED else STATUS_STYLE.get(run.status, "red")
    return Text(cell_text(run), style=style)


def print_report(report: BenchReport, console: Console | None = None) -> None:
    """Tables per domain (time [plan length]), the ratios and the targets."""
    console = console or Console()
    domains = list(dict.fromkeys(r.domain for r in report.runs))
    cells = {(r.planner, r.key): r for r in report.runs}
    for domain in domains:
        table = Table(title=f"{domain}: time \\[plan length], limit {report.timeout:g} s")
        table.add_column("size", justify="right")
        table.add_column("objects", justify="right")
        for planner in report.planners:
            table.add_column(planner + (" (e2e)" if planner in ("ours-cli", "fd") else ""),
                             justify="right")
        keys = sorted({r.key for r in report.runs if r.domain == domain})
        for key in keys:
            objects = next(r.objects for r in report.runs if r.key == key)
            label = str(key[1]) + (f" s{key[2]}" if key[2] else "")
            table.add_row(label, str(objects),
                          *[_cell(cells.get((p, key))) for p in report.planners])
        console.print(table)
    ratios = Table(title="peer time / our time on commonly solved problems (> 1: we are faster)")
    for name in ("peer / ours", "measure", "problems", "median", "min", "max"):
        left = name in ("peer / ours", "measure")
        ratios.add_column(name, justify="left" if left else "right")
    for r in report.ratios:
        fmt = (lambda v: "-" if v is None else f"{v:.2f}")
        ratios.add_row(f"{r.peer} / {r.ours}",
                       MEASURES[r.measure],
                       str(r.count), fmt(r.median), fmt(r.low), fmt(r.high))
    console.print(ratios)
    targets = Table(title="targets")
    targets.add_column("target")
    targets.add_column("met")
    targets.add_column("evidence")
    for t in report.targets:
        met = "[dim]not measured" if t.met is None else ("[green]yes" if t.met else "[red]NO")
        targets.add_row(t.name, met, t.detail)
    console.print(targets)


def markdown_tables(report: BenchReport) -> str:
    """The same tables as Markdown, for benchmarks/README.md."""
    lines = []
    for domain in dict.fromkeys(r.domain for r in report.runs):
        cells = {(r.planner, r.key): r for r in report.runs if r.domain == domain}
        lines += [f"**{domain}** (time in s [plan length])", "",
                  "| size | objects | " + " | ".join(report.planners) + " |",
                  "|---:|---:|" + "---:|" * len(report.planners)]
        for key in sorted({k for _, k in cells}):
            objects = next(r.objects for r in report.runs if r.key == key)
            row = [cell_text(cells.get((p, key))) for p in report.planners]
            lines.append(f"| {key[1]} | {objects} | " + " | ".join(row) + " |")
        lines.append("")
    lines += ["| ratio | measure | problems | median | min | max |",
              "|---|---|---:|---:|---:|---:|"]
    for r in report.ratios:
        fmt = (lambda v: "-" if v is None else f"{v:.2f}")
        lines.append(f"| {r.peer} / {r.ours} | {MEASURES[r.measure]}"
                     f" | {r.count} | {fmt(r.median)} | {fmt(r.low)} | {fmt(r.high)} |")
    lines += ["", "| target | met | evidence |", "|---|---|---|"]
    for t in report.targets:
        lines.append(f"| {t.name} | {'-' if t.met is None else ('yes' if t.met else 'NO')} "
                     f"| {t.detail} |")
    return "\n".join(lines) + "\n"


def plot(report: BenchReport, out: Path) -> str:
    """Time against size per domain (log scale), one line per planner; returns a message."""
    plt = pyplot()
    if plt is None:
        return NO_MATPLOTLIB
    domains = list(dict.fromkeys(r.domain for r in report.runs))
    fig, axes = plt.subplots(1, len(domains), figsize=(4.5 * len(domains), 3.8), squeeze=False)
    for ax, domain in zip(axes[0], domains):
        for planner in report.planners:
            points = sorted((r.size, r.best_time) for r in report.runs
                            if r.domain == domain and r.planner == planner
                            and r.status == SOLVED and r.best_time)
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=planner)
        ax.set_yscale("log")
        ax.set_title(domain)
        ax.set_xlabel("size")
        ax.set_ylabel("seconds")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, out)
