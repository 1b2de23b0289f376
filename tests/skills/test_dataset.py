"""The LeRobot v3 dataset: layout, metadata, stats, resume, refusal, torch batches."""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from vlaplan.planner.errors import SkillError
from vlaplan.skills.contract import IMAGE_FRONT, IMAGE_WRIST, STATE_KEY
from vlaplan.skills.dataset import EPISODE_META_KEY, DatasetWriter, decode_png
from vlaplan.skills.loader import ChunkDataset, make_loader, read_episodes, read_info

from vla_helpers import CAMERA, PROMPTS, write_synthetic_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("ds")
    write_synthetic_dataset(root, episodes=4)
    return root


def test_layout_and_info_json(dataset):
    info = json.loads((dataset / "meta/info.json").read_text())
    assert info["codebase_version"] == "v3.0"
    assert info["total_episodes"] == 4 and info["total_frames"] == 6 + 8 + 10 + 12
    assert info["total_tasks"] == 2 and info["splits"] == {"train": "0:4"}
    assert info["features"][IMAGE_FRONT] == {"dtype": "image", "shape": [*CAMERA, 3],
                                             "names": ["height", "width", "channels"]}
    assert info["features"][STATE_KEY]["shape"] == [12]
    for ep in range(4):
        path = dataset / info["data_path"].format(chunk_index=0, file_index=ep)
        assert path.exists()
    assert (dataset / "meta/tasks.parquet").exists()
    assert (dataset / "meta/episodes/chunk-000/file-000.parquet").exists()


def test_frames_hold_png_images_and_indices(dataset):
    table = pq.read_table(dataset / "data/chunk-000/file-001.parquet")
    row = table.slice(2, 1).to_pylist()[0]
    assert decode_png(row[IMAGE_WRIST]["bytes"]).shape == (*CAMERA, 3)
    assert row["episode_index"] == 1 and row["frame_index"] == 2 and row["index"] == 6 + 2
    assert row["timestamp"] == pytest.approx(2 / 20)
    assert b"huggingface" in table.schema.metadata


