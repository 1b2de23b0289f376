"""Training: loss goes down, logs, periodic checkpoints, resume, bad input."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from vlaplan.planner.errors import SkillError
from vlaplan.skills.train import LOG_FILE, STATE_FILE, TrainConfig, train
from vlaplan.skills.vla import VLAPolicy

from vla_helpers import tiny_spec, write_synthetic_dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("train_ds")
    write_synthetic_dataset(root, episodes=4)
    return root


@pytest.mark.parametrize("policy", ["pi0", "tokens"])
def test_training_lowers_the_loss_and_resumes(data, tmp_path, policy):
    out = tmp_path / "ck"
    cfg = dict(data=str(data), out=str(out), policy=policy, batch_size=8, lr=3e-3, warmup=2,
               log_every=1, save_every=10, spec=tiny_spec(policy))
    result = train(TrainConfig(steps=30, **cfg))
    log = [json.loads(x) for x in (out / LOG_FILE).read_text().splitlines()]
    assert [x["step"] for x in log] == list(range(1, 31))
    first = sum(x["loss"] for x in log[:5]) / 5
    last = sum(x["loss"] for x in log[-5:]) / 5
    assert last < first
    assert (out / STATE_FILE).exists() and result.steps == 30
    resumed = train(TrainConfig(steps=33, resume=True, **cfg))
    assert resumed.steps == 33
    log = [json.loads(x) for x in (out / LOG_FILE).read_text().splitlines()]
    assert [x["step"] for x in log][-3:] == [31, 32, 33]
    policy_obj = VLAPolicy.from_pretrained(out)
    assert policy_obj.meta.policy == policy and policy_obj.meta.training["steps"] == 33


def test_training_refuses_bad_input(data, tmp_path):
    with pytest.raises(SkillError, match="not a LeRobot v3 dataset"):
        train(TrainConfig(data=str(tmp_path), out=str(tmp_path / "ck"), steps=1))
    with pytest.raises(SkillError, match="unknown policy"):
        train(TrainConfig(data=str(data), out=str(tmp_path / "ck"), steps=1, policy="diffusion"))
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("x")
    with pytest.raises(SkillError, match="refusing to overwrite"):
        train(TrainConfig(data=str(data), out=str(tmp_path / "mine"), steps=1, spec=tiny_spec()))


def test_actions_per_chunk_are_saved_with_the_checkpoint(data, tmp_path):
    cfg = dict(data=str(data), steps=2, batch_size=4, warmup=1, spec=tiny_spec())
    train(TrainConfig(out=str(tmp_path / "four"), n_action_steps=3, **cfg))
    chunk = tiny_spec().chunk
    assert VLAPolicy.from_pretrained(tmp_path / "four").n_action_steps == 3
    train(TrainConfig(out=str(tmp_path / "whole"), **cfg))
    assert VLAPolicy.from_pretrained(tmp_path / "whole").n_action_steps == chunk
    with pytest.raises(SkillError, match="n-action-steps must be between 1 and the chunk"):
        train(TrainConfig(out=str(tmp_path / "bad"), n_action_steps=chunk + 1, **cfg))


def test_cli_train_and_collect_report_bad_input_as_exit_code_2(data, tmp_path, capsys):
    from vlaplan.cli import main

    out = tmp_path / "ck"
    code = main(["train", "--data", str(data), "--policy", "tokens", "--steps", "2",
                 "--out", str(out), "--batch-size", "4", "--hidden", "32", "--layers", "1",
                 "--image-size", "32", "--patch", "16", "--chunk", "4"])
    assert code == 0 and (out / "model.safetensors").exists()
    assert "trained 2 steps" in capsys.readouterr().out
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x")
    assert main(["collect", "--domain", "tabletop", "--episodes", "1",
                 "--out", str(tmp_path / "notes")]) == 2
    assert main(["train", "--data", str(tmp_path / "notes"), "--steps", "1",
                 "--out", str(tmp_path / "ck2")]) == 2
    assert "not a LeRobot v3 dataset" in capsys.readouterr().err


def test_early_frames_are_drawn_as_often_as_weighted(data):
    from vlaplan.skills.loader import ChunkDataset, make_loader

    ds = ChunkDataset(data, chunk=4)
    early = ds.frame_index < 2
    counts = {True: 0, False: 0}
    for seed in range(40):
        # batch of the whole epoch: every draw of the sampler is one item
        for i in list(make_loader(ds, 1, seed=seed, early_frames=2, early_weight=4.0).sampler):
            counts[bool(early[i])] += 1
    share = counts[True] / (counts[True] + counts[False])
    n_early, n = int(early.sum()), len(ds)
    expected = 4.0 * n_early / (4.0 * n_early + (n - n_early))
    assert abs(share - expected) < 0.05 and share > 1.5 * n_early / n
    plain = list(make_loader(ds, 1, seed=0).sampler)
    assert sorted(plain) == list(range(n))  # without weights: a permutation, as before
    with pytest.raises(SkillError, match="early_weight"):
        make_loader(ds, 1, early_frames=2, early_weight=0.0)


def test_goal_targets_are_the_hand_position_at_the_first_gripper_flip():
    from vlaplan.skills.goal_aux import goal_targets

    state = torch.arange(7 * 12, dtype=torch.float32).reshape(7, 12)
    action = torch.zeros(7, 5)
    action[:, 4] = torch.tensor([1.0, 1.0, -1.0, -1.0, 1.0, 1.0, 1.0])  # episode 1: flip at 2
    end = torch.tensor([4, 4, 4, 4, 7, 7, 7])  # episode 2 (frames 4..6) never flips
    goal, mask = goal_targets(state, action, end)
    assert mask.tolist() == [True, True, True, False, False, False, False]
    assert torch.equal(goal[0], state[2, :3]) and torch.equal(goal[2], state[2, :3])


def test_hand_offset_is_the_goal_seen_from_the_hand():
    import math

    from vlaplan.skills.goal_aux import OFFSET_SCALE, hand_offset

    state = torch.zeros(2, 12)
    state[:, :3] = torch.tensor([0.5, 0.0, 0.3])
    state[1, 3] = math.pi / 2  # second hand turned a quarter to the left
    goal = torch.tensor([[0.5, 0.1, 0.2], [0.5, 0.1, 0.2]])  # 10 cm along world +y, 10 cm down
    off = hand_offset(goal, state) * OFFSET_SCALE
    assert torch.allclose(off[0], torch.tensor([0.0, 0.1, -0.1]), atol=1e-6)
    assert torch.allclose(off[1], torch.tensor([0.1, 0.0, -0.1]), atol=1e-6)  # ahead of it


def test_hand_frame_goal_head_needs_the_film_stem_and_can_train_alone(data, tmp_path):
    from vlaplan.skills.goal_aux import GoalHead
    from vlaplan.skills.loader import ChunkDataset
    from vlaplan.skills.pi0 import build_model

    with pytest.raises(SkillError, match="film"):
        GoalHead(build_model(tiny_spec("pi0"), 64, 1), "hand")
    with pytest.raises(SkillError, match="goal frame"):
        GoalHead(build_model(tiny_spec("pi0"), 64, 1), "camera")
    ckpt = train(TrainConfig(data=str(data), out=str(tmp_path / "hf"), policy="pi0",
                             batch_size=4, steps=1, spec=tiny_spec("pi0", stem="film")))
    policy = VLAPolicy.from_pretrained(ckpt.out)
    model, proc = policy.model.train(), policy.processor
    head = GoalHead(model, "hand")
    ds = ChunkDataset(str(data), chunk=4)
    rows = [ds[i] for i in range(4)]
    batch = {k: torch.stack([r[k] for r in rows]) for k in rows[0] if k != "task"}
    inputs = proc.batch_of(batch, [r["task"] for r in rows])
    for detach in (True, False):
        model.zero_grad()
        head.zero_grad()
        model(timestep=torch.full((4,), 0.5), noise=torch.zeros(4, 4, 5), **inputs)
        mask = torch.ones(4, dtype=torch.bool)
        loss = head.loss(inputs, batch["goal"], mask, proc, state=batch["observation.state"],
                         detach=detach)
        loss.backward()
        stem_grad = model.get_submodule("model.vlm.vision_tower.embeddings.patch_embedding"
                                        ).keypoints.weight.grad
        assert head.proj[0].weight.grad.abs().sum() > 0
        assert (stem_grad is None or stem_grad.abs().sum() == 0) == detach


def test_goal_loss_trains_and_resumes_only_with_the_same_setting(data, tmp_path):
    out = tmp_path / "goal"
    cfg = dict(data=str(data), out=str(out), policy="pi0", batch_size=8, lr=3e-3, warmup=2,
               log_every=1, save_every=5, spec=tiny_spec("pi0"))
    plain = train(TrainConfig(steps=5, **cfg))
    with_goal = train(TrainConfig(steps=5, goal_loss=1.0, **cfg | {"out": str(tmp_path / "g2")}))
    assert with_goal.final_loss != plain.final_loss  # the extra term is in the loss
    assert "goal_head" in torch.load(tmp_path / "g2" / STATE_FILE, weights_only=False)
    with pytest.raises(SkillError, match="goal loss"):
        train(TrainConfig(steps=8, resume=True, goal_loss=1.0, **cfg))
    VLAPolicy.from_pretrained(tmp_path / "g2")  # the saved policy is plain π0


def test_film_stem_trains_with_the_goal_loss_and_reloads(data, tmp_path):
    """The prompt-conditioned stem in a real training run: the loss falls, the saved
    checkpoint reloads with the film stem and gives the trained model's actions."""
    from vla_helpers import observation

    out = tmp_path / "film"
    train(TrainConfig(data=str(data), out=str(out), policy="pi0", batch_size=8, lr=3e-3,
                      warmup=2, log_every=1, save_every=10, steps=30, goal_loss=1.0,
                      spec=tiny_spec("pi0", stem="film")))
    log = [json.loads(x)["loss"] for x in (out / LOG_FILE).read_text().splitlines()]
    assert sum(log[-5:]) < sum(log[:5])
    assert all("goal_ema" in json.loads(x) for x in (out / LOG_FILE).read_text().splitlines())
    head_state = torch.load(out / STATE_FILE, weights_only=False)["goal_head"]
    assert "proj.0.weight" in head_state  # the MLP on the stem's keypoints, not the linear one
    a = VLAPolicy.from_pretrained(out)
    b = VLAPolicy.from_pretrained(out)
    assert a.meta.vision_stem == "film"
    prompt = "pick up the red block"
    assert np.array_equal(a.predict_action_chunk(observation(2), prompt),
                          b.predict_action_chunk(observation(2), prompt))


