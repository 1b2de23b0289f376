"""Executor benchmark: long-horizon execute() over seeded scenes, with and without faults.

One run reports, per domain, over the same seeds and the same ~10-action instructions
(made by ``vlaplan.executor.tasks`` from each scene, in the domain's own phrasing):

* ``scripted``: scripted skills, twin checks and replanning (target >= 99 % success);
* ``scripted no-checks``: the same without the twin's checks (what the checks cost or save);
* ``scripted try-blocked``: checks on, ``when_blocked="try"`` (actions the twin rejected are
  dispatched anyway, monitored, when no other plan reaches the goal);
* ``fault+replan``: the same with one fault per episode aimed at the plan (drop mid-carry,
  displace an object already stacked/put away, block the target of a later stack;
  kinds cycle over the seeds) (target >= 95 %);
* ``fault open-loop``: the same faults with ``replan=False``: what replanning buys;
* ``vla`` (tabletop): the shipped flow-matching checkpoint in place of the scripted skills
  (target >= 80 %), when the checkpoint is in the tree;

and the time breakdown of each row: planning, checks, skills, the rest (set-up,
observation), with planning + checks as a share of the wall time (target <= 10 %).

    .venv/bin/python benchmarks/execute.py                       # 20 seeds, 3 domains
    .venv/bin/python benchmarks/execute.py --seeds 100 --json out.json
    .venv/bin/python benchmarks/execute.py --policy vla --seeds 100    # the VLA row alone
    .venv/bin/python benchmarks/execute.py --conditions scripted,fault+replan --audit-screen
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import add_learned_switches, learned_options, write_json  # noqa: E402
from benchmarks.tables import rate  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402

from vlaplan.executor import Executor  # noqa: E402
from vlaplan.executor.tasks import LONG_SCENES, long_task_with_plan, targeted_fault  # noqa: E402
from vlaplan.planner.errors import VlaplanError  # noqa: E402

SCENES = LONG_SCENES
FAULT_KINDS = {"tabletop": ("drop", "displace", "block"), "kitchen": ("drop", "displace"),
               "sorting": ("drop", "displace")}
TARGETS = {"scripted": 0.99, "fault+replan": 0.95, "vla": 0.80}
SHARE_TARGET = 0.10


def episode(ex: Executor, text: str, seed: int, **kw: Any) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        r = ex.run(text, seed=seed, **kw)
    except VlaplanError as exc:  # bad input would be a bug of the task generator
        return {"seed": seed, "success": False, "reason": f"error: {exc}", "wall": 0.0}
    t = r.timings
    stage_ms: dict[str, float] = defaultdict(float)
    looked = skipped = 0
    for step in r.steps:
        for c in step.checks:
            for name, ms in c.stage_ms.items():
                stage_ms[name] += ms
            stage_ms["sync+other"] += c.seconds * 1e3 - sum(c.stage_ms.values())
            looked += "lookahead" in c.stage_ms
            skipped += "look-ahead skipped" in c.detail
    return {"seed": seed, "stage_ms": dict(stage_ms), "lookaheads": looked,
            "lookaheads_skipped": skipped, "instruction": text, "success": r.success, "reason": r.reason,
            "steps": len(r.steps), "replans": len(r.replans),
            "ready_frames": sum(step.ready_frames for step in r.steps),
            "settle_frames": sum(step.settle_frames for step in r.steps),
            "assumed": [a for p in r.plans for a in p.assumed],
            "dispatched": [[step.call.strip("()").split()[0], step.outcome.value]
                           for step in r.steps if step.frames > 0],
            "faults": [f"{f.kind}({f.target})@{f.step}:{'ok' if f.applied else 'no-op'}"
                       for f in r.faults],
            "wall": time.perf_counter() - t0, "total": t.total, "plan": t.plan,
            "check": t.check, "skill": t.skill, "setup": t.setup, "observe": t.observe}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    total = sum(r.get("total", 0.0) for r in rows) or 1e-9
    parts = {k: sum(r.get(k, 0.0) for r in rows) / total for k in ("plan", "check", "skill")}
    stage_ms: dict[str, float] = defaultdict(float)
    for r in rows:
        for name, ms in r.get("stage_ms", {}).items():
            stage_ms[name] += ms / max(n, 1)
    skills: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        for name, outcome in r.get("dispatched", []):
            skills[name][0] += outcome == "succeeded"
            skills[name][1] += 1
    return {"episodes": n, "success": sum(r["success"] for r in rows) / n if n else 0.0,
            "skills_in_chain": {k: {"succeeded": v[0], "dispatched": v[1]}
                                for k, v in sorted(skills.items())},
            "check_ms_per_episode": dict(stage_ms),
            "lookaheads": sum(r.get("lookaheads", 0) for r in rows),
            "lookaheads_skipped": sum(r.get("lookaheads_skipped", 0) for r in rows),
            "steps": sum(r.get("steps", 0) for r in rows) / max(n, 1),
            "replans": sum(r.get("replans", 0) for r in rows) / max(n, 1),
            "seconds": total / max(n, 1), "share_plan_check": parts["plan"] + parts["check"],
            **{f"share_{k}": v for k, v in parts.items()},
            "failures": [f"seed {r['seed']}: {r['reason'][:160]}" for r in rows if not r["success"]]}


CONDITIONS = ("scripted", "scripted no-checks", "scripted try-blocked", "fault+replan",
              "fault open-loop")
#: The learned policy's rows and the run() switches of each (the research ablations: no
#: pre-dispatch checks, and open loop without replanning).
VLA_CONDITIONS = {"vla": {}, "vla no-checks": {"checks": False}, "vla open-loop": {"replan": False}}


def run(domains: list[str], seeds: list[int], vla_seeds: list[int], n_actions: int,
        check_stages: str, console: Console, render: bool = False,
        conditions: tuple[str, ...] = CONDITIONS, vla: str = "vla",
        ready_pose: bool | None = None, max_replans: int = 5,
        loose_support: bool = True, vla_options: dict[str, Any] | None = None,
        learned: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report of every condition; ``learned`` holds more ``Executor`` options of the
    VLA row (the ablations ``release_guard``, ``aim_held``, ``approach``,
    ``spread_places``)."""
    rows: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    want = set(conditions)
    with Progress(console=console, transient=True) as progress:
        for domain in domains:
            ex = Executor(domain, "scripted", check_stages=check_stages,
                          scene_options=SCENES.get(domain), render=render or None,
                          ready_pose=ready_pose, loose_support=loose_support)
            trying = Executor(domain, "scripted", check_stages=check_stages,
                              scene_options=SCENES.get(domain), render=render or None,
                              when_blocked="try", ready_pose=ready_pose,
                              loose_support=loose_support)
            task = progress.add_task(f"{domain} scripted", total=len(seeds))
            for seed in seeds:
                try:
                    text, plan = long_task_with_plan(ex, seed, n_actions)
                except VlaplanError as exc:
                    rows[(domain, "scripted")].append(
                        {"seed": seed, "success": False, "reason": f"no task: {exc}"})
                    progress.advance(task)
                    continue
                kinds = FAULT_KINDS[domain]
                kind = kinds[seed % len(kinds)]
                spec = targeted_fault(kind, plan) or f"{kind}@{len(plan) // 2}"
                runs = {"scripted": (ex, {}), "scripted no-checks": (ex, {"checks": False}),
                        "scripted try-blocked": (trying, {}),
                        "fault+replan": (ex, {"faults": spec}),
                        "fault open-loop": (ex, {"faults": spec, "replan": False})}
                for condition, (executor, kw) in runs.items():
                    if condition in want:
                        rows[(domain, condition)].append(episode(executor, text, seed, **kw))
                progress.advance(task)
        if vla_seeds and "tabletop" in domains and want & set(VLA_CONDITIONS):
            from vlaplan.skills.policies import checkpoint_path, load_policy

            if vla != "vla" or checkpoint_path("vla").is_dir():
                policy = load_policy(vla, domain="tabletop", **vla_options) if vla_options else vla
                ex = Executor("tabletop", policy, check_stages=check_stages,
                              scene_options=SCENES["tabletop"], ready_pose=ready_pose,
                              max_replans=max_replans, loose_support=loose_support,
                              **(learned or {}))
                task = progress.add_task("tabletop vla", total=len(vla_seeds))
                for seed in vla_seeds:
                    text, _ = long_task_with_plan(ex, seed, n_actions)
                    for condition, kw in VLA_CONDITIONS.items():
                        if condition in want:
                            rows[("tabletop", condition)].append(episode(ex, text, seed, **kw))
                    progress.advance(task)
            else:
                console.print("[yellow]the shipped 'vla' checkpoint is not in the tree: "
                              "no VLA row[/yellow]")
    return {f"{d}/{c}": {"summary": summarise(r), "episodes": r} for (d, c), r in rows.items()}


