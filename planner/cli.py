"""``vlaplan plan`` and ``vlaplan validate`` (registered by :mod:`vlaplan.cli`).

Imports nothing heavy at import time: the planner loads when a command runs.
Exit codes: 0 solved / valid, 1 unsolvable, timeout or invalid plan, 2 bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SEARCH_CHOICES = ("gbfs-ff", "wastar", "astar")


def register(subparsers: argparse._SubParsersAction) -> None:
    plan = subparsers.add_parser("plan", help="solve a PDDL problem",
                                 description="Solve a PDDL problem and print the plan.")
    plan.add_argument("domain", help="domain file (.pddl)")
    plan.add_argument("problem", help="problem file (.pddl)")
    plan.add_argument("--search", default="gbfs-ff", choices=SEARCH_CHOICES,
                      help="gbfs-ff (default, fast), wastar (weighted A*), astar (optimal)")
    plan.add_argument("--weight", type=float, default=5, help="weight of h for wastar")
    plan.add_argument("--timeout", type=float, default=None, metavar="S", help="seconds")
    plan.add_argument("--max-nodes", type=int, default=None, metavar="N",
                      help="stop after N expansions")
    plan.add_argument("--out", default=None, metavar="PLANFILE", help="write the IPC plan here")
    plan.add_argument("--json", action="store_true",
                      help='print one JSON object {"status", "plan", "cost", "stats"}')
    plan.add_argument("--graph", default=None, metavar="FILE",
                      help="write the plan's causal-link graph (.dot or .json)")
    plan.set_defaults(func=run_plan)

    val = subparsers.add_parser("validate", help="check a plan against a PDDL problem",
                                description="Print the violations of a plan (none = valid).")
    val.add_argument("domain")
    val.add_argument("problem")
    val.add_argument("plan", help="IPC plan file: one (action args) per line")
    val.add_argument("--json", action="store_true", help='print {"valid", "violations"}')
    val.set_defaults(func=run_validate)


def _emit_json(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")


def run_plan(args: argparse.Namespace) -> int:
    from vlaplan.planner import PlanStatus, load_domain, load_problem, solve
    from vlaplan.planner.errors import PlannerError

    try:
        domain = load_domain(args.domain)
        problem = load_problem(args.problem, domain)
    except PlannerError as exc:
        if not args.json:
            raise
        _emit_json({"status": PlanStatus.INVALID_INPUT.value, "plan": [], "cost": None,
                    "stats": {}, "message": str(exc)})
        return 2
    result = solve(domain, problem, args.search, timeout=args.timeout,
                   max_nodes=args.max_nodes, weight=args.weight)
    if result.status is PlanStatus.INVALID_INPUT and not args.json:
        raise PlannerError(result.message)
    if result.plan is not None and args.out:
        Path(args.out).write_text(result.plan.to_ipc())
    if result.plan is not None and args.graph:
        _write_graph(result.plan, problem, domain, args.graph)
    if args.json:
        _emit_json(result.to_dict())
    else:
        _print_result(result, args)
    return {PlanStatus.SOLVED: 0, PlanStatus.INVALID_INPUT: 2}.get(result.status, 1)


def _write_graph(plan, problem, domain, path: str) -> None:
    from vlaplan.planner.graph import plan_graph, to_dot, to_json

    graph = plan_graph(plan, problem, domain)
    if path.endswith(".json"):
        Path(path).write_text(json.dumps(to_json(graph), indent=1))
    else:
        Path(path).write_text(to_dot(graph))


def _print_result(result, args: argparse.Namespace) -> None:
    s = result.stats
    summary = (f"{result.status.value}: expanded {s.get('expanded', 0)}, "
               f"generated {s.get('generated', 0)}, grounding {s.get('grounding_time', 0):.3f} s, "
               f"search {s.get('search_time', 0):.3f} s, {s.get('n_actions', 0)} ground actions")
    if result.plan is None:
        print(f"{summary}; {result.message}", file=sys.stderr)
        return
    if not sys.stdout.isatty():
        sys.stdout.write(result.plan.to_ipc())
        print(f"; {summary}")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"plan ({len(result.plan)} steps, cost {result.plan.cost:g})")
    table.add_column("#", justify="right")
    table.add_column("action")
    table.add_column("cost", justify="right")
    for i, a in enumerate(result.plan, start=1):
        table.add_row(str(i), str(a), f"{a.cost:g}")
    console = Console()
    console.print(table)
    console.print(summary, style="dim")


def run_validate(args: argparse.Namespace) -> int:
    from vlaplan.planner import load_domain, load_problem, validate
    from vlaplan.planner.loader import read_file

    domain = load_domain(args.domain)
    problem = load_problem(args.problem, domain)
    text, _ = read_file(args.plan)
    violations = validate(domain, problem, text)
    if args.json:
        _emit_json({"valid": not violations, "violations": violations})
    elif violations:
        for v in violations:
            print(v)
    else:
        print("valid plan")
    return 1 if violations else 0
