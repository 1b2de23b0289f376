"""benchmarks/camera_probe.py: block positions read from the front image, per placement."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import camera_probe as cp  # noqa: E402


def test_scenes_render_through_each_placement_with_their_block_positions():
    images, labels, mask, colours, levels = cp.render_scenes(["wide", "close"], 3, size=32)
    assert images["wide"].shape == (3, 32, 32, 3) and labels.shape == (3, len(colours), 2)
    assert not np.array_equal(images["wide"], images["close"])
    assert mask.sum() > 0 and np.all(labels[mask == 0] == 0)
    # labelled positions lie in the tabletop workspace
    xy = labels[mask > 0]
    assert np.all((xy[:, 0] > 0.2) & (xy[:, 0] < 0.8) & (np.abs(xy[:, 1]) < 0.4))


def test_a_trained_probe_beats_guessing_the_mean(tmp_path):
    out = tmp_path / "probe.json"
    assert cp.main(["--cameras", "close", "--scenes", "400", "--test", "60", "--steps", "900",
                    "--size", "32", "--json", str(out)]) == 0
    result = json.loads(out.read_text())["results"]["close"]
    assert result["blocks"] > 100
    assert result["distance_mm"] < 0.75 * result["mean_guess_distance_mm"]


def test_towers_grow_one_stack_by_one_to_three_blocks():
    from vlaplan.domains import get_domain

    rng = np.random.default_rng(0)
    grown = 0
    for k in range(6):
        spec = get_domain("tabletop").generate_scene(cp.SCENE_SEED + k).spec
        tall = cp.stacked(spec, rng)  # SceneSpec validates it: nothing overlaps or floats
        assert [o.name for o in tall.objects] == [o.name for o in spec.objects]
        moved = [o for o, before in zip(tall.objects, spec.objects) if o.pos != before.pos]
        assert len(moved) <= 3
        assert len({(round(o.pos[0], 6), round(o.pos[1], 6)) for o in moved}) <= 1  # one stack
        assert all(cp.level_of(o, tall.table.height) >= 2 for o in moved)
        stacks = {(round(o.pos[0], 3), round(o.pos[1], 3)) for o in spec.objects}
        assert moved or len(stacks) == 1  # only a scene that is one stack stays as it was
        grown += bool(moved)
    assert grown >= 4
    levels = cp.render_scenes(["close"], 4, size=32, towers=True)[4]
    assert levels.max() >= 3


def test_the_probe_reports_errors_per_level(tmp_path):
    out = tmp_path / "towers.json"
    assert cp.main(["--cameras", "close", "--scenes", "60", "--test", "20", "--steps", "20",
                    "--size", "32", "--towers", "--json", str(out)]) == 0
    by_level = json.loads(out.read_text())["results"]["close"]["by_level"]
    assert "1" in by_level and any(int(k) >= 2 for k in by_level)
    assert all(v["blocks"] > 0 and v["abs_x_mm"] >= 0 for v in by_level.values())


def test_a_candidate_placement_is_probed_for_that_run_only(tmp_path, capsys):
    from vlaplan.world_model.render import FRONT_PLACEMENTS

    before = dict(FRONT_PLACEMENTS)
    out = tmp_path / "side.json"
    assert cp.main(["--placement", "side=0.07,0.62,0.40,0.07,0,0.06,50", "--cameras", "side",
                    "close", "--scenes", "30", "--test", "10", "--steps", "5", "--size", "32",
                    "--json", str(out)]) == 0
    results = json.loads(out.read_text())["results"]
    assert set(results) == {"side", "close"}
    assert FRONT_PLACEMENTS == before  # nothing left behind
    for bad in ("side=1,2,3", "close=0,0,1,0,0,0,50", "=0,0,1,0,0,0,50", "x=a,0,1,0,0,0,50"):
        with pytest.raises(SystemExit):
            cp.main(["--placement", bad, "--scenes", "5", "--test", "2"])
    with pytest.raises(SystemExit):
        cp.main(["--cameras", "nowhere", "--scenes", "5", "--test", "2"])
    assert "unknown placements" in capsys.readouterr().err
