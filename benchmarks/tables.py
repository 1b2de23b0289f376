"""Rich tables the benchmarks share: success counts as ``3/4 (75%)`` and per-skill cells."""
from __future__ import annotations

from typing import Any

from rich.table import Table


def rate(succeeded: int, n: int) -> str:
    """``3/4 (75%)``; ``0/0`` for an empty cell."""
    return f"{succeeded}/{n}" + (f" ({100 * succeeded / n:.0f}%)" if n else "")


def rate_table(cells_by_skill: dict[str, dict[str, list[int]]], labels: Any,
               title: str) -> Table:
    """skill -> column label -> [succeeded, dispatched] as a table, one row per skill."""
    table = Table(title=title)
    table.add_column("skill")
    for label in labels:
        table.add_column(label, justify="right")
    for skill, cells in cells_by_skill.items():
        table.add_row(skill, *(rate(*cell) for cell in cells.values()))
    return table


def failure_table(cells_by_skill: dict[str, dict[str, list[int]]], what: str, title: str) -> Table:
    """skill, ``what`` (an ending, where a grasp closed), failed, dispatched."""
    table = Table(title=title)
    for col in ("skill", what, "failed", "dispatched"):
        table.add_column(col, justify="left" if col in ("skill", what) else "right")
    for skill, cells in cells_by_skill.items():
        for key, (failed, n) in cells.items():
            table.add_row(skill, key, str(failed), str(n))
    return table


def offset_table(cells_by_skill: dict[str, dict[str, dict[str, float]]]) -> Table:
    """``skill_context.offsets``' report as a table."""
    table = Table(title="Where the hand was when the gripper turned, by the height it worked "
                        "at: median offset from the target (mm; x away from the robot, along "
                        "the front camera's line of sight) and the share of misses mostly along x")
    for col in ("skill", "level", "rows", "median dx", "median dy", "misses along x"):
        table.add_column(col, justify="left" if col in ("skill", "level") else "right")
    for skill, cells in cells_by_skill.items():
        for label, c in cells.items():
            table.add_row(skill, label, str(c["n"]), f"{c['dx_mm']:+.1f}", f"{c['dy_mm']:+.1f}",
                          "-" if c["along_x"] is None else f"{100 * c['along_x']:.0f}%")
    return table
