"""Camera setups with a side camera: rendering, recording, training, fine-tuning, loading."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from vlaplan.planner.errors import CheckpointError, SkillError, WorldModelError
from vlaplan.skills.contract import IMAGE_FRONT, IMAGE_SIDE, IMAGE_WRIST
from vlaplan.skills.dataset import Episode, encode_png

from vla_helpers import CAMERA, observation, tiny_spec, write_synthetic_dataset


def test_setups_name_their_cameras_and_bad_ones_say_why():
    from vlaplan.world_model.render import camera_names, check_front

    assert camera_names("close") == ("front", "wrist")
    assert camera_names("close+side") == ("front", "wrist", "side")
    for bad, word in (("close+top", "top"), ("near+side", "near"), ("close+side+side", "twice")):
        with pytest.raises(WorldModelError, match=word):
            check_front(bad)


def test_the_robot_renders_the_side_camera_of_its_setup():
    from vlaplan.domains import get_domain
    from vlaplan.world_model.robot import SimRobot

    scene = get_domain("tabletop").generate_scene(4)
    with SimRobot(scene.spec, image_size=48, front_camera="close+side", seed=4) as robot:
        obs = robot.observe()
        side, front = obs[IMAGE_SIDE], obs[IMAGE_FRONT]
    with SimRobot(scene.spec, image_size=48, front_camera="close", seed=4) as robot:
        plain = robot.observe()
    assert side.shape == (48, 48, 3) and side.dtype == np.uint8
    assert np.array_equal(front, plain[IMAGE_FRONT])  # the front camera is the same
    assert IMAGE_SIDE not in plain
    # a different view of the same scene, and not an empty one
    assert np.abs(side.astype(int) - front.astype(int)).mean() > 5
    assert len(np.unique(side.reshape(-1, 3), axis=0)) > 10


def test_datasets_record_the_side_column_and_keep_one_setup(tmp_path):
    from vlaplan.skills.loader import ChunkDataset, read_info

    writer = write_synthetic_dataset(tmp_path / "d", episodes=2, side=True)
    features = read_info(tmp_path / "d")["features"]
    assert features[IMAGE_SIDE]["shape"] == [*CAMERA, 3]
    ds = ChunkDataset(tmp_path / "d", chunk=4)
    assert ds.image_keys == (IMAGE_FRONT, IMAGE_WRIST, IMAGE_SIDE)
    item = ds[3]
    assert item[IMAGE_SIDE].shape == (*CAMERA, 3)
    assert not torch.equal(item[IMAGE_SIDE], item[IMAGE_FRONT])
    frame = encode_png(np.zeros((*CAMERA, 3), np.uint8))
    plain = Episode({IMAGE_FRONT: [frame] * 2, IMAGE_WRIST: [frame] * 2}, np.zeros((2, 12)),
                    np.zeros((2, 5)), "pick up it")
    with pytest.raises(SkillError, match="one camera setup per dataset"):
        writer.add_episode(plain)
    write_synthetic_dataset(tmp_path / "plain", episodes=1)
    with pytest.raises(SkillError, match="cameras"):
        ChunkDataset([tmp_path / "d", tmp_path / "plain"], chunk=4)


def test_a_dataset_keeps_the_camera_order_it_was_written_in(tmp_path):
    from vlaplan.skills.dataset import DatasetWriter
    from vlaplan.skills.loader import ChunkDataset

    frame = encode_png(np.zeros((*CAMERA, 3), np.uint8))
    extra = ["observation.images.top", IMAGE_SIDE]  # not alphabetical: the writer's order
    writer = DatasetWriter(tmp_path / "d")
    writer.add_episode(Episode({k: [frame] * 3 for k in [IMAGE_FRONT, IMAGE_WRIST, *extra]},
                               np.zeros((3, 12)), np.zeros((3, 5)), "pick up it"))
    writer.finalize()
    assert ChunkDataset(tmp_path / "d", chunk=2).image_keys == (IMAGE_FRONT, IMAGE_WRIST, *extra)
    with pytest.raises(SkillError, match="must begin with"):  # no front camera
        DatasetWriter(tmp_path / "e").add_episode(
            Episode({IMAGE_WRIST: [frame] * 3}, np.zeros((3, 12)), np.zeros((3, 5)), "pick"))


def test_a_policy_reads_every_camera_it_was_trained_with(tmp_path):
    from vlaplan.skills.train import TrainConfig, train
    from vlaplan.skills.vla import VLAPolicy

    write_synthetic_dataset(tmp_path / "d", episodes=2, side=True, front_camera="close+side")
    out = train(TrainConfig(data=str(tmp_path / "d"), out=str(tmp_path / "ck"), steps=2,
                            batch_size=2, spec=tiny_spec("pi0", stem="film")))
    policy = VLAPolicy.from_pretrained(out.out)
    assert policy.processor.config.image_keys == [IMAGE_FRONT, IMAGE_WRIST, IMAGE_SIDE]
    assert policy.meta.front_camera == "close+side"
    obs = observation(1) | {IMAGE_SIDE: observation(2)[IMAGE_FRONT]}
    action = policy.select_action(obs, "pick up the red block")
    assert np.all(np.isfinite(action))
    with pytest.raises(SkillError, match="observation.images.side"):
        policy.reset(seed=0)
        policy.select_action(observation(1), "pick up the red block")
    inputs = policy.processor.observation(obs, "pick up the red block")
    assert inputs["pixel_values"].shape[1] == 3
    # the side image reaches the actions
    policy.model.eval()
    from vlaplan.skills.pi0 import flow_sample

    other = policy.processor.observation(obs | {IMAGE_SIDE: obs[IMAGE_WRIST]}, "pick up the red block")
    a = flow_sample(policy.model, inputs, torch.Generator().manual_seed(0))
    b = flow_sample(policy.model, other, torch.Generator().manual_seed(0))
    assert not torch.allclose(a, b)


def test_a_fine_tune_adds_the_side_camera_to_a_two_camera_checkpoint(tmp_path):
    from vlaplan.skills.stem import STEM_PATH
    from vlaplan.skills.train import TrainConfig, train
    from vlaplan.skills.vla import VLAPolicy

    write_synthetic_dataset(tmp_path / "two", episodes=2, front_camera="close")
    train(TrainConfig(data=str(tmp_path / "two"), out=str(tmp_path / "a"), steps=3,
                      batch_size=2, spec=tiny_spec("pi0", stem="film")))
    write_synthetic_dataset(tmp_path / "three", episodes=2, side=True, front_camera="close+side")
    train(TrainConfig(data=str(tmp_path / "three"), out=str(tmp_path / "b"), steps=1, lr=0.0,
                      batch_size=2, init=str(tmp_path / "a")))
    old, new = VLAPolicy.from_pretrained(tmp_path / "a"), VLAPolicy.from_pretrained(tmp_path / "b")
    assert new.meta.front_camera == "close+side"
    assert new.meta.training["spec"]["cameras"] == 3
    w_old = old.model.get_submodule(STEM_PATH).to_state.weight
    w_new = new.model.get_submodule(STEM_PATH).to_state.weight
    assert w_new.shape[1] == w_old.shape[1] * 3 // 2
    assert torch.equal(w_new[:, :w_old.shape[1]], w_old)  # the old cameras' columns kept
    assert torch.count_nonzero(w_new[:, w_old.shape[1]:]) == 0  # the side's start at zero
    # and nothing may be dropped: a two-camera fine-tune of the three-camera checkpoint
    with pytest.raises(SkillError, match="add cameras"):
        train(TrainConfig(data=str(tmp_path / "two"), out=str(tmp_path / "c"), steps=1,
                          batch_size=2, init=str(tmp_path / "b")))


def test_a_checkpoint_whose_setup_and_processor_disagree_does_not_load(tmp_path):
    import json

    from vlaplan.skills.checkpoint import load_checkpoint
    from vlaplan.skills.train import TrainConfig, train

    write_synthetic_dataset(tmp_path / "d", episodes=2, side=True, front_camera="close+side")
    train(TrainConfig(data=str(tmp_path / "d"), out=str(tmp_path / "ck"), steps=1,
                      batch_size=2, spec=tiny_spec("pi0", stem="film")))
    meta = json.loads((tmp_path / "ck" / "vlaplan.json").read_text())
    (tmp_path / "ck" / "vlaplan.json").write_text(json.dumps(meta | {"front_camera": "close"}))
    with pytest.raises(CheckpointError, match="renders"):
        load_checkpoint(tmp_path / "ck")


def test_the_processor_refuses_a_batch_with_the_wrong_number_of_cameras():
    from vla_helpers import tiny_policy_parts

    _, proc = tiny_policy_parts()
    image = torch.zeros((1, *CAMERA, 3), dtype=torch.uint8)
    with pytest.raises(SkillError, match="3 camera images"):
        proc.batch([image] * 3, torch.zeros(1, 12), ["pick up the red block"])
    assert proc.batch([image] * 2, torch.zeros(1, 12), ["pick"])["pixel_values"].shape[1] == 2
