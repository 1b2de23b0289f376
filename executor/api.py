"""``execute()``: the one-call entry point (a thin wrapper over :class:`Executor`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from vlaplan.executor.events import EventHandler
from vlaplan.executor.loop import Executor
from vlaplan.executor.result import ExecutionResult

# Executors kept warm between execute() calls, keyed by (domain, policy name).
_WARM: dict[tuple[str, str], Executor] = {}
_WARM_MAX = 2


def _executor(domain: str, policy: Any, robot: Any) -> Executor:
    if robot is not None or not isinstance(policy, (str, Path)):
        return Executor(domain, policy, robot=robot)
    key = (domain, str(policy))
    ex = _WARM.get(key)
    if ex is None:
        ex = Executor(domain, policy)
        if len(_WARM) >= _WARM_MAX:
            _WARM.pop(next(iter(_WARM)))
        _WARM[key] = ex
    return ex


def execute(instruction: str, domain: str = "tabletop", *, policy: Any = "vla",
            seed: int | None = None, max_replans: int = 5, robot: Any = None,
            record: str | Path | None = None, faults: Any = None, checks: bool = True,
            replan: bool = True, on_event: EventHandler | None = None) -> ExecutionResult:
    """Carry out a natural-language ``instruction`` in ``domain`` and report what happened.

    * ``policy``: ``"vla"`` (shipped flow-matching checkpoint), ``"vla-heldout"`` (the same
      recipe without #5's held-out colour/skill combinations), ``"vla-tokens"``,
      ``"scripted"`` (privileged expert), a checkpoint directory, or a Policy object.
    * ``seed``: the scene (and every stochastic choice); same seed, same run.
    * ``robot``: a plant with ``reset(seed)``, ``observe()``, ``apply(action)`` and a
      ``scene``; default: a new simulated Panda in a scene generated from ``seed``.
    * ``faults``: e.g. ``"drop@2"``, ``"displace(red_1)@0,block@4"``, ``"random:1"``.
    * ``checks=False`` skips the twin's pre-dispatch checks; ``replan=False`` runs open loop.
    * ``record``: write a ``.gif``/``.mp4`` of the front camera with the prompt overlaid.
    * ``on_event``: called with each :mod:`vlaplan.executor.events` event as the run goes.

    Raises on bad input (unknown domain, ``InstructionNotUnderstood``, bad fault spec or
    policy).  Everything that goes wrong while running (unsolvable goal, failed skill,
    policy or simulator error, Ctrl-C) ends in a result with ``success=False`` and a reason.
    """
    ex = _executor(domain, policy, robot)
    return ex.run(instruction, seed=seed, faults=faults, record=record, on_event=on_event,
                  checks=checks, replan=replan, max_replans=max_replans)
