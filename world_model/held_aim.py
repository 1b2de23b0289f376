"""Show a learned policy where the object in its hand is, as if it were the hand.

A learned pick often closes with the block off the hand's centre, and a learned stack then
brings the *hand* over the destination: the block lands beside it by the same offset.
Inside session 27's ten-action towers, ``vla``'s stacks of a block held 15 mm or more off
centre succeeded 39 % of the time, against 84 % under 10 mm; demonstrations of off-centre
stacks did not teach the policy to correct for it (session 27's S27, session 11's G11).

:class:`HeldAim` sits between the plant's observations and a policy.  While the world
model sees an object in the hand (:func:`~vlaplan.world_model.predicates.held`), the
hand's x and y in the policy's state (``observation.state``'s ``ee_x`` and ``ee_y``) are
replaced by the held object's centre.  A policy that steers "its hand" over a target then
steers the object there; images, height, yaw, gripper width and joint angles are left as
they are, and nothing changes while the hand is empty.  The object's pose is the world
model's estimate (privileged in simulation; a real robot needs an in-hand pose estimate,
as :mod:`vlaplan.executor.regrasp` does).

Measured on the shipped ``vla`` (S24's weights) in ``benchmarks/skill_context.py``'s
ten-action towers, seeds 0-199 (session 28): 133 towers finished with the aim against 118
without (33 only with it, 18 only without); stacks 80 % against 75 %, and those of a block
held 15 mm or more off centre 53 % against 34 % (docs/executor.md, benchmarks/README.md).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from vlaplan.skills.contract import PRIVILEGED_KEY, STATE_KEY, SkillCall
from vlaplan.world_model.predicates import held

HAND_XY = slice(0, 2)  # ee_x, ee_y in the state vector (vlaplan.skills.contract.STATE_NAMES)


def aimed(observation: Mapping[str, Any]) -> Mapping[str, Any]:
    """``observation`` with the hand's x, y in its state moved to the held object's centre
    (a new dict; the same object when nothing is held or the observation has no state or
    world-model record)."""
    objects = (observation.get(PRIVILEGED_KEY) or {}).get("objects") or {}
    holding = [o for o in objects.values() if held(o)]   # the first, in the scene's order
    if not holding or STATE_KEY not in observation:
        return observation
    state = np.array(observation[STATE_KEY], dtype=np.float32, copy=True).reshape(-1)
    state[HAND_XY] += np.asarray(holding[0]["pos"][:2], dtype=np.float32) - state[HAND_XY]
    return {**observation, STATE_KEY: state}


class HeldAim:
    """A policy (the Policy protocol) that passes :func:`aimed` observations to ``policy``;
    every other attribute is ``policy``'s."""

    def __init__(self, policy: Any) -> None:
        self.policy = policy

    def reset(self, call: SkillCall | None = None, seed: int | None = None) -> None:
        self.policy.reset(call=call, seed=seed)

    def select_action(self, observation: Mapping[str, Any], prompt: str) -> np.ndarray:
        return self.policy.select_action(aimed(observation), prompt)

    def predict_action_chunk(self, observation: Mapping[str, Any], prompt: str) -> np.ndarray:
        return self.policy.predict_action_chunk(aimed(observation), prompt)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.policy, name)
