"""Looking policies up by name or path: ``scripted``, ``vla``, ``vla-heldout``, ``vla-tokens``
or a directory.

``vla``, ``vla-heldout`` and ``vla-tokens`` are the checkpoints shipped in
``skills/checkpoints/`` (flow-matching π0; the same recipe with #5's held-out colour/skill
combinations kept out of its data, session 23; the 256-bin token policy); any other string
is read as a checkpoint directory.  Used by the executor and ``vlaplan skills eval --policy``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from vlaplan.planner.errors import CheckpointError, SkillError

CHECKPOINT_DIR = Path(__file__).resolve().parent / "checkpoints"
SHIPPED = {"vla": "vla-pi0", "vla-heldout": "vla-heldout", "vla-tokens": "vla-tokens"}
POLICY_NAMES: tuple[str, ...] = ("scripted", *SHIPPED)


def checkpoint_path(name: str) -> Path:
    """Directory of a shipped checkpoint (a key of :data:`SHIPPED`)."""
    if name not in SHIPPED:
        raise SkillError(f"no shipped checkpoint named {name!r}; known: {sorted(SHIPPED)}")
    return CHECKPOINT_DIR / SHIPPED[name]


def load_policy(name_or_path: str | Path, *, domain: str | None = None, device: str = "cpu",
                n_action_steps: int | None = None, noise_scale: float | None = None,
                ensemble_every: int | None = None) -> Any:
    """A ready :class:`~vlaplan.skills.contract.Policy` for a name or checkpoint path
    (``n_action_steps``, ``noise_scale`` and ``ensemble_every`` override a checkpoint's own)."""
    text = str(name_or_path).strip()
    if not text:
        raise SkillError(f"empty policy name; use one of {list(POLICY_NAMES)} or a checkpoint path")
    if text == "scripted":
        from vlaplan.skills.scripted import ScriptedPolicy
        return ScriptedPolicy()
    from vlaplan.skills.vla import VLAPolicy
    if text in SHIPPED:
        path = checkpoint_path(text)
        if not path.is_dir():
            raise CheckpointError(f"the shipped checkpoint {text!r} is missing at {path}; "
                                  "reinstall vlaplan or train one (see skills/checkpoints/README)")
        policy = VLAPolicy.from_pretrained(path, domain=domain, device=device,
                                           n_action_steps=n_action_steps, noise_scale=noise_scale,
                                           ensemble_every=ensemble_every)
        policy.name = text
        return policy
    if not Path(text).exists():
        raise SkillError(f"unknown policy {text!r}: not one of {list(POLICY_NAMES)} and no "
                         "checkpoint directory at that path")
    return VLAPolicy.from_pretrained(text, domain=domain, device=device,
                                     n_action_steps=n_action_steps, noise_scale=noise_scale,
                                     ensemble_every=ensemble_every)
