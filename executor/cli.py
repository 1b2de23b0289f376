"""CLI commands of the executor: ``vlaplan run``, ``goal``, ``domains`` and ``demo``.

Exit codes: 0 success, 1 task failure, 2 bad input (raised as a VlaplanError and
printed by :mod:`vlaplan.cli`), 130 interrupted.  ``--json`` prints exactly one JSON
object on stdout; anything else (including C-level prints of simulators) goes to stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

from vlaplan.skills.cli import add_scene_argument


def register(subparsers: Any) -> None:
    run = subparsers.add_parser("run", help="execute an instruction (plan, check, act, replan)")
    run.add_argument("instruction", help='e.g. "stack the red block on the blue block"')
    _common(run)
    run.add_argument("--policy", default="vla",
                     help="vla | vla-heldout | vla-tokens | scripted | CHECKPOINT_DIR (default: vla)")
    run.add_argument("--faults", default=None,
                     help="faults to inject, e.g. 'drop@2', 'displace(red_1)@0', 'random:1'")
    run.add_argument("--record", default=None, metavar="OUT.gif|OUT.mp4",
                     help="video of the front camera with the current prompt")
    run.add_argument("--no-checks", action="store_true", help="skip the twin's pre-dispatch checks")
    run.add_argument("--no-replan", action="store_true", help="open loop: the first plan, no recovery")
    run.add_argument("--max-replans", type=int, default=5, metavar="N")
    run.set_defaults(func=cmd_run)

    goal = subparsers.add_parser("goal", help="show the scene and the goal an instruction means")
    goal.add_argument("instruction")
    _common(goal)
    goal.set_defaults(func=cmd_goal)

    domains = subparsers.add_parser("domains", help="list the installed domains")
    domains.add_argument("--json", action="store_true", help="print one JSON object")
    domains.set_defaults(func=cmd_domains)

    demo = subparsers.add_parser("demo", help="the main job: a long-horizon tabletop task")
    demo.add_argument("--policy", default="vla", help="vla | vla-heldout | vla-tokens | scripted | CHECKPOINT_DIR")
    demo.add_argument("--domain", default="tabletop")
    demo.add_argument("--seed", type=int, default=4,
                      help="scene seed (default 4: a five-block tower, ten actions)")
    demo.add_argument("--actions", type=int, default=10, help="about how many actions the task needs")
    demo.add_argument("--faults", default=None)
    demo.add_argument("--record", default=None, metavar="OUT.gif|OUT.mp4")
    add_scene_argument(demo)
    demo.add_argument("--json", action="store_true", help="print the ExecutionResult as JSON")
    demo.set_defaults(func=cmd_demo)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--domain", default="tabletop", help="domain name (see `vlaplan domains`)")
    p.add_argument("--seed", type=int, default=0, help="scene seed (default 0)")
    add_scene_argument(p)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to fd 1 (Python or C) to stderr while the block runs."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        _flush_c_stdio()
        os.dup2(saved, 1)
        os.close(saved)


def _flush_c_stdio() -> None:
    """Flush C-level stdio buffers (pybullet prints with printf) into the current fd 1."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


def _execute(args: argparse.Namespace, instruction: str | None, policy: str,
             checks: bool = True, replan: bool = True, max_replans: int = 5,
             make_instruction: Any = None, scene_options: dict | None = None) -> int:
    from rich.console import Console

    from vlaplan.executor.live import LiveView, summary_table
    from vlaplan.executor.loop import Executor
    from vlaplan.executor.recording import check_record_path

    if args.record:
        check_record_path(args.record)
    console = Console(stderr=bool(args.json))
    if not args.json:
        with stdout_to_stderr():  # the simulator's import banner is not for stdout
            import pybullet  # noqa: F401
    with stdout_to_stderr() if args.json else contextlib.nullcontext():
        ex = Executor(args.domain, policy, checks=checks, replan=replan, max_replans=max_replans,
                      scene_options=scene_options)
        if make_instruction is not None:
            instruction = make_instruction(ex, args.seed)
        kwargs = dict(seed=args.seed, faults=args.faults, record=args.record)
        if args.json:
            result = ex.run(instruction, **kwargs)
        else:
            title = f"vlaplan · {args.domain} · {ex.policy_name} · seed {args.seed}"
            console.print(f"[bold]{instruction}[/bold]")
            with LiveView(console, title) as view:
                result = ex.run(instruction, on_event=view, **kwargs)
    if args.json:
        print(result.model_dump_json())
    else:
        console.print()
        console.print(summary_table(result))
    if result.success:
        return 0
    return 130 if result.reason.startswith("interrupted") else 1


