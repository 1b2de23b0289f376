"""Where each skill of a long task runs, and how that ends.

Runs the ~10-action tabletop tasks of ``benchmarks/execute.py`` with a policy and, at the
start of every dispatched skill, measures three things the single-skill evaluations do
not vary much: how close the nearest object of another stack is to an argument that is
not in the hand (``nearest``, table-plane distance), how high the skill works (``level``:
blocks in the stack up to and including the destination of a stack or place-on, or the
argument of a pick or unstack), and how far off the hand's centre a held argument sits
(``grip``, table plane), and where on the table it works (``side``: |y| of the first
argument not in the hand; ``reach``: its x, away from the robot's base).  The report is each skill's success by each of them: a learned
``place`` sets blocks down closer to others than any training scene has them, towers grow
higher than most demonstrations, and learned picks leave blocks off centre (session 11).
It also says how each skill ended: where its first argument came to rest (in the hand,
untouched, on its target, on another block, on the table, tilted) and whether it moved
objects it was not about (session 13: the learned stacks that fail leave the block on the
table, the learned picks that fail mostly leave it untouched), and for picks and unstacks
where the hand was when the gripper first closed (over the target, beside it, over
another object, or never; session 19), and for stacks where it was when the gripper first
opened (over the block to stack on, beside it, over another object) and how high above
that block's centre (session 20), and, when the hand was off the target, whether it was
off toward the target's nearest neighbour, and the hand's offset from the target by the
height it worked at (session 21: the misses lie along the front camera's line of sight,
and stacks onto taller towers fall shorter).  Last, it splits the skills and the tasks by
the held-out colour/skill combinations the policy never trained on (``skills/splits.py``):
each row's ``held_out`` says whether its call is one, and each task's whether its first
plan needs one (session 23: towers that stack the white block, held out for ``stack``,
finish far less often).

    .venv/bin/python benchmarks/skill_context.py --policy vla --seeds 25 --json out.json \
        --plot out.png   # the plot needs matplotlib: pip install -e '.[bench]'
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import (NO_MATPLOTLIB, add_learned_switches, learned_options,  # noqa: E402
                        pyplot, save_figure, write_json)
from benchmarks.tables import failure_table, offset_table, rate_table  # noqa: E402
from rich.console import Console  # noqa: E402

from vlaplan.executor import Executor  # noqa: E402
from vlaplan.executor import events as ev  # noqa: E402
from benchmarks.grasp_probe import ON_TARGET, GraspProbe, grasp_fields  # noqa: E402
from vlaplan.executor.crowding import SAME_STACK, other_stacks, plane  # noqa: E402
from vlaplan.executor.regrasp import REASON as REGRASP  # noqa: E402
from vlaplan.executor.regrasp import grip_offset  # noqa: E402
from vlaplan.executor.tasks import LONG_SCENES, long_task_with_plan  # noqa: E402
from vlaplan.skills.contract import PRIVILEGED_KEY  # noqa: E402
from vlaplan.skills.splits import call_combo, untrained_combos  # noqa: E402
from vlaplan.world_model.predicates import held, is_flat, is_on  # noqa: E402

INF = float("inf")
#: measure -> (lower, upper, label) buckets of the report; the first one takes everything
#: below its upper bound (a block knocked behind the robot's base has x < 0)
BUCKETS = {
    "nearest": ((-INF, 0.07, "< 7 cm"), (0.07, 0.09, "7-9 cm"), (0.09, INF, ">= 9 cm")),
    "level": ((-INF, 2, "1 block"), (2, 3, "2"), (3, 4, "3"), (4, INF, "4+")),
    "grip": ((-INF, 0.005, "< 5 mm"), (0.005, 0.01, "5-10 mm"), (0.01, INF, ">= 10 mm")),
    "side": ((-INF, 0.1, "< 10 cm"), (0.1, 0.2, "10-20 cm"), (0.2, INF, ">= 20 cm")),
    "reach": ((-INF, 0.45, "< 45 cm"), (0.45, 0.55, "45-55 cm"), (0.55, INF, ">= 55 cm")),
}
TITLES = {"nearest": "the nearest object in another stack",
          "level": "the height it works at (blocks in the stack)",
          "grip": "how far off the hand's centre the held block is",
          "side": "how far to the side (|y|) it works",
          "reach": "how far from the robot (x) it works"}


def nearest_other(objects: dict[str, Any], args: tuple[str, ...]) -> float | None:
    """Least table-plane distance from a not-held argument to a not-held object in another
    stack (None: every argument is in the hand, or nothing else stands there)."""
    return min(other_stacks(objects, args).values(), default=None)


def level(objects: dict[str, Any], args: tuple[str, ...]) -> int | None:
    """Blocks in the stack up to and including the highest not-held argument (None: every
    argument is in the hand)."""
    best = None
    for a in args:
        if a not in objects or held(objects[a]):
            continue
        z = objects[a]["pos"][2]
        n = sum(1 for o in objects.values() if not held(o) and o["pos"][2] <= z + 1e-3
                and np.linalg.norm(plane(o) - plane(objects[a])) <= SAME_STACK)
        best = n if best is None else max(best, n)
    return best


def grip(objects: dict[str, Any], args: tuple[str, ...], hand: list[float]) -> float | None:
    """Table-plane distance from the hand's centre to a held argument (None: none held)."""
    for a in args:
        if a in objects and held(objects[a]):
            return grip_offset(objects[a], hand)
    return None


