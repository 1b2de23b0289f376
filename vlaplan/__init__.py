"""vlaplan: long-horizon manipulation with a PDDL planner over VLA skills.

``vlaplan.execute("stack the red block on the blue block", domain="tabletop")`` turns an
instruction into a goal, plans, checks every call in a physics twin, runs each skill
with a language-conditioned policy, and replans when the world disagrees.  The public
names (``execute``, ``Executor``, ``ExecutionResult``) load lazily: ``import vlaplan``
stays light (no torch, no pybullet).
"""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["execute", "Executor", "ExecutionResult", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("execute", "Executor", "ExecutionResult"):
        import vlaplan.executor as executor
        return getattr(executor, name)
    raise AttributeError(f"module 'vlaplan' has no attribute {name!r}")