def cmd_run(args: argparse.Namespace) -> int:
    from vlaplan.domains.base import scene_options

    return _execute(args, args.instruction, args.policy, checks=not args.no_checks,
                    replan=not args.no_replan, max_replans=args.max_replans,
                    scene_options=scene_options(args.scene))


def cmd_demo(args: argparse.Namespace) -> int:
    from vlaplan.executor.tasks import LONG_SCENES, long_task

    from vlaplan.skills.policies import SHIPPED

    if args.policy in SHIPPED:
        from vlaplan.skills.policies import checkpoint_path

        path = checkpoint_path(args.policy)
        if not path.is_dir():
            print(f"error: the shipped {args.policy!r} checkpoint is not in this tree ({path}).\n"
                  "       Run `vlaplan demo --policy scripted` for the privileged expert, "
                  "or pass --policy CHECKPOINT_DIR.", file=sys.stderr)
            return 2

    def make(ex: Any, seed: int) -> str:
        return long_task(ex, seed, args.actions)

    from vlaplan.domains.base import scene_options

    return _execute(args, None, args.policy, make_instruction=make,
                    scene_options={**LONG_SCENES.get(args.domain, {}), **scene_options(args.scene)})


def cmd_goal(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from vlaplan.domains.base import scene_options
    from vlaplan.executor.loop import Executor
    from vlaplan.executor.planning import literal_text

    with stdout_to_stderr():
        ex = Executor(args.domain, None, scene_options=scene_options(args.scene))
        obs, objects, goal = ex.goal(args.instruction, seed=args.seed)
        records = ex.runtime.records(objects, obs)
        observed = ex.runtime.abstract(obs)
        atoms = sorted(map(literal_text, observed))
        never = _never_reached(ex, objects, observed, goal)
    stages = [[literal_text(lit) for lit in stage] for stage in goal.stages]
    final = [literal_text(lit) for lit in getattr(goal, "final", ())]
    if args.json:
        print(json.dumps({"instruction": args.instruction, "domain": args.domain, "seed": args.seed,
                          "scene": [r.model_dump() for r in records], "atoms": atoms,
                          "goal": {"stages": stages, "final": final}, "notes": list(goal.notes),
                          "unreachable": never}))
        return 0
    console = Console()
    table = Table(title=f"{args.domain} scene, seed {args.seed}", title_justify="left")
    for col in ("object", "type", "colour", "shape", "x", "y", "z"):
        table.add_column(col)
    for r in records:
        xyz = [f"{v:.3f}" for v in r.pose[:3]] or ["", "", ""]
        table.add_row(r.name, r.type, r.colour or "", r.shape or "", *xyz)
    console.print(table)
    console.print("[bold]state[/bold] " + " ".join(atoms))
    for i, stage in enumerate(stages):
        console.print(f"[bold]{'goal' if i == 0 else 'then'}[/bold] " + " ".join(stage))
    if len(stages) > 1:
        console.print("[bold]final[/bold] " + " ".join(final))
    for note in goal.notes:
        console.print(f"[yellow]note[/yellow] {note}")
    if never:
        console.print(f"[yellow]note[/yellow] {never} (`vlaplan run` would stop before acting)")
    return 0


def _never_reached(ex: Any, objects: Any, observed: frozenset, goal: Any) -> str | None:
    """Why a stage of ``goal`` can never hold in this scene (as ``run`` checks before it
    plans), or None."""
    from vlaplan.executor.mutex import goal_contradiction

    types = ex.runtime.object_types(objects)
    for k, checkpoint in enumerate(goal.checkpoints or goal.stages):
        why = goal_contradiction(ex.runtime.pddl, types, observed, list(checkpoint))
        if why is not None:
            return why if len(goal.stages) == 1 else f"after stage {k + 1}: {why}"
    return None


def cmd_domains(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from vlaplan.executor.runtime import available, domain_info

    infos = [domain_info(name) for name in available()]
    if args.json:
        print(json.dumps({"domains": infos}))
        return 0
    table = Table(title="vlaplan domains", title_justify="left", show_lines=True)
    for col in ("domain", "actions", "example instructions"):
        table.add_column(col)
    for info in infos:
        table.add_row(info["name"], ", ".join(info["actions"]), "\n".join(info["examples"]))
    Console().print(table)
    return 0
