"""Fault specifications and records: what to inject, when, and what happened.

The CLI string form (``vlaplan run ... --faults SPEC``) is a comma-separated list::

    SPEC   := ITEM ("," ITEM)*
    ITEM   := KIND ["(" TARGET ")"] "@" STEP ["+" FRAME]
            | "random:" COUNT [":" KIND ("|" KIND)*]
    KIND   := drop | displace | slip | block | remove | occlude | random
    TARGET := an object name (e.g. red_1); omitted: the injector picks one (seeded)
    STEP   := integer >= 0, the index of the dispatched plan step (counted over the
              whole episode, replans included)
    FRAME  := integer >= 0, control steps into that step's skill; omitted: the fault
              fires after the step's check passed, just before the skill is dispatched

Examples: ``drop@2`` (drop the held object just before step 2 runs), ``displace(red_1)@0``,
``slip@1+30`` (the grasp slips 30 control steps into step 1), ``random:1`` (one fault of a
physical kind at a random step), ``random:2:drop|block``, ``occlude(red_1)@0``.  A
``random:N`` item gets its steps from :func:`schedule_faults` once the plan length is
known; a ``random`` *kind* is resolved by the injector when the fault fires, among the
allowed kinds that apply then.
"""
from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vlaplan.planner.errors import WorldModelError


class FaultKind(str, Enum):
    """The faults the injector can cause on the plant."""

    DROP = "drop"  # open the fingers: the held object falls
    DISPLACE = "displace"  # move a free object to another free spot on the table
    SLIP = "slip"  # make the held object slippery: it slides out of the grasp as the arm moves
    BLOCK = "block"  # put a new object where the next place/stack will go
    REMOVE = "remove"  # take an object out of the workspace
    OCCLUDE = "occlude"  # hide an object from the cameras (visual only; physics unchanged)
    RANDOM = "random"  # any physical kind that applies when the fault fires (seeded)


CONCRETE_KINDS: tuple[FaultKind, ...] = (
    FaultKind.DROP, FaultKind.DISPLACE, FaultKind.SLIP, FaultKind.BLOCK, FaultKind.REMOVE)
"""The physical kinds: what ``random`` draws from (``occlude`` only changes images)."""


class FaultSpecError(WorldModelError, ValueError):
    """A fault specification string that does not follow the grammar."""

    def __init__(self, spec: str, item: str, reason: str) -> None:
        self.spec, self.item, self.reason = spec, item, reason
        super().__init__(f"bad fault spec {item!r} in {spec!r}: {reason}; "
                         "expected e.g. 'drop@2', 'displace(red_1)@0', 'slip@1+30', 'random:1'")


class FaultSpec(BaseModel):
    """One fault to inject: its kind, the plan step (and optionally frame) it fires at."""

    model_config = ConfigDict(frozen=True)

    kind: FaultKind
    at_step: int = Field(ge=0, description="index of the dispatched plan step")
    frame: int | None = Field(default=None, ge=0,
                              description="control steps into the skill; None = before dispatch")
    target: str | None = None
    choices: tuple[FaultKind, ...] = Field(
        default=(), description="for kind=random: the kinds to draw from (empty: all physical)")

    def __str__(self) -> str:
        text = self.kind.value + (f"({self.target})" if self.target else "") + f"@{self.at_step}"
        return text + (f"+{self.frame}" if self.frame is not None else "")


class RandomFaults(BaseModel):
    """``random:COUNT[:kinds]``: COUNT faults at seeded random steps, before scheduling."""

    model_config = ConfigDict(frozen=True)

    count: int = Field(ge=1)
    kinds: tuple[FaultKind, ...] = CONCRETE_KINDS

    def __str__(self) -> str:
        kinds = "" if set(self.kinds) == set(CONCRETE_KINDS) else ":" + "|".join(
            k.value for k in self.kinds)
        return f"random:{self.count}{kinds}"


_ITEM = re.compile(r"^(?P<kind>[a-z]+)(?:\((?P<target>[A-Za-z0-9_\-]+)\))?"
                   r"@(?P<step>\d+)(?:\+(?P<frame>\d+))?$")
_RANDOM = re.compile(r"^random:(?P<count>\d+)(?::(?P<kinds>[a-z|]+))?$")