def test_several_datasets_read_as_one(data, tmp_path):
    from vlaplan.skills.loader import ChunkDataset

    other = tmp_path / "other"
    write_synthetic_dataset(other, episodes=3, seed=5)
    one, two = ChunkDataset(data, chunk=4), ChunkDataset(other, chunk=4)
    both = ChunkDataset([data, other], chunk=4)
    assert len(both) == len(one) + len(two)
    assert len(both.episodes) == len(one.episodes) + len(two.episodes)
    # task indices are merged by text: every frame keeps its own prompt
    assert both[len(one)]["task"] == two[0]["task"] and both[0]["task"] == one[0]["task"]
    actions = torch.cat([one.action, two.action]).numpy()
    assert np.allclose(both.stats["action"]["mean"], actions.mean(0), atol=1e-5)
    assert np.allclose(both.stats["action"]["q99"], np.quantile(actions, 0.99, axis=0), atol=1e-5)
    with pytest.raises(SkillError, match="single root"):
        ChunkDataset([data, other], episodes=[0])


def test_fine_tuning_starts_from_the_init_checkpoint(data, tmp_path):
    base = tmp_path / "base"
    cfg = dict(data=str(data), batch_size=8, lr=3e-3, warmup=2, log_every=1, spec=tiny_spec())
    train(TrainConfig(out=str(base), steps=20, **cfg))
    # zero steps of fine-tuning reproduce the initial weights and statistics exactly
    same = tmp_path / "same"
    train(TrainConfig(out=str(same), steps=0, init=str(base), **cfg))
    a, b = VLAPolicy.from_pretrained(base), VLAPolicy.from_pretrained(same)
    for (name, p), (_, q) in zip(a.model.state_dict().items(), b.model.state_dict().items()):
        assert torch.equal(p, q), name
    assert a.processor.config.action == b.processor.config.action
    # a fine-tune samples and plays its chunks as its init does
    meta_file = base / "vlaplan.json"
    meta = json.loads(meta_file.read_text())
    meta.update(noise_scale=0.5, ensemble_every=2)
    meta_file.write_text(json.dumps(meta))
    tuned = tmp_path / "tuned"
    result = train(TrainConfig(out=str(tuned), steps=10, init=str(base),
                               **{**cfg, "data": [str(data), str(data)]}))
    log = [json.loads(x) for x in (tuned / LOG_FILE).read_text().splitlines()]
    assert result.steps == 10
    fresh = [json.loads(x) for x in (base / LOG_FILE).read_text().splitlines()]
    mean = lambda rows: sum(r["loss"] for r in rows) / len(rows)  # noqa: E731
    assert mean(log[:5]) < mean(fresh[:5])  # starts where the base ended, not from scratch
    assert VLAPolicy.from_pretrained(tuned).meta.training["init"] == str(base)
    fine = VLAPolicy.from_pretrained(tuned)
    assert (fine.noise_scale, fine.ensemble_every) == (0.5, 2)
    assert VLAPolicy.from_pretrained(same).ensemble_every == 0     # saved before the change
    # the other head: every weight whose shape fits comes along, the action projections
    # (5 vs 5 x 256 wide) start fresh
    tokens = tmp_path / "tokens"
    train(TrainConfig(out=str(tokens), steps=0, init=str(base), policy="tokens",
                      **{k: v for k, v in cfg.items() if k != "spec"}, spec=tiny_spec("tokens")))
    t = VLAPolicy.from_pretrained(tokens)
    assert t.meta.policy == "tokens" and t.model.config.max_action_dim == 5 * 256
    shared = [k for k, v in t.model.state_dict().items()
              if a.model.state_dict()[k].shape == v.shape]
    fresh = [k for k in t.model.state_dict() if k not in shared]
    assert fresh and all("action" in k for k in fresh)
    assert all(torch.equal(t.model.state_dict()[k], a.model.state_dict()[k]) for k in shared)


