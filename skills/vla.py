"""The learned policies: π0 flow matching (``pi0``) and 256-bin action tokens (``tokens``).

Both wrap a ``PI0ForConditionalGeneration`` and implement the :class:`Policy` protocol the
LeRobot way: ``predict_action_chunk`` runs the model once and returns a chunk of actions;
``select_action`` pops from a queue that it refills with a new chunk when empty.  Sampling
noise comes from a generator seeded in :meth:`VLAPolicy.reset`, so a seed fixes the actions.
"""
from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vlaplan.skills.checkpoint import CheckpointMeta, load_checkpoint
from vlaplan.skills.contract import ACTION_DIM, ACTION_NAMES, Observation, SkillCall


class VLAPolicy:
    """A vision-language-action policy behind the skill contract.

    ``threads`` sets torch's CPU threads (process-wide) unless None.
    """

    def __init__(self, model: Any, processor: Any, meta: CheckpointMeta, *,
                 device: str = "cpu", n_action_steps: int | None = None,
                 name: str = "vla", threads: int | None = 1) -> None:
        from vlaplan.skills.pi0 import HEAD_TOKENS, flow_sample
        from vlaplan.skills.tokens import token_sample

        if threads and device == "cpu":
            # The small model gains nothing from more threads, and OpenMP threads stall
            # badly when the cores are shared (measured: 22 ms -> 1 s per chunk).
            torch.set_num_threads(threads)
        self.model = model.to(device).eval()
        self.processor = processor
        self.meta = meta
        self.device = device
        self.name = name
        self.chunk_size = int(model.config.chunk_size)
        steps = n_action_steps or meta.n_action_steps or self.chunk_size
        self.n_action_steps = max(1, min(steps, self.chunk_size))
        self._sample = token_sample if meta.policy == HEAD_TOKENS else flow_sample
        self._queue: deque[np.ndarray] = deque()
        self._generator = torch.Generator().manual_seed(0)

    @classmethod
    def from_pretrained(cls, path: str | Path, *, domain: str | None = None,
                        device: str = "cpu", n_action_steps: int | None = None) -> VLAPolicy:
        """Load a checkpoint directory (ours, or a plain π0 ``save_pretrained`` directory)."""
        ckpt = load_checkpoint(path, domain=domain, action_names=ACTION_NAMES, device=device)
        return cls(ckpt.model, ckpt.processor, ckpt.meta, device=device,
                   n_action_steps=n_action_steps, name=str(path))

    # ------------------------------------------------------------------ contract
    def reset(self, call: SkillCall | None = None, seed: int | None = None) -> None:
        """Start a new skill call: empty the action queue, reseed the sampling noise."""
        self._queue.clear()
        self._generator = torch.Generator().manual_seed(0 if seed is None else int(seed))

    def predict_action_chunk(self, observation: Observation, prompt: str) -> np.ndarray:
        """(chunk, ACTION_DIM) float32 actions in [-1, 1] for this observation and prompt."""
        inputs = self.processor.observation(observation, prompt)
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.inference_mode():
            normalised = self._sample(self.model, inputs, generator=self._generator)
        actions = self.processor.unnormalize_action(normalised[0, :, :ACTION_DIM].cpu())
        return actions.clamp(-1.0, 1.0).numpy().astype(np.float32)

    def select_action(self, observation: Observation, prompt: str) -> np.ndarray:
        """The next action, refilling the queue with a new chunk when it is empty."""
        if not self._queue:
            chunk = self.predict_action_chunk(observation, prompt)
            self._queue.extend(chunk[: self.n_action_steps])
        return self._queue.popleft()

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())
