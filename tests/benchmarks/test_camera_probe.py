"""benchmarks/camera_probe.py: block positions read from the front image, per placement."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import camera_probe as cp  # noqa: E402


def test_scenes_render_through_each_placement_with_their_block_positions():
    images, labels, mask, colours = cp.render_scenes(["wide", "close"], 3, size=32)
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
