"""Auxiliary goal loss for training: the prefix must say where the hand is going.

In the demonstrations the first frames of a grasp or release are the only ones whose
actions depend on *where* the named object is, and the flow loss on them is a small part
of the total, so a small π0 trained from scratch learns the state-predictable rest first
(first-frame dx/dy signs stayed at chance after 4.5 k steps).  This adds a dense signal
for the vision-language prefix: from the prefix's last hidden states (mean over its
tokens) a linear head predicts the end-effector position at the episode's first gripper
change (the grasp or release point), normalised like the state.  Only frames before that
change count.  The head is used in training only; the saved policy is plain π0.

With the prompt-conditioned ``film`` stem (stem.py) the head reads the stem's keypoints of
every camera instead, through a small MLP: the gradient then reaches the FiLM layer and the
keypoint maps directly, which is where "where is the named object" is decided.  On tabletop
pick frames such a read-out trained alone falls from the predict-the-mean error 0.65 to
0.07 on held-out scenes within 2000 steps.

``frame="hand"`` asks for the goal *relative to the hand*, in the hand's own frame (x, y
turned by minus the hand's yaw, in units of :data:`OFFSET_SCALE`), from the keypoints and
the normalised state.  That is what the wrist camera shows directly (the camera turns with
the hand), and it is the quantity a grasp needs to within a centimetre; the world-frame
goal has to come from the front camera, where a 4 cm block is three pixels wide.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from vlaplan.planner.errors import SkillError
from vlaplan.skills.contract import STATE_DIM

FRAMES = ("world", "hand")
HEAD_FILE = "goal_head.safetensors"  # beside a checkpoint: used by fine-tunes, not by the policy
OFFSET_SCALE = 0.05  # m: hand-frame goal offsets are predicted in these units


def goal_targets(state: torch.Tensor, action: torch.Tensor,
                 episode_end: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(goal xyz per frame, mask): the ee position where the gripper command first flips."""
    goal = torch.zeros(len(state), 3)
    mask = torch.zeros(len(state), dtype=torch.bool)
    start = 0
    while start < len(state):
        end = int(episode_end[start])
        grip = torch.sign(action[start:end, -1])
        flips = torch.nonzero(grip != grip[0]).flatten()
        if len(flips):
            at = start + int(flips[0])
            goal[start:at + 1] = state[at, :3]
            mask[start:at + 1] = True
        start = end
    return goal, mask


def normalised_goal(goal: torch.Tensor, processor: Any) -> torch.Tensor:
    """Goal positions in the units of the normalised state's x, y, z (the head's target)."""
    return (goal - processor._state_mean[:3]) / processor._state_std[:3]


def hand_offset(goal: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
    """(B, 3) goal minus hand position, x/y turned into the hand's frame (by minus its yaw,
    ``state[:, 3]``), in units of :data:`OFFSET_SCALE` metres."""
    d = goal - state[:, :3]
    c, s = torch.cos(state[:, 3]), torch.sin(state[:, 3])
    local = torch.stack([c * d[:, 0] + s * d[:, 1], -s * d[:, 0] + c * d[:, 1], d[:, 2]], -1)
    return local / OFFSET_SCALE


class GoalHead(nn.Module):
    """Read-out of the goal: linear from the pooled prefix (hooks the VLM), or an MLP on the
    film stem's keypoints (hooks the stem).  ``frame`` is ``"world"`` (the goal position,
    normalised like the state) or ``"hand"`` (:func:`hand_offset`; film stem only, the MLP
    also reads the normalised state)."""

    def __init__(self, model: Any, frame: str = "world") -> None:
        super().__init__()
        from vlaplan.skills.stem import STEM_PATH, FilmStem

        if frame not in FRAMES:
            raise SkillError(f"unknown goal frame {frame!r}; expected one of {FRAMES}")
        self._hidden: torch.Tensor | None = None
        stem = model.get_submodule(STEM_PATH)
        self.on_keypoints = isinstance(stem, FilmStem)
        if frame == "hand" and not self.on_keypoints:
            raise SkillError("the hand-frame goal loss reads the film stem's keypoints: "
                             "train with --stem film")
        self.frame = frame
        if self.on_keypoints:
            width = stem.to_state.in_features  # 2 * keypoints per camera, all cameras
            width += STATE_DIM if frame == "hand" else 0
            self.proj = nn.Sequential(nn.Linear(width, 128), nn.GELU(), nn.Linear(128, 3))
            stem.keypoint_proj.register_forward_hook(self._keep_points)
        else:
            self.proj = nn.Linear(model.config.vlm_config.text_config.hidden_size, 3)
            model.model.vlm.register_forward_hook(self._keep)

    def _keep(self, module: Any, args: Any, output: Any) -> None:
        self._hidden = output.last_hidden_state

    def _keep_points(self, module: Any, args: Any, output: Any) -> None:
        self._hidden = args[0]  # (batch * cameras, 2 * keypoints), cameras of a row adjacent

    def loss(self, inputs: dict[str, torch.Tensor], goal: torch.Tensor, mask: torch.Tensor,
             processor: Any, state: torch.Tensor | None = None,
             detach: bool = False) -> torch.Tensor:
        """MSE of the predicted goal on the masked frames.  ``inputs`` are the model's
        (attention mask, normalised state), ``state`` the raw one (needed for
        ``frame="hand"``); ``detach`` trains the head alone (no gradient into the model)."""
        if self._hidden is None:
            raise RuntimeError("GoalHead.loss called before a forward pass of the model")
        hidden = self._hidden.detach() if detach else self._hidden
        if self.on_keypoints:
            pooled = hidden.reshape(goal.shape[0], -1)
            if self.frame == "hand":
                pooled = torch.cat([pooled, inputs["state"][:, :STATE_DIM].to(pooled.dtype)], -1)
        else:
            keep = inputs["attention_mask"][..., None].to(hidden.dtype)
            pooled = (hidden * keep).sum(1) / keep.sum(1).clamp_min(1.0)
        pred = self.proj(pooled)
        if self.frame == "hand":
            if state is None:
                raise RuntimeError("the hand-frame goal loss needs the raw state")
            target = hand_offset(goal, state)
        else:
            target = normalised_goal(goal, processor)
        err = ((pred - target.to(pred.device)) ** 2).mean(-1)
        m = mask.to(pred.device).float()
        self._hidden = None
        return (err * m).sum() / m.sum().clamp_min(1.0)


def save_goal_head(head: GoalHead, directory: Any) -> None:
    """Write ``head``'s weights (and its frame) to ``directory``/:data:`HEAD_FILE`."""
    from pathlib import Path

    from safetensors.torch import save_file

    path = Path(directory) / HEAD_FILE
    tmp = path.with_suffix(".tmp")
    save_file({k: v.detach().cpu().contiguous() for k, v in head.state_dict().items()},
              str(tmp), metadata={"frame": head.frame})
    tmp.replace(path)


def load_goal_head(head: GoalHead, directory: Any) -> bool:
    """Load ``directory``/:data:`HEAD_FILE` into ``head`` when it is there and fits (the
    same frame and shapes); whether it did."""
    from pathlib import Path

    from safetensors import safe_open
    from safetensors.torch import load_file

    path = Path(directory) / HEAD_FILE
    if not path.exists():
        return False
    with safe_open(str(path), framework="pt") as f:
        frame = (f.metadata() or {}).get("frame")
    weights = load_file(str(path))
    own = head.state_dict()
    if frame != head.frame or set(weights) != set(own) or any(
            weights[k].shape != own[k].shape for k in own):
        return False
    head.load_state_dict(weights)
    return True
