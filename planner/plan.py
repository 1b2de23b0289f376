"""Plans and planning results (outcomes are values, not exceptions).

:class:`Plan` is a sequence of :class:`GroundAction` with its cost; :class:`PlanResult`
carries a :class:`PlanStatus`, the plan when solved, statistics and a message.
Plain dataclasses (not pydantic) keep ``vlaplan plan`` quick to start; ``to_dict``
gives the JSON form.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any

from vlaplan.planner.task import GroundAction


class PlanStatus(str, enum.Enum):
    """How a planning call ended."""

    SOLVED = "solved"
    UNSOLVABLE = "unsolvable"
    TIMEOUT = "timeout"
    INVALID_INPUT = "invalid-input"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _json_num(x: float) -> int | float:
    """A whole cost as an int (as the plan file writes it), any other as it is."""
    return int(x) if float(x).is_integer() else x


@dataclass
class Plan:
    """A sequential plan; ``unit_cost`` is True when the task has no action costs."""

    actions: list[GroundAction] = field(default_factory=list)
    cost: float = 0
    unit_cost: bool = True

    def __len__(self) -> int:
        return len(self.actions)

    def __iter__(self):
        return iter(self.actions)

    def __getitem__(self, i: int) -> GroundAction:
        return self.actions[i]

    def steps(self) -> list[str]:
        """The steps as ``"(pick a)"`` strings."""
        return [str(a) for a in self.actions]

    def to_ipc(self) -> str:
        """IPC plan text: one ``(action args)`` per line and a ``; cost = N`` line."""
        kind = "unit cost" if self.unit_cost else "general cost"
        return "".join(s + "\n" for s in self.steps()) + f"; cost = {_num(self.cost)} ({kind})\n"


@dataclass
class PlanResult:
    """The outcome of :func:`vlaplan.planner.solve`.

    ``stats`` holds expanded, generated, evaluated, grounding_time, search_time,
    total_time (seconds), n_actions and n_facts (of the grounded task).
    """

    status: PlanStatus
    plan: Plan | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    @property
    def solved(self) -> bool:
        return self.status is PlanStatus.SOLVED

    def to_dict(self) -> dict[str, Any]:
        """``{"status", "plan": ["(pick a)", ...], "cost", "stats"}`` (JSON-serialisable)."""
        out: dict[str, Any] = {
            "status": self.status.value,
            "plan": self.plan.steps() if self.plan is not None else [],
            "cost": _json_num(self.plan.cost) if self.plan is not None else None,
            "stats": dict(self.stats),
        }
        if self.message:
            out["message"] = self.message
        return out


_STEP = re.compile(r"\(([^()]*)\)")
_COST = re.compile(r";\s*cost\s*=\s*([-+0-9.eE]+)")


def parse_plan_text(text: str) -> tuple[list[tuple[str, tuple[str, ...]]], float | None]:
    """Steps ``(name, args)`` and the stated cost (if any) of IPC plan text.

    Accepts ``(pick a)`` lines, optionally prefixed by a time stamp ``0: (pick a) [1]``.
    """
    steps: list[tuple[str, tuple[str, ...]]] = []
    cost = None
    for line in text.splitlines():
        body, _, comment = line.partition(";")
        m = _COST.search(";" + comment) if comment else None
        if m:
            try:
                cost = float(m.group(1))
            except ValueError:
                pass
        for step in _STEP.findall(body):
            words = step.lower().split()
            if words:
                steps.append((words[0], tuple(words[1:])))
    return steps, cost
