"""The ``vlaplan`` command line.

Each package contributes its sub-commands through a module with a
``register(subparsers)`` function that adds parsers and sets ``func`` on them
(``parser.set_defaults(func=handler)``; the handler takes the parsed
``argparse.Namespace`` and returns the exit code).  Those modules import nothing
heavy at import time, so ``vlaplan plan`` starts fast.

Exit codes: 0 success, 1 task failure (unsolvable, timeout, failed execution),
2 bad input (any :class:`VlaplanError` that reaches this level is printed in
one or two lines).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from vlaplan import __version__

# Modules that register sub-commands; a module that is not there yet is skipped.
COMMAND_MODULES = (
    "vlaplan.planner.cli",
    "vlaplan.skills.cli",
    "vlaplan.world_model.cli",
    "vlaplan.executor.cli",
)


# Sub-commands whose module is known: `vlaplan plan ...` builds only that module's
# parsers (the other command modules are not imported), so the planner starts fast.
COMMAND_HOMES = {"plan": "vlaplan.planner.cli", "validate": "vlaplan.planner.cli"}


def build_parser(modules: tuple[str, ...] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """The parser with the sub-commands of ``modules`` (default: all of them)."""
    parser = argparse.ArgumentParser(
        prog="vlaplan", description="Long-horizon manipulation: PDDL planning over VLA skills.")
    parser.add_argument("--version", action="version", version=f"vlaplan {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    from vlaplan.planner.errors import VlaplanError

    argv = sys.argv[1:] if argv is None else list(argv)
    home = COMMAND_HOMES.get(argv[0]) if argv else None
    parser = build_parser((home,) if home else COMMAND_MODULES)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except VlaplanError as exc:
        message = str(exc).strip().splitlines()
        print(f"error: {message[0] if message else type(exc).__name__}", file=sys.stderr)
        if len(message) > 1:
            print(f"       {message[1]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
