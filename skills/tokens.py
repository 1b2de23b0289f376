"""The discrete-token head (RT-2 / OpenVLA style) on π0's backbone.

Each normalised action dimension in [-1, 1] is cut into 256 uniform bins; the action
expert's output projection emits 256 logits per dimension per chunk step
(``max_action_dim = ACTION_DIM * 256``), trained with cross-entropy.  Unlike RT-2 the
chunk's tokens are decoded in one parallel pass (as in OpenVLA-OFT), not one by one: the
expert's action slots get a zero query at a fixed time, so there is no sampling noise.
Decoding takes each bin's centre; the processor then un-normalises with q01/q99.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from transformers import PI0ForConditionalGeneration

from vlaplan.skills.contract import ACTION_DIM
from vlaplan.skills.pi0 import N_BINS


def to_bins(actions: torch.Tensor) -> torch.Tensor:
    """Normalised actions in [-1, 1] -> integer bins 0..255."""
    return ((actions.clamp(-1.0, 1.0) + 1.0) / 2.0 * (N_BINS - 1)).round().long()


def from_bins(bins: torch.Tensor) -> torch.Tensor:
    """Bin indices -> bin centres in [-1, 1]."""
    return bins.float() / (N_BINS - 1) * 2.0 - 1.0


def _logits(model: PI0ForConditionalGeneration, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    cfg = model.config
    batch = inputs["state"].shape[0]
    device = inputs["state"].device
    query = torch.zeros(batch, cfg.chunk_size, cfg.max_action_dim, device=device)
    time = torch.ones(batch, device=device)
    out = model(noise=query, timestep=time, **inputs)
    return out.logits.reshape(batch, cfg.chunk_size, ACTION_DIM, N_BINS)


def token_loss(model: PI0ForConditionalGeneration, inputs: dict[str, torch.Tensor],
               actions: torch.Tensor, is_pad: torch.Tensor,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """Cross-entropy over the 256 bins of every (chunk step, action dim), pads ignored."""
    logits = _logits(model, inputs)
    target = to_bins(actions)
    target = target.masked_fill(is_pad[..., None], -100)
    return F.cross_entropy(logits.reshape(-1, N_BINS), target.reshape(-1), ignore_index=-100)


@torch.no_grad()
def token_sample(model: PI0ForConditionalGeneration, inputs: dict[str, torch.Tensor],
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Greedy decoding: (B, chunk, ACTION_DIM) bin centres in [-1, 1]."""
    return from_bins(_logits(model, inputs).argmax(-1))
