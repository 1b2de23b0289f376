"""The skill contract shared by scripted experts, learned VLA policies and the executor.

Observations are dicts, as in LeRobot:

* ``observation.images.front`` / ``observation.images.wrist``: uint8 arrays (H, W, 3);
  camera setups with a side camera (``close+side``, world_model/render.py) add
  ``observation.images.side``
* ``observation.state``: float32 proprioception, see :data:`STATE_NAMES`
* ``observation.privileged``: simulator ground truth (object poses, fixtures); only
  scripted experts and tests may read it, learned policies never do
* ``task``: the language prompt

Actions are float32 vectors of :data:`ACTION_DIM` numbers in [-1, 1]:
end-effector delta (dx, dy, dz, dyaw), scaled by :data:`MAX_TRANSLATION` metres and
:data:`MAX_ROTATION` radians per control step, then an absolute gripper command
(+1 fully open, -1 closed).  One control step lasts ``1 / CONTROL_HZ`` simulated seconds.

This module must not import the planner or pybullet: atoms arrive as anything that
compares equal to ``(predicate, (arg, ...))`` tuples, e.g. ``vlaplan.planner.Atom``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

ACTION_NAMES: tuple[str, ...] = ("dx", "dy", "dz", "dyaw", "gripper")
ACTION_DIM = len(ACTION_NAMES)
MAX_TRANSLATION = 0.02  # metres per control step at |action| = 1
MAX_ROTATION = 0.15  # radians of yaw per control step at |action| = 1
CONTROL_HZ = 20
GRIPPER_OPEN = 1.0
GRIPPER_CLOSED = -1.0

STATE_NAMES: tuple[str, ...] = (
    "ee_x", "ee_y", "ee_z", "ee_yaw", "gripper_width",
    "q1", "q2", "q3", "q4", "q5", "q6", "q7",
)
STATE_DIM = len(STATE_NAMES)

IMAGE_PREFIX = "observation.images."  # every camera image's key starts so
IMAGE_FRONT = "observation.images.front"
IMAGE_WRIST = "observation.images.wrist"
IMAGE_SIDE = "observation.images.side"  # only in camera setups with a side camera
IMAGE_KEYS: tuple[str, ...] = (IMAGE_FRONT, IMAGE_WRIST)  # every policy reads these two
CAMERA_KEYS: dict[str, str] = {"front": IMAGE_FRONT, "wrist": IMAGE_WRIST, "side": IMAGE_SIDE}
STATE_KEY = "observation.state"
PRIVILEGED_KEY = "observation.privileged"
TASK_KEY = "task"

Observation = Mapping[str, Any]


def images_of(observation: Observation) -> dict[str, Any]:
    """The camera images of an observation, keyed as in it, in the order the robot
    rendered them (front, wrist, then the setup's extra cameras)."""
    return {k: v for k, v in observation.items() if k.startswith(IMAGE_PREFIX)}


@dataclass(frozen=True)
class SkillCall:
    """One call of a skill: the PDDL action it serves, its arguments, and its prompt."""

    name: str
    args: tuple[str, ...]
    prompt: str

    def __str__(self) -> str:
        return "(" + " ".join((self.name, *self.args)) + ")"


@runtime_checkable
class Policy(Protocol):
    """What the executor needs of a policy (LeRobot's verbs).

    ``reset`` starts a new skill call; privileged experts read ``call`` (name and
    arguments), learned policies only use the prompt given to ``select_action``.
    ``select_action`` returns one action of shape (ACTION_DIM,) in [-1, 1];
    ``predict_action_chunk`` returns (chunk, ACTION_DIM).
    """

    def reset(self, call: SkillCall | None = None, seed: int | None = None) -> None: ...

    def select_action(self, observation: Observation, prompt: str) -> np.ndarray: ...

    def predict_action_chunk(self, observation: Observation, prompt: str) -> np.ndarray: ...


def _as_pair(atom: Any) -> tuple[str, tuple[str, ...]]:
    return (atom[0], tuple(atom[1]))


@dataclass(frozen=True)
class Skill:
    """A skill: the PDDL action it serves, its prompt templates, and its step budget.

    Templates use ``{0}``, ``{1}``, ... for the descriptions of the action's
    arguments ("red block", "drawer").  The last ``held_out`` templates are
    paraphrases kept out of training to measure generalisation.
    """

    name: str
    action: str
    templates: tuple[str, ...]
    step_budget: int = 120
    held_out: int = 1

    def instruction(self, args: Sequence[str], describe: Mapping[str, str] | None = None,
                    variant: int = 0) -> str:
        """The language prompt for a call with ``args`` (object names)."""
        describe = describe or {}
        words = [describe.get(a, a.replace("_", " ")) for a in args]
        return self.templates[variant % len(self.templates)].format(*words)

    @property
    def training_templates(self) -> tuple[str, ...]:
        return self.templates[: len(self.templates) - self.held_out]

    @property
    def held_out_templates(self) -> tuple[str, ...]:
        return self.templates[len(self.templates) - self.held_out:]

    @staticmethod
    def success(add: Iterable[Any], delete: Iterable[Any], state: Iterable[Any]) -> bool:
        """True when every add effect holds in ``state`` and no delete effect does."""
        facts = {_as_pair(a) for a in state}
        return all(_as_pair(a) in facts for a in add) and not any(
            _as_pair(d) in facts for d in delete)


def clip_action(action: Any) -> np.ndarray:
    """Validate and clip an action to [-1, 1]; raises ValueError on bad shape or NaN."""
    arr = np.asarray(action, dtype=np.float32)
    if arr.shape != (ACTION_DIM,):
        raise ValueError(f"action must have shape ({ACTION_DIM},), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"action contains NaN or inf: {arr.tolist()}")
    return np.clip(arr, -1.0, 1.0)


@dataclass
class SkillRegistry:
    """Maps PDDL action names to skills."""

    skills: dict[str, Skill] = field(default_factory=dict)

    def register(self, skill: Skill) -> None:
        self.skills[skill.action] = skill

    def __getitem__(self, action: str) -> Skill:
        return self.skills[action]

    def __contains__(self, action: object) -> bool:
        return action in self.skills
