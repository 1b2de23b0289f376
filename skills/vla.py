"""The learned policies: π0 flow matching (``pi0``) and 256-bin action tokens (``tokens``).

Both wrap a ``PI0ForConditionalGeneration`` and implement the :class:`Policy` protocol the
LeRobot way: ``predict_action_chunk`` runs the model once and returns a chunk of actions;
``select_action`` pops from a queue that it refills with a new chunk when empty, or, with
``ensemble_every``, averages the overlapping chunks' actions for each step (ACT's temporal
ensembling).  Sampling noise comes from a generator seeded in :meth:`VLAPolicy.reset`, so a
seed fixes the actions; ``noise_scale`` shrinks it (flow matching only).
"""
from __future__ import annotations

from collections import deque
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vlaplan.planner.errors import SkillError
from vlaplan.skills.checkpoint import CheckpointMeta, load_checkpoint
from vlaplan.skills.contract import ACTION_DIM, ACTION_NAMES, Observation, SkillCall


class VLAPolicy:
    """A vision-language-action policy behind the skill contract.

    ``threads`` sets torch's CPU threads (process-wide) unless None.
    """

    def __init__(self, model: Any, processor: Any, meta: CheckpointMeta, *,
                 device: str = "cpu", n_action_steps: int | None = None,
                 name: str = "vla", threads: int | None = 1,
                 noise_scale: float | None = None, ensemble_every: int | None = None) -> None:
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
        self.noise_scale = float(meta.noise_scale if noise_scale is None else noise_scale)
        if self.noise_scale < 0:
            raise SkillError(f"noise_scale must be >= 0, got {self.noise_scale}")
        if meta.policy == HEAD_TOKENS:
            self._sample = token_sample
        else:
            self._sample = partial(flow_sample, noise_scale=self.noise_scale)
        self._queue: deque[np.ndarray] = deque()
        self.ensemble_every = int(meta.ensemble_every if ensemble_every is None else ensemble_every)
        self.ensemble_decay = float(meta.ensemble_decay)
        if not 0 <= self.ensemble_every <= self.chunk_size:
            raise SkillError(f"ensemble_every must be 0 (off) to the chunk size "
                             f"{self.chunk_size}, got {self.ensemble_every}")
        self._chunks: list[tuple[int, np.ndarray]] = []   # (step it was predicted at, chunk)
        self._step = 0
        self._generator = torch.Generator().manual_seed(0)

    @classmethod
    def from_pretrained(cls, path: str | Path, *, domain: str | None = None,
                        device: str = "cpu", n_action_steps: int | None = None,
                        noise_scale: float | None = None,
                        ensemble_every: int | None = None) -> VLAPolicy:
        """Load a checkpoint directory (ours, or a plain π0 ``save_pretrained`` directory).
        ``n_action_steps``, ``noise_scale`` and ``ensemble_every`` override the checkpoint's own."""
        ckpt = load_checkpoint(path, domain=domain, action_names=ACTION_NAMES, device=device)
        return cls(ckpt.model, ckpt.processor, ckpt.meta, device=device,
                   n_action_steps=n_action_steps, name=str(path), noise_scale=noise_scale,
                   ensemble_every=ensemble_every)

    # ------------------------------------------------------------------ contract
    def reset(self, call: SkillCall | None = None, seed: int | None = None) -> None:
        """Start a new skill call: empty the action queue, reseed the sampling noise."""
        self._queue.clear()
        self._chunks.clear()
        self._step = 0
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
        """The next action, refilling the queue with a new chunk when it is empty; with
        ``ensemble_every`` the weighted mean of every live chunk's action for this step."""
        if self.ensemble_every:
            return self._ensembled(observation, prompt)
        if not self._queue:
            chunk = self.predict_action_chunk(observation, prompt)
            self._queue.extend(chunk[: self.n_action_steps])
        return self._queue.popleft()

    def _ensembled(self, observation: Observation, prompt: str) -> np.ndarray:
        """ACT's temporal ensembling (Zhao et al. 2023): a new chunk every
        ``ensemble_every`` steps; each chunk still covering this step votes for its action
        there, the oldest with weight 1 and each newer one ``exp(-ensemble_decay)`` times
        the one before it."""
        t = self._step
        if t % self.ensemble_every == 0 or not self._chunks:
            self._chunks.append((t, self.predict_action_chunk(observation, prompt)))
        self._chunks = [(s, c) for s, c in self._chunks if t - s < len(c)]
        votes = np.stack([c[t - s] for s, c in self._chunks])
        weights = np.exp(-self.ensemble_decay * np.arange(len(votes)))
        self._step = t + 1
        return (weights @ votes / weights.sum()).astype(np.float32)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())
