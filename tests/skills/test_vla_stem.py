"""The convolutional vision stem: output grid, checkpoint round trip, bad stems."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from vlaplan.planner.errors import CheckpointError
from vlaplan.skills.stem import ConvStem, install_stem
from vlaplan.skills.vla import VLAPolicy

from vla_helpers import observation, save_tiny_checkpoint, tiny_policy_parts

PROMPT = "pick up the red block"


@pytest.mark.parametrize("patch,size", [(24, 96), (16, 96), (12, 96), (8, 64), (16, 32)])
def test_conv_stem_gives_the_patch_grid(patch, size):
    out = ConvStem(40, patch)(torch.zeros(2, 3, size, size))
    assert out.shape == (2, 40, size // patch, size // patch)


def test_conv_stem_model_sees_the_image():
    model, proc = tiny_policy_parts(stem="conv")
    assert isinstance(model.get_submodule("model.vlm.vision_tower.embeddings.patch_embedding"),
                      ConvStem)
    policy = VLAPolicy(model, proc, _meta())
    obs = observation(0)
    other = dict(obs, **{k: 255 - v for k, v in obs.items() if k.startswith("observation.images")})
    a = policy.predict_action_chunk(obs, PROMPT)
    policy.reset(seed=None)
    b = policy.predict_action_chunk(other, PROMPT)
    assert not np.allclose(a, b)  # the images reach the actions through the new stem


def test_conv_stem_checkpoint_round_trip(tmp_path):
    path = save_tiny_checkpoint(tmp_path / "conv", stem="conv")
    assert json.loads((path / "vlaplan.json").read_text())["vision_stem"] == "conv"
    a = VLAPolicy.from_pretrained(path)
    b = VLAPolicy.from_pretrained(path)
    np.testing.assert_array_equal(a.predict_action_chunk(observation(1), PROMPT),
                                  b.predict_action_chunk(observation(1), PROMPT))
    fresh_model, _ = tiny_policy_parts(stem="conv", seed=0)
    stem = a.model.get_submodule("model.vlm.vision_tower.embeddings.patch_embedding")
    fresh = fresh_model.get_submodule("model.vlm.vision_tower.embeddings.patch_embedding")
    for p, q in zip(stem.parameters(), fresh.parameters()):
        assert torch.equal(p, q)  # the saved stem weights, not a new random init


def test_bad_stems_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown vision stem"):
        install_stem(tiny_policy_parts()[0], "resnet")
    path = save_tiny_checkpoint(tmp_path / "odd", stem="conv")
    meta = json.loads((path / "vlaplan.json").read_text())
    (path / "vlaplan.json").write_text(json.dumps(meta | {"vision_stem": "resnet"}))
    with pytest.raises(CheckpointError, match="vision stem"):
        VLAPolicy.from_pretrained(path)
    plain = save_tiny_checkpoint(tmp_path / "plain")  # patch weights, meta claiming conv
    meta = json.loads((plain / "vlaplan.json").read_text())
    (plain / "vlaplan.json").write_text(json.dumps(meta | {"vision_stem": "conv"}))
    with pytest.raises(CheckpointError, match="vision stem"):
        VLAPolicy.from_pretrained(plain)


def _meta():
    from vlaplan.skills.checkpoint import CheckpointMeta
    return CheckpointMeta(policy="pi0", domains=["tabletop"], skills=["pick"], vision_stem="conv")
