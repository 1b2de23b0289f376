"""The convolutional vision stems (conv, film): output grid, prompt conditioning, keypoints,
checkpoint round trip, training step, bad stems."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from vlaplan.planner.errors import CheckpointError
from vlaplan.skills.stem import STEM_PATH, ConvStem, FilmStem, install_stem
from vlaplan.skills.vla import VLAPolicy

from vla_helpers import (observation, save_tiny_checkpoint, tiny_policy_parts, tiny_spec,
                         write_synthetic_dataset)

PROMPT = "pick up the red block"


@pytest.mark.parametrize("patch,size", [(24, 96), (16, 96), (12, 96), (8, 64), (16, 32)])
def test_conv_stem_gives_the_patch_grid(patch, size):
    out = ConvStem(40, patch)(torch.zeros(2, 3, size, size))
    assert out.shape == (2, 40, size // patch, size // patch)


@pytest.mark.parametrize("patch,size", [(24, 96), (16, 96), (12, 96), (8, 64), (16, 32)])
def test_film_stem_gives_the_patch_grid(patch, size):
    stem = FilmStem(40, patch, text_dim=24)
    stem.condition = torch.zeros(1, 24)
    assert stem(torch.zeros(2, 3, size, size)).shape == (2, 40, size // patch, size // patch)


def test_film_stem_output_depends_on_the_prompt():
    torch.manual_seed(0)
    stem = FilmStem(16, 8, text_dim=12)
    torch.nn.init.normal_(stem.film.weight)  # zero at init: the prompt starts as a no-op
    images = torch.rand(2, 3, 32, 32)
    stem.condition = torch.randn(1, 12)
    a = stem(images)
    stem.condition = torch.randn(1, 12)
    assert not torch.allclose(a, stem(images))


def test_film_stem_keypoints_follow_the_bright_spot():
    """With a keypoint map that responds to red, the spatial softmax reports where the red
    square is (x, y in [-1, 1]); here the tokens carry just that position."""
    stem = FilmStem(2, 8, text_dim=4, width=4, keypoints=1)
    with torch.no_grad():
        for p in stem.parameters():
            p.zero_()
        stem.conv1.weight[:, 0] = 1.0  # red, summed over a 3x3 box
        stem.conv2.weight[:, :, 1, 1] = 1.0
        stem.conv3.weight[:, :, 1, 1] = 1.0
        stem.keypoints.weight.fill_(5.0)
        stem.keypoint_proj.weight.copy_(torch.eye(2))
    stem.condition = torch.zeros(1, 4)
    found = {}
    for name, (row, col) in {"top left": (4, 4), "top right": (4, 28),
                             "bottom": (28, 16)}.items():
        image = torch.zeros(1, 3, 32, 32)
        image[0, 0, row - 2:row + 2, col - 2:col + 2] = 1.0
        found[name] = stem(image)[0, :, 0, 0].tolist()
    assert found["top left"][0] < -0.4 and found["top left"][1] < -0.4
    assert found["top right"][0] > 0.4 and found["top right"][1] < -0.4
    assert abs(found["bottom"][0]) < 0.3 and found["bottom"][1] > 0.4
    with pytest.raises(RuntimeError, match="needs the prompt"):
        FilmStem(8, 8, text_dim=4)(torch.zeros(1, 3, 32, 32))
    with pytest.raises(ValueError, match="divisible by 4"):
        FilmStem(8, 6, text_dim=4)


def test_film_stem_spread_is_small_for_a_peaked_keypoint_map_and_large_for_a_flat_one():
    """``spread``: the mean squared distance of a keypoint map's mass from its keypoint."""
    stem = FilmStem(2, 8, text_dim=4, width=4, keypoints=1)
    with torch.no_grad():
        for p in stem.parameters():
            p.zero_()
        stem.conv1.weight[:, 0] = 1.0
        stem.conv2.weight[:, :, 1, 1] = 1.0
        stem.conv3.weight[:, :, 1, 1] = 1.0
    stem.condition = torch.zeros(1, 4)
    image = torch.zeros(1, 3, 32, 32)
    image[0, 0, 14:18, 14:18] = 1.0
    stem(image)
    flat = float(stem.spread)  # zero keypoint weights: a uniform map over the 8x8 grid
    xs = torch.linspace(-1, 1, 8)
    assert abs(flat - 2 * float((xs ** 2).mean())) < 1e-5
    with torch.no_grad():
        stem.keypoints.weight.fill_(20.0)  # now the map piles up on the red square
    stem(image)
    assert float(stem.spread) < 0.1 * flat
    assert stem.spread.requires_grad  # training can penalise it


@pytest.mark.parametrize("stem,cls", [("conv", ConvStem), ("film", FilmStem)])
def test_stem_model_sees_the_image(stem, cls):
    model, proc = tiny_policy_parts(stem=stem)
    assert isinstance(model.get_submodule(STEM_PATH), cls)
    policy = VLAPolicy(model, proc, _meta(stem))
    obs = observation(0)
    other = dict(obs, **{k: 255 - v for k, v in obs.items() if k.startswith("observation.images")})
    a = policy.predict_action_chunk(obs, PROMPT)
    policy.reset(seed=None)
    b = policy.predict_action_chunk(other, PROMPT)
    assert not np.allclose(a, b)  # the images reach the actions through the new stem


