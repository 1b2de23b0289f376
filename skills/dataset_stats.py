"""``meta/stats.json`` for a v3 dataset: mean/std/min/max/q01/q99/count per feature.

Vectors get per-dimension statistics over every frame; images get per-channel
statistics in [0, 1] with shape (3, 1, 1), as LeRobot stores them, over a sample of
at most ``max_image_frames`` frames.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from vlaplan.skills.contract import IMAGE_KEYS, STATE_KEY

NUMERIC_KEYS = (STATE_KEY, "action", "timestamp", "frame_index", "episode_index", "index",
                "task_index")


def vector_stats(values: np.ndarray) -> dict[str, Any]:
    """Statistics over axis 0 of a (N, D) array."""
    v = np.asarray(values, dtype=np.float64)
    return {"mean": v.mean(0).tolist(), "std": v.std(0).tolist(), "min": v.min(0).tolist(),
            "max": v.max(0).tolist(), "q01": np.quantile(v, 0.01, axis=0).tolist(),
            "q99": np.quantile(v, 0.99, axis=0).tolist(), "count": [int(v.shape[0])]}


def _image_stats(pixels: np.ndarray) -> dict[str, Any]:
    """Per-channel stats of (N, H, W, 3) uint8 -> nested (3, 1, 1) lists in [0, 1]."""
    flat = pixels.reshape(-1, 3).astype(np.float32) / 255.0
    out = vector_stats(flat[:: max(1, len(flat) // 200_000)])
    out["count"] = [int(pixels.shape[0])]
    for key in ("mean", "std", "min", "max", "q01", "q99"):
        out[key] = [[[x]] for x in out[key]]
    return out


def compute_stats(root: Path, num_episodes: int, max_image_frames: int = 2000,
                  seed: int = 0) -> dict[str, Any]:
    from vlaplan.skills.dataset import data_file, decode_png

    numeric: dict[str, list[np.ndarray]] = {k: [] for k in NUMERIC_KEYS}
    for ep in range(num_episodes):
        table = pq.read_table(data_file(root, ep), columns=list(NUMERIC_KEYS))
        for key in NUMERIC_KEYS:
            col = table.column(key).to_pylist()
            numeric[key].append(np.asarray(col, dtype=np.float64).reshape(len(col), -1))
    stats = {k: vector_stats(np.concatenate(v)) for k, v in numeric.items()}
    rng = np.random.default_rng(seed)
    per_episode = max(1, max_image_frames // max(1, num_episodes))
    samples: dict[str, list[np.ndarray]] = {k: [] for k in IMAGE_KEYS}
    for ep in rng.permutation(num_episodes)[:max_image_frames]:
        table = pq.read_table(data_file(root, int(ep)), columns=list(IMAGE_KEYS))
        rows = rng.choice(table.num_rows, size=min(per_episode, table.num_rows), replace=False)
        for key in IMAGE_KEYS:
            col = table.column(key)
            samples[key] += [decode_png(col[int(r)].as_py()["bytes"]) for r in rows]
    for key in IMAGE_KEYS:
        stats[key] = _image_stats(np.stack(samples[key]))
    return stats
