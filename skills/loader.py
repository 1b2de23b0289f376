"""Reading a v3 dataset back as torch batches for training.

:class:`ChunkDataset` holds every frame's numbers and PNG bytes in memory and decodes
images on access; item ``i`` is frame ``i`` with the next ``chunk`` actions of its episode
(padded with the episode's last action, ``action_is_pad`` marks padding), as LeRobot's
``delta_timestamps`` would give.  :func:`make_loader` wraps it in a DataLoader.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import torch
from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler

from vlaplan.planner.errors import SkillError
from vlaplan.skills.contract import ACTION_DIM, IMAGE_KEYS, STATE_DIM, STATE_KEY
from vlaplan.skills.dataset import CODEBASE_VERSION, EPISODES_PATH, data_file, decode_png
from vlaplan.skills.dataset_stats import image_columns

REQUIRED_FEATURES = (*IMAGE_KEYS, STATE_KEY, "action", "episode_index", "frame_index",
                     "task_index")


def read_info(root: str | Path) -> dict[str, Any]:
    """meta/info.json of a dataset, or SkillError saying why ``root`` is not one."""
    root = Path(root)
    path = root / "meta" / "info.json"
    if not path.exists():
        raise SkillError(f"{root} is not a LeRobot v3 dataset: {path} is missing "
                         "(collect one with `vlaplan collect`)")
    try:
        info = json.loads(path.read_text())
    except (ValueError, OSError) as exc:
        raise SkillError(f"{path}: corrupt info.json ({exc})") from exc
    if info.get("codebase_version") != CODEBASE_VERSION:
        raise SkillError(f"{path}: codebase_version {info.get('codebase_version')!r}, "
                         f"expected {CODEBASE_VERSION!r}")
    missing = [k for k in REQUIRED_FEATURES if k not in info.get("features", {})]
    if missing:
        raise SkillError(f"{path}: features {missing} missing; expected {list(REQUIRED_FEATURES)}")
    return info


def read_stats(root: str | Path) -> dict[str, Any]:
    path = Path(root) / "meta" / "stats.json"
    try:
        return json.loads(path.read_text())
    except (ValueError, OSError) as exc:
        raise SkillError(f"{path}: missing or corrupt stats.json ({exc})") from exc


def read_tasks(root: str | Path) -> dict[int, str]:
    table = pq.read_table(Path(root) / "meta" / "tasks.parquet")
    names = [c for c in table.column_names if c != "task_index"]
    return dict(zip(table.column("task_index").to_pylist(), table.column(names[0]).to_pylist()))


def read_episodes(root: str | Path) -> list[dict[str, Any]]:
    """Episode rows without their ``stats/...`` columns (LeRobot's per-episode stats)."""
    path = Path(root) / EPISODES_PATH
    names = [n for n in pq.read_schema(path).names if not n.startswith("stats/")]
    return pq.read_table(path, columns=names).to_pylist()


class ChunkDataset(Dataset):
    """Frames of one or several v3 datasets with action chunks; optionally only some
    domains or (with a single root) some episodes.

    Several roots (e.g. demonstrations plus DAgger episodes) are read as one: their task
    tables are merged by text, and ``stats`` of ``observation.state`` and ``action`` are
    recomputed over all frames (the other keys are the first root's).
    """

    def __init__(self, root: str | Path | Sequence[str | Path], chunk: int = 8, *,
                 domains: list[str] | None = None, episodes: list[int] | None = None) -> None:
        roots = [Path(root)] if isinstance(root, (str, Path)) else [Path(r) for r in root]
        if not roots:
            raise SkillError("no dataset directory given")
        if episodes is not None and len(roots) > 1:
            raise SkillError("episodes= selects from one dataset; give a single root")
        self.root = roots[0]
        self.roots = roots
        self.info = read_info(self.root)
        self.stats = read_stats(self.root)
        self.chunk = chunk
        shape = self.info["features"][IMAGE_KEYS[0]]["shape"]
        #: the image features, in the order a policy reads them (a side camera after the two)
        self.image_keys = tuple(image_columns(self.info["features"]))
        task_ids: dict[str, int] = {}
        self.episodes: list[dict[str, Any]] = []
        images: dict[str, list[bytes]] = {k: [] for k in self.image_keys}
        state, action, task, frame, end = [], [], [], [], []
        for r in roots:
            info = read_info(r) if r != self.root else self.info
            if info["features"][IMAGE_KEYS[0]]["shape"] != shape:
                raise SkillError(f"{r}: images of shape {info['features'][IMAGE_KEYS[0]]['shape']}"
                                 f", but {self.root} has {shape}; datasets must match")
            keys = tuple(image_columns(info["features"]))
            if keys != self.image_keys:
                raise SkillError(f"{r}: cameras {list(keys)}, but {self.root} has "
                                 f"{list(self.image_keys)}; datasets must match")
            tasks = read_tasks(r)
            eps = read_episodes(r)
            if domains:
                eps = [e for e in eps if e.get("domain") in domains]
            if episodes is not None:
                keep = set(episodes)
                eps = [e for e in eps if e["episode_index"] in keep]
            for ep in eps:
                table = pq.read_table(data_file(r, ep["episode_index"]))
                n = table.num_rows
                base = len(action)
                for key in self.image_keys:
                    images[key] += [d["bytes"] for d in table.column(key).to_pylist()]
                state += table.column(STATE_KEY).to_pylist()
                action += table.column("action").to_pylist()
                task += [task_ids.setdefault(tasks[t], len(task_ids))
                         for t in table.column("task_index").to_pylist()]
                frame += range(n)
                end += [base + n] * n
            self.episodes += eps
        if not self.episodes:
            raise SkillError(f"{', '.join(map(str, roots))}: no episodes selected")
        self.tasks = {i: t for t, i in task_ids.items()}
        self.images = images
        self.state = torch.tensor(np.asarray(state, np.float32).reshape(-1, STATE_DIM))
        self.action = torch.tensor(np.asarray(action, np.float32).reshape(-1, ACTION_DIM))
        if len(roots) > 1:
            from vlaplan.skills.dataset_stats import vector_stats
            self.stats = {**self.stats, STATE_KEY: vector_stats(self.state.numpy()),
                          "action": vector_stats(self.action.numpy())}
        self.task_index = task
        self.frame_index = torch.tensor(frame)
        self.end = torch.tensor(end)
        from vlaplan.skills.goal_aux import goal_targets
        self.goal, self.goal_mask = goal_targets(self.state, self.action, self.end)

    def __len__(self) -> int:
        return len(self.action)

    def __getitem__(self, i: int) -> dict[str, Any]:
        steps = torch.arange(i, i + self.chunk)
        last = int(self.end[i]) - 1
        return {
            **{key: torch.from_numpy(decode_png(frames[i]).copy())
               for key, frames in self.images.items()},
            STATE_KEY: self.state[i],
            "action": self.action[steps.clamp(max=last)],
            "action_is_pad": steps > last,
            "task": self.tasks[self.task_index[i]],
            "goal": self.goal[i],
            "goal_mask": self.goal_mask[i],
        }


def make_loader(dataset: ChunkDataset, batch_size: int, seed: int = 0,
                num_workers: int = 0, early_frames: int = 0,
                early_weight: float = 1.0) -> DataLoader:
    """Shuffled, seeded batches of torch tensors (``task`` stays a list of strings).

    With ``early_frames > 0`` the first ``early_frames`` frames of every episode are drawn
    ``early_weight`` times as often as the others (sampling with replacement, one epoch =
    ``len(dataset)`` draws): those are the frames where only the images and the prompt
    tell where to go, and a plain shuffle lets the later, state-predictable frames
    dominate the loss."""
    generator = torch.Generator().manual_seed(seed)
    if early_frames > 0 and early_weight != 1.0:
        if early_weight <= 0:
            raise SkillError(f"early_weight must be positive, got {early_weight}")
        weights = torch.where(dataset.frame_index < early_frames, float(early_weight), 1.0)
        sampler = WeightedRandomSampler(weights.double(), num_samples=len(dataset),
                                        replacement=True, generator=generator)
        return DataLoader(dataset, batch_size=batch_size, sampler=sampler, drop_last=True,
                          num_workers=num_workers)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True,
                      generator=generator, num_workers=num_workers)
