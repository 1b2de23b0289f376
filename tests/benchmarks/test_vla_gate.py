"""benchmarks/vla_gate.py on a tiny checkpoint trained with the goal loss."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "skills"))

import vla_gate  # noqa: E402
from vla_helpers import tiny_spec, write_synthetic_dataset  # noqa: E402

from vlaplan.skills.train import TrainConfig, train  # noqa: E402


def test_gate_reports_sign_agreement_and_goal_error(tmp_path, capsys):
    data = tmp_path / "data"
    write_synthetic_dataset(data, episodes=4)
    ckpt = tmp_path / "ck"
    train(TrainConfig(data=str(data), out=str(ckpt), steps=3, batch_size=4, warmup=1,
                      goal_loss=1.0, spec=tiny_spec("pi0")))
    assert vla_gate.main([str(ckpt), "--data", str(data), "--episodes", "4"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0.0 <= report["sign_agreement"] <= 1.0 and report["episodes"] == 4
    assert report["goal_error"] > 0 and report["predict_mean_error"] > 0