def spot(objects: dict[str, Any], args: tuple[str, ...]) -> tuple[float, float] | None:
    """(|y|, x) of the first argument not in the hand: where on the table the skill works
    (None: every argument is in the hand, as for ``place``)."""
    for a in args:
        if a in objects and not held(objects[a]):
            x, y = plane(objects[a])
            return abs(float(y)), float(x)
    return None


MOVED = 0.01  # m: an object that travelled this far during a skill was moved by it


def ending(objects0: dict[str, Any], objects1: dict[str, Any], args: tuple[str, ...]) -> str:
    """Where the skill's first argument is at the end: ``in hand``, ``untouched`` (within
    :data:`MOVED` of its start and not held), ``tilted`` (not on a face), ``on <name>`` (an
    argument it rests on, or ``on a block``: another object) or ``on the table``, else
    ``loose`` (leaning, or resting on something it is not flat on)."""
    x = args[0] if args else None
    if x not in objects1:
        return "unknown"
    o = objects1[x]
    if held(o):
        return "in hand"
    if np.linalg.norm(np.subtract(o["pos"], objects0[x]["pos"])) < MOVED:
        return "untouched"
    if not is_flat(o):
        return "tilted"
    under = [n for n, lower in objects1.items() if n != x and is_on(o, lower)]
    if under:
        return "on target" if under[0] in args[1:] else "on a block"
    return "on the table" if "table" in o.get("contacts", []) else "loose"


def knocked(objects0: dict[str, Any], objects1: dict[str, Any], args: tuple[str, ...]) -> int:
    """Objects other than the arguments that a skill moved by :data:`MOVED` or more."""
    return sum(1 for n, o in objects1.items() if n not in args and n in objects0
               and np.linalg.norm(np.subtract(o["pos"], objects0[n]["pos"])) >= MOVED)


PULLS = ((0.5, INF, "toward it (cos > 0.5)"), (-0.5, 0.5, "across"),
         (-INF, -0.5, "away from it (cos < -0.5)"))


def pulls(rows: list[dict[str, Any]]) -> dict[str, dict[str, list[int]]]:
    """skill -> which way the hand missed the target, relative to the target's nearest
    neighbour (:func:`pull`) -> [failed, dispatched]; rows over the target left out."""
    return failures_by(rows, lambda r: [] if r.get("pull") is None else
                       [next(b[2] for b in PULLS if b[0] < r["pull"] <= b[1])])


