"""Normalisation and input packing for the VLA, kept outside the model (LeRobot's processor).

* state: mean/std normalisation with the dataset's statistics;
* actions: the dataset's 1st/99th percentiles (q01/q99) map to [-1, 1] (values beyond are
  clipped), un-normalised the same way after decoding;
* images: uint8 (H, W, 3) -> float (3, S, S) in [-1, 1] at the model's image size S;
* prompt: ``<image>`` placeholders for each camera, ``<bos>``, then the prompt's word ids,
  right-padded to a fixed length.  Words the policy never saw in training (``known_words``,
  set from the dataset's tasks) are left out: their embeddings were never trained, and with
  the film stem, which is conditioned on the mean word embedding, they moved the condition
  off the training distribution (held-out paraphrase pick 5 % against 58 % seen).

The statistics are saved with every checkpoint (``vlaplan_processor.json``).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import BaseModel

from vlaplan.planner.errors import CheckpointError, SkillError
from vlaplan.skills.contract import ACTION_DIM, IMAGE_KEYS, STATE_DIM, STATE_KEY

PROCESSOR_FILE = "vlaplan_processor.json"


class FeatureStats(BaseModel):
    """Per-dimension statistics of one vector feature."""

    mean: list[float]
    std: list[float]
    min: list[float]
    max: list[float]
    q01: list[float]
    q99: list[float]

    @classmethod
    def identity(cls, dim: int) -> FeatureStats:
        """Statistics that leave values in [-1, 1] unchanged."""
        return cls(mean=[0.0] * dim, std=[1.0] * dim, min=[-1.0] * dim, max=[1.0] * dim,
                   q01=[-1.0] * dim, q99=[1.0] * dim)


class ProcessorConfig(BaseModel):
    """Everything needed to turn observations into model inputs and back."""

    image_size: int
    tokens_per_image: int
    image_token_id: int
    camera_shape: tuple[int, int] | None = None  # (H, W) the policy was trained on
    max_prompt_tokens: int = 16
    model_state_dim: int = STATE_DIM
    state: FeatureStats = FeatureStats.identity(STATE_DIM)
    action: FeatureStats = FeatureStats.identity(ACTION_DIM)
    known_words: list[str] | None = None  # prompt words seen in training; None = keep all
    # the cameras' observation keys, in the order their images enter the model (a camera
    # setup with a side camera adds observation.images.side, world_model/render.py)
    image_keys: list[str] = list(IMAGE_KEYS)


class VLAProcessor:
    """Normalises state/actions and packs images + prompt into PI0 inputs."""

    def __init__(self, config: ProcessorConfig, tokenizer: Any) -> None:
        self.config = config
        self.tokenizer = tokenizer
        self._state_mean = torch.tensor(config.state.mean, dtype=torch.float32)
        self._state_std = torch.tensor(config.state.std, dtype=torch.float32).clamp_min(1e-3)
        self._q01 = torch.tensor(config.action.q01, dtype=torch.float32)
        span = torch.tensor(config.action.q99, dtype=torch.float32) - self._q01
        self._span = torch.where(span.abs() < 1e-6, torch.ones_like(span), span)
        self._known_ids: set[int] | None = None
        if config.known_words is not None:
            vocab = tokenizer.get_vocab()
            self._known_ids = {vocab[w] for w in config.known_words if w in vocab}

    # ------------------------------------------------------------------ vectors
    def normalize_state(self, state: torch.Tensor) -> torch.Tensor:
        out = (state.float() - self._state_mean) / self._state_std
        pad = self.config.model_state_dim - out.shape[-1]
        return F.pad(out, (0, pad)) if pad > 0 else out[..., : self.config.model_state_dim]

    def normalize_action(self, action: torch.Tensor) -> torch.Tensor:
        return (2.0 * (action.float() - self._q01) / self._span - 1.0).clamp(-1.0, 1.0)

    def unnormalize_action(self, action: torch.Tensor) -> torch.Tensor:
        return (action.float().clamp(-1.0, 1.0) + 1.0) / 2.0 * self._span + self._q01

    # ------------------------------------------------------------------ images
    def images(self, *cameras: torch.Tensor) -> torch.Tensor:
        """uint8 (B, H, W, 3) per camera -> float (B, cameras, 3, S, S) in [-1, 1]."""
        size = self.config.image_size
        out = []
        for cam in cameras:
            x = cam.permute(0, 3, 1, 2).float() / 127.5 - 1.0
            if x.shape[-2:] != (size, size):
                x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True,
                                  align_corners=False)
            out.append(x)
        return torch.stack(out, dim=1)

    # ------------------------------------------------------------------ text
    def text(self, prompts: list[str], n_cameras: int) -> tuple[torch.Tensor, torch.Tensor]:
        """input_ids and attention_mask: image placeholders, <bos>, prompt words, padding."""
        n_img = self.config.tokens_per_image * n_cameras
        length = n_img + 1 + self.config.max_prompt_tokens
        ids = torch.full((len(prompts), length), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), length), dtype=torch.long)
        ids[:, :n_img] = self.config.image_token_id
        bos = self.tokenizer.bos_token_id
        ids[:, n_img] = bos if bos is not None else self.tokenizer.pad_token_id
        for row, prompt in enumerate(prompts):
            words = self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
            if self._known_ids is not None:
                words = [w for w in words if w in self._known_ids]
            words = words[: self.config.max_prompt_tokens]
            ids[row, n_img + 1: n_img + 1 + len(words)] = torch.tensor(words, dtype=torch.long)
            mask[row, : n_img + 1 + len(words)] = 1
        return ids, mask

    def batch(self, images: Sequence[torch.Tensor], state: torch.Tensor,
              prompts: list[str]) -> dict[str, torch.Tensor]:
        """Model inputs for a batch: one uint8 (B, H, W, 3) tensor per camera of
        ``config.image_keys`` (in that order), state (B, STATE_DIM)."""
        if len(images) != len(self.config.image_keys):
            raise SkillError(f"{len(images)} camera images for a policy that reads "
                             f"{len(self.config.image_keys)} ({self.config.image_keys})")
        pixel_values = self.images(*images)
        input_ids, attention_mask = self.text(prompts, n_cameras=len(images))
        return {
            "state": self.normalize_state(state),
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "pixel_values": pixel_values,
            "pixel_attention_mask": torch.ones(pixel_values.shape[:2], dtype=torch.bool),
        }

    def observation(self, observation: Any, prompt: str) -> dict[str, torch.Tensor]:
        """Validate one observation dict and pack it as a batch of one."""
        if not isinstance(prompt, str) or not prompt.strip():
            raise SkillError("empty prompt: a VLA policy needs an instruction such as "
                             "'pick up the red block'")
        cams = [self._check_image(observation, key) for key in self.config.image_keys]
        if STATE_KEY not in observation:
            raise SkillError(f"observation has no {STATE_KEY!r}; keys: {sorted(observation)}")
        state = np.asarray(observation[STATE_KEY], dtype=np.float32).reshape(-1)
        if state.shape != (STATE_DIM,) or not np.all(np.isfinite(state)):
            raise SkillError(f"{STATE_KEY} must be {STATE_DIM} finite numbers, got shape "
                             f"{state.shape}")
        return self.batch([torch.from_numpy(np.ascontiguousarray(c))[None] for c in cams],
                          torch.from_numpy(state)[None], [prompt])

    def batch_of(self, batch: dict[str, Any], prompts: list[str]) -> dict[str, torch.Tensor]:
        """Model inputs for a loader batch (keys as in the dataset)."""
        return self.batch([batch[key] for key in self.config.image_keys], batch[STATE_KEY],
                          prompts)

    def _check_image(self, observation: Any, key: str) -> np.ndarray:
        if key not in observation:
            raise SkillError(f"observation has no {key!r}; this VLA policy needs the cameras "
                             f"{list(self.config.image_keys)}")
        image = np.asarray(observation[key])
        expected = self.config.camera_shape
        want = f"uint8 array of shape {(*expected, 3) if expected else '(H, W, 3)'}"
        if image.dtype != np.uint8:
            raise SkillError(f"{key} has dtype {image.dtype}; expected {want}")
        if image.ndim != 3 or image.shape[2] != 3 or (
                expected is not None and tuple(image.shape[:2]) != tuple(expected)):
            raise SkillError(f"{key} has shape {image.shape}; expected {want}")
        return image

    # ------------------------------------------------------------------ files
    def save(self, directory: str | Path) -> None:
        Path(directory, PROCESSOR_FILE).write_text(self.config.model_dump_json(indent=1))

    @staticmethod
    def load_config(directory: str | Path) -> ProcessorConfig | None:
        """The saved processor config, ``None`` if the file is absent."""
        path = Path(directory, PROCESSOR_FILE)
        if not path.exists():
            return None
        try:
            return ProcessorConfig.model_validate(json.loads(path.read_text()))
        except (ValueError, OSError) as exc:
            raise CheckpointError(f"{path}: corrupt normalisation statistics ({exc})") from exc
