"""Long-horizon success against the length of the task: execute() on 2-, 4-, ... 10-action tasks.

For every target plan length k (``--actions``) and every seed, the instruction whose first
plan is closest to k actions (``vlaplan.executor.tasks``, as in ``benchmarks/execute.py``) is
executed with the chosen policy, checks and replanning on.  The report gives, per length:
the episodes, the success rate with its 95 % Wilson interval, the mean steps and replans,
and two ways to read the curve:

* ``per_action``: success ** (1 / k), the success rate per planned action that would give
  the measured rate if every action had to succeed on its own;
* ``no_recovery``: the mean over the episodes of the product, over the first plan's
  actions, of each skill's success rate inside the tasks (pooled over all lengths): the
  success to expect if every skill had to work the first time.  The distance between it and
  the measured rate is what retrying and replanning buy.

    .venv/bin/python benchmarks/horizon.py --policy vla --actions 2 4 6 8 10 --seeds 25 \\
        --json out.json --plot out.png
    .venv/bin/python benchmarks/horizon.py --policy scripted --domain kitchen --seeds 5
    .venv/bin/python benchmarks/horizon.py --merge a.json b.json --json all.json --plot all.png
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import textwrap
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import NO_MATPLOTLIB, pyplot, save_figure, write_json  # noqa: E402
from benchmarks.execute import SCENES, episode, summarise  # noqa: E402
from benchmarks.tables import rate  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402

from vlaplan.executor import Executor  # noqa: E402
from vlaplan.executor.tasks import long_task_with_plan  # noqa: E402
from vlaplan.planner.errors import VlaplanError  # noqa: E402


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a success rate (0, 1 for no trials)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def run(domain: str, policy: str, lengths: list[int], seeds: list[int],
        console: Console) -> dict[int, list[dict[str, Any]]]:
    """Episodes per target length; each episode row also keeps its first plan's skills."""
    ex = Executor(domain, policy, scene_options=SCENES.get(domain))
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"{domain} {policy}", total=len(lengths) * len(seeds))
        for k in lengths:
            for seed in seeds:
                try:
                    text, plan = long_task_with_plan(ex, seed, k)
                except VlaplanError as exc:
                    rows[k].append({"seed": seed, "success": False, "reason": f"no task: {exc}",
                                    "first_plan": []})
                    progress.advance(task)
                    continue
                row = episode(ex, text, seed)
                row["first_plan"] = [a.name for a in plan]
                rows[k].append(row)
                progress.advance(task)
    return rows


def merged(paths: list[str]) -> tuple[dict[int, list[dict[str, Any]]], str, str]:
    """The episodes of earlier runs (``--json`` files, e.g. seed ranges run side by side),
    per length, with their domain and policy; raises ValueError when the runs differ in
    domain or policy, or measure one seed twice at one length."""
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    kinds = set()
    for path in paths:
        try:
            data = json.loads(Path(path).read_text())
            kinds.add((data["args"]["domain"], data["args"]["policy"]))
            episodes = data["episodes"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path} is not a horizon.py --json file: {exc}") from None
        for k, eps in episodes.items():
            rows[int(k)] += eps
    if len(kinds) != 1:
        raise ValueError(f"the runs differ in (domain, policy): {sorted(kinds)}")
    for k, eps in rows.items():
        seeds = [e["seed"] for e in eps]
        twice = sorted({s for s in seeds if seeds.count(s) > 1})
        if twice:
            raise ValueError(f"seed(s) {twice} appear twice at length {k}")
    (domain, policy), = kinds
    return dict(sorted(rows.items())), domain, policy