def table(report: dict[str, Any], title: str) -> Table:
    t = Table(title=title, title_justify="left")
    for col in ("domain", "condition", "episodes", "success", "target", "steps", "replans",
                "s/episode", "plan", "check", "skill", "plan+check"):
        t.add_column(col, justify="right" if col not in ("domain", "condition") else "left")
    for key, data in report.items():
        domain, condition = key.split("/")
        s = data["summary"]
        target = TARGETS.get(condition)
        ok = target is None or s["success"] >= target
        share_ok = s["share_plan_check"] <= SHARE_TARGET
        t.add_row(domain, condition, str(s["episodes"]),
                  f"[{'green' if ok else 'red'}]{100 * s['success']:.0f}%[/]",
                  f"{100 * target:.0f}%" if target else "-", f"{s['steps']:.1f}",
                  f"{s['replans']:.2f}", f"{s['seconds']:.2f}", f"{100 * s['share_plan']:.1f}%",
                  f"{100 * s['share_check']:.1f}%", f"{100 * s['share_skill']:.1f}%",
                  f"[{'green' if share_ok else 'red'}]{100 * s['share_plan_check']:.1f}%[/]")
    return t


def stage_table(report: dict[str, Any]) -> Table:
    """Check time per episode by stage (ms), and look-aheads run / skipped by the screen."""
    names = sorted({k for d in report.values() for k in d["summary"]["check_ms_per_episode"]})
    t = Table(title="check time per episode by stage (ms); look-aheads run / skipped",
              title_justify="left")
    for col in ("domain", "condition", *names, "look-aheads run/skipped"):
        t.add_column(col, justify="left" if col in ("domain", "condition") else "right")
    for key, data in report.items():
        s = data["summary"]
        ms = s["check_ms_per_episode"]
        t.add_row(*key.split("/"), *(f"{ms.get(n, 0.0):.1f}" for n in names),
                  f"{s['lookaheads']}/{s['lookaheads_skipped']}")
    return t


