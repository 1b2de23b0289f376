"""Video of a run: the front camera, enlarged, with the current skill prompt overlaid.

GIF always works (pillow); MP4 needs imageio's ffmpeg plugin (the ``imageio-ffmpeg``
wheel ships its own binary).  :func:`check_record_path` fails fast, before a run starts.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vlaplan.planner.errors import ExecutionError

FORMATS = (".gif", ".mp4")


def _has_ffmpeg() -> bool:
    try:
        import imageio_ffmpeg
        imageio_ffmpeg.get_ffmpeg_exe()
        return True
    except Exception:
        return False


def check_record_path(path: str | Path) -> Path:
    """Validate an output path for :class:`Recorder`; raises ExecutionError with the fix."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ExecutionError(f"cannot record to {out}: use a .gif or .mp4 file name")
    if suffix == ".mp4" and not _has_ffmpeg():
        raise ExecutionError("recording .mp4 needs imageio-ffmpeg (pip install imageio-ffmpeg); "
                             "or record a .gif")
    if out.parent and not out.parent.exists():
        raise ExecutionError(f"cannot record to {out}: directory {out.parent} does not exist")
    return out


class Recorder:
    """Collects frames with captions and writes them as a GIF or MP4 on :meth:`close`."""

    def __init__(self, path: str | Path, fps: int = 20, every: int = 2, scale: int = 4,
                 camera: str = "observation.images.front") -> None:
        self.path = check_record_path(path)
        self.fps, self.every, self.scale, self.camera = fps, max(1, every), scale, camera
        self.frames: list[np.ndarray] = []
        self._tick = 0
        self._font = None

    def add(self, observation: Any, caption: str, force: bool = False) -> None:
        """Add the observation's camera image captioned with ``caption`` (every n-th call)."""
        self._tick += 1
        if not force and (self._tick - 1) % self.every:
            return
        image = observation.get(self.camera) if hasattr(observation, "get") else None
        if image is None:
            return
        self.frames.append(self._compose(np.asarray(image, dtype=np.uint8), caption))

    def _compose(self, image: np.ndarray, caption: str) -> np.ndarray:
        from PIL import Image, ImageDraw, ImageFont

        if self._font is None:
            self._font = ImageFont.load_default()
        h, w = image.shape[:2]
        big = Image.fromarray(image[..., :3]).resize((w * self.scale, h * self.scale),
                                                   Image.NEAREST)
        band = 28
        canvas = Image.new("RGB", (big.width, big.height + band), (20, 20, 20))
        canvas.paste(big, (0, 0))
        draw = ImageDraw.Draw(canvas)
        text = caption if len(caption) <= 60 else caption[:57] + "..."
        draw.text((6, big.height + 8), text, fill=(255, 255, 255), font=self._font)
        # MP4 encoders want even sizes.
        arr = np.asarray(canvas)
        return arr[: arr.shape[0] // 2 * 2, : arr.shape[1] // 2 * 2]

    def close(self) -> Path | None:
        """Write the file (nothing when no frame was recorded); returns its path."""
        if not self.frames:
            return None
        import imageio.v2 as imageio

        fps = max(1, self.fps // self.every)
        if self.path.suffix.lower() == ".gif":
            imageio.mimsave(self.path, self.frames, duration=1000 / fps, loop=0)
        else:
            imageio.mimsave(self.path, self.frames, fps=fps, macro_block_size=1)
        return self.path
