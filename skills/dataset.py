"""Demonstrations in the LeRobotDataset v3.0 layout (written with pyarrow, no lerobot needed).

::

    DIR/data/chunk-000/file-000.parquet      frames of one episode per file
    DIR/meta/info.json                       codebase_version "v3.0", fps, features, totals
    DIR/meta/stats.json                      min/max/mean/std/count/q01..q99 per feature
    DIR/meta/tasks.parquet                   columns task_index, task (the pandas index)
    DIR/meta/episodes/chunk-000/file-000.parquet   per-episode rows (length, offsets, tasks,
                                             stats/<feature>/<stat>, and ours: domain, skill...)
    DIR/meta/vlaplan.json                    domains, skills, held-out combinations (ours)

Frame columns: ``observation.images.front`` / ``observation.images.wrist`` (and
``observation.images.side`` when the camera setup has a side camera, the same in every
episode of a dataset) as PNG bytes in the Hugging Face ``Image`` struct (``{bytes, path}``,
feature dtype ``image``),
``observation.state`` (12 float32), ``action`` (5 float32), ``timestamp``, ``frame_index``,
``episode_index``, ``index``, ``task_index``.  Each episode is one data file written to a
temporary name and renamed, so a crash loses at most the episode being written; the
``meta/`` files are rebuilt from the data files by :meth:`DatasetWriter.finalize`.

LeRobot's own ``LeRobotDataset`` (0.4 and 0.6, codebase v3.0) reads these directories:
its loader takes the task strings from the index of ``tasks.parquet`` read by pandas,
and its episode tools (delete, split, merge) rebuild ``stats.json`` from the episodes'
``stats/`` columns.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vlaplan.planner.errors import SkillError
from vlaplan.skills.contract import (ACTION_DIM, ACTION_NAMES, CONTROL_HZ, IMAGE_KEYS,
                                     STATE_DIM, STATE_KEY, STATE_NAMES)

CODEBASE_VERSION = "v3.0"
CHUNKS_SIZE = 1000
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
EPISODES_PATH = "meta/episodes/chunk-000/file-000.parquet"
EPISODE_META_KEY = b"vlaplan_episode"
IMAGE_TYPE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def encode_png(image: np.ndarray) -> bytes:
    """uint8 (H, W, 3) -> PNG bytes."""
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def decode_png(data: bytes) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@dataclass
class Episode:
    """One recorded skill call: frames per camera (PNG bytes or arrays, keyed
    ``observation.images.<camera>``, front and wrist first), state, action, prompt."""

    images: dict[str, list[Any]]
    state: np.ndarray  # (T, STATE_DIM)
    action: np.ndarray  # (T, ACTION_DIM)
    task: str
    info: dict[str, Any] = field(default_factory=dict)  # domain, skill, args, seed, success...

    def __len__(self) -> int:
        return len(self.action)


def features(camera_shape: tuple[int, int],
             image_keys: tuple[str, ...] = IMAGE_KEYS) -> dict[str, dict[str, Any]]:
    h, w = camera_shape
    image = {"dtype": "image", "shape": [h, w, 3], "names": ["height", "width", "channels"]}
    scalar = {"shape": [1], "names": None}
    return {
        **{key: dict(image) for key in image_keys},
        STATE_KEY: {"dtype": "float32", "shape": [STATE_DIM], "names": list(STATE_NAMES)},
        "action": {"dtype": "float32", "shape": [ACTION_DIM], "names": list(ACTION_NAMES)},
        "timestamp": {"dtype": "float32", **scalar},
        "frame_index": {"dtype": "int64", **scalar},
        "episode_index": {"dtype": "int64", **scalar},
        "index": {"dtype": "int64", **scalar},
        "task_index": {"dtype": "int64", **scalar},
    }


def _hf_features(image_keys: tuple[str, ...] = IMAGE_KEYS) -> bytes:
    """The ``huggingface`` schema metadata, so ``datasets`` decodes images as Image."""
    def seq(n: int) -> dict[str, Any]:
        return {"feature": {"dtype": "float32", "_type": "Value"}, "length": n, "_type": "Sequence"}
    feats: dict[str, Any] = {k: {"_type": "Image"} for k in image_keys}
    feats |= {STATE_KEY: seq(STATE_DIM), "action": seq(ACTION_DIM),
              "timestamp": {"dtype": "float32", "_type": "Value"}}
    feats |= {k: {"dtype": "int64", "_type": "Value"}
              for k in ("frame_index", "episode_index", "index", "task_index")}
    return json.dumps({"info": {"features": feats}}).encode()


def data_file(root: Path, episode_index: int) -> Path:
    return root / DATA_PATH.format(chunk_index=episode_index // CHUNKS_SIZE,
                                   file_index=episode_index % CHUNKS_SIZE)


def is_dataset(root: Path) -> bool:
    return (root / "meta" / "info.json").exists() or (root / "data" / "chunk-000").is_dir()


def _atomic_write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    tmp.replace(path)


class DatasetWriter:
    """Appends episodes to a v3 dataset directory (new or resumed) and writes its meta."""

    def __init__(self, root: str | Path, *, fps: int = CONTROL_HZ,
                 robot_type: str = "panda_sim", extra_meta: dict[str, Any] | None = None) -> None:
        self.root = Path(root)
        self.fps = fps
        self.robot_type = robot_type
        self.extra_meta = dict(extra_meta or {})
        if self.root.exists() and not self.root.is_dir():
            raise SkillError(f"{self.root} is a file, not a dataset directory")
        if self.root.is_dir() and any(self.root.iterdir()) and not is_dataset(self.root):
            raise SkillError(f"{self.root} is not empty and is not a LeRobot v3 dataset "
                             "(no meta/info.json or data/chunk-000/); refusing to write into it")
        self.root.mkdir(parents=True, exist_ok=True)
        self._rows = self._scan()
        self._tasks: dict[str, int] = {}
        for row in self._rows:
            self._tasks.setdefault(row["task"], row["task_index"])

    # ------------------------------------------------------------------ state
    def _scan(self) -> list[dict[str, Any]]:
        """Episode rows recovered from the data files (contiguous from episode 0)."""
        for tmp in self.root.glob("data/*/*.tmp"):
            tmp.unlink()  # a write interrupted by a crash
        rows: list[dict[str, Any]] = []
        while data_file(self.root, len(rows)).exists():
            path = data_file(self.root, len(rows))
            try:
                meta = pq.read_schema(path).metadata or {}
                rows.append(json.loads(meta[EPISODE_META_KEY]))
            except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
                raise SkillError(f"{path}: unreadable episode file ({exc}); delete it to "
                                 "re-collect that episode") from exc
        return rows

    @property
    def num_episodes(self) -> int:
        return len(self._rows)

    @property
    def num_frames(self) -> int:
        return sum(r["length"] for r in self._rows)

    # ------------------------------------------------------------------ writing
    def add_episode(self, episode: Episode) -> int:
        """Write the next episode atomically; returns its episode index."""
        n = len(episode)
        if n == 0:
            raise SkillError("cannot write an empty episode")
        index = self.num_episodes
        start = self.num_frames
        task_index = self._tasks.setdefault(episode.task, len(self._tasks))
        state = np.asarray(episode.state, dtype=np.float32).reshape(n, STATE_DIM)
        action = np.asarray(episode.action, dtype=np.float32).reshape(n, ACTION_DIM)
        images = {key: [f if isinstance(f, bytes) else encode_png(f) for f in frames]
                  for key, frames in episode.images.items()}
        keys = tuple(images)
        if keys[:len(IMAGE_KEYS)] != IMAGE_KEYS:
            raise SkillError(f"an episode's images must begin with {list(IMAGE_KEYS)}; "
                             f"this one has {list(keys)}")
        if self._rows and tuple(self._rows[0].get("image_keys", IMAGE_KEYS)) != keys:
            raise SkillError(f"{self.root} holds images {list(self._rows[0].get('image_keys', IMAGE_KEYS))}"
                             f"; this episode has {list(keys)} (one camera setup per dataset)")
        short = [k for k, frames in images.items() if len(frames) != n]
        if short:
            raise SkillError(f"episode with {n} actions but another number of frames in {short}")
        first = decode_png(images[IMAGE_KEYS[0]][0])
        row = {"episode_index": index, "length": n, "task": episode.task,
               "task_index": task_index, "dataset_from_index": start,
               "dataset_to_index": start + n, "camera_shape": list(first.shape[:2]),
               "image_keys": list(keys),
               **{k: v for k, v in episode.info.items() if k not in ("task", "length")}}
        img = lambda frames: pa.array([{"bytes": b, "path": None} for b in frames], IMAGE_TYPE)  # noqa: E731
        table = pa.table({
            **{key: img(frames) for key, frames in images.items()},
            STATE_KEY: pa.array(list(state), pa.list_(pa.float32(), STATE_DIM)),
            "action": pa.array(list(action), pa.list_(pa.float32(), ACTION_DIM)),
            "timestamp": pa.array(np.arange(n, dtype=np.float32) / self.fps, pa.float32()),
            "frame_index": pa.array(np.arange(n), pa.int64()),
            "episode_index": pa.array(np.full(n, index), pa.int64()),
            "index": pa.array(np.arange(start, start + n), pa.int64()),
            "task_index": pa.array(np.full(n, task_index), pa.int64()),
        })
        from vlaplan.skills.dataset_stats import episode_stats
        row["stats"] = episode_stats(table)
        table = table.replace_schema_metadata(
            {b"huggingface": _hf_features(keys), EPISODE_META_KEY: json.dumps(row).encode()})
        _atomic_write(data_file(self.root, index), lambda p: pq.write_table(table, p))
        self._rows.append(row)
        return index

    # ------------------------------------------------------------------ meta
    def finalize(self) -> dict[str, Any]:
        """(Re)write every file under meta/ from the episodes written so far."""
        from vlaplan.skills.dataset_stats import compute_stats, episode_stats

        if not self._rows:
            raise SkillError(f"{self.root}: no episodes to describe")
        camera_shape = tuple(self._rows[0]["camera_shape"])
        for i, row in enumerate(self._rows):  # episodes written before rows kept their stats
            if "stats" not in row:
                row["stats"] = episode_stats(pq.read_table(data_file(self.root, i)))
        info = {
            "codebase_version": CODEBASE_VERSION, "robot_type": self.robot_type,
            "total_episodes": self.num_episodes, "total_frames": self.num_frames,
            "total_tasks": len(self._tasks), "chunks_size": CHUNKS_SIZE,
            "data_files_size_in_mb": 100, "video_files_size_in_mb": 500, "fps": self.fps,
            "splits": {"train": f"0:{self.num_episodes}"}, "data_path": DATA_PATH,
            "video_path": None,
            "features": features(camera_shape,
                                 tuple(self._rows[0].get("image_keys", IMAGE_KEYS))),
        }
        meta = self.root / "meta"
        tasks = sorted(self._tasks.items(), key=lambda kv: kv[1])
        # LeRobot writes a pandas frame indexed by "task": a column "task" that the pandas
        # metadata names as the index, which is where its reader looks for the strings
        task_table = pa.table({"task_index": pa.array([i for _, i in tasks], pa.int64()),
                               "task": pa.array([t for t, _ in tasks], pa.string())})
        task_table = task_table.replace_schema_metadata({b"pandas": json.dumps({
            "index_columns": ["task"], "column_indexes": [], "columns": [
                {"name": "task_index", "field_name": "task_index", "pandas_type": "int64",
                 "numpy_type": "int64", "metadata": None},
                {"name": "task", "field_name": "task", "pandas_type": "unicode",
                 "numpy_type": "object", "metadata": None}],
            "pandas_version": "2.2.0"}).encode()})
        _atomic_write(meta / "tasks.parquet", lambda p: pq.write_table(task_table, p))
        _atomic_write(self.root / EPISODES_PATH,
                      lambda p: pq.write_table(self._episodes_table(), p))
        stats = compute_stats(self.root, self.num_episodes)
        _atomic_write(meta / "stats.json", lambda p: p.write_text(json.dumps(stats, indent=1)))
        extra = {"domains": sorted({r.get("domain", "") for r in self._rows} - {""}),
                 "skills": sorted({r.get("skill", "") for r in self._rows} - {""}),
                 **self.extra_meta}
        _atomic_write(meta / "vlaplan.json", lambda p: p.write_text(json.dumps(extra, indent=1)))
        _atomic_write(meta / "info.json", lambda p: p.write_text(json.dumps(info, indent=2)))
        return info

    def _episodes_table(self) -> pa.Table:
        rows = self._rows
        col = lambda k: [r[k] for r in rows]  # noqa: E731
        n = len(rows)
        # per-episode stats as LeRobot keeps them: one column per feature and statistic
        stats = {f"stats/{key}/{stat}": pa.array([r["stats"][key][stat] for r in rows])
                 for key, per_key in rows[0]["stats"].items() for stat in per_key}
        return pa.table({
            "episode_index": pa.array(col("episode_index"), pa.int64()),
            "tasks": pa.array([[r["task"]] for r in rows], pa.list_(pa.string())),
            "length": pa.array(col("length"), pa.int64()),
            "data/chunk_index": pa.array([r["episode_index"] // CHUNKS_SIZE for r in rows], pa.int64()),
            "data/file_index": pa.array([r["episode_index"] % CHUNKS_SIZE for r in rows], pa.int64()),
            "dataset_from_index": pa.array(col("dataset_from_index"), pa.int64()),
            "dataset_to_index": pa.array(col("dataset_to_index"), pa.int64()),
            "meta/episodes/chunk_index": pa.array([0] * n, pa.int64()),
            "meta/episodes/file_index": pa.array([0] * n, pa.int64()),
            **stats,
            "domain": pa.array([r.get("domain", "") for r in rows], pa.string()),
            "skill": pa.array([r.get("skill", "") for r in rows], pa.string()),
            "seed": pa.array([r.get("seed", -1) for r in rows], pa.int64()),
            "success": pa.array([bool(r.get("success", True)) for r in rows], pa.bool_()),
            # DAgger episodes (collect --learner): the policy that drove; "" = the expert
            "learner": pa.array([r.get("learner") or "" for r in rows], pa.string()),
        })
