"""Turn the ``policy=`` argument of ``execute()`` into a policy object.

Accepted: ``"scripted"`` (the privileged expert), ``"vla"`` (the shipped flow-matching
checkpoint), ``"vla-heldout"`` (the same recipe without the held-out combinations),
``"vla-tokens"`` (the shipped discrete-token checkpoint), a checkpoint directory, or any
object with the :class:`~vlaplan.skills.contract.Policy` verbs.
Heavy modules (torch, transformers) are imported only when a learned policy is asked for.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from vlaplan.planner.errors import ExecutionError
from vlaplan.skills.contract import Policy

NAMED = ("scripted", "vla", "vla-heldout", "vla-tokens")


def policy_label(policy: Any) -> str:
    """A short name for results and tables."""
    if isinstance(policy, (str, Path)):
        return str(policy)
    return getattr(policy, "name", None) or type(policy).__name__


def resolve_policy(policy: Any, domain: str | None = None) -> Policy:
    """A ready policy for ``policy``; raises ``SkillError``/``CheckpointError`` on bad input."""
    if not isinstance(policy, (str, Path)):
        missing = [v for v in ("reset", "select_action") if not callable(getattr(policy, v, None))]
        if missing:
            raise ExecutionError(
                f"policy {policy!r} lacks {', '.join(missing)}; pass 'scripted', 'vla', "
                "'vla-tokens', a checkpoint path, or an object with the Policy verbs")
        return policy
    if not str(policy).strip():
        raise ExecutionError("empty policy name; use 'scripted', 'vla', 'vla-tokens' or a path")
    from vlaplan.skills.policies import load_policy

    return load_policy(str(policy), domain=domain)
