"""``vlaplan skills eval``: per-skill success of a policy in a domain (registered by vlaplan/cli.py).

Nothing heavy is imported until the command runs.
"""
from __future__ import annotations

import argparse
import sys

from vlaplan.skills.cli import add_scene_argument


def register(subparsers: argparse._SubParsersAction) -> None:
    skills = subparsers.add_parser("skills", help="evaluate skills closed-loop in simulation")
    sub = skills.add_subparsers(dest="skills_command", metavar="SUBCOMMAND")
    ev = sub.add_parser("eval", help="per-skill success, mean steps and wall time")
    ev.add_argument("--policy", default="scripted",
                    help="scripted | vla | vla-tokens | a checkpoint directory")
    ev.add_argument("--domain", default="tabletop")
    ev.add_argument("--trials", type=int, default=20, help="trials per skill")
    ev.add_argument("--seed", type=int, default=0, help="first scene seed")
    ev.add_argument("--skills", default=None, help="comma-separated subset of the skills")
    ev.add_argument("--held-out", action="store_true",
                    help="use the held-out prompt paraphrases")
    ev.add_argument("--render", choices=("auto", "on", "off"), default="auto",
                    help="camera images (auto: off for scripted, on for learned policies)")
    ev.add_argument("--image-size", type=int, default=96)
    add_scene_argument(ev)
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.set_defaults(func=_eval)
    skills.set_defaults(func=lambda args: (skills.print_help(), 2)[1])


def make_policy_factory(name: str, domain: str):
    """A zero-argument factory for the policy named on the command line."""
    def factory():
        from vlaplan.skills.policies import load_policy

        return load_policy(name, domain=domain)
    return factory


def _eval(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from vlaplan.domains.base import scene_options
    from vlaplan.world_model.evaluate import evaluate_skills

    render = {"on": True, "off": False}.get(args.render, args.policy != "scripted")
    skills = [s.strip() for s in args.skills.split(",")] if args.skills else None
    err = Console(stderr=True)
    with Progress(console=err, transient=True, disable=args.json) as bar:
        task = bar.add_task("evaluating", total=None)

        def progress(skill: str, trial: int, ok: bool) -> None:
            bar.update(task, advance=1, description=f"{skill} trial {trial + 1}/{args.trials}")

        report = evaluate_skills(args.domain, make_policy_factory(args.policy, args.domain),
                                 args.trials, seed=args.seed, skills=skills, render=render,
                                 image_size=args.image_size, held_out=args.held_out,
                                 policy_name=args.policy, progress=progress,
                                 scene_options=scene_options(args.scene))
    if args.json:
        sys.stdout.write(report.model_dump_json() + "\n")
        return 0
    table = Table(title=f"{report.policy} in {report.domain}: {report.trials} trials/skill, "
                        f"seed {report.seed}")
    for col in ("skill", "success", "rate", "mean steps", "wall s"):
        table.add_column(col, justify="left" if col == "skill" else "right")
    for s in report.skills:
        table.add_row(s.skill, f"{s.successes}/{s.trials}", f"{100 * s.success_rate:.1f}%",
                      f"{s.mean_steps:.1f}", f"{s.wall_time:.1f}")
    console = Console()
    console.print(table)
    console.print(f"{report.wall_time:.1f} s in all, {report.control_hz:.0f} control steps/s "
                  f"(render {'on' if report.render else 'off'})")
    for s in report.skills:
        for f in s.failures[:5]:
            console.print(f"  [red]fail[/red] seed {f.seed} {f.call}: {f.reason} {f.detail}")
    return 0
