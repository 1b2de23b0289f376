"""Recorder: GIF (pillow) and MP4 (imageio-ffmpeg) with the prompt overlaid."""
from __future__ import annotations

import imageio.v2 as imageio
import numpy as np
import pytest

from vlaplan.executor.recording import Recorder, check_record_path
from vlaplan.planner.errors import ExecutionError


def _obs(value: int) -> dict:
    img = np.full((96, 96, 3), value, dtype=np.uint8)
    return {"observation.images.front": img}


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_recorder_writes_captioned_video(tmp_path, suffix) -> None:
    rec = Recorder(tmp_path / f"run{suffix}", every=1)
    for i in range(6):
        rec.add(_obs(40 * i), "pick up the red block")
    path = rec.close()
    frames = imageio.mimread(path) if suffix == ".gif" else [f for f in imageio.get_reader(path, format="FFMPEG")]
    assert len(frames) == 6
    first = np.asarray(frames[0])
    assert first.shape[0] > 96 * 4  # enlarged image plus a caption band
    band = first[96 * 4:, :, :3]
    assert band.max() > 150  # white caption text on the dark band


def test_bad_record_paths_fail_before_running(tmp_path) -> None:
    with pytest.raises(ExecutionError, match="gif or .mp4"):
        check_record_path(tmp_path / "out.avi")
    with pytest.raises(ExecutionError, match="does not exist"):
        check_record_path(tmp_path / "missing" / "out.gif")


def test_recorder_without_frames_writes_nothing(tmp_path) -> None:
    rec = Recorder(tmp_path / "empty.gif")
    assert rec.close() is None
    assert not (tmp_path / "empty.gif").exists()
