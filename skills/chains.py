"""Demonstrations cut from whole long-horizon executions ("chain" episodes).

A single-skill episode (collect.py) starts from a scene arranged for that skill, with the
arm near home.  Inside ``execute()`` the hand is brought back near that ready pose before
each skill (``Executor(ready_pose=True)``; since session 29 over the block the skill acts
on, or over open table for a set-down: ``approach``, ``spread_places``), and the recording
executor here has a learned policy's defaults, so its skills start, and see their state,
as a learned policy's do; but the scene is the one the task made: towers of up to seven, a
block just set down beside another, a block held after an unstack from a tall tower.  Such scenes are rare in single-skill data, and a policy that
is good on single skills does worse there (session 7: stack 58 % alone, 31 % inside the
10-action tasks).

:func:`record_chain` runs a seeded long-horizon task (``executor.tasks``, as the executor
benchmark makes them, on training seeds) through the real :class:`Executor` with the
scripted expert, twin checks and replanning, and records every dispatched skill as one
episode: its frames, the expert's actions, and a random *training* paraphrase of its
prompt.  Held-out colour/skill combinations are not recorded (their skills still run).

With a learner (DAgger, see collect.py's :class:`RelabelPolicy`) the learned policy drives
the whole chain and the expert labels every frame, so the recorded states are the ones the
learner itself reaches in a chain, failures and all.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from vlaplan.skills.contract import STATE_KEY, images_of

_EXECUTORS: dict[tuple[str, int, str | None, float, str, str], Any] = {}

KEEP_SCRIPTED = ("succeeded",)
KEEP_LEARNER = ("succeeded", "budget_exhausted", "effect_mismatch")


class RecordingPolicy:
    """Wraps a policy; every ``reset`` opens a new segment that collects the frames and
    the labels (``inner.label`` when the inner policy relabels, else its action)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.segments: list[dict[str, Any]] = []

    def reset(self, call: Any = None, seed: int | None = None) -> None:
        self.inner.reset(call=call, seed=seed)
        self.segments.append({"call": call, "images": {}, "state": [], "action": []})

    def select_action(self, observation: Any, prompt: str) -> np.ndarray:
        act = np.asarray(self.inner.select_action(observation, prompt), np.float32)
        label = getattr(self.inner, "label", None)
        seg = self.segments[-1]
        for key, image in images_of(observation).items():
            seg["images"].setdefault(key, []).append(image)
        seg["state"].append(np.asarray(observation[STATE_KEY], np.float32))
        seg["action"].append(np.asarray(act if label is None else label, np.float32))
        return act


def _executor(domain: str, image_size: int, learner: str | None, beta: float,
              scene_options: dict[str, Any] | None = None, front_camera: str = "wide") -> Any:
    key = (domain, image_size, learner, beta, repr(sorted((scene_options or {}).items())),
           front_camera)
    if key not in _EXECUTORS:
        from vlaplan.executor import Executor
        from vlaplan.executor.tasks import LONG_SCENES
        from vlaplan.skills.collect import RelabelPolicy, _learner
        from vlaplan.skills.scripted import ScriptedPolicy

        inner: Any = ScriptedPolicy()
        if learner is not None:
            inner = RelabelPolicy(_learner(learner, domain), inner, beta)
        options = {**LONG_SCENES.get(domain, {}), **(scene_options or {})}
        ex = Executor(domain, RecordingPolicy(inner), scene_options=options,
                      render=True, ready_pose=True)  # skills start as they do in execute()
        ex.image_size, ex.front_camera = image_size, front_camera
        _EXECUTORS[key] = ex
    return _EXECUTORS[key]


def record_chain(domain_name: str, seed: int, n_actions: int = 10, image_size: int = 96,
                 learner: str | None = None, beta: float = 0.0,
                 scene_options: dict[str, Any] | None = None,
                 front_camera: str = "wide", held_out: bool = False,
                 skills: list[str] | None = None) -> list[dict[str, Any]]:
    """Run one seeded long task; returns one collect-style result per dispatched skill
    (``ok`` False for the ones not to keep: failed, held out (unless ``held_out``), not
    one of ``skills`` (when given), or not matched to a step).
    ``scene_options`` add to (or override) the long-task scene size of ``LONG_SCENES``."""
    from vlaplan.executor.tasks import long_task_with_plan
    from vlaplan.skills.dataset import encode_png
    from vlaplan.skills.splits import held_out_call

    ex = _executor(domain_name, image_size, learner, beta, scene_options, front_camera)
    recorder: RecordingPolicy = ex.policy
    text, _plan = long_task_with_plan(ex, seed, n_actions)
    objects = ex.runtime.scene_objects(ex._scene)
    describe = ex.runtime.describe(objects)
    spec_objects = ex._scene.spec.objects
    recorder.segments = []
    result = ex.run(text, seed=seed)
    dispatched = [s for s in result.steps if s.frames > 0]
    keep = KEEP_SCRIPTED if learner is None else KEEP_LEARNER
    rng = np.random.default_rng(seed)
    out: list[dict[str, Any]] = []
    for k, seg in enumerate(recorder.segments):
        call = seg["call"]
        step = dispatched[k] if k < len(dispatched) else None
        info: dict[str, Any] = {"domain": domain_name, "skill": call.name, "seed": seed,
                                "args": list(call.args), "chain": text, "chain_step": k,
                                "chain_success": result.success}
        matched = step is not None and step.frames == len(seg["action"])
        if not matched or not seg["action"]:
            out.append({"ok": False, "info": info | {"reason": "segment not matched to a step"}})
            continue
        info |= {"success": step.outcome.value == "succeeded", "steps": step.frames,
                 "reason": step.outcome.value}
        if learner is not None:
            info |= {"learner": learner, "beta": beta}
        if step.outcome.value not in keep or (skills and call.name not in skills) or (
                not held_out and held_out_call(call.name, call.args, spec_objects)):
            out.append({"ok": False, "info": info})
            continue
        skill = ex.runtime.skill(call.name)  # a random training paraphrase
        prompt = skill.instruction(call.args, describe,
                                   variant=int(rng.integers(len(skill.training_templates))))
        out.append({"ok": True, "info": info, "task": prompt,
                    "images": {key: [encode_png(f) for f in frames]
                               for key, frames in seg["images"].items()},
                    "state": np.stack(seg["state"]), "action": np.stack(seg["action"])})
    recorder.segments = []
    return out
