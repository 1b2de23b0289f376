"""benchmarks/policy.py: held-out splits say when a policy was trained on their combinations."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import policy as bench  # noqa: E402

from vlaplan.skills.checkpoint import CheckpointMeta  # noqa: E402
from vlaplan.skills.scripted import ScriptedPolicy  # noqa: E402
from vlaplan.skills.splits import HELD_OUT_COMBOS  # noqa: E402


def test_held_out_trials_count_the_combinations_the_policy_trained_on():
    expert = ScriptedPolicy()
    res = bench.evaluate(expert, "tabletop", "pick", "held_out_combo", 2)
    assert res["trials"] == 2 and res["successes"] == 2
    assert res["trained_on"] == 0          # no meta: trained without them
    expert.meta = CheckpointMeta(held_out_combos=[])   # collect --held-out data
    res = bench.evaluate(expert, "tabletop", "pick", "held_out_combo", 2)
    assert res["trained_on"] == 2
    expert.meta = CheckpointMeta(held_out_combos=[list(c) for c in HELD_OUT_COMBOS])
    assert bench.evaluate(expert, "tabletop", "pick", "held_out_combo", 1)["trained_on"] == 0
    assert bench.evaluate(expert, "tabletop", "pick", "seen", 1)["trained_on"] == 0


def test_inference_speed_renders_the_policys_own_cameras():
    from vlaplan.skills.policies import load_policy

    policy = load_policy("vla-heldout")
    speed = bench.inference_speed(policy, repeats=2)
    assert speed["actions_per_s"] > 0
