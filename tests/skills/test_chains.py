"""Chain episodes: every skill of a long task run by the executor, recorded as one episode."""
from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
from test_collect import _matches  # a sibling module, imported like vla_helpers

from vlaplan.planner.errors import SkillError
from vlaplan.skills.collect import CollectConfig, collect, scene_seed
from vlaplan.skills.contract import IMAGE_FRONT, IMAGE_WRIST
from vlaplan.skills.library import builtin_registry


def test_a_chain_records_each_skill_from_the_ready_pose_in_the_scene_the_task_made():
    from vlaplan.domains import get_domain
    from vlaplan.skills.chains import record_chain
    from vlaplan.world_model.ready_pose import ready_target
    from vlaplan.world_model.skill_start import REACH

    seed = scene_seed(5, 0)
    eps = record_chain("tabletop", seed, n_actions=6, image_size=32)
    kept = [e for e in eps if e["ok"]]
    assert len(kept) >= 4, [e["info"] for e in eps]
    registry = builtin_registry()
    for e in kept:
        skill = registry[e["info"]["skill"]]
        assert any(_matches(t, e["task"]) for t in skill.training_templates), e["task"]
        assert list(e["images"]) == [IMAGE_FRONT, IMAGE_WRIST]  # the default setup's cameras
        assert all(len(f) == len(e["state"]) == len(e["action"]) for f in e["images"].values())
        assert e["images"][IMAGE_FRONT][0][:8] == b"\x89PNG\r\n\x1a\n"
    steps = [e["info"]["chain_step"] for e in eps]
    assert steps == list(range(len(eps)))
    # every skill starts where execute() starts a learned one: at the ready height, within
    # the approach's reach of the ready position (over its block, or over open table for a
    # set-down), not where the previous skill left the hand (a grasp ends low over the block
    # it lifted)
    target, _ = ready_target(get_domain("tabletop").generate_scene(seed, n_objects=7).spec)
    for e in kept:
        assert abs(e["state"][0][2] - target[2]) < 0.02
        assert np.abs(e["state"][0][:2] - target[:2]).max() < REACH + 0.02
    assert any(np.abs(e["state"][0][:2] - target[:2]).max() > 0.03 for e in kept)
    assert min(float(e["state"][-1][2]) for e in kept) < target[2] - 0.1


def test_held_out_calls_of_a_chain_run_but_are_not_recorded(monkeypatch):
    from vlaplan.skills import splits
    from vlaplan.skills.chains import record_chain

    monkeypatch.setattr(splits, "held_out_call", lambda skill, args, objects: skill == "pick")
    eps = record_chain("tabletop", scene_seed(5, 1), n_actions=6, image_size=32)
    picks = [e for e in eps if e["info"]["skill"] == "pick"]
    assert picks and not any(e["ok"] for e in picks)
    assert any(e["ok"] for e in eps if e["info"]["skill"] != "pick")
    # asked to (collect --held-out), the same chain records them
    eps = record_chain("tabletop", scene_seed(5, 1), n_actions=6, image_size=32,
                       held_out=True)
    assert any(e["ok"] for e in eps if e["info"]["skill"] == "pick")


def test_collect_chains_writes_episodes_and_refuses_bad_settings(tmp_path):
    out = tmp_path / "chains"
    res = collect(CollectConfig(domains=["tabletop"], episodes=5, out=str(out), workers=1,
                                image_size=32, chains=6))
    assert res.episodes == 5
    rows = pq.read_table(out / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert len(rows) == 5 and all(r["success"] for r in rows)
    assert len({r["skill"] for r in rows}) >= 2  # a chain mixes skills
    # with --skills only those skills of the chains are kept
    res = collect(CollectConfig(domains=["tabletop"], episodes=3, out=str(tmp_path / "a"),
                                workers=1, image_size=32, chains=6, skills=["stack"]))
    rows = pq.read_table(tmp_path / "a/meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert res.episodes == 3 and {r["skill"] for r in rows} == {"stack"}
    with pytest.raises(SkillError, match="chains"):
        collect(CollectConfig(domains=["tabletop"], episodes=1, out=str(tmp_path / "b"),
                              workers=1, chains=-1))
    assert not (tmp_path / "b").exists()