def _kind(spec: str, item: str, word: str) -> FaultKind:
    try:
        return FaultKind(word)
    except ValueError:
        names = ", ".join(k.value for k in FaultKind)
        raise FaultSpecError(spec, item, f"unknown fault kind {word!r} (known: {names})") from None


def parse_faults(spec: str | None) -> list[FaultSpec | RandomFaults]:
    """Parse the CLI string form (see the module docstring); ``""``/None gives ``[]``."""
    if spec is None or not spec.strip():
        return []
    items: list[FaultSpec | RandomFaults] = []
    for raw in spec.split(","):
        item = raw.strip().lower() if raw.strip().lower().startswith("random") else raw.strip()
        if not item:
            raise FaultSpecError(spec, raw, "empty item")
        match = _RANDOM.match(item)
        if match:
            count = int(match["count"])
            if count < 1:
                raise FaultSpecError(spec, item, "count must be at least 1")
            kinds = CONCRETE_KINDS
            if match["kinds"]:
                kinds = tuple(_kind(spec, item, w) for w in match["kinds"].split("|") if w)
                if FaultKind.RANDOM in kinds or not kinds:
                    raise FaultSpecError(spec, item, "list concrete kinds after random:N:")
            items.append(RandomFaults(count=count, kinds=kinds))
            continue
        match = _ITEM.match(item)
        if not match:
            raise FaultSpecError(spec, item, "does not match KIND[(TARGET)]@STEP[+FRAME]")
        frame = int(match["frame"]) if match["frame"] is not None else None
        items.append(FaultSpec(kind=_kind(spec, item, match["kind"].lower()),
                               at_step=int(match["step"]), frame=frame, target=match["target"]))
    return items


def schedule_faults(items: Iterable[FaultSpec | RandomFaults | str], n_steps: int,
                    seed: int | None = None) -> list[FaultSpec]:
    """Make every item concrete for a plan of ``n_steps`` steps, sorted by when they fire.

    ``random:N`` picks N distinct steps in ``[0, n_steps)`` (fewer if the plan is shorter)
    with ``random.Random(seed)``; their kind stays ``random`` (with the allowed kinds in
    ``choices``) so that the injector draws, when the fault fires, among the kinds that
    apply then (a ``drop`` needs a held object).  Strings are parsed first.
    """
    rng = random.Random(seed)
    out: list[FaultSpec] = []
    for item in items:
        if isinstance(item, str):
            out.extend(schedule_faults(parse_faults(item), n_steps, rng.randrange(2**31)))
            continue
        if isinstance(item, FaultSpec):
            out.append(item)
            continue
        steps = rng.sample(range(max(n_steps, 0)), k=min(item.count, max(n_steps, 0)))
        out.extend(FaultSpec(kind=FaultKind.RANDOM, at_step=s, choices=item.kinds)
                   for s in sorted(steps))
    return sorted(out, key=lambda f: (f.at_step, -1 if f.frame is None else f.frame))


def format_faults(items: Sequence[FaultSpec | RandomFaults]) -> str:
    """The inverse of :func:`parse_faults`."""
    return ",".join(str(i) for i in items)


class FaultRecord(BaseModel):
    """What the injector did (or why it could not), for the execution record."""

    kind: FaultKind
    requested: FaultKind = Field(description="the kind asked for (RANDOM before resolution)")
    target: str | None = None
    applied: bool
    detail: str
    at_step: int | None = None
    frame: int | None = None
    seed: int | None = None
    index: int = Field(0, description="how many faults this injector made before this one")
    before: dict[str, Any] = Field(default_factory=dict)
    after: dict[str, Any] = Field(default_factory=dict)


def fault_request(faults: Any) -> list[Any]:
    """The fault items of an ``execute(faults=...)`` request, validated up front (a bad spec
    is bad input): a spec string, a parsed item, or an iterable of either; empty: none."""
    if not faults:
        return []
    if isinstance(faults, str):
        return parse_faults(faults)
    items: list[Any] = []
    for item in faults if isinstance(faults, Iterable) else [faults]:
        items.extend(parse_faults(item) if isinstance(item, str) else [item])
    return items
