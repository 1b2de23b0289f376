"""How crowded the scene is where each skill of a long task runs, and how that ends.

Runs the ~10-action tabletop tasks of ``benchmarks/execute.py`` with a policy and, at the
start of every dispatched skill, measures for each argument not in the hand the distance
on the table plane from its centre to the nearest object in another stack.  The report is
each skill's success by that distance: a learned ``place`` sets blocks down closer to
others than any training scene has them (10 cm between towers, 9 cm for the expert's
spots), and the skills that then run beside them fail more often (session 11).

    .venv/bin/python benchmarks/crowding.py --policy vla --seeds 25 --json out.json
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from vlaplan.executor import Executor  # noqa: E402
from vlaplan.executor import events as ev  # noqa: E402
from vlaplan.executor.dispatch import SAME_STACK  # noqa: E402
from vlaplan.executor.tasks import LONG_SCENES, long_task_with_plan  # noqa: E402
from vlaplan.skills.contract import PRIVILEGED_KEY  # noqa: E402
from vlaplan.world_model.predicates import held  # noqa: E402

BUCKETS = ((0.0, 0.07, "< 7 cm"), (0.07, 0.09, "7-9 cm"), (0.09, float("inf"), ">= 9 cm"))


def nearest_other(objects: dict[str, Any], args: tuple[str, ...]) -> float | None:
    """Least table-plane distance from a not-held argument to a not-held object in another
    stack (None: every argument is in the hand)."""
    best = None
    for a in args:
        if a not in objects or held(objects[a]):
            continue
        p = np.asarray(objects[a]["pos"][:2], float)
        for name, o in objects.items():
            d = float(np.linalg.norm(np.asarray(o["pos"][:2], float) - p))
            if name != a and not held(o) and d > SAME_STACK and (best is None or d < best):
                best = d
    return best


def run(policy: str, seeds: list[int], n_actions: int = 10) -> list[dict[str, Any]]:
    ex = Executor("tabletop", policy, scene_options=LONG_SCENES["tabletop"])
    rows: list[dict[str, Any]] = []
    for seed in seeds:
        text, _ = long_task_with_plan(ex, seed, n_actions)
        started: dict[str, Any] = {}

        def on(event: Any) -> None:
            if isinstance(event, ev.SkillStarted):
                name, *args = event.call.strip("()").split()
                objects = ex._robot.observe(render=False)[PRIVILEGED_KEY]["objects"]
                started.update(skill=name, call=event.call,
                               nearest=nearest_other(objects, tuple(args)))
            elif isinstance(event, ev.StepFinished) and event.step.frames > 0 and started:
                rows.append({"seed": seed, **started, "outcome": event.step.outcome.value})
                started.clear()

        ex.run(text, seed=seed, on_event=on)
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, list[int]]]:
    """skill -> bucket label -> [succeeded, dispatched]."""
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: {b[2]: [0, 0] for b in BUCKETS})
    for r in rows:
        if r["nearest"] is None:
            continue
        label = next(b[2] for b in BUCKETS if b[0] <= r["nearest"] < b[1])
        out[r["skill"]][label][0] += r["outcome"] == "succeeded"
        out[r["skill"]][label][1] += 1
    return {k: dict(v) for k, v in sorted(out.items())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--policy", default="vla", help="vla, vla-tokens, scripted or a checkpoint")
    ap.add_argument("--seeds", type=int, default=25)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--actions", type=int, default=10, help="target plan length")
    ap.add_argument("--json", default=None, metavar="OUT.json")
    args = ap.parse_args(argv)
    rows = run(args.policy, list(range(args.first_seed, args.first_seed + args.seeds)),
               args.actions)
    summary = summarise(rows)
    table = Table(title=f"{args.policy}: skills inside ~{args.actions}-action tasks by the "
                        "nearest object in another stack (succeeded/dispatched)")
    table.add_column("skill")
    for _, _, label in BUCKETS:
        table.add_column(label, justify="right")
    for skill, cells in summary.items():
        table.add_row(skill, *(f"{s}/{n}" + (f" ({100 * s / n:.0f}%)" if n else "")
                               for s, n in cells.values()))
    Console().print(table)
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "summary": summary,
                                               "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