def test_word_dropout_keeps_the_object_descriptions():
    import random

    from vlaplan.skills.tokenizer import drop_words, template_words

    rng = random.Random(0)
    text = "pick up the red block"
    assert drop_words(text, 0.0, rng) == text
    outs = [drop_words(text, 0.5, rng) for _ in range(400)]
    assert all(o.endswith("red block") for o in outs)  # "red" and "block" are never dropped
    kept_pick = sum("pick" in o.split() for o in outs) / len(outs)
    assert 0.4 < kept_pick < 0.6
    assert {"pick", "up", "the", "table"} <= template_words()
    assert not {"red", "block"} & template_words()
    with pytest.raises(SkillError, match="word-dropout"):
        train(TrainConfig(data="x", out="y", steps=1, word_dropout=1.0))


def test_the_checkpoint_keeps_the_datasets_front_camera_and_cameras_do_not_mix(tmp_path):
    from vlaplan.skills.checkpoint import read_meta

    def dataset(name, camera):
        root = tmp_path / name
        write_synthetic_dataset(root, episodes=2, seed=len(name))
        path = root / "meta" / "vlaplan.json"
        meta = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps(meta | {"front_camera": camera}))
        return root

    close, close2, wide = dataset("c", "close"), dataset("cc", "close"), dataset("w", "wide")
    cfg = dict(policy="pi0", batch_size=4, lr=1e-3, spec=tiny_spec(), steps=2)
    train(TrainConfig(data=[str(close), str(close2)], out=str(tmp_path / "ck"), **cfg))
    assert read_meta(tmp_path / "ck").front_camera == "close"
    with pytest.raises(SkillError, match="different front cameras"):
        train(TrainConfig(data=[str(close), str(wide)], out=str(tmp_path / "mixed"), **cfg))


