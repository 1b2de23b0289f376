"""vlaplan.executor: ``execute(instruction)``: plan -> check -> dispatch -> monitor -> replan.

Public names: :func:`execute`, :class:`Executor`, :class:`ExecutionResult` (and its parts in
:mod:`vlaplan.executor.result`), the live-view events in :mod:`vlaplan.executor.events`.
Importing this package loads no torch and no pybullet; they come with the first run.
"""
from __future__ import annotations

from typing import Any

__all__ = ["execute", "Executor", "ExecutionResult", "StepOutcome"]


def __getattr__(name: str) -> Any:
    if name == "execute":
        from vlaplan.executor.api import execute
        return execute
    if name == "Executor":
        from vlaplan.executor.loop import Executor
        return Executor
    if name in ("ExecutionResult", "StepOutcome"):
        from vlaplan.executor import result
        return getattr(result, name)
    raise AttributeError(f"module 'vlaplan.executor' has no attribute {name!r}")