def analyse(rows: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per length: success with its interval, per-action survival and the no-recovery
    prediction from the skills' success inside the tasks (pooled over all lengths)."""
    pooled: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for episodes in rows.values():
        for e in episodes:
            for name, outcome in e.get("dispatched", []):
                pooled[name][0] += outcome == "succeeded"
                pooled[name][1] += 1
    rate = {name: ok / n for name, (ok, n) in pooled.items() if n}
    by_length = {}
    for k, episodes in sorted(rows.items()):
        s = summarise(episodes)
        wins = sum(e["success"] for e in episodes)
        lo, hi = wilson(wins, len(episodes))
        planned = [len(e["first_plan"]) for e in episodes if e.get("first_plan")]
        chances = [math.prod(rate.get(name, 0.0) for name in e["first_plan"])
                   for e in episodes if e.get("first_plan")]
        mean_len = sum(planned) / len(planned) if planned else float(k)
        by_length[k] = {
            "episodes": len(episodes), "successes": wins, "success": s["success"],
            "interval": [lo, hi], "first_plan_actions": mean_len,
            "per_action": s["success"] ** (1 / mean_len) if mean_len else None,
            "no_recovery": sum(chances) / len(chances) if chances else None,
            "steps": s["steps"], "replans": s["replans"], "seconds": s["seconds"],
            "skills_in_chain": s["skills_in_chain"], "failures": s["failures"]}
    return {"skill_rates": rate, "lengths": by_length}


def table(analysis: dict[str, Any], title: str) -> Table:
    t = Table(title=title, title_justify="left")
    for col in ("actions (target)", "first plan", "episodes", "success", "95 % interval",
                "per action", "no recovery", "steps", "replans", "s/episode"):
        t.add_column(col, justify="right")
    for k, r in analysis["lengths"].items():
        lo, hi = r["interval"]
        t.add_row(str(k), f"{r['first_plan_actions']:.1f}", str(r["episodes"]),
                  rate(r["successes"], r["episodes"]),
                  f"{100 * lo:.0f}-{100 * hi:.0f}%",
                  "-" if r["per_action"] is None else f"{100 * r['per_action']:.1f}%",
                  "-" if r["no_recovery"] is None else f"{100 * r['no_recovery']:.0f}%",
                  f"{r['steps']:.1f}", f"{r['replans']:.2f}", f"{r['seconds']:.1f}")
    return t


def plot(analysis: dict[str, Any], out: Path, title: str) -> str:
    """Success against the task's length with its interval, and the no-recovery line."""
    plt = pyplot()
    if plt is None:
        return NO_MATPLOTLIB
    lengths = analysis["lengths"]
    ks = [r["first_plan_actions"] for r in lengths.values()]   # where the tasks really fell
    rates = [r["success"] for r in lengths.values()]
    lows = [r["success"] - r["interval"][0] for r in lengths.values()]
    highs = [r["interval"][1] - r["success"] for r in lengths.values()]
    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    ax.errorbar(ks, rates, yerr=[lows, highs], marker="o", capsize=4,
                label="measured (checks + replanning), 95 % interval")
    guess = [(k, r["no_recovery"]) for k, r in zip(ks, lengths.values())
             if r["no_recovery"] is not None]
    if guess:
        ax.plot(*zip(*guess), linestyle="--", marker="x",
                label="no recovery: every skill right the first time")
    for k, r in zip(ks, lengths.values()):
        ax.annotate(f"{r['successes']}/{r['episodes']}", (k, r["success"]),
                    textcoords="offset points", xytext=(6, 6), fontsize=7)
    ax.set_xlabel("actions in the first plan (mean over the tasks of each target length)")
    ax.set_ylabel("task success")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("\n".join(textwrap.wrap(title, 80)), fontsize=8)
    fig.tight_layout()
    return save_figure(fig, out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--policy", default="vla",
                    help="scripted | vla | vla-tokens | a checkpoint directory (default vla)")
    ap.add_argument("--domain", default="tabletop")
    ap.add_argument("--actions", type=int, nargs="+", default=[2, 4, 6, 8, 10],
                    help="target plan lengths")
    ap.add_argument("--seeds", type=int, default=20, help="seeds per length")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--json", default=None, metavar="OUT.json")
    ap.add_argument("--plot", default=None, metavar="OUT.png")
    ap.add_argument("--merge", nargs="+", default=None, metavar="RUN.json",
                    help="report on the episodes of earlier --json runs together (e.g. seed "
                         "ranges run side by side) instead of running")
    args = ap.parse_args(argv)
    if any(k < 1 for k in args.actions) or args.seeds < 1:
        ap.error("--actions and --seeds must be positive")
    console = Console(width=None if sys.stdout.isatty() else 150)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    t0 = time.perf_counter()
    try:
        if args.merge:
            rows, args.domain, args.policy = merged(args.merge)
        else:
            rows = run(args.domain, args.policy, sorted(set(args.actions)), seeds, console)
    except (VlaplanError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    analysis = analyse(rows)
    per_length = sorted({len(eps) for eps in rows.values()})
    said = (f"{' or '.join(map(str, per_length))} seeds per length, "
            + (f"{len(args.merge)} runs merged" if args.merge
               else f"{time.perf_counter() - t0:.0f} s"))
    title = f"{args.domain}, policy {args.policy}: success against task length ({said})"
    console.print(table(analysis, title))
    if args.plot:
        console.print(plot(analysis, Path(args.plot), title))
    if args.json:
        write_json(args.json, args, analysis=analysis,
                   episodes={str(k): v for k, v in rows.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
