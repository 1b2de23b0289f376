"""A convolutional stem for the small π0's vision tower.

SigLIP embeds an image with one strided convolution (a linear map of each patch).  Trained
from scratch on a few thousand demonstrations, that has to learn colour detection and
where inside a 24-px patch a 4 cm block sits from a single linear layer, and the small
model did not (first-frame dx/dy signs at chance after 4.5 k steps).  ``ConvStem`` puts a
few small strided convolutions in its place: same input, same output grid of
``hidden``-wide tokens, so the rest of π0 (position embeddings, transformer, projector,
action expert) is unchanged.

A checkpoint records its stem in ``vlaplan.json`` (``vision_stem``); loading builds the
model from ``config.json``, swaps the stem in and loads the weights strictly.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

STEM_PATCH = "patch"  # SigLIP's own single-convolution patch embedding
STEM_CONV = "conv"
STEMS = (STEM_PATCH, STEM_CONV)
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


def install_stem(model: Any, stem: str) -> Any:
    """Replace the vision tower's patch embedding of ``model`` by ``stem``; returns it."""
    if stem not in STEMS:
        raise ValueError(f"unknown vision stem {stem!r}; expected one of {STEMS}")
    if stem == STEM_PATCH:
        return model
    vision = model.config.vlm_config.vision_config
    parent_name, _, leaf = STEM_PATH.rpartition(".")
    parent = model.get_submodule(parent_name)
    setattr(parent, leaf, ConvStem(vision.hidden_size, vision.patch_size))
    return model