def test_a_checkpoint_records_the_held_out_combinations_it_never_trained_on(tmp_path):
    from vlaplan.skills.splits import HELD_OUT_COMBOS, untrained_combos

    def dataset(name, combos):
        root = tmp_path / name
        write_synthetic_dataset(root, episodes=2)
        meta_file = root / "meta" / "vlaplan.json"
        meta = json.loads(meta_file.read_text())
        meta["held_out_combos"] = [list(c) for c in combos]
        meta_file.write_text(json.dumps(meta))
        return str(root)

    held, some = dataset("held", HELD_OUT_COMBOS), dataset("some", HELD_OUT_COMBOS[:2])
    cfg = dict(batch_size=8, warmup=1, log_every=1, spec=tiny_spec(), steps=0)
    train(TrainConfig(data=held, out=str(tmp_path / "a"), **cfg))
    a = VLAPolicy.from_pretrained(tmp_path / "a").meta
    assert untrained_combos(a) == set(HELD_OUT_COMBOS)
    # two datasets: only what both left out stays untrained
    train(TrainConfig(data=[held, some], out=str(tmp_path / "b"), **cfg))
    assert untrained_combos(VLAPolicy.from_pretrained(tmp_path / "b").meta) \
        == set(HELD_OUT_COMBOS[:2])
    # a fine-tune keeps what its init saw: the init trained on everything here
    train(TrainConfig(data=held, out=str(tmp_path / "c"), init=str(tmp_path / "b"), **cfg))
    assert untrained_combos(VLAPolicy.from_pretrained(tmp_path / "c").meta) \
        == set(HELD_OUT_COMBOS[:2])
    # a checkpoint from before the field counts as trained without them
    meta_file = tmp_path / "a" / "vlaplan.json"
    old = json.loads(meta_file.read_text())
    old.pop("held_out_combos")
    meta_file.write_text(json.dumps(old))
    assert untrained_combos(VLAPolicy.from_pretrained(tmp_path / "a").meta) == set(HELD_OUT_COMBOS)


