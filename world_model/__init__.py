"""vlaplan.world_model: PyBullet scenes, the simulated robot, state -> atoms, checks.

Public names are imported lazily (``from vlaplan.world_model import SimRobot``), so that
``import vlaplan.world_model`` alone does not load pybullet.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "SceneSpec": "scene", "ObjectSpec": "scene", "FixtureSpec": "scene",
    "RobotSpec": "scene", "TableSpec": "scene", "COLOURS": "scene", "SHAPES": "scene",
    "SimRobot": "robot",
    "CameraRig": "render",
    "fast_panda_urdf": "panda",
    "run_skill": "rollout", "SkillOutcome": "rollout", "HeldAim": "held_aim",
    "evaluate_skills": "evaluate", "EvalReport": "evaluate",
    "PhysicsTwin": "twin",
    "CheckResult": "checks", "ReasonCode": "checks",
    "FaultInjector": "faults",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vlaplan.world_model' has no attribute {name!r}")
    return getattr(importlib.import_module(f"vlaplan.world_model.{module}"), name)
