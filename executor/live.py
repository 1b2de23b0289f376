"""The CLI's rich live view of a run, driven by executor events, and the summary table."""
from __future__ import annotations

from collections import deque
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from vlaplan.executor import events as ev
from vlaplan.executor.result import ExecutionResult, StepOutcome

_MARK = {StepOutcome.SUCCEEDED: ("✓", "green"), StepOutcome.CHECK_FAILED: ("⊘", "yellow"),
         StepOutcome.EFFECT_MISMATCH: ("✗", "red"), StepOutcome.BUDGET_EXHAUSTED: ("✗", "red"),
         StepOutcome.POLICY_ERROR: ("!", "red"), StepOutcome.SIMULATOR_ERROR: ("!", "red"),
         StepOutcome.INTERRUPTED: ("■", "red")}


class LiveView:
    """Listens to events and redraws: goal, plan checklist, current skill, log."""

    def __init__(self, console: Console, title: str) -> None:
        self.console, self.title = console, title
        self.goal: list[list[str]] = []
        self.notes: list[str] = []
        self.plan: list[str] = []
        self.status: list[tuple[str, str]] = []  # (mark, style) per plan action
        self.plan_cause = ""
        self.cursor = 0
        self.current = ""
        self.progress = (0, 0)
        self.log: deque[Text] = deque(maxlen=8)
        self.live = Live(self.render(), console=console, refresh_per_second=8, transient=False)

    def __enter__(self) -> "LiveView":
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.live.update(self.render())
        self.live.__exit__(*exc)

    # -- events --------------------------------------------------------------------
    def __call__(self, event: Any) -> None:
        if isinstance(event, ev.GoalParsed):
            self.goal = [list(s) for s in event.stages]
            self.notes = list(event.notes)
        elif isinstance(event, ev.PlanMade):
            p = event.plan
            if p.status == "SOLVED":
                self.plan, self.cursor = list(p.actions), 0
                self.status = [("·", "dim")] * len(self.plan)
                self.plan_cause = p.cause
            self._log(f"plan ({p.status.lower()}, {len(p.actions)} actions, "
                      f"{p.seconds * 1000:.0f} ms): {p.cause}", "cyan")
            if p.assumed:
                self._log("assumed for planning: " + " ".join(p.assumed), "yellow")
            for ban in p.ruled_out:
                self._log("ruled out " + ban, "yellow")
        elif isinstance(event, ev.CheckDone):
            c = event.check
            if not c.ok:
                self._log(f"check {event.call}: {c.reason} — {c.detail}", "yellow")
        elif isinstance(event, ev.SkillStarted):
            self.current = f"{event.call}  “{event.prompt}”"
            self.progress = (0, event.budget)
            if self.cursor < len(self.status):
                self.status[self.cursor] = ("▶", "bold blue")
        elif isinstance(event, ev.SkillProgress):
            self.progress = (event.control_steps, event.budget)
        elif isinstance(event, ev.StepFinished):
            s = event.step
            if self.cursor < len(self.status):
                self.status[self.cursor] = _MARK.get(s.outcome, ("?", "red"))
                self.cursor += 1
            if s.outcome != StepOutcome.SUCCEEDED:
                self._log(f"{s.call}: {s.outcome.value} {s.reason}", "red")
        elif isinstance(event, ev.FaultInjected):
            f = event.fault
            self._log(f"fault {f.kind}({f.target or '-'}) at step {f.step}: {f.detail}", "magenta")
        elif isinstance(event, ev.Replanning):
            self._log(f"replan ({event.replans_left} left): {event.detail}", "bold yellow")
        self.live.update(self.render())

    def _log(self, text: str, style: str) -> None:
        self.log.append(Text(text, style=style, overflow="ellipsis", no_wrap=True))

    # -- drawing -------------------------------------------------------------------
    def render(self) -> Panel:
        goal = Text()
        for i, stage in enumerate(self.goal):
            goal.append(("then " if i else "") + " ".join(stage) + "\n")
        for note in self.notes:
            goal.append(f"note: {note}\n", style="yellow")
        checklist = Table.grid(padding=(0, 1))
        for (mark, style), action in zip(self.status, self.plan):
            checklist.add_row(Text(mark, style=style), Text(action, style=style if mark != "·" else ""))
        done, budget = self.progress
        skill = Text(self.current or "—")
        if budget:
            skill.append(f"   step {done}/{budget}", style="dim")
        parts = [Text("Goal", style="bold"), goal, Text("Plan", style="bold"), checklist,
                 Text("Skill", style="bold"), skill]
        if self.log:
            parts += [Text("Events", style="bold"), *self.log]
        return Panel(Group(*parts), title=self.title, border_style="blue")


def summary_table(result: ExecutionResult) -> Table:
    """The final summary: outcome, steps, replans, faults, time breakdown."""
    t = result.timings
    verdict = Text("SUCCESS" if result.success else "FAILURE",
                   style="bold green" if result.success else "bold red")
    table = Table(title="vlaplan run", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("result", verdict)
    table.add_row("reason", result.reason)
    table.add_row("instruction", result.instruction)
    table.add_row("domain / policy / seed", f"{result.domain} / {result.policy} / {result.seed}")
    table.add_row("goal", " ; then ".join(" ".join(s) for s in result.goal))
    for note in result.goal_notes:
        table.add_row("note", note)
    ok = sum(s.outcome == StepOutcome.SUCCEEDED for s in result.steps)
    table.add_row("steps", f"{len(result.steps)} ({ok} succeeded, "
                  f"{sum(s.outcome == StepOutcome.CHECK_FAILED for s in result.steps)} stopped by checks)")
    held = [s for s in result.steps if s.held_back]
    if held:
        table.add_row("releases held back", f"in {len(held)} steps, {sum(s.held_back for s in held)} "
                      "control steps in all (the held object was not over its destination)")
    table.add_row("plans / replans", f"{len(result.plans)} / {len(result.replans)}")
    if result.replans:
        table.add_row("replan causes", "\n".join(r.detail for r in result.replans))
    if result.faults:
        table.add_row("faults", "\n".join(f"{f.kind}({f.target or '-'})@{f.step}: {f.detail}"
                                          for f in result.faults))
    share = 100 * t.planning_and_checks_fraction
    table.add_row("time", f"total {t.total:.2f} s = parse {t.parse * 1000:.0f} ms, plan "
                  f"{t.plan * 1000:.0f} ms, check {t.check * 1000:.0f} ms, skills {t.skill:.2f} s, "
                  f"observe {t.observe * 1000:.0f} ms (planning+checks {share:.1f}%)")
    if result.record:
        table.add_row("video", result.record)
    return table
