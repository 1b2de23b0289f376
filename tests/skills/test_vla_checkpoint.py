"""Checkpoints: round trip, determinism, foreign π0 directories, and every kind of bad one."""
from __future__ import annotations

import json

import numpy as np
import pytest

from vlaplan.planner.errors import CheckpointError, SkillError
from vlaplan.skills.contract import ACTION_DIM
from vlaplan.skills.policies import load_policy
from vlaplan.skills.vla import VLAPolicy

from vla_helpers import observation, save_tiny_checkpoint

PROMPT = "pick up the red block"


@pytest.fixture(scope="module", params=["pi0", "tokens"])
def ckpt(request, tmp_path_factory):
    return save_tiny_checkpoint(tmp_path_factory.mktemp(request.param), head=request.param)


def test_roundtrip_loads_the_same_weights_and_stats(ckpt):
    a = VLAPolicy.from_pretrained(ckpt)
    b = load_policy(str(ckpt))
    a.reset(seed=3)
    b.reset(seed=3)
    np.testing.assert_array_equal(a.predict_action_chunk(observation(), PROMPT),
                                  b.predict_action_chunk(observation(), PROMPT))
    assert a.meta.domains == ["tabletop"] and not a.meta.foreign
    assert a.processor.config.action.q99[0] == 0.5


def test_flow_sampling_noise_follows_the_seed(tmp_path):
    policy = VLAPolicy.from_pretrained(save_tiny_checkpoint(tmp_path, head="pi0"))
    policy.reset(seed=1)
    first = policy.predict_action_chunk(observation(), PROMPT)
    policy.reset(seed=1)
    again = policy.predict_action_chunk(observation(), PROMPT)
    policy.reset(seed=2)
    other = policy.predict_action_chunk(observation(), PROMPT)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_full_size_pi0_directory_loads_through_the_same_path(tmp_path):
    """A plain save_pretrained π0 (32-D state/actions, chunk 50, 224-style patches)."""
    from transformers import PI0Config, PI0ForConditionalGeneration
    text = dict(model_type="gemma", hidden_size=32, num_hidden_layers=1, intermediate_size=64,
                num_attention_heads=2, num_key_value_heads=1, head_dim=16, vocab_size=300)
    vision = dict(model_type="siglip_vision_model", hidden_size=32, intermediate_size=64,
                  patch_size=14, image_size=56, num_hidden_layers=1, num_attention_heads=2,
                  vision_use_head=False)
    config = PI0Config(
        vlm_config=dict(model_type="paligemma", text_config=text, vision_config=vision,
                        projection_dim=32, image_token_id=299, vocab_size=300),
        dit_config=dict(model_type="gemma", hidden_size=32, num_hidden_layers=1,
                        intermediate_size=64, num_attention_heads=2, num_key_value_heads=1,
                        head_dim=16),
        chunk_size=50, max_state_dim=32, max_action_dim=32, num_inference_steps=2)
    PI0ForConditionalGeneration(config).save_pretrained(tmp_path)
    policy = VLAPolicy.from_pretrained(tmp_path)
    assert policy.meta.foreign
    chunk = policy.predict_action_chunk(observation(shape=(96, 96)), PROMPT)
    assert chunk.shape == (50, ACTION_DIM)
    assert np.all(np.abs(chunk) <= 1.0)


def test_missing_directory(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        VLAPolicy.from_pretrained(tmp_path / "nope")


def test_directory_without_config(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CheckpointError, match="config.json is missing"):
        VLAPolicy.from_pretrained(tmp_path)


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "config.json").write_text("{not json"), "corrupt config.json"),
    (lambda d: (d / "model.safetensors").write_bytes(b"\x00" * 64), "cannot load the weights"),
    (lambda d: (d / "model.safetensors").unlink(), "no weights"),
    (lambda d: (d / "vlaplan_processor.json").unlink(), "normalisation statistics"),
    (lambda d: (d / "vlaplan.json").write_text("[]"), "corrupt checkpoint metadata"),
])
def test_corrupt_checkpoints_raise_checkpoint_error(tmp_path, damage, message):
    path = save_tiny_checkpoint(tmp_path / "ck")
    damage(path)
    with pytest.raises(CheckpointError, match=message):
        VLAPolicy.from_pretrained(path)


def test_wrong_action_space_and_domain(tmp_path):
    path = save_tiny_checkpoint(tmp_path / "ck", domains=["tabletop"])
    with pytest.raises(CheckpointError, match="trained for domains"):
        VLAPolicy.from_pretrained(path, domain="kitchen")
    meta = json.loads((path / "vlaplan.json").read_text())
    meta["action_names"] = ["j1", "j2", "j3", "j4", "j5", "j6", "j7"]
    (path / "vlaplan.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="action space"):
        VLAPolicy.from_pretrained(path)


def test_unknown_policy_names(tmp_path):
    with pytest.raises(SkillError, match="unknown policy"):
        load_policy("vla-gigantic")
    with pytest.raises(SkillError, match="empty policy"):
        load_policy(" ")
