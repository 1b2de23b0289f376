"""Collecting scripted demonstrations into a v3 dataset: content, resume, refusal."""
from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest

from vlaplan.planner.errors import SkillError
from vlaplan.skills.collect import CollectConfig, collect, scene_seed
from vlaplan.skills.library import builtin_registry
from vlaplan.skills.loader import ChunkDataset
from vlaplan.skills.splits import TRAIN_SEED_START, is_held_out


def _matches(template: str, prompt: str) -> bool:
    pattern = re.escape(template).replace(r"\{0\}", "(.+)").replace(r"\{1\}", "(.+)")
    return re.fullmatch(pattern, prompt) is not None


def test_collect_writes_a_dataset_and_resumes(tmp_path):
    out = tmp_path / "demos"
    first = collect(CollectConfig(domains=["tabletop"], episodes=2, out=str(out), workers=1,
                                  image_size=48))
    assert first.episodes == 2 and first.new_episodes == 2
    again = collect(CollectConfig(domains=["tabletop"], episodes=3, out=str(out), workers=1,
                                  image_size=48))
    assert again.episodes == 3 and again.new_episodes == 1
    info = json.loads((out / "meta/info.json").read_text())
    assert info["total_episodes"] == 3 and info["features"]["observation.images.front"]["shape"] == [48, 48, 3]
    rows = pq.read_table(out / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    registry = builtin_registry()
    seeds = [r["seed"] for r in rows]
    assert len(set(seeds)) == 3 and min(seeds) >= TRAIN_SEED_START
    for row in rows:
        assert row["success"] and row["domain"] == "tabletop"
        skill = registry[row["skill"]]
        prompt = row["tasks"][0]
        assert any(_matches(t, prompt) for t in skill.training_templates)
        assert not any(_matches(t, prompt) for t in skill.held_out_templates)
    ds = ChunkDataset(out, chunk=8)
    assert len(ds) == info["total_frames"] > 3


def test_collect_refuses_a_non_dataset_directory(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(SkillError, match="refusing to write"):
        collect(CollectConfig(domains=["tabletop"], episodes=1, out=str(tmp_path), workers=1))
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    with pytest.raises(SkillError, match="unknown domain"):
        collect(CollectConfig(domains=["mars"], episodes=1, out=str(tmp_path / "x"), workers=1))


def test_collect_passes_scene_options_to_the_generator_and_records_them(tmp_path):
    from vlaplan.planner.errors import WorldModelError

    with pytest.raises(WorldModelError, match="no option spacng"):
        collect(CollectConfig(domains=["tabletop"], episodes=1, out=str(tmp_path / "bad"),
                              workers=1, scene={"spacng": 0.06}))
    assert not (tmp_path / "bad").exists()  # refused before anything was written
    out = tmp_path / "close"
    collect(CollectConfig(domains=["tabletop"], episodes=2, out=str(out), workers=1,
                          image_size=32, skills=["pick"],
                          scene={"spacing": 0.06, "workspace": [[0.3, 0.4], [0.0, 0.3]]}))
    meta = json.loads((out / "meta/vlaplan.json").read_text())
    assert meta["scene_options"] == {"spacing": 0.06, "workspace": [[0.3, 0.4], [0.0, 0.3]]}
    # the recorded episodes are the scenes the options make (every block inside the area)
    from vlaplan.domains import get_domain
    episodes = pq.read_table(out / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert len(episodes) == 2
    for ep in episodes:
        scene = get_domain("tabletop").generate_scene(ep["seed"], for_skill="pick", spacing=0.06,
                                                      workspace=[[0.3, 0.4], [0.0, 0.3]])
        for o in scene.spec.objects:
            assert 0.3 <= o.pos[0] <= 0.4 and 0.0 <= o.pos[1] <= 0.3
    files = sorted((out / "data").rglob("*.parquet"))
    frames = [f for p in files for f in pq.read_table(
        p, columns=["observation.state", "episode_index"]).to_pylist()]
    for index in (0, 1):  # each pick ended with the hand (x, y) over a block in that area
        x, y = [f["observation.state"] for f in frames if f["episode_index"] == index][-1][:2]
        assert 0.28 <= x <= 0.42 and -0.02 <= y <= 0.32


def test_held_out_combinations_and_seeds():
    assert is_held_out("pick", {"colour": "purple", "shape": "cube"})
    assert not is_held_out("place", {"colour": "purple", "shape": "cube"})
    assert is_held_out("put-in", {"colour": "green", "shape": "cylinder"})
    assert not is_held_out("put-in", {"colour": "green", "shape": "cube"})
    assert scene_seed(0, 5) == TRAIN_SEED_START + 5
    with pytest.raises(SkillError):
        scene_seed(0, 10**6)


def test_home_jitter_varies_the_start_pose_and_is_bounded(tmp_path):
    from vlaplan.skills.collect import record_episode

    starts = []
    for jitter in (0.0, 0.0, 0.15, 0.15):
        ep = record_episode("tabletop", scene_seed(7, len(starts) % 2), image_size=32,
                            home_jitter=jitter)
        starts.append(ep["state"][0][:3])
    still, moved = abs(starts[0] - starts[1]), abs(starts[2] - starts[3])
    assert still.max() < 1e-3 < moved[:2].max()  # home is one pose; jitter moves it
    assert moved[:2].max() < 0.3 + 1e-3
    with pytest.raises(SkillError, match="home-jitter"):
        collect(CollectConfig(domains=["tabletop"], episodes=1, out=str(tmp_path / "j"),
                              workers=1, home_jitter=1.0))


class _StandStill:
    """A learner that never moves the arm (isolates who drives from who labels)."""

    def reset(self, call=None, seed=None):
        pass

    def select_action(self, observation, prompt):
        import numpy as np
        return np.zeros(5, dtype=np.float32)


def test_dagger_records_the_experts_labels_on_the_learners_states(monkeypatch):
    import numpy as np

    from vlaplan.skills import collect as collect_mod
    from vlaplan.skills.collect import record_episode

    monkeypatch.setitem(collect_mod._LEARNER, "still@tabletop", _StandStill())
    seed = scene_seed(3, 0)
    ep = record_episode("tabletop", seed, image_size=32, skills=["pick"], learner="still")
    assert ep["ok"] and ep["info"]["learner_success"] is False and ep["info"]["learner"] == "still"
    assert ep["info"]["skill"] == "pick" and len(ep["action"]) == 120  # whole budget
    # the learner drove: the arm never moved; the labels are the expert's moves towards it
    assert np.abs(ep["state"][:, :3] - ep["state"][0, :3]).max() < 0.01
    assert np.abs(ep["action"][:, :3]).max() > 0.5
    expert = record_episode("tabletop", seed, image_size=32, skills=["pick"])
    assert np.allclose(ep["action"][0], expert["action"][0], atol=1e-5)  # same first label
    # beta = 1: the expert drives every step, as in plain collection
    driven = record_episode("tabletop", seed, image_size=32, skills=["pick"], learner="still",
                            beta=1.0)
    assert driven["info"]["learner_success"] is True
    assert len(driven["action"]) == len(expert["action"])


def test_collect_refuses_bad_dagger_settings(tmp_path):
    with pytest.raises(SkillError, match="beta"):
        collect(CollectConfig(domains=["tabletop"], episodes=1, out=str(tmp_path / "a"),
                              workers=1, learner="vla", beta=1.5))
    with pytest.raises(SkillError, match="unknown policy"):
        collect(CollectConfig(domains=["tabletop"], episodes=1, out=str(tmp_path / "b"),
                              workers=1, learner=str(tmp_path / "nowhere")))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_the_front_camera_is_chosen_recorded_and_kept_on_resume(tmp_path):
    import io

    import numpy as np
    from PIL import Image

    def first_front(root):
        table = pq.read_table(next((root / "data").rglob("*.parquet")))
        png = table.column("observation.images.front")[0].as_py()
        return np.asarray(Image.open(io.BytesIO(png["bytes"] if isinstance(png, dict) else png)))

    wide, close = tmp_path / "wide", tmp_path / "close"
    for out, camera in ((wide, "wide"), (close, "close")):
        collect(CollectConfig(domains=["tabletop"], episodes=1, out=str(out), workers=1,
                              image_size=48, front_camera=camera))
        assert json.loads((out / "meta/vlaplan.json").read_text())["front_camera"] == camera
    assert not np.array_equal(first_front(wide), first_front(close))  # same slot, other view
    with pytest.raises(SkillError, match="front_camera 'close'"):
        collect(CollectConfig(domains=["tabletop"], episodes=2, out=str(close), workers=1,
                              image_size=48))
    from vlaplan.planner.errors import VlaplanError
    with pytest.raises(VlaplanError, match="overhead"):
        collect(CollectConfig(domains=["tabletop"], episodes=1, out=str(tmp_path / "x"),
                              workers=1, front_camera="overhead"))
    assert not (tmp_path / "x").exists()


def test_held_out_combinations_are_recorded_only_when_asked_and_kept_on_resume(tmp_path,
                                                                                 monkeypatch):
    from vlaplan.skills import collect as collect_mod

    # every pick is "held out": only --held-out records one
    monkeypatch.setattr(collect_mod, "held_out_call", lambda skill, args, objects: True)
    res = collect_mod.record_episode("tabletop", scene_seed(3, 0), image_size=32,
                                     skills=["pick"])
    assert not res["ok"] and res["info"]["reason"] == "no trainable call"
    res = collect_mod.record_episode("tabletop", scene_seed(3, 0), image_size=32,
                                     skills=["pick"], held_out=True)
    assert res["ok"] and res["info"]["skill"] == "pick"
    out = tmp_path / "all"
    collect(CollectConfig(domains=["tabletop"], episodes=1, out=str(out), workers=1,
                          image_size=32, skills=["pick"], held_out=True))
    assert json.loads((out / "meta/vlaplan.json").read_text())["held_out_combos"] == []
    with pytest.raises(SkillError, match="held_out_combos"):  # resumed without --held-out
        collect(CollectConfig(domains=["tabletop"], episodes=2, out=str(out), workers=1,
                              image_size=32, skills=["pick"]))
