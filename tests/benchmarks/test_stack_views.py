"""benchmarks/stack_views.py: front and wrist images around a scripted stack's release."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import stack_views as sv  # noqa: E402


def test_the_release_frame_is_where_the_gripper_opens_and_the_picture_has_a_row_per_moment(tmp_path):
    prompt, frames, opened = sv.stack_frames(11, size=32)
    assert prompt.startswith(("stack", "put", "place", "set"))
    assert 0 < opened < len(frames)
    front, wrist = frames[opened]
    assert front.shape == wrist.shape == (32, 32, 3)
    assert not np.array_equal(frames[0][1], wrist)  # the hand moved: the wrist view changed
    out = tmp_path / "views.png"
    assert sv.main(["--seeds", "11", "--size", "32", "--out", str(out)]) == 0
    image = np.asarray(Image.open(out))
    assert image.shape == (3 * 32 * sv.SCALE, 2 * 32 * sv.SCALE, 3)


def test_a_side_camera_setup_adds_a_column(tmp_path):
    out = tmp_path / "side.png"
    assert sv.main(["--seeds", "11", "--size", "32", "--front-camera", "close+side",
                    "--out", str(out)]) == 0
    assert np.asarray(Image.open(out)).shape == (3 * 32 * sv.SCALE, 3 * 32 * sv.SCALE, 3)


def test_an_unknown_front_camera_is_refused(tmp_path, capsys):
    assert sv.main(["--front-camera", "nowhere", "--out", str(tmp_path / "x.png")]) == 2
    assert "nowhere" in capsys.readouterr().err and not (tmp_path / "x.png").exists()
