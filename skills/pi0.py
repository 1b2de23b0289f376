"""π0 (transformers' ``PI0ForConditionalGeneration``) in a small configuration, and its
flow-matching training loss and sampler.

The small model keeps π0's architecture (SigLIP vision tower + Gemma language model as
the prefix, a Gemma action expert attending to it) with tiny widths.  Sub-configs are built
directly, so nothing is downloaded.  Action and state vectors are zero-padded up to the
config's ``max_action_dim`` / ``max_state_dim``, which lets a full-size π0 (32/32) run
through the same code.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import BaseModel
from transformers import PI0Config, PI0ForConditionalGeneration

from vlaplan.skills.contract import ACTION_DIM, STATE_DIM

HEAD_FLOW = "pi0"
HEAD_TOKENS = "tokens"
N_BINS = 256


class ModelSpec(BaseModel):
    """Size of a small π0; the defaults give about 3 M parameters."""

    hidden: int = 128
    layers: int = 4
    heads: int = 4
    image_size: int = 64
    patch: int = 8
    chunk: int = 8
    inference_steps: int = 10
    head: str = HEAD_FLOW
    stem: str = "patch"  # vision stem: "patch" (SigLIP's) or "conv" (see stem.py)
    cameras: int = 2  # images per observation (front, wrist and, in some setups, side)


def build_config(spec: ModelSpec, vocab_size: int, image_token_id: int) -> PI0Config:
    """A PI0Config with explicit tiny sub-configs (no hub look-up)."""
    h = spec.hidden
    text = dict(model_type="gemma", hidden_size=h, num_hidden_layers=spec.layers,
                intermediate_size=4 * h, num_attention_heads=spec.heads, num_key_value_heads=1,
                head_dim=h // spec.heads, vocab_size=vocab_size)
    vision = dict(model_type="siglip_vision_model", hidden_size=h, intermediate_size=4 * h,
                  patch_size=spec.patch, image_size=spec.image_size,
                  num_hidden_layers=spec.layers, num_attention_heads=spec.heads,
                  vision_use_head=False)
    vlm = dict(model_type="paligemma", text_config=text, vision_config=vision,
               projection_dim=h, image_token_id=image_token_id, vocab_size=vocab_size)
    dit = dict(model_type="gemma", hidden_size=h, num_hidden_layers=spec.layers,
               intermediate_size=4 * h, num_attention_heads=spec.heads, num_key_value_heads=1,
               head_dim=h // spec.heads)
    action_dim = ACTION_DIM * N_BINS if spec.head == HEAD_TOKENS else ACTION_DIM
    return PI0Config(vlm_config=vlm, dit_config=dit, chunk_size=spec.chunk,
                     max_state_dim=STATE_DIM, max_action_dim=action_dim,
                     num_inference_steps=spec.inference_steps)


def build_model(spec: ModelSpec, vocab_size: int, image_token_id: int,
                seed: int = 0) -> PI0ForConditionalGeneration:
    from vlaplan.skills.stem import install_stem

    torch.manual_seed(seed)
    model = PI0ForConditionalGeneration(build_config(spec, vocab_size, image_token_id))
    return install_stem(model, spec.stem, cameras=spec.cameras)


def tokens_per_image(config: PI0Config) -> int:
    vision = config.vlm_config.vision_config
    return (vision.image_size // vision.patch_size) ** 2


def flow_loss(model: PI0ForConditionalGeneration, inputs: dict[str, torch.Tensor],
              actions: torch.Tensor, is_pad: torch.Tensor,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """Flow-matching loss on the real action dims, ignoring padded chunk steps.

    ``actions`` (B, chunk, ACTION_DIM) normalised to [-1, 1]; ``is_pad`` (B, chunk) bool.
    """
    cfg = model.config
    batch = actions.shape[0]
    target = F.pad(actions, (0, cfg.max_action_dim - actions.shape[-1]))
    beta = torch.distributions.Beta(torch.tensor(cfg.time_sampling_beta_alpha),
                                    torch.tensor(cfg.time_sampling_beta_beta))
    # Beta samples cannot take a generator: draw the uniform through the inverse CDF instead
    # only when determinism is asked for.
    if generator is None:
        t = beta.sample((batch,))
    else:
        u = torch.rand(batch, generator=generator)
        t = _beta_icdf_approx(u, cfg.time_sampling_beta_alpha)
    t = (t * cfg.time_sampling_scale + cfg.time_sampling_offset).float().to(actions.device)
    noise = torch.randn(target.shape, generator=generator).to(actions.device)
    noisy = t[:, None, None] * noise + (1 - t[:, None, None]) * target
    out = model(timestep=t, noise=noisy, **inputs)
    velocity = out.logits[..., : actions.shape[-1]]
    error = (velocity - (noise - target)[..., : actions.shape[-1]]) ** 2
    keep = (~is_pad).float()[..., None]
    return (error * keep).sum() / (keep.sum() * actions.shape[-1]).clamp_min(1.0)


def _beta_icdf_approx(u: torch.Tensor, alpha: float) -> torch.Tensor:
    """Inverse CDF of Beta(alpha, 1), which is u ** (1 / alpha) (π0 uses beta = 1)."""
    return u.clamp(1e-6, 1.0) ** (1.0 / alpha)


@torch.no_grad()
def flow_sample(model: PI0ForConditionalGeneration, inputs: dict[str, torch.Tensor],
                generator: torch.Generator | None = None, noise_scale: float = 1.0) -> torch.Tensor:
    """Integrate the flow from seeded noise times ``noise_scale`` (0: from the origin, one
    deterministic chunk); returns (B, chunk, ACTION_DIM) in model units."""
    cfg = model.config
    batch = inputs["input_ids"].shape[0]
    noise = torch.randn((batch, cfg.chunk_size, cfg.max_action_dim), generator=generator) * noise_scale
    noise = noise.to(inputs["pixel_values"].device, inputs["pixel_values"].dtype)
    out = model.sample_actions(noise=noise, **inputs)
    return out[..., :ACTION_DIM]