def test_the_goal_head_is_saved_and_a_fresh_one_learns_alone_on_a_fine_tune(data, tmp_path):
    from vlaplan.skills.goal_aux import HEAD_FILE, GoalHead, load_goal_head
    from vlaplan.skills.train import GOAL_WARMUP

    cfg = dict(data=str(data), batch_size=8, lr=3e-3, warmup=2, log_every=1, goal_loss=1.0,
               spec=tiny_spec("pi0", stem="film"))
    base = tmp_path / "base"
    train(TrainConfig(out=str(base), steps=10, **cfg))
    assert (base / HEAD_FILE).exists()
    saved = torch.load(base / STATE_FILE, weights_only=False)["goal_head"]
    policy = VLAPolicy.from_pretrained(base)
    head = GoalHead(policy.model, "world")
    assert load_goal_head(head, base)
    assert all(torch.equal(head.state_dict()[k], saved[k]) for k in saved)
    assert not load_goal_head(GoalHead(policy.model, "hand"), base)  # another frame: not used
    assert policy.meta.training["goal_warmup"] == 0  # from scratch: learns with the model

    # a fine-tune from a checkpoint with its head starts from it and needs no solo phase
    tuned = tmp_path / "tuned"
    train(TrainConfig(out=str(tuned), steps=3, init=str(base), **cfg))
    assert VLAPolicy.from_pretrained(tuned).meta.training["goal_warmup"] == 0
    first = json.loads((tuned / LOG_FILE).read_text().splitlines()[0])["goal_ema"]
    # ... a checkpoint without one (saved before session 19) gets a fresh head that learns
    # alone first, at the full rate, while the model learns only from the flow loss
    (base / HEAD_FILE).unlink()
    fresh = tmp_path / "fresh"
    train(TrainConfig(out=str(fresh), steps=3, init=str(base), **{**cfg, "warmup": 10}))
    meta = VLAPolicy.from_pretrained(fresh).meta.training
    assert meta["goal_warmup"] == GOAL_WARMUP
    again = json.loads((fresh / LOG_FILE).read_text().splitlines()[0])["goal_ema"]
    assert first < again  # the saved head already predicts the goal better than a fresh one
    lrs = [json.loads(x)["lr"] for x in (fresh / LOG_FILE).read_text().splitlines()]
    assert lrs[0] < cfg["lr"]  # the model's rate still warms up
    state = torch.load(fresh / STATE_FILE, weights_only=False)
    assert state["scheduler"]["_last_lr"][1] == pytest.approx(cfg["lr"])  # the head's does not
    # resumed within the solo phase, the head keeps it (and its full rate)
    train(TrainConfig(out=str(fresh), steps=5, init=str(base), resume=True,
                      **{**cfg, "warmup": 10}))
    state = torch.load(fresh / STATE_FILE, weights_only=False)
    assert state["goal_warmup"] == GOAL_WARMUP and state["step"] == 5
    assert state["scheduler"]["_last_lr"][1] == pytest.approx(cfg["lr"])
    assert state["scheduler"]["_last_lr"][0] < cfg["lr"]
    # with the solo phase given as 0, the goal gradient reaches the model from the start
    train(TrainConfig(out=str(tmp_path / "zero"), steps=1, init=str(base), goal_warmup=0, **cfg))
    assert VLAPolicy.from_pretrained(tmp_path / "zero").meta.training["goal_warmup"] == 0