def run(policy: str, seeds: list[int], n_actions: int = 10, **options: Any,
        ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(a row per dispatched skill, a row per task: seed, instruction, success, stacks
    refused for a block held off centre).  ``options`` go to the ``Executor`` (the
    ablations: ``release_guard``, ``regrasp``, ``aim_held``, ``approach``, ``spread_places``)."""
    ex = Executor("tabletop", policy, scene_options=LONG_SCENES["tabletop"], **options)
    meta = getattr(ex.policy, "meta", None)  # scripted skills have none and hold nothing out
    untrained = untrained_combos(meta) if meta is not None else set()
    probe = ex.policy = GraspProbe(ex.policy)
    rows: list[dict[str, Any]] = []
    episodes: list[dict[str, Any]] = []
    for seed in seeds:
        text, plan = long_task_with_plan(ex, seed, n_actions)
        scene = ex._robot.scene.objects

        def untrained_call(name: str, args: tuple[str, ...]) -> bool:
            return call_combo(name, args, scene) in untrained

        started: dict[str, Any] = {}

        def on(event: Any) -> None:
            if isinstance(event, ev.SkillStarted):
                name, *args = event.call.strip("()").split()
                priv = ex._robot.observe(render=False)[PRIVILEGED_KEY]
                objects = priv["objects"]
                started.update(skill=name, call=event.call, args=tuple(args), objects=objects,
                               held_out=untrained_call(name, tuple(args)),
                               nearest=nearest_other(objects, tuple(args)),
                               level=level(objects, tuple(args)),
                               grip=grip(objects, tuple(args), priv["ee"]["pos"]))
                side, reach = spot(objects, tuple(args)) or (None, None)
                started.update(side=side, reach=reach)
            elif isinstance(event, ev.StepFinished) and event.step.frames > 0 and started:
                after = ex._robot.observe(render=False)[PRIVILEGED_KEY]["objects"]
                args0, objects0 = started.pop("args"), started.pop("objects")
                rows.append({"seed": seed, **started, "outcome": event.step.outcome.value,
                             "held_back": event.step.held_back,
                             "ending": ending(objects0, after, args0),
                             "knocked": knocked(objects0, after, args0),
                             **grasp_fields(started["skill"], probe.closed, args0)})
                started.clear()

        result = ex.run(text, seed=seed, on_event=on)
        episodes.append({"seed": seed, "task": text, "success": bool(result.success),
                         "held_out": any(untrained_call(a.name, a.args) for a in plan),
                         "regrasps": sum(bool(s.checks) and s.checks[-1].reason == REGRASP
                                         for s in result.steps)})
    return rows, episodes


def held_out_split(rows: list[dict[str, Any]], episodes: list[dict[str, Any]]
                   ) -> dict[str, dict[str, list[int]]]:
    """skill (and ``tasks``) -> ``held out`` / ``trained`` -> [succeeded, dispatched]: the
    calls that are a held-out combination the policy never trained on against the rest,
    and the tasks whose first plan needs such a call against the rest."""
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"held out": [0, 0],
                                                                "trained": [0, 0]})
    counted = [(r["skill"], r["held_out"], r["outcome"] == "succeeded") for r in rows]
    counted += [("tasks", e["held_out"], bool(e["success"])) for e in episodes]
    for key, held_out, succeeded in counted:
        cell = out[key]["held out" if held_out else "trained"]
        cell[0] += succeeded
        cell[1] += 1
    return {k: dict(v) for k, v in sorted(out.items())}


def summarise(rows: list[dict[str, Any]], measure: str = "nearest"
              ) -> dict[str, dict[str, list[int]]]:
    """skill -> bucket label of ``measure`` -> [succeeded, dispatched]; skills the measure
    does not apply to (None) are left out."""
    buckets = BUCKETS[measure]
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: {b[2]: [0, 0] for b in buckets})
    for r in rows:
        if r.get(measure) is None or r[measure] != r[measure]:  # not measured, or NaN
            continue
        label = next(b[2] for b in buckets if b[0] <= r[measure] < b[1])
        out[r["skill"]][label][0] += r["outcome"] == "succeeded"
        out[r["skill"]][label][1] += 1
    return {k: dict(v) for k, v in sorted(out.items())}


def failures_by(rows: list[dict[str, Any]], keys: Any) -> dict[str, dict[str, list[int]]]:
    """skill -> key -> [failed, dispatched], each row counted under every key of
    ``keys(row)`` (a list; empty: not counted)."""
    out: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for r in rows:
        for key in keys(r):
            cell = out[r["skill"]].setdefault(key, [0, 0])
            cell[0] += r["outcome"] != "succeeded"
            cell[1] += 1
    return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}


def endings(rows: list[dict[str, Any]]) -> dict[str, dict[str, list[int]]]:
    """skill -> ending -> [failed, dispatched] (see :func:`ending`), plus ``knocked
    others``: skills that moved an object they were not about."""
    return failures_by(rows, lambda r: [r["ending"]] + (["knocked others"] if r["knocked"] else []))


def guarded(rows: list[dict[str, Any]]) -> dict[str, dict[str, list[int]]]:
    """skill -> whether the release guard held its release back (``Executor.release_guard``)
    -> [failed, dispatched], for the skills it held back at least once (session 25)."""
    skills = {r["skill"] for r in rows if r.get("held_back")}
    return failures_by([r for r in rows if r["skill"] in skills],
                       lambda r: ["held back" if r["held_back"] else "not held back"])


def grasps(rows: list[dict[str, Any]]) -> dict[str, dict[str, list[int]]]:
    """pick/unstack -> where the gripper first closed (:func:`closed_over`), stack -> where
    it first opened -> [failed, dispatched]."""
    return failures_by(rows, lambda r: [r[k] for k in ("closed", "released")
                                        if r.get(k) is not None])


def offsets(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """skill -> level bucket -> where the hand was off the target when the gripper turned
    (``miss``): rows, median x and y offset (mm; x away from the robot, along the front
    camera's line of sight) and, of the misses beyond :data:`ON_TARGET`, the share that
    were off more along x than along y."""
    by: dict[str, dict[str, list[list[float]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r.get("miss") is not None and r.get("level") is not None:
            label = next(b[2] for b in BUCKETS["level"] if b[0] <= r["level"] < b[1])
            by[r["skill"]][label].append(r["miss"])
    out: dict[str, dict[str, dict[str, float]]] = {}
    for skill, cells in sorted(by.items()):
        out[skill] = {}
        for label in (b[2] for b in BUCKETS["level"]):
            if label not in cells:
                continue
            m = np.asarray(cells[label])
            off = m[np.linalg.norm(m, axis=1) > ON_TARGET]
            out[skill][label] = {
                "n": len(m), "dx_mm": round(1000 * float(np.median(m[:, 0])), 1),
                "dy_mm": round(1000 * float(np.median(m[:, 1])), 1),
                "along_x": round(float(np.mean(np.abs(off[:, 0]) > np.abs(off[:, 1]))), 2)
                if len(off) else None}
    return out


def plot(summary: dict[str, dict[str, dict[str, list[int]]]], out: Path, title: str) -> str:
    """One panel per measure: each skill's success rate per bucket (bars, with the
    dispatched count above); returns a message."""
    plt = pyplot()
    if plt is None:
        return NO_MATPLOTLIB
    fig, axes = plt.subplots(1, len(summary), figsize=(4.6 * len(summary), 3.8), squeeze=False)
    for ax, (measure, by_skill) in zip(axes[0], summary.items()):
        labels = [b[2] for b in BUCKETS[measure]]
        width = 0.8 / max(1, len(by_skill))
        for k, (skill, cells) in enumerate(by_skill.items()):
            xs = [i + (k - (len(by_skill) - 1) / 2) * width for i in range(len(labels))]
            rates = [cells[lab][0] / cells[lab][1] if cells[lab][1] else 0.0 for lab in labels]
            bars = ax.bar(xs, rates, width, label=skill)
            for bar, lab in zip(bars, labels):
                if cells[lab][1]:
                    ax.annotate(str(cells[lab][1]), (bar.get_x() + bar.get_width() / 2,
                                                     bar.get_height()),
                                ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("success (number dispatched above)")
        ax.set_title(TITLES[measure], fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--policy", default="vla", help="vla, vla-tokens, scripted or a checkpoint")
    ap.add_argument("--seeds", type=int, default=25)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--actions", type=int, default=10, help="target plan length")
    ap.add_argument("--json", default=None, metavar="OUT.json")
    ap.add_argument("--plot", default=None, metavar="OUT.png",
                    help="success per bucket as bar charts (needs matplotlib)")
    ap.add_argument("--regrasp", type=float, default=0.0, metavar="METRES",
                    help="Executor(regrasp=...): refuse a stack of a block held farther than "
                         "this off the hand's centre, so that it is set down and grasped "
                         "again first (0, the default: off; session 27 measured 0.015)")
    add_learned_switches(ap)
    args = ap.parse_args(argv)
    rows, episodes = run(args.policy, list(range(args.first_seed, args.first_seed + args.seeds)),
                         args.actions, regrasp=args.regrasp, **learned_options(args))
    summary = {m: summarise(rows, m) for m in BUCKETS}
    console = Console()
    for measure, by_skill in summary.items():
        console.print(rate_table(by_skill, [b[2] for b in BUCKETS[measure]],
                                 f"{args.policy}: skills inside ~{args.actions}-action tasks by "
                                 f"{TITLES[measure]} (succeeded/dispatched)"))
    ends, closes = endings(rows), grasps(rows)
    console.print(failure_table(ends, "ending", "How each skill ended (failed/dispatched): "
                                "where its first argument is, and whether it moved other objects"))
    console.print(failure_table(closes, "gripper turned", "Where each grasp first closed "
                                "the gripper, each stack first opened it (failed/dispatched)"))
    aims = pulls(rows)
    console.print(failure_table(aims, "missed", "Which way the hand was off the target when "
                                "the gripper turned, against the target's nearest neighbour "
                                "(failed/dispatched)"))
    aims_xy = offsets(rows)
    console.print(offset_table(aims_xy))
    held = guarded(rows)
    if held:
        console.print(failure_table(held, "release", "Skills whose release the world model held "
                                    "back at least once, against the rest (failed/dispatched)"))
    untrained = held_out_split(rows, episodes)
    console.print(rate_table(untrained, ("held out", "trained"),
                             "Held-out colour/skill combinations the policy never trained on: "
                             "skills that are one, and tasks whose first plan needs one, "
                             "against the rest (succeeded/dispatched)"))
    done = [e["seed"] for e in episodes if e["success"]]
    console.print(f"tasks finished: {len(done)}/{len(episodes)} (seeds {done}); stacks refused "
                  f"for a block held off centre: {sum(e['regrasps'] for e in episodes)}")
    if args.json:
        write_json(args.json, args, summary=summary, endings=ends, grasps=closes, pulls=aims,
                   offsets=aims_xy, held_out=untrained, guard=held, rows=rows,
                   episodes=episodes)
    if args.plot:
        console.print(plot(summary, Path(args.plot), f"{args.policy}, seeds {args.first_seed}-"
                                                      f"{args.first_seed + args.seeds - 1}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
