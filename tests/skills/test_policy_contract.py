"""The Policy contract, parametrised over every registered policy (and tiny random VLAs).

Runs on real observations of a SimRobot tabletop scene.
"""
from __future__ import annotations

import numpy as np
import pytest

from vlaplan.skills.contract import ACTION_DIM, Policy, SkillCall
from vlaplan.skills.policies import POLICY_NAMES, load_policy

from vla_helpers import save_tiny_checkpoint

RANDOM = ("tiny-random-pi0", "tiny-random-tokens")


@pytest.fixture(scope="module")
def scene_obs():
    from vlaplan.domains import get_domain
    from vlaplan.world_model.robot import SimRobot

    domain = get_domain("tabletop")
    scene = domain.generate_scene(1_000_003, for_skill="pick")
    ground = domain.applicable_calls(scene.init, scene.objects, action="pick")[0]
    call = domain.call("pick", ground.args, scene.describe())
    # every camera a registered policy may read (a policy ignores the images it does not)
    robot = SimRobot(scene.spec, image_size=96, seed=1, front_camera="close+side")
    obs = robot.observe()
    robot.close()
    return call, obs


@pytest.fixture(scope="module")
def make_policy(tmp_path_factory):
    def make(name: str) -> Policy:
        if name in RANDOM:
            head = name.rsplit("-", 1)[1]
            path = tmp_path_factory.mktemp(name)
            return load_policy(save_tiny_checkpoint(path, head=head, camera=(96, 96)))
        return load_policy(name)
    return make


@pytest.mark.parametrize("name", [*POLICY_NAMES, *RANDOM])
def test_policy_contract(name, make_policy, scene_obs):
    call, obs = scene_obs
    policy = make_policy(name)
    assert isinstance(policy, Policy)
    policy.reset(call=call, seed=7)
    chunk = policy.predict_action_chunk(obs, call.prompt)
    assert chunk.ndim == 2 and chunk.shape[1] == ACTION_DIM and chunk.shape[0] >= 1
    assert chunk.dtype == np.float32 and np.all(np.abs(chunk) <= 1.0)
    policy.reset(call=call, seed=7)
    first = [policy.select_action(obs, call.prompt) for _ in range(3)]
    for action in first:
        assert action.shape == (ACTION_DIM,) and np.all(np.abs(action) <= 1.0)
    policy.reset(call=call, seed=7)
    again = [policy.select_action(obs, call.prompt) for _ in range(3)]
    np.testing.assert_array_equal(np.stack(first), np.stack(again))
    np.testing.assert_allclose(first[0], chunk[0], atol=1e-6)


@pytest.mark.parametrize("name", RANDOM)
def test_select_action_pops_a_queue_filled_by_chunks(name, make_policy, scene_obs):
    call, obs = scene_obs
    policy = make_policy(name)
    policy.reset(call=call, seed=3)
    chunk = policy.predict_action_chunk(obs, call.prompt)
    policy.reset(call=call, seed=3)
    popped = np.stack([policy.select_action(obs, call.prompt) for _ in range(len(chunk))])
    np.testing.assert_array_equal(popped, chunk)
    assert isinstance(SkillCall("pick", ("red_1",), "pick up the red block"), SkillCall)


def test_noise_scale_zero_makes_the_flow_deterministic_across_seeds(tmp_path, scene_obs):
    call, obs = scene_obs
    path = save_tiny_checkpoint(tmp_path / "pi0", head="pi0", camera=(96, 96))
    chunks = {}
    for scale in (0.0, 1.0):
        policy = load_policy(path, noise_scale=scale)
        assert policy.noise_scale == scale
        chunks[scale] = []
        for seed in (1, 2):
            policy.reset(call=call, seed=seed)
            chunks[scale].append(policy.predict_action_chunk(obs, call.prompt))
    np.testing.assert_array_equal(chunks[0.0][0], chunks[0.0][1])   # no noise: the seed is moot
    assert not np.allclose(chunks[1.0][0], chunks[1.0][1])          # sampled: it is not


def test_noise_scale_comes_from_the_checkpoint_and_is_checked(tmp_path):
    import json

    from vlaplan.planner.errors import SkillError

    path = save_tiny_checkpoint(tmp_path / "pi0", head="pi0", camera=(96, 96))
    assert load_policy(path).noise_scale == 1.0
    meta = json.loads((path / "vlaplan.json").read_text())
    meta["noise_scale"] = 0.25
    (path / "vlaplan.json").write_text(json.dumps(meta))
    assert load_policy(path).noise_scale == 0.25
    assert load_policy(path, noise_scale=0.5).noise_scale == 0.5
    with pytest.raises(SkillError):
        load_policy(path, noise_scale=-1.0)


def test_temporal_ensembling_averages_the_chunks_covering_a_step(tmp_path, scene_obs):
    call, obs = scene_obs
    path = save_tiny_checkpoint(tmp_path / "pi0", head="pi0", camera=(96, 96))
    plain = load_policy(path, noise_scale=0.0)
    plain.reset(call=call, seed=0)
    chunk = plain.predict_action_chunk(obs, call.prompt)      # the same for every query
    n = len(chunk)
    # one new chunk per chunk length: nothing overlaps, the chunk is played as it is
    whole = load_policy(path, noise_scale=0.0, ensemble_every=n)
    whole.reset(call=call, seed=0)
    np.testing.assert_allclose(np.stack([whole.select_action(obs, call.prompt) for _ in range(n)]),
                               chunk, atol=1e-6)
    # a new chunk every step: step t averages chunk[t - s] of the chunks made at s <= t
    every = load_policy(path, noise_scale=0.0, ensemble_every=1)
    every.reset(call=call, seed=0)
    got = [every.select_action(obs, call.prompt) for _ in range(3)]
    w = np.exp(-every.ensemble_decay * np.arange(3))
    np.testing.assert_allclose(got[0], chunk[0], atol=1e-6)
    np.testing.assert_allclose(got[1], (w[0] * chunk[1] + w[1] * chunk[0]) / w[:2].sum(), atol=1e-6)
    np.testing.assert_allclose(got[2], (w[0] * chunk[2] + w[1] * chunk[1] + w[2] * chunk[0]) / w.sum(),
                               atol=1e-6)
    every.reset(call=call, seed=0)                              # reset forgets the chunks
    np.testing.assert_allclose(every.select_action(obs, call.prompt), chunk[0], atol=1e-6)
    from vlaplan.planner.errors import SkillError
    with pytest.raises(SkillError):
        load_policy(path, ensemble_every=n + 1)
