"""Tokenizer and processor: vocabulary, normalisation, input packing, bad input."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from vlaplan.planner.errors import SkillError
from vlaplan.skills.contract import IMAGE_FRONT, STATE_KEY
from vlaplan.skills.library import BUILTIN_SKILLS
from vlaplan.skills.tokenizer import UNK, build_tokenizer, image_token_id, words_of

from vla_helpers import CAMERA, observation, tiny_policy_parts


def test_tokenizer_knows_every_template_word_and_roundtrips(tmp_path):
    tok = build_tokenizer()
    unk = tok.convert_tokens_to_ids(UNK)
    for skill in BUILTIN_SKILLS:
        for template in skill.templates:
            ids = tok(template.format("red block", "drawer"), add_special_tokens=False)["input_ids"]
            assert unk not in ids, template
    assert tok("pick up the zebra")["input_ids"][-1] == unk
    tok.save_pretrained(tmp_path)
    from transformers import AutoTokenizer
    again = AutoTokenizer.from_pretrained(tmp_path)
    text = "Put the GREEN cube in the drawer"
    assert again(text)["input_ids"] == tok(text)["input_ids"]
    assert image_token_id(again) == image_token_id(tok)
    assert words_of("Pick up, then!") == ["pick", "up", ",", "then", "!"]


def test_action_normalisation_uses_q01_q99_and_inverts():
    _, proc = tiny_policy_parts()
    raw = torch.tensor([[0.5, -0.5, 0.0, 0.2, -1.0], [0.25, 0.0, -0.25, -0.1, 1.0]])
    norm = proc.normalize_action(raw)
    assert torch.allclose(norm[0], torch.tensor([1.0, -1.0, 0.0, 1.0, -1.0]))
    assert torch.allclose(proc.unnormalize_action(norm), raw, atol=1e-6)
    # beyond q99 is clipped to 1
    assert proc.normalize_action(torch.tensor([[0.9, 0, 0, 0, 0]]))[0, 0] == 1.0


def test_text_packing_has_image_slots_bos_and_padding():
    _, proc = tiny_policy_parts()
    ids, mask = proc.text(["pick up the red block", "grasp it"], n_cameras=2)
    n_img = 2 * proc.config.tokens_per_image
    assert ids.shape == (2, n_img + 1 + proc.config.max_prompt_tokens)
    assert (ids[:, :n_img] == proc.config.image_token_id).all()
    assert (ids[:, n_img] == proc.tokenizer.bos_token_id).all()
    assert mask[0].sum() == n_img + 1 + 5 and mask[1].sum() == n_img + 1 + 2
    assert (ids[1, mask[1] == 0] == proc.tokenizer.pad_token_id).all()


def test_observation_batch_shapes_and_ranges():
    _, proc = tiny_policy_parts()
    inputs = proc.observation(observation(), "pick up the red block")
    assert inputs["pixel_values"].shape == (1, 2, 3, 32, 32)
    assert inputs["pixel_values"].min() >= -1.0 and inputs["pixel_values"].max() <= 1.0
    assert inputs["state"].shape == (1, 12)


@pytest.mark.parametrize("mutate, words", [
    (lambda o: o.__setitem__(IMAGE_FRONT, o[IMAGE_FRONT].astype(np.float32)), ["float32", "uint8"]),
    (lambda o: o.__setitem__(IMAGE_FRONT, np.zeros((64, 64, 3), np.uint8)), ["(64, 64, 3)", str((*CAMERA, 3))]),
    (lambda o: o.__setitem__(IMAGE_FRONT, np.zeros((*CAMERA, 4), np.uint8)), ["expected"]),
    (lambda o: o.pop(IMAGE_FRONT), ["observation.images.front"]),
    (lambda o: o.__setitem__(STATE_KEY, np.zeros(3)), ["12"]),
])
def test_bad_observations_raise_skill_error_saying_what_was_expected(mutate, words):
    _, proc = tiny_policy_parts()
    obs = observation()
    mutate(obs)
    with pytest.raises(SkillError) as info:
        proc.observation(obs, "pick up the red block")
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("prompt", ["", "   "])
def test_empty_prompt_is_rejected(prompt):
    _, proc = tiny_policy_parts()
    with pytest.raises(SkillError, match="empty prompt"):
        proc.observation(observation(), prompt)


def test_words_never_seen_in_training_are_left_out_of_the_prompt():
    from vlaplan.skills.processor import VLAProcessor

    _, proc = tiny_policy_parts()
    known = proc.config.model_copy(update={"known_words": ["pick", "up", "the", "red", "block"]})
    filtered = VLAProcessor(known, proc.tokenizer)
    ids, mask = filtered.text(["grab the red block and raise it"], n_cameras=2)
    plain_ids, plain_mask = proc.text(["grab the red block and raise it"], n_cameras=2)
    assert int(plain_mask.sum() - mask.sum()) == 4  # grab, and, raise, it
    vocab = proc.tokenizer.get_vocab()
    kept = [i for i in ids[0][mask[0].bool()].tolist()][-3:]
    assert kept == [vocab["the"], vocab["red"], vocab["block"]]
    same, _ = filtered.text(["pick up the red block"], n_cameras=2)
    assert torch.equal(same, proc.text(["pick up the red block"], n_cameras=2)[0])


def test_training_records_the_words_it_saw(tmp_path):
    from vlaplan.skills.train import TrainConfig, train
    from vla_helpers import tiny_spec, write_synthetic_dataset
    from vlaplan.skills.processor import VLAProcessor

    write_synthetic_dataset(tmp_path / "data")
    train(TrainConfig(data=str(tmp_path / "data"), out=str(tmp_path / "ck"), steps=1, batch_size=4,
                      spec=tiny_spec()))
    config = VLAProcessor.load_config(tmp_path / "ck")
    assert config.known_words and "block" in config.known_words
    assert "raise" not in config.known_words  # only in the held-out pick template
