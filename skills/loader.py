"""Reading a v3 dataset back as torch batches for training.

:class:`ChunkDataset` holds every frame's numbers and PNG bytes in memory and decodes
images on access; item ``i`` is frame ``i`` with the next ``chunk`` actions of its episode
(padded with the episode's last action, ``action_is_pad`` marks padding), as LeRobot's
``delta_timestamps`` would give.  :func:`make_loader` wraps it in a DataLoader.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import torch
from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler

from vlaplan.planner.errors import SkillError
from vlaplan.skills.contract import ACTION_DIM, IMAGE_KEYS, STATE_DIM, STATE_KEY
from vlaplan.skills.dataset import CODEBASE_VERSION, EPISODES_PATH, data_file, decode_png

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
    return pq.read_table(Path(root) / EPISODES_PATH).to_pylist()


class ChunkDataset(Dataset):
    """Frames of a v3 dataset with action chunks; optionally only some domains/skills."""

    def __init__(self, root: str | Path, chunk: int = 8, *, domains: list[str] | None = None,
                 episodes: list[int] | None = None) -> None:
        self.root = Path(root)
        self.info = read_info(self.root)
        self.stats = read_stats(self.root)
        self.tasks = read_tasks(self.root)
        self.chunk = chunk
        eps = read_episodes(self.root)
        if domains:
            eps = [e for e in eps if e.get("domain") in domains]
        if episodes is not None:
            keep = set(episodes)
            eps = [e for e in eps if e["episode_index"] in keep]
        if not eps:
            raise SkillError(f"{self.root}: no episodes selected")
        self.episodes = eps
        front, wrist, state, action, task, frame, end = [], [], [], [], [], [], []
        for ep in eps:
            table = pq.read_table(data_file(self.root, ep["episode_index"]))
            n = table.num_rows
            base = len(action)
            front += [d["bytes"] for d in table.column(IMAGE_KEYS[0]).to_pylist()]
            wrist += [d["bytes"] for d in table.column(IMAGE_KEYS[1]).to_pylist()]
            state += table.column(STATE_KEY).to_pylist()
            action += table.column("action").to_pylist()
            task += table.column("task_index").to_pylist()
            frame += range(n)
            end += [base + n] * n
        self.front, self.wrist = front, wrist
        self.state = torch.tensor(np.asarray(state, np.float32).reshape(-1, STATE_DIM))
        self.action = torch.tensor(np.asarray(action, np.float32).reshape(-1, ACTION_DIM))
        self.task_index = task
        self.frame_index = torch.tensor(frame)
        self.end = torch.tensor(end)
        from vlaplan.skills.goal_aux import goal_targets
        self.goal, self.goal_mask = goal_targets(self.state, self.action, self.end)

    def __len__(self) -> int:
        return len(self.front)

    def __getitem__(self, i: int) -> dict[str, Any]:
        steps = torch.arange(i, i + self.chunk)
        last = int(self.end[i]) - 1
        return {
            IMAGE_KEYS[0]: torch.from_numpy(decode_png(self.front[i]).copy()),
            IMAGE_KEYS[1]: torch.from_numpy(decode_png(self.wrist[i]).copy()),
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
