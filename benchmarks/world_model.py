"""World-model benchmark: plant control rate, twin sync, check stages, look-ahead cost.

One run reports, with the issue's targets:

* the plant's control rate (observe + apply + physics) at 96x96 with the front and wrist
  cameras (target >= 50 Hz), beside the same loop without rendering;
* the twin's sync time;
* the time of each check stage over every applicable action of the visited states
  (target: symbolic + IK + collision under 5 ms, judged on the 95th percentile);
* for each executed skill, the look-ahead's wall time as a fraction of the same skill's
  real execution on the plant (scripted expert, two cameras rendering; target < 20 %,
  for every skill), with the look-ahead's physics rate and how many objects slept,
  and how often the twin's verdict agreed with what then happened on the plant;
* stale plans after a fault (target moved out of reach, stack target blocked, held block
  dropped): the twin's verdict with the stale state beside the plant's outcome;
* stacking on leaning towers around the tipping point: the twin's verdict beside whether
  the tower really stands on the plant (these last two scenarios live in
  ``benchmarks/world_model_scenarios.py``).

Wall-clock figures include whatever else the machine runs; the CPU-time columns do not.

    .venv/bin/python benchmarks/world_model.py          # 3 domains x 6 seeds x 6 actions
    .venv/bin/python benchmarks/world_model.py --domains tabletop --seeds 2 --actions 4 \
        --json out.json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402

from vlaplan.domains import get_domain  # noqa: E402
from vlaplan.skills.contract import CONTROL_HZ  # noqa: E402
from vlaplan.skills.scripted import ScriptedPolicy  # noqa: E402
from vlaplan.world_model.checks import CheckStage  # noqa: E402
from vlaplan.world_model.robot import SimRobot  # noqa: E402
from vlaplan.world_model.rollout import run_skill  # noqa: E402
from vlaplan.world_model.twin import PhysicsTwin  # noqa: E402
from benchmarks.world_model_scenarios import (  # noqa: E402
    TOWER_LEANS, TOWER_MASSES, doomed_trials, marginal_towers)

TARGET_HZ = 50.0
TARGET_CHEAP_MS = 5.0
TARGET_LOOKAHEAD = 0.20
CHEAP = ("symbolic", "reachability", "collision")
MAX_CHEAP_PER_STATE = 24


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def control_rate(domain: Any, seed: int, steps: int, size: int, render: bool
                 ) -> tuple[float, float]:
    """Control steps per second (wall, CPU) of observe + apply, a scripted pick running."""
    scene = domain.generate_scene(seed, n_objects=6, holding=False)
    robot = SimRobot(scene.spec, image_size=size, render=render)
    policy = ScriptedPolicy()
    state = domain.abstract(robot.observe())
    calls = domain.applicable_calls(state, scene.objects)
    pick = next(c for c in calls if c.name in ("pick", "unstack"))
    policy.reset(domain.call(pick.name, pick.args))
    obs = robot.observe()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        action = policy.select_action(obs, "")
        robot.apply(action)
        obs = robot.observe()
    rates = steps / (time.perf_counter() - start), steps / (time.process_time() - cpu)
    robot.close()
    return rates


def episodes(domain: Any, seeds: int, actions: int, size: int, progress: Progress,
             twin_options: dict[str, Any]) -> dict[str, Any]:
    """Walk random applicable actions; check each with the twin, then execute it."""
    sync_ms: list[float] = []
    stage_ms: dict[str, list[float]] = defaultdict(list)
    cheap_ms: list[float] = []
    cheap_by_action: dict[str, list[float]] = defaultdict(list)
    cheap_cpu_ms: list[float] = []
    target_by_action: dict[str, list[float]] = defaultdict(list)
    per_skill: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    agreement: dict[str, int] = defaultdict(int)
    disagreements: list[str] = []
    trace: list[str] = []
    task = progress.add_task(f"{domain.name}: episodes", total=seeds * actions)
    for seed in range(seeds):
        rng = random.Random(seed)
        scene = domain.generate_scene(seed)
        robot = SimRobot(scene.spec, image_size=size, render=True, seed=seed)
        twin = PhysicsTwin(scene.spec, abstract=domain.abstract, seed=seed, **twin_options)
        policy = ScriptedPolicy()
        for _ in range(actions):
            obs = robot.observe()
            state = domain.abstract(obs)
            sync_ms.append(twin.sync(obs))
            calls = domain.applicable_calls(state, scene.objects)
            if not calls:
                break
            for call in rng.sample(calls, k=min(len(calls), MAX_CHEAP_PER_STATE)):
                cpu0 = time.process_time()
                res = twin.check(call, state, stages="cheap")
                for name, ms in res.stage_ms.items():
                    stage_ms[name].append(ms)
                cheap = sum(res.stage_ms.get(s, 0.0) for s in CHEAP)
                cheap_ms.append(cheap)
                cheap_by_action[f"{domain.name}/{call.name}"].append(cheap)
                target_by_action[f"{domain.name}/{call.name}"].append(
                    res.stage_ms.get("target", 0.0))
                share = cheap / max(res.duration_ms, 1e-9)
                cheap_cpu_ms.append((time.process_time() - cpu0) * 1e3 * share)
            kind = rng.choice(sorted({c.name for c in calls}))
            call = rng.choice([c for c in calls if c.name == kind])
            cpu0 = time.process_time()
            res = twin.check(call, state)
            check_cpu = time.process_time() - cpu0
            if CheckStage.LOOKAHEAD.value in res.stage_ms:
                stage_ms["lookahead"].append(res.stage_ms["lookahead"])
            skill = domain.skill(call.name)
            row = per_skill[f"{domain.name}/{call.name}"]
            cpu0 = time.process_time()
            outcome = run_skill(robot, policy, domain.call(call.name, call.args,
                                                           scene.describe()),
                                skill.step_budget, domain.abstract, call.add, call.delete)
            row["execute_cpu_ms"].append((time.process_time() - cpu0) * 1e3)
            row["execute_ms"].append(outcome.duration * 1e3)
            row["steps"].append(outcome.steps)
            if CheckStage.LOOKAHEAD.value in res.stage_ms:
                row["lookahead_ms"].append(res.stage_ms["lookahead"])
                # CPU time of the check, apportioned to the look-ahead by its wall share.
                share = res.stage_ms["lookahead"] / max(res.duration_ms, 1e-9)
                row["lookahead_cpu_ms"].append(check_cpu * 1e3 * share)
                row["lookahead_steps"].append(twin.last_lookahead.steps)
                row["lookahead_hz"].append(twin.last_lookahead.substeps * CONTROL_HZ)
                row["asleep"].append(twin.last_lookahead.asleep)
                trace.append(f"seed {seed} {res.action}: look-ahead {twin.last_lookahead.steps} "
                             f"steps {res.stage_ms['lookahead']:.0f} ms, plant {outcome.steps} "
                             f"steps {outcome.duration * 1e3:.0f} ms")
            key = ("ok" if res.ok else "no") + "/" + ("ok" if outcome.success else "fail")
            agreement[key] += 1
            if key in ("no/ok", "ok/fail"):
                disagreements.append(f"seed {seed} {res.action}: twin "
                                     f"{res.reason.value if res.reason else 'ok'} "
                                     f"({res.detail}); plant {outcome.reason}")
            progress.advance(task)
        twin.close()
        robot.close()
    return {"sync_ms": sync_ms, "stage_ms": dict(stage_ms), "cheap_ms": cheap_ms,
            "cheap_by_action": dict(cheap_by_action), "target_by_action": dict(target_by_action),
            "cheap_cpu_ms": cheap_cpu_ms,
            "per_skill": {k: dict(v) for k, v in per_skill.items()},
            "agreement": dict(agreement), "disagreements": disagreements,
            "trace": trace}


def report(console: Console, rates: dict[str, float], data: dict[str, Any], size: int
           ) -> dict[str, Any]:
    summary: dict[str, Any] = {"machine": platform.platform(), "image_size": size,
                               "control_hz": rates, "load_average": os.getloadavg()}
    console.print(f"machine load average (1, 5, 15 min): "
                  f"{', '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    t = Table(title="Plant control loop (observe + apply + physics)")
    t.add_column("loop")
    t.add_column("rate (Hz, wall)", justify="right")
    t.add_column("rate (Hz, CPU)", justify="right")
    t.add_row(f"{size}x{size}, front + wrist cameras", f"{rates['render']:.1f}",
              f"{rates['render_cpu']:.1f}")
    t.add_row("no rendering (peer)", f"{rates['no_render']:.1f}", f"{rates['no_render_cpu']:.1f}")
    console.print(t)

    t = Table(title="Twin sync and check stages (ms, wall unless marked)")
    t.add_column("what", no_wrap=True)
    for col in ("n", "mean", "p50", "p95", "max"):
        t.add_column(col, justify="right")
    rows = [("sync", data["sync_ms"]), ("target pose (expert rules)",
                                        data["stage_ms"].get("target", []))]
    rows += [(k, data["stage_ms"].get(k, [])) for k in (*CHEAP, "lookahead")]
    rows.append(("symbolic+IK+collision", data["cheap_ms"]))
    rows.append(("symbolic+IK+collision, CPU time", data["cheap_cpu_ms"]))
    for name, vals in sorted(data.get("cheap_by_action", {}).items()):
        rows.append((f"  {name}: symbolic+IK+collision", vals))
    for name, vals in sorted(data.get("target_by_action", {}).items()):
        rows.append((f"  {name}: target pose", vals))
    summary["stages_ms"] = {}
    for name, vals in rows:
        stats = {"n": len(vals), "mean": statistics.fmean(vals) if vals else float("nan"),
                 "p50": pct(vals, 50), "p95": pct(vals, 95), "max": max(vals, default=0.0)}
        summary["stages_ms"][name] = stats
        t.add_row(name, str(stats["n"]), *(f"{stats[k]:.2f}" for k in ("mean", "p50", "p95",
                                                                          "max")))
    console.print(t)

    t = Table(title="Look-ahead vs the executed skill (plant: scripted expert, two cameras)")
    t.add_column("domain/skill", no_wrap=True)
    for col in ("n", "plant steps", "plant ms", "look steps", "look Hz", "asleep", "look ms",
                "wall %", "CPU %"):
        t.add_column(col, justify="right")
    summary["lookahead"] = {}
    total_look, total_exec, cpu_look, cpu_exec = 0.0, 0.0, 0.0, 0.0
    for name, row in sorted(data["per_skill"].items()):
        look, execute = row.get("lookahead_ms", []), row.get("execute_ms", [])
        if not look or not execute:
            continue
        frac = sum(look) / sum(execute)
        cpu_frac = sum(row["lookahead_cpu_ms"]) / max(sum(row["execute_cpu_ms"]), 1e-9)
        total_look += sum(look)
        total_exec += sum(execute)
        cpu_look += sum(row["lookahead_cpu_ms"])
        cpu_exec += sum(row["execute_cpu_ms"])
        summary["lookahead"][name] = {"n": len(execute), "fraction": frac,
                                      "cpu_fraction": cpu_frac,
                                      "lookahead_ms": statistics.fmean(look),
                                      "execute_ms": statistics.fmean(execute)}
        t.add_row(name, str(len(execute)), f"{statistics.fmean(row['steps']):.0f}",
                  f"{statistics.fmean(execute):.0f}",
                  f"{statistics.fmean(row['lookahead_steps']):.0f}",
                  f"{statistics.fmean(row['lookahead_hz']):.0f}",
                  f"{statistics.fmean(row['asleep']):.1f}",
                  f"{statistics.fmean(look):.0f}", f"{frac:.1%}", f"{cpu_frac:.1%}")
    overall = total_look / total_exec if total_exec else float("nan")
    cpu_overall = cpu_look / cpu_exec if cpu_exec else float("nan")
    t.add_row("all", "", "", "", "", "", "", "", f"{overall:.1%}", f"{cpu_overall:.1%}")
    summary["lookahead_fraction"] = overall
    summary["lookahead_cpu_fraction"] = cpu_overall
    console.print(t)

    if data.get("doomed"):
        t = Table(title="Stale plans after a fault: twin verdict vs plant outcome (tabletop)")
        t.add_column("scenario", no_wrap=True)
        for col in ("refused / plant failed", "passed / plant ok", "refused / plant ok",
                    "passed / plant failed"):
            t.add_column(col, justify="right")
        for kind, c in data["doomed"].items():
            t.add_row(kind, *(str(c.get(k, 0)) for k in (
                "refused/plant failed", "passed/plant ok", "refused/plant ok",
                "passed/plant failed")))
        console.print(t)
        summary["doomed"] = data["doomed"]

    if data.get("towers"):
        rows = data["towers"]
        t = Table(title="Stacking on leaning towers: twin verdict / plant outcome")
        t.add_column("lean (cm)")
        for mass in TOWER_MASSES:
            t.add_column(f"{mass * 1000:.0f} g on top")
        for lean in TOWER_LEANS:
            cells = []
            for mass in TOWER_MASSES:
                r = next(r for r in rows if r["lean_cm"] == lean * 100 and r["mass_kg"] == mass)
                mark = "" if r["agree"] else " [red](wrong)[/]"
                cells.append(f"{r['twin']} / {r['plant']}{mark}")
            t.add_row(f"{lean * 100:.1f}", *cells)
        console.print(t)
        summary["towers"] = rows

    agree = data["agreement"]
    n = sum(agree.values()) or 1
    console.print(f"twin verdict / plant outcome: {dict(sorted(agree.items()))} "
                  f"(agreement {(agree.get('ok/ok', 0) + agree.get('no/fail', 0)) / n:.0%})")
    summary["agreement"] = agree
    for line in data["disagreements"]:
        console.print(f"  [yellow]disagreement[/] {line}")
    summary["disagreements"] = data["disagreements"]
    summary["trace"] = data["trace"]

    cheap_p95 = summary["stages_ms"]["symbolic+IK+collision"]["p95"]
    cheap_cpu_p95 = summary["stages_ms"]["symbolic+IK+collision, CPU time"]["p95"]
    worst = max((v["fraction"] for v in summary["lookahead"].values()), default=float("nan"))
    targets = [
        (f"control loop >= {TARGET_HZ:.0f} Hz (wall)", f"{rates['render']:.1f} Hz",
         rates["render"] >= TARGET_HZ),
        (f"control loop >= {TARGET_HZ:.0f} Hz (CPU)", f"{rates['render_cpu']:.1f} Hz",
         rates["render_cpu"] >= TARGET_HZ),
        (f"symbolic+IK+collision < {TARGET_CHEAP_MS:.0f} ms (p95, wall)", f"{cheap_p95:.2f} ms",
         cheap_p95 < TARGET_CHEAP_MS),
        (f"symbolic+IK+collision < {TARGET_CHEAP_MS:.0f} ms (p95, CPU)",
         f"{cheap_cpu_p95:.2f} ms", cheap_cpu_p95 < TARGET_CHEAP_MS),
        (f"look-ahead < {TARGET_LOOKAHEAD:.0%} of execution (all skills)", f"{overall:.1%}",
         overall < TARGET_LOOKAHEAD),
        (f"look-ahead < {TARGET_LOOKAHEAD:.0%} of execution (worst skill)", f"{worst:.1%}",
         worst < TARGET_LOOKAHEAD),
    ]
    t = Table(title="Targets")
    for col in ("target", "measured", "met"):
        t.add_column(col)
    for name, value, met in targets:
        t.add_row(name, value, "[green]yes[/]" if met else "[red]no[/]")
    console.print(t)
    summary["targets"] = {name: {"measured": value, "met": met} for name, value, met in targets}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--domains", default="tabletop,kitchen,sorting",
                        help="comma-separated; the control rate is measured in the first")
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--actions", type=int, default=6, help="executed actions per seed")
    parser.add_argument("--steps", type=int, default=200, help="control steps for the rate")
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--substeps", type=int, default=None,
                        help="look-ahead physics steps per control step (default: the twin's)")
    parser.add_argument("--coarse-substeps", type=int, default=None,
                        help="the same for actions that load no support (default: the twin's)")
    parser.add_argument("--sleep-radius", type=float, default=None,
                        help="m beyond which resting objects sleep in the look-ahead "
                             "(default: the twin's; negative: none sleep)")
    parser.add_argument("--solver-iterations", type=int, default=None)
    parser.add_argument("--doomed", type=int, default=6,
                        help="seeds of stale-plan scenarios (0 skips them)")
    parser.add_argument("--no-towers", action="store_true",
                        help="skip the leaning-tower stability grid")
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args = parser.parse_args(argv)
    console = Console(width=max(110, Console().width))
    domains = [get_domain(name.strip()) for name in args.domains.split(",") if name.strip()]
    options: dict[str, Any] = {k: v for k, v in (
        ("lookahead_substeps", args.substeps), ("coarse_substeps", args.coarse_substeps),
        ("solver_iterations", args.solver_iterations)) if v}
    if args.sleep_radius is not None:
        options["sleep_radius"] = args.sleep_radius if args.sleep_radius >= 0 else None
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("control rate", total=2)
        rates = {}
        for key, render in (("render", True), ("no_render", False)):
            rates[key], rates[key + "_cpu"] = control_rate(domains[0], 0, args.steps,
                                                          args.image_size, render)
            progress.advance(task)
        data: dict[str, Any] = {}
        if args.doomed:
            data["doomed"] = doomed_trials(args.doomed, progress)
        if not args.no_towers:
            data["towers"] = marginal_towers(progress, options)
        for domain in domains:
            part = episodes(domain, args.seeds, args.actions, args.image_size, progress,
                            options)
            for key, value in part.items():
                if isinstance(value, list):
                    data.setdefault(key, []).extend(value)
                else:
                    merged = data.setdefault(key, {})
                    for k, v in value.items():
                        if isinstance(v, list):
                            merged.setdefault(k, []).extend(v)
                        else:
                            merged[k] = merged.get(k, 0) + v if isinstance(v, int) else v
    summary = report(console, rates, data, args.image_size)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