def skill_table(report: dict[str, Any]) -> Table:
    """How often each dispatched skill reached its effects inside the long tasks."""
    t = Table(title="skills inside the tasks: succeeded / dispatched", title_justify="left")
    names = sorted({k for d in report.values() for k in d["summary"]["skills_in_chain"]})
    for col in ("domain", "condition", *names):
        t.add_column(col, justify="left" if col in ("domain", "condition") else "right")
    for key, data in report.items():
        got = data["summary"]["skills_in_chain"]
        cells = []
        for name in names:
            c = got.get(name)
            cells.append("-" if not c else
                         rate(c["succeeded"], c["dispatched"]))
        t.add_row(*key.split("/"), *cells)
    return t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--domains", default="tabletop,kitchen,sorting")
    ap.add_argument("--seeds", type=int, default=20, help="seeds per domain (0..N-1)")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--vla-seeds", type=int, default=0,
                    help="tabletop seeds for the VLA row next to the scripted rows")
    ap.add_argument("--policy", choices=("scripted", "vla"), default="scripted",
                    help="vla: only the VLA row (tabletop, --seeds seeds)")
    ap.add_argument("--vla", default="vla",
                    help="the VLA row's policy: the shipped 'vla' (default) or a checkpoint")
    ap.add_argument("--actions", type=int, default=10, help="target plan length")
    ap.add_argument("--check-stages", default="auto",
                    help="auto | all | cheap | comma-separated stages")
    ap.add_argument("--render", action="store_true",
                    help="render both cameras every control step with scripted skills too "
                         "(the cost a camera-driven policy or a real robot pays)")
    ap.add_argument("--conditions", default=",".join(CONDITIONS) + ",vla",
                    help="comma-separated rows to run: " + ", ".join([*CONDITIONS, *VLA_CONDITIONS])
                    + " (with --policy vla only the vla rows named, else 'vla')")
    ap.add_argument("--audit-screen", action="store_true",
                    help="simulate every look-ahead the static screen skipped (auto checks) "
                         "and count those it would have refused (check times then include "
                         "the audit)")
    ap.add_argument("--ready-pose", choices=("auto", "on", "off"), default="auto",
                    help="Executor(ready_pose=...): auto (default) moves the hand to the ready "
                         "pose before each skill of a learned policy, not the scripted expert's")
    ap.add_argument("--max-replans", type=int, default=5,
                    help="the VLA row's replan budget (execute()'s default: 5)")
    ap.add_argument("--loose-support", choices=("on", "off"), default="on",
                    help="Executor(loose_support=...): plan with an assumed support atom for "
                         "objects no classifier places (executor/loose.py; default on)")
    add_learned_switches(ap, "the VLA row's Executor")
    ap.add_argument("--noise-scale", type=float, default=None,
                    help="the VLA row's flow noise scale (default: the checkpoint's own)")
    ap.add_argument("--ensemble-every", type=int, default=None,
                    help="the VLA row's temporal ensembling: a new chunk every N steps, 0 off "
                         "(default: the checkpoint's own)")
    ap.add_argument("--json", default=None, metavar="OUT.json", help="also write the report")
    args = ap.parse_args(argv)
    if args.audit_screen:
        from vlaplan.world_model import lookahead_screen
        lookahead_screen.AUDIT = []
    console = Console(width=None if sys.stdout.isatty() else 150)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    vla_seeds = list(range(args.first_seed, args.first_seed + args.vla_seeds))
    t0 = time.perf_counter()
    conditions = tuple(c.strip() for c in args.conditions.split(",") if c.strip())
    domains = args.domains.split(",")
    unknown = set(conditions) - set(CONDITIONS) - set(VLA_CONDITIONS)
    if unknown:
        ap.error(f"unknown conditions {sorted(unknown)}; known: "
                 f"{', '.join([*CONDITIONS, *VLA_CONDITIONS])}")
    if args.policy == "vla":
        conditions = tuple(c for c in conditions if c in VLA_CONDITIONS) or ("vla",)
        domains, vla_seeds = ["tabletop"], seeds
    report = run(domains, seeds, vla_seeds, args.actions, args.check_stages,
                 console, args.render, conditions, args.vla,
                 {"auto": None, "on": True, "off": False}[args.ready_pose], args.max_replans,
                 args.loose_support == "on",
                 {k: v for k, v in (("noise_scale", args.noise_scale),
                                    ("ensemble_every", args.ensemble_every)) if v is not None},
                 learned_options(args))
    title = (f"execute(): {args.seeds} seeds, ~{args.actions}-action tasks, checks="
             f"{args.check_stages}{', cameras rendered' if args.render else ''} "
             f"({platform.processor() or platform.machine()}, "
             f"{time.perf_counter() - t0:.0f} s)")
    console.print(table(report, title))
    console.print(stage_table(report))
    console.print(skill_table(report))
    for key, data in report.items():
        for line in data["summary"]["failures"][:5]:
            console.print(f"[dim]{key} {line}[/dim]")
    audit = None
    if args.audit_screen:
        from vlaplan.world_model import lookahead_screen
        entries = lookahead_screen.AUDIT or []
        wrong = [e for e in entries if e[2] != "OK"]
        audit = {"screened": len(entries), "lookahead_refused": len(wrong), "refused": wrong}
        console.print(f"screen audit: {len(entries)} look-aheads skipped, {len(wrong)} of them "
                      "would have been refused by the look-ahead")
        for label, why, verdict in wrong[:10]:
            console.print(f"[red]  {label} (skipped: {why}) -> {verdict[:160]}[/red]")
    if args.json:
        write_json(args.json, args, report=report, screen_audit=audit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
