"""Statistics of a v3 dataset: min/max/mean/std/count and the q01/q10/q50/q90/q99
quantiles per feature, the set LeRobot writes.

``compute_stats`` gives ``meta/stats.json``; ``episode_stats`` gives one episode's, which
LeRobot keeps as ``stats/<feature>/<stat>`` columns of ``meta/episodes/`` (its tools that
delete, split or merge episodes rebuild ``stats.json`` from them).  Vectors get
per-dimension statistics over every frame; images get per-channel statistics in [0, 1]
with shape (3, 1, 1), as LeRobot stores them, over a sample of frames.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vlaplan.skills.contract import IMAGE_KEYS, IMAGE_PREFIX, STATE_KEY

NUMERIC_KEYS = (STATE_KEY, "action", "timestamp", "frame_index", "episode_index", "index",
                "task_index")


QUANTILES = {"q01": 0.01, "q10": 0.10, "q50": 0.50, "q90": 0.90, "q99": 0.99}


def vector_stats(values: np.ndarray) -> dict[str, Any]:
    """Statistics over axis 0 of a (N, D) array."""
    v = np.asarray(values, dtype=np.float64)
    out = {"mean": v.mean(0).tolist(), "std": v.std(0).tolist(), "min": v.min(0).tolist(),
           "max": v.max(0).tolist()}
    for key, q in zip(QUANTILES, np.quantile(v, list(QUANTILES.values()), axis=0)):
        out[key] = q.tolist()
    return out | {"count": [int(v.shape[0])]}


def _image_stats(pixels: np.ndarray) -> dict[str, Any]:
    """Per-channel stats of (N, H, W, 3) uint8 -> nested (3, 1, 1) lists in [0, 1]."""
    flat = pixels.reshape(-1, 3).astype(np.float32) / 255.0
    out = vector_stats(flat[:: max(1, len(flat) // 200_000)])
    out["count"] = [int(pixels.shape[0])]
    for key in out.keys() - {"count"}:
        out[key] = [[[x]] for x in out[key]]
    return out


def _numeric(table: pa.Table, key: str) -> np.ndarray:
    """A numeric column as an (N, D) float64 array."""
    col = table.column(key).to_pylist()
    return np.asarray(col, dtype=np.float64).reshape(len(col), -1)


def _frames(table: pa.Table, key: str, rows: Any) -> list[np.ndarray]:
    """The decoded images of an image column at ``rows``."""
    from vlaplan.skills.dataset import decode_png

    col = table.column(key)
    return [decode_png(col[int(r)].as_py()["bytes"]) for r in rows]


def episode_stats(table: pa.Table, max_image_frames: int = 100) -> dict[str, Any]:
    """Statistics of one episode's frames (a data file's table): every numeric column,
    and images over at most ``max_image_frames`` evenly spaced frames."""
    n = table.num_rows
    stats = {key: vector_stats(_numeric(table, key)) for key in NUMERIC_KEYS}
    rows = np.unique(np.linspace(0, n - 1, min(n, max_image_frames)).round().astype(int))
    for key in image_columns(table.column_names):
        stats[key] = _image_stats(np.stack(_frames(table, key, rows)))
    return stats


def image_columns(names: Any) -> list[str]:
    """The image features among column names: front and wrist first, then any others
    (a side camera) in the order the names list them.  The writer lists them in the
    order the robot rendered them (``render.camera_names``), so that order is the one
    source of a dataset's camera order."""
    extra = [n for n in names if n.startswith(IMAGE_PREFIX) and n not in IMAGE_KEYS]
    return [k for k in IMAGE_KEYS if k in names] + extra


def compute_stats(root: Path, num_episodes: int, max_image_frames: int = 2000,
                  seed: int = 0) -> dict[str, Any]:
    from vlaplan.skills.dataset import data_file

    numeric: dict[str, list[np.ndarray]] = {k: [] for k in NUMERIC_KEYS}
    for ep in range(num_episodes):
        table = pq.read_table(data_file(root, ep), columns=list(NUMERIC_KEYS))
        for key in NUMERIC_KEYS:
            numeric[key].append(_numeric(table, key))
    stats = {k: vector_stats(np.concatenate(v)) for k, v in numeric.items()}
    rng = np.random.default_rng(seed)
    per_episode = max(1, max_image_frames // max(1, num_episodes))
    keys = image_columns(pq.read_schema(data_file(root, 0)).names)
    samples: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    for ep in rng.permutation(num_episodes)[:max_image_frames]:
        table = pq.read_table(data_file(root, int(ep)), columns=keys)
        rows = rng.choice(table.num_rows, size=min(per_episode, table.num_rows), replace=False)
        for key in keys:
            samples[key] += _frames(table, key, rows)
    for key in keys:
        stats[key] = _image_stats(np.stack(samples[key]))
    return stats