def test_episodes_and_tasks_tables(dataset):
    eps = pq.read_table(dataset / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert [e["length"] for e in eps] == [6, 8, 10, 12]
    assert all(a["dataset_to_index"] == b["dataset_from_index"] for a, b in zip(eps, eps[1:]))
    assert eps[1]["tasks"] == [PROMPTS[1]] and eps[1]["data/file_index"] == 1
    tasks = pq.read_table(dataset / "meta/tasks.parquet").to_pylist()
    assert sorted(t["task"] for t in tasks) == sorted(PROMPTS[:2])


STATS = {"min", "max", "mean", "std", "count", "q01", "q10", "q50", "q90", "q99"}


def test_meta_follows_lerobot_v3(dataset):
    """What LeRobot's own reader and tools rely on (checked by loading such a directory with
    lerobot 0.4.4 and 0.6.1): tasks.parquet is a pandas frame indexed by a column "task";
    each episode row has the v3 offsets and its stats as stats/<feature>/<stat> columns
    (delete/split/merge rebuild stats.json from them); image columns are {bytes, path}."""
    info = json.loads((dataset / "meta/info.json").read_text())
    assert info["data_path"] == "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
    assert info["video_path"] is None and info["fps"] == 20
    for key in ("timestamp", "frame_index", "episode_index", "index", "task_index"):
        assert info["features"][key]["shape"] == [1] and info["features"][key]["names"] is None
    tasks = pq.read_table(dataset / "meta/tasks.parquet")
    assert tasks.column_names == ["task_index", "task"]
    assert json.loads(tasks.schema.metadata[b"pandas"])["index_columns"] == ["task"]
    eps = pq.read_table(dataset / "meta/episodes/chunk-000/file-000.parquet")
    assert {"episode_index", "tasks", "length", "data/chunk_index", "data/file_index",
            "dataset_from_index", "dataset_to_index", "meta/episodes/chunk_index",
            "meta/episodes/file_index"} <= set(eps.column_names)
    assert {f"stats/{k}/{s}" for k in info["features"] for s in STATS} <= set(eps.column_names)
    assert eps.schema.field("stats/action/mean").type == pa.list_(pa.float64())
    assert eps.schema.field("stats/action/count").type == pa.list_(pa.int64())
    row = eps.slice(1, 1).to_pylist()[0]  # episode 1: 8 frames, indices 6..13
    assert row["stats/action/count"] == [8] and row["stats/index/max"] == [13.0]
    assert np.asarray(row[f"stats/{IMAGE_FRONT}/q50"]).shape == (3, 1, 1)
    stats = json.loads((dataset / "meta/stats.json").read_text())
    assert all(set(stats[k]) == STATS for k in info["features"])
    data = pq.read_schema(dataset / "data/chunk-000/file-000.parquet")
    assert data.field(IMAGE_FRONT).type == pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    assert not any(k.startswith("stats/") for k in read_episodes(dataset)[0])  # ours skips them


def test_episodes_written_without_stats_get_them_at_finalize(tmp_path):
    write_synthetic_dataset(tmp_path, episodes=2, finalize=False)
    path = tmp_path / "data/chunk-000/file-000.parquet"
    table = pq.read_table(path)
    row = json.loads(table.schema.metadata[EPISODE_META_KEY])
    del row["stats"]  # as written before per-episode stats were kept
    pq.write_table(table.replace_schema_metadata(
        {**table.schema.metadata, EPISODE_META_KEY: json.dumps(row).encode()}), path)
    DatasetWriter(tmp_path).finalize()
    eps = pq.read_table(tmp_path / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert [e["stats/action/count"] for e in eps] == [[6], [8]]


def test_stats_have_quantiles_and_per_channel_image_stats(dataset):
    stats = json.loads((dataset / "meta/stats.json").read_text())
    act = stats["action"]
    assert set(act) >= {"mean", "std", "min", "max", "q01", "q99", "count"}
    assert act["max"][4] == 1.0 and act["min"][4] == -1.0
    assert act["q01"][0] <= act["mean"][0] <= act["q99"][0]
    assert np.asarray(stats[IMAGE_FRONT]["mean"]).shape == (3, 1, 1)
    assert 0.3 < stats[IMAGE_FRONT]["mean"][0][0][0] < 0.7  # uniform random pixels


def test_loader_yields_torch_batches_with_padded_chunks(dataset):
    ds = ChunkDataset(dataset, chunk=4)
    assert len(ds) == 36
    last = ds[5]  # the last frame of episode 0
    assert last["action_is_pad"].tolist() == [False, True, True, True]
    assert torch.equal(last["action"][1], last["action"][0])
    batch = next(iter(make_loader(ds, batch_size=8, seed=0)))
    assert batch[IMAGE_FRONT].shape == (8, *CAMERA, 3) and batch[IMAGE_FRONT].dtype == torch.uint8
    assert batch["action"].shape == (8, 4, 5) and len(batch["task"]) == 8


def test_resume_continues_after_a_crash(tmp_path):
    write_synthetic_dataset(tmp_path, episodes=2, finalize=False)
    (tmp_path / "data/chunk-000/file-002.parquet.tmp").write_bytes(b"half an episode")
    writer = DatasetWriter(tmp_path)
    assert writer.num_episodes == 2 and writer.num_frames == 14
    assert not (tmp_path / "data/chunk-000/file-002.parquet.tmp").exists()
    writer.finalize()
    assert read_info(tmp_path)["total_episodes"] == 2


def test_a_directory_that_is_not_a_dataset_is_refused_and_untouched(tmp_path):
    (tmp_path / "thesis.txt").write_text("precious")
    with pytest.raises(SkillError, match="not a LeRobot v3 dataset"):
        DatasetWriter(tmp_path)
    with pytest.raises(SkillError, match="not a LeRobot v3 dataset"):
        ChunkDataset(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.txt"]
    assert (tmp_path / "thesis.txt").read_text() == "precious"