def test_film_stem_sees_the_prompt_inside_the_model():
    model, proc = tiny_policy_parts(stem="film")
    stem = model.get_submodule(STEM_PATH)
    seen = []
    stem.register_forward_pre_hook(lambda module, args: seen.append(module.condition.clone()))
    policy = VLAPolicy(model, proc, _meta("film"))
    policy.predict_action_chunk(observation(0), PROMPT)
    policy.predict_action_chunk(observation(0), "pick up the blue block")
    assert len(seen) == 2 and not torch.allclose(seen[0], seen[1])
    assert stem.condition is None  # cleared after each forward pass


@pytest.mark.parametrize("stem", ["conv", "film"])
def test_stem_checkpoint_round_trip(tmp_path, stem):
    path = save_tiny_checkpoint(tmp_path / stem, stem=stem)
    assert json.loads((path / "vlaplan.json").read_text())["vision_stem"] == stem
    a = VLAPolicy.from_pretrained(path)
    b = VLAPolicy.from_pretrained(path)
    np.testing.assert_array_equal(a.predict_action_chunk(observation(1), PROMPT),
                                  b.predict_action_chunk(observation(1), PROMPT))
    fresh_model, _ = tiny_policy_parts(stem=stem, seed=0)
    loaded = a.model.get_submodule(STEM_PATH)
    fresh = fresh_model.get_submodule(STEM_PATH)
    for p, q in zip(loaded.parameters(), fresh.parameters(), strict=True):
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


def _meta(stem="conv"):
    from vlaplan.skills.checkpoint import CheckpointMeta
    return CheckpointMeta(policy="pi0", domains=["tabletop"], skills=["pick"], vision_stem=stem)


def test_film_keypoints_reach_the_action_experts_state_token():
    """The stem's keypoints feed the action expert directly: a flow-loss step gives the
    (zero-initialised) keypoint-to-state layer a gradient, and once it is non-zero the
    actions change with it."""
    from vlaplan.skills.pi0 import flow_loss

    model, proc = tiny_policy_parts(stem="film")
    stem = model.get_submodule(STEM_PATH)
    obs = observation(3)
    inputs = proc.observation(obs, PROMPT)
    actions = torch.rand(1, model.config.chunk_size, 5) * 2 - 1
    flow_loss(model, inputs, actions, torch.zeros(1, model.config.chunk_size, dtype=torch.bool),
              generator=torch.Generator().manual_seed(0)).backward()
    assert stem.to_state.weight.grad is not None and stem.to_state.weight.grad.abs().sum() > 0
    policy = VLAPolicy(model, proc, _meta("film"))
    before = policy.predict_action_chunk(obs, PROMPT)
    with torch.no_grad():
        stem.to_state.weight.normal_()
    policy.reset(seed=None)
    assert not np.allclose(before, policy.predict_action_chunk(obs, PROMPT))


def test_keypoint_spread_penalty_sharpens_the_film_keypoints(tmp_path):
    """--keypoint-spread adds the film stem's keypoint spread to the loss: the same run with
    it ends with sharper keypoint maps than without, logs the spread and records the
    weight; a model without the film stem refuses it."""
    from vlaplan.planner.errors import SkillError
    from vlaplan.skills.checkpoint import read_meta
    from vlaplan.skills.train import LOG_FILE, TrainConfig, train

    data = tmp_path / "data"
    write_synthetic_dataset(data, episodes=4)
    spreads = {}
    for weight in (0.0, 5.0):
        out = tmp_path / f"spread{weight}"
        train(TrainConfig(data=str(data), out=str(out), policy="pi0", batch_size=8, lr=3e-3,
                          warmup=2, log_every=1, save_every=100, steps=25, seed=3,
                          keypoint_spread=weight, spec=tiny_spec("pi0", stem="film")))
        last = json.loads((out / LOG_FILE).read_text().splitlines()[-1])
        assert ("spread_ema" in last) == bool(weight)
        assert read_meta(out).training.get("keypoint_spread") == (weight or None)
        policy = VLAPolicy.from_pretrained(out)
        policy.predict_action_chunk(observation(2), "pick up the red block")
        spreads[weight] = float(policy.model.get_submodule(STEM_PATH).spread)
    assert spreads[5.0] < spreads[0.0]
    with pytest.raises(SkillError, match="film stem"):
        train(TrainConfig(data=str(data), out=str(tmp_path / "conv"), policy="pi0", steps=2,
                          batch_size=8, keypoint_spread=1.0, spec=tiny_spec("pi0", stem="conv")))
    with pytest.raises(SkillError, match=">= 0"):
        train(TrainConfig(data=str(data), out=str(tmp_path / "neg"), policy="pi0", steps=2,
                          batch_size=8, keypoint_spread=-1.0, spec=tiny_spec("pi0", stem="film")))
