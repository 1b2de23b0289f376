"""Tiny real VLA models, checkpoints and datasets for the skills tests (no mocks)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vlaplan.skills.contract import IMAGE_FRONT, IMAGE_SIDE, IMAGE_WRIST, STATE_DIM, STATE_KEY
from vlaplan.skills.dataset import DatasetWriter, Episode, encode_png
from vlaplan.skills.pi0 import ModelSpec

CAMERA = (48, 48)
PROMPTS = ("pick up the red block", "grasp the blue block", "put the red block down on the table")


def tiny_spec(head: str = "pi0", stem: str = "patch") -> ModelSpec:
    return ModelSpec(hidden=32, layers=1, heads=2, image_size=32, patch=16, chunk=4,
                     inference_steps=2, head=head, stem=stem)


def tiny_policy_parts(head: str = "pi0", seed: int = 0, camera: tuple[int, int] = CAMERA,
                      stem: str = "patch"):
    """(model, processor) of a random tiny π0 with identity-like statistics."""
    from vlaplan.skills.pi0 import build_model, tokens_per_image
    from vlaplan.skills.processor import FeatureStats, ProcessorConfig, VLAProcessor
    from vlaplan.skills.tokenizer import build_tokenizer, image_token_id

    tok = build_tokenizer()
    model = build_model(tiny_spec(head, stem), len(tok), image_token_id(tok), seed=seed)
    action = FeatureStats(mean=[0.0] * 5, std=[0.5] * 5, min=[-1.0] * 5, max=[1.0] * 5,
                          q01=[-0.5, -0.5, -0.5, -0.2, -1.0], q99=[0.5, 0.5, 0.5, 0.2, 1.0])
    config = ProcessorConfig(image_size=32, tokens_per_image=tokens_per_image(model.config),
                             image_token_id=image_token_id(tok), camera_shape=camera,
                             action=action)
    return model, VLAProcessor(config, tok)


def save_tiny_checkpoint(path: Path, head: str = "pi0", seed: int = 0,
                         domains: list[str] | None = None,
                         camera: tuple[int, int] = CAMERA, stem: str = "patch",
                         front_camera: str = "wide") -> Path:
    from vlaplan.skills.checkpoint import CheckpointMeta, save_checkpoint

    model, processor = tiny_policy_parts(head, seed, camera, stem)
    meta = CheckpointMeta(policy=head, domains=domains or ["tabletop"], skills=["pick"],
                          vision_stem=stem, front_camera=front_camera)
    return save_checkpoint(path, model, processor, meta)


def observation(seed: int = 0, shape: tuple[int, int] = CAMERA) -> dict:
    rng = np.random.default_rng(seed)
    return {
        IMAGE_FRONT: rng.integers(0, 256, (*shape, 3), dtype=np.uint8),
        IMAGE_WRIST: rng.integers(0, 256, (*shape, 3), dtype=np.uint8),
        STATE_KEY: rng.normal(size=STATE_DIM).astype(np.float32),
    }


def write_synthetic_dataset(root: Path, episodes: int = 4, seed: int = 0,
                            finalize: bool = True, side: bool = False,
                            front_camera: str | None = None) -> DatasetWriter:
    """Random images, a state ramp and actions that depend on the prompt; ``side`` adds a
    side camera's frames (``front_camera`` names the setup in the dataset's meta)."""
    rng = np.random.default_rng(seed)
    writer = DatasetWriter(root, extra_meta={"front_camera": front_camera} if front_camera
                           else None)
    for e in range(episodes):
        n = 6 + 2 * e
        frames = [encode_png(rng.integers(0, 256, (*CAMERA, 3), dtype=np.uint8))
                  for _ in range(n)]
        state = np.linspace(0, 1, n * STATE_DIM, dtype=np.float32).reshape(n, STATE_DIM) + e
        action = np.zeros((n, 5), np.float32)
        action[:, e % 2] = 0.5 if e % 2 == 0 else -0.5
        action[:, 4] = np.where(np.arange(n) < n // 2, 1.0, -1.0)
        images = {IMAGE_FRONT: frames, IMAGE_WRIST: frames[::-1]}
        if side:
            images[IMAGE_SIDE] = frames[1:] + frames[:1]
        writer.add_episode(Episode(images, state, action, PROMPTS[e % 2],
                                   {"domain": "tabletop", "skill": "pick", "seed": e,
                                    "success": True}))
    if finalize:
        writer.finalize()
    return writer
