"""The scripted experts behind the :class:`~vlaplan.skills.contract.Policy` verbs.

:class:`ScriptedPolicy` picks the expert for a skill call (:data:`~vlaplan.skills.scripted.EXPERTS`
and, by default, the fixture experts of :mod:`vlaplan.skills.scripted_fixtures`), runs it on
the privileged observation and imagines action chunks ahead.  Moved here from
``scripted.py`` (which keeps the experts); ``vlaplan.skills.scripted.ScriptedPolicy`` still
resolves to this class.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np

from vlaplan.planner.errors import SkillError
from vlaplan.skills.contract import (ACTION_DIM, MAX_ROTATION, MAX_TRANSLATION, PRIVILEGED_KEY,
                                     SkillCall)
from vlaplan.skills.scripted import EXPERTS, World, _Expert


class ScriptedPolicy:
    """Privileged expert behind the :class:`~vlaplan.skills.contract.Policy` verbs.

    ``reset(call=SkillCall(...))`` picks the expert for ``call.name``; ``select_action``
    returns one action from the current privileged state; ``predict_action_chunk``
    imagines ``chunk_size`` steps ahead assuming the arm follows its commands.
    """

    name = "scripted"

    def __init__(self, chunk_size: int = 8, experts: Mapping[str, Any] | None = None) -> None:
        self.chunk_size = chunk_size
        if experts is None:  # fixture experts (open, close, put-in, take-out) import this module
            from vlaplan.skills.scripted_fixtures import FIXTURE_EXPERTS
            experts = {**EXPERTS, **FIXTURE_EXPERTS}
        self.experts = dict(experts)
        self.call: SkillCall | None = None
        self.expert: _Expert | None = None

    @property
    def skills(self) -> tuple[str, ...]:
        return tuple(sorted(self.experts))

    def reset(self, call: SkillCall | None = None, seed: int | None = None) -> None:
        self.call = call
        self.expert = None
        if call is not None:
            if call.name not in self.experts:
                raise SkillError(f"no scripted expert for skill {call.name!r}; "
                                 f"known: {', '.join(self.skills)}")
            self.expert = self.experts[call.name](tuple(call.args))

    @property
    def done(self) -> bool:
        """True once the expert finished its script (the world decides success)."""
        return bool(self.expert and self.expert.done)

    def _world(self, observation: Mapping[str, Any]) -> World:
        if self.expert is None:
            raise SkillError("ScriptedPolicy: call reset(call=SkillCall(...)) before acting")
        priv = observation.get(PRIVILEGED_KEY)
        if not priv:
            raise SkillError(f"ScriptedPolicy needs {PRIVILEGED_KEY!r} in the observation")
        missing = [a for a in self.expert.args
                   if a not in priv["objects"] and a not in priv.get("fixtures", {})]
        if missing:
            raise SkillError(f"ScriptedPolicy: {', '.join(missing)} not in the scene")
        return World(priv)

    def select_action(self, observation: Mapping[str, Any], prompt: str = "") -> np.ndarray:
        world = self._world(observation)
        return self.expert.step(world).astype(np.float32)

    def predict_action_chunk(self, observation: Mapping[str, Any], prompt: str = "") -> np.ndarray:
        """(chunk_size, ACTION_DIM) actions: the expert run ahead on an imagined state."""
        w = self._world(observation)
        expert = copy.deepcopy(self.expert)
        chunk = np.zeros((self.chunk_size, ACTION_DIM), dtype=np.float32)
        for i in range(self.chunk_size):
            a = expert.step(w)
            chunk[i] = a
            w.ee = w.ee + a[:3] * MAX_TRANSLATION
            w.yaw = w.yaw + float(a[3]) * MAX_ROTATION
        return chunk
