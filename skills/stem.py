"""A convolutional stem for the small π0's vision tower.

SigLIP embeds an image with one strided convolution (a linear map of each patch).  Trained
from scratch on a few thousand demonstrations, that has to learn colour detection and
where inside a 24-px patch a 4 cm block sits from a single linear layer, and the small
model did not (first-frame dx/dy signs at chance after 4.5 k steps).  ``ConvStem`` puts a
few small strided convolutions in its place: same input, same output grid of
``hidden``-wide tokens, so the rest of π0 (position embeddings, transformer, projector,
action expert) is unchanged.

``FilmStem`` (``film``) goes further, in the way of RT-1's FiLM-conditioned image
encoder: the prompt (the mean of its word embeddings, taken from π0's own embedding table)
scales and shifts the convolutional features, so the stem can mark the pixels of the named
object before any attention; a spatial softmax then turns each of a few feature maps into
an image position (Levine et al.'s keypoints), which is added to every token of that
camera.  The same keypoints of all cameras are also added, through a linear layer, to the
action expert's state token, so "where is the named object" reaches the actions without
first having to be found by cross-attention into the prefix (with the keypoints in the
image tokens only, the action expert had not learned to use them after 3500 steps, while
the keypoints themselves located the object on held-out scenes).

Both go through wrappers installed on the π0 instance: around ``embed_prefix``, which
sees the prompt's ids and the images together, and around the π0 model's ``forward``,
which receives the action expert's input (state token first).  The training forward pass
and ``sample_actions`` both go through them.

A checkpoint records its stem in ``vlaplan.json`` (``vision_stem``); loading builds the
model from ``config.json``, swaps the stem in and loads the weights strictly.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

STEM_PATCH = "patch"  # SigLIP's own single-convolution patch embedding
STEM_CONV = "conv"
STEM_FILM = "film"
STEMS = (STEM_PATCH, STEM_CONV, STEM_FILM)
STEM_PATH = "model.vlm.vision_tower.embeddings.patch_embedding"


class ConvStem(nn.Module):
    """Strided 3x3 convolutions (stride 2 while the patch size allows), then one
    convolution with the remaining stride, so the output grid equals ``image // patch``."""

    def __init__(self, hidden: int, patch: int, widths: tuple[int, ...] = (32, 64)) -> None:
        super().__init__()
        halvings, rest = 0, patch
        while rest % 2 == 0 and halvings < len(widths) + 1:
            rest //= 2
            halvings += 1
        chans = [3, *widths[:halvings - 1], hidden] if halvings else [3]
        layers: list[nn.Module] = []
        for c_in, c_out in zip(chans, chans[1:]):
            layers += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.GELU()]
        last = chans[-1]
        layers.append(nn.Conv2d(last, hidden, rest, stride=rest) if rest > 1
                      else nn.Conv2d(last, hidden, 1))
        self.net = nn.Sequential(*layers)

    @property
    def weight(self) -> torch.Tensor:  # SiglipVisionEmbeddings reads the embedding's dtype
        return self.net[-1].weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class FilmStem(nn.Module):
    """Prompt-conditioned convolutions (stride 4) with spatial-softmax keypoints.

    Output: ``hidden``-wide tokens on the ``image // patch`` grid, like SigLIP's patch
    embedding.  ``condition`` (batch, text_dim) must be set before each forward pass; the
    images of a batch element's cameras follow each other (π0 flattens (batch, camera)).
    """

    def __init__(self, hidden: int, patch: int, text_dim: int, width: int = 32,
                 keypoints: int = 16, expert_dim: int | None = None, cameras: int = 2) -> None:
        super().__init__()
        if patch % 4:
            raise ValueError(f"the film stem needs a patch size divisible by 4, got {patch}")
        self.conv1 = nn.Conv2d(5, width, 3, stride=2, padding=1)  # RGB + x/y coordinates
        self.conv2 = nn.Conv2d(width, width, 3, stride=2, padding=1)
        self.film = nn.Linear(text_dim, 2 * width)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)
        self.conv3 = nn.Conv2d(width, width, 3, padding=1)
        self.keypoints = nn.Conv2d(width, keypoints, 1)
        self.keypoint_proj = nn.Linear(2 * keypoints, hidden)
        self.to_tokens = nn.Conv2d(width, hidden, patch // 4, stride=patch // 4)
        # keypoints of every camera -> the action expert's state token (zero at init)
        self.to_state = nn.Linear(cameras * 2 * keypoints, expert_dim or hidden)
        nn.init.zeros_(self.to_state.weight)
        nn.init.zeros_(self.to_state.bias)
        self.condition: torch.Tensor | None = None
        self.points: torch.Tensor | None = None  # (images, 2 * keypoints) of the last call
        self._maps: tuple[torch.Tensor, ...] | None = None  # the last call's maps and grid

    @property
    def weight(self) -> torch.Tensor:  # SiglipVisionEmbeddings reads the embedding's dtype
        return self.to_tokens.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.condition is None:
            raise RuntimeError("FilmStem needs the prompt: run the model through its "
                               "embed_prefix (install_stem wraps it)")
        n = x.shape[0]
        coords = torch.stack(_grid(x.shape[2], x.shape[3], x)[::-1]).expand(n, -1, -1, -1)
        h = F.gelu(self.conv2(F.gelu(self.conv1(torch.cat([x, coords], 1)))))
        cond = F.layer_norm(self.condition, self.condition.shape[-1:])
        cond = cond.to(h.dtype).repeat_interleave(n // cond.shape[0], dim=0)
        gamma, beta = self.film(cond).chunk(2, dim=-1)
        h = F.gelu(self.conv3(h * (1 + gamma[..., None, None]) + beta[..., None, None]))
        attn = self.keypoints(h).flatten(2).softmax(-1)  # (n, K, h*w)
        gy, gx = _grid(h.shape[2], h.shape[3], x)
        px, py = attn @ gx.reshape(-1, 1), attn @ gy.reshape(-1, 1)  # (n, K, 1) each
        self.points = torch.cat([px, py], 1).flatten(1)
        self._maps = (attn, gx.reshape(1, 1, -1), gy.reshape(1, 1, -1), px, py)
        return self.to_tokens(h) + self.keypoint_proj(self.points)[..., None, None]

    @property
    def spread(self) -> torch.Tensor:
        """How far the last call's keypoint maps spread around their keypoints: the mean
        squared distance of each map's mass from its keypoint (image coordinates in
        [-1, 1]); training may penalise it (--keypoint-spread).  Computed on demand, so
        inference does not pay for it."""
        if self._maps is None:
            raise RuntimeError("FilmStem.spread before the images were embedded")
        attn, gx, gy, px, py = self._maps
        return (attn * ((gx - px) ** 2 + (gy - py) ** 2)).sum(-1).mean()

    def state_offset(self, batch: int) -> torch.Tensor:
        """(batch, expert_dim): the last call's keypoints, for the action expert's state token."""
        if self.points is None:
            raise RuntimeError("FilmStem.state_offset before the images were embedded")
        return self.to_state(self.points.reshape(batch, -1))


def _grid(height: int, width: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(y, x) coordinates in [-1, 1] of a height x width image, each (height, width)."""
    ys = torch.linspace(-1.0, 1.0, height, device=like.device, dtype=like.dtype)
    xs = torch.linspace(-1.0, 1.0, width, device=like.device, dtype=like.dtype)
    return torch.meshgrid(ys, xs, indexing="ij")


def _condition_on_prompt(model: Any, stem: FilmStem) -> None:
    """Wrap π0's ``embed_prefix`` so that the stem sees the prompt's mean word embedding."""
    pi0 = model.model
    original = pi0.embed_prefix
    text = model.config.vlm_config.text_config
    image_id = model.config.vlm_config.image_token_id
    pad_id = text.pad_token_id if text.pad_token_id is not None else 0

    def embed_prefix(input_ids: torch.Tensor, pixel_values: torch.Tensor,
                     pixel_attention_mask: torch.Tensor, attention_mask: Any = None) -> Any:
        keep = ((input_ids != image_id) & (input_ids != pad_id)).unsqueeze(-1)
        words = pi0.vlm.get_input_embeddings()(input_ids.masked_fill(~keep[..., 0], 0))
        stem.condition = (words * keep).sum(1) / keep.sum(1).clamp_min(1)
        try:
            return original(input_ids, pixel_values, pixel_attention_mask, attention_mask)
        finally:
            stem.condition = None

    pi0.embed_prefix = embed_prefix
    original_forward = pi0.forward

    def forward(action_embeds: torch.Tensor, input_ids: Any = None, pixel_values: Any = None,
                attention_mask: Any = None, pixel_attention_mask: Any = None,
                position_ids: Any = None, inputs_embeds: Any = None, cache: Any = None,
                **kwargs: Any) -> Any:
        if pixel_values is not None and cache is None and inputs_embeds is None:
            inputs_embeds = embed_prefix(input_ids, pixel_values, pixel_attention_mask)
        # without images here, sample_actions has just embedded them (and kept the cache)
        offset = stem.state_offset(action_embeds.shape[0]).to(action_embeds.dtype)
        action_embeds = torch.cat([action_embeds[:, :1] + offset[:, None], action_embeds[:, 1:]], 1)
        return original_forward(action_embeds, input_ids=input_ids, pixel_values=pixel_values,
                                attention_mask=attention_mask,
                                pixel_attention_mask=pixel_attention_mask,
                                position_ids=position_ids, inputs_embeds=inputs_embeds,
                                cache=cache, **kwargs)

    pi0.forward = forward


def install_stem(model: Any, stem: str, cameras: int = 2) -> Any:
    """Replace the vision tower's patch embedding of ``model`` by ``stem``; returns it.
    ``cameras``: images per observation (the film stem's keypoints of all of them reach
    the action expert's state token)."""
    if stem not in STEMS:
        raise ValueError(f"unknown vision stem {stem!r}; expected one of {STEMS}")
    if stem == STEM_PATCH:
        return model
    vision = model.config.vlm_config.vision_config
    parent_name, _, leaf = STEM_PATH.rpartition(".")
    parent = model.get_submodule(parent_name)
    if stem == STEM_CONV:
        setattr(parent, leaf, ConvStem(vision.hidden_size, vision.patch_size))
        return model
    film = FilmStem(vision.hidden_size, vision.patch_size,
                    model.config.vlm_config.text_config.hidden_size,
                    expert_dim=model.config.dit_config.hidden_size, cameras=cameras)
    setattr(parent, leaf, film)
    _condition_on_prompt(model, film)
    return model
