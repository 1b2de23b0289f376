"""Where a training run's model comes from: a new π0 sized by the command line, or the
weights, processor and meta of an ``--init`` checkpoint (fine-tune), widened when the data
adds a camera."""
from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from vlaplan.planner.errors import SkillError
from vlaplan.skills.checkpoint import CheckpointMeta
from vlaplan.skills.contract import IMAGE_KEYS, STATE_KEY
from vlaplan.skills.pi0 import ModelSpec

if TYPE_CHECKING:
    from vlaplan.skills.train import TrainConfig


def new_model(cfg: TrainConfig, dataset: Any) -> tuple[Any, Any]:
    from vlaplan.skills.pi0 import build_model, tokens_per_image
    from vlaplan.skills.processor import FeatureStats, ProcessorConfig, VLAProcessor
    from vlaplan.skills.tokenizer import build_tokenizer, image_token_id, words_of

    tokenizer = build_tokenizer(dataset.tasks.values())
    known = sorted({w for task in dataset.tasks.values() for w in words_of(task)})
    vocab = 64 * math.ceil(len(tokenizer) / 64)
    stat = lambda key: FeatureStats(**{k: dataset.stats[key][k]  # noqa: E731
                                        for k in ("mean", "std", "min", "max", "q01", "q99")})
    shape = dataset.info["features"][IMAGE_KEYS[0]]["shape"]
    cfg.spec.cameras = len(dataset.image_keys)
    model = build_model(cfg.spec, vocab, image_token_id(tokenizer), seed=cfg.seed)
    pconf = ProcessorConfig(image_size=cfg.spec.image_size,
                            tokens_per_image=tokens_per_image(model.config),
                            image_token_id=image_token_id(tokenizer),
                            camera_shape=(shape[0], shape[1]), state=stat(STATE_KEY),
                            action=stat("action"), known_words=known,
                            image_keys=list(dataset.image_keys))
    return model, VLAProcessor(pconf, tokenizer)


def init_dir(cfg: TrainConfig) -> Path:
    """The directory of ``cfg.init`` (a shipped name or a path)."""
    from vlaplan.skills.policies import SHIPPED, checkpoint_path

    return checkpoint_path(cfg.init) if cfg.init in SHIPPED else Path(cfg.init)


def init_model(cfg: TrainConfig, image_keys: tuple[str, ...]) -> tuple[Any, Any, CheckpointMeta]:
    """Weights, processor (normalisation statistics, tokenizer) and meta of ``cfg.init``:
    fine-tuning keeps the statistics the model was trained with.

    A checkpoint of the other head (``pi0`` for ``tokens`` or back) gives every weight
    whose shape fits (stem, vision tower, language model, action expert); the action
    projections, which differ in width, start fresh.  A checkpoint that read fewer
    cameras than the data holds (``image_keys``, e.g. a side camera added) gives every
    weight too: images of any camera go through the same stem and vision tower, and the
    film stem's keypoint-to-state layer keeps its columns for the old cameras, with
    zeros for the new one's (so the model starts out as it was)."""
    from vlaplan.skills.checkpoint import load_checkpoint
    from vlaplan.skills.pi0 import build_model
    from vlaplan.skills.processor import VLAProcessor

    ckpt = load_checkpoint(init_dir(cfg), device=cfg.device)
    trained = (ckpt.meta.training or {}).get("spec")
    if trained:  # record the model's real size, not the command line's defaults
        cfg.spec = ModelSpec(**{**trained, "head": cfg.policy})
    cfg.spec.chunk = int(ckpt.model.config.chunk_size)
    old_keys = list(ckpt.processor.config.image_keys)
    cfg.spec.cameras = len(old_keys)
    if ckpt.meta.policy == cfg.policy and old_keys == list(image_keys):
        return ckpt.model, ckpt.processor, ckpt.meta
    if old_keys != list(image_keys)[:len(old_keys)]:
        raise SkillError(f"--init {cfg.init} read the cameras {old_keys}; the data holds "
                         f"{list(image_keys)}: a fine-tune may add cameras, not drop or "
                         "reorder them")
    if not trained:
        raise SkillError(f"--init {cfg.init} holds a {ckpt.meta.policy!r} policy without a "
                         f"recorded model size; cannot start a {cfg.policy!r} policy from it")
    cfg.spec.cameras = len(image_keys)
    text = ckpt.model.config.vlm_config
    model = build_model(cfg.spec, int(text.text_config.vocab_size), int(text.image_token_id),
                        seed=cfg.seed)
    own, old = model.state_dict(), ckpt.model.state_dict()
    fits = {k: v for k, v in old.items() if k in own and own[k].shape == v.shape}
    fits |= _widened(own, old) if len(image_keys) > len(old_keys) else {}
    model.load_state_dict(fits, strict=False)
    meta = ckpt.meta.model_copy(update={"policy": cfg.policy})
    processor = VLAProcessor(ckpt.processor.config.model_copy(
        update={"image_keys": list(image_keys)}), ckpt.processor.tokenizer)
    return model, processor, meta


def _widened(own: dict[str, torch.Tensor], old: dict[str, torch.Tensor]
             ) -> dict[str, torch.Tensor]:
    """The film stem's keypoint-to-state weight of ``old`` in the wider shape of ``own``
    (more cameras): the old columns first, zeros for the added cameras' keypoints."""
    out = {}
    for key, value in old.items():
        if key.endswith("to_state.weight") and key in own and own[key].shape != value.shape:
            wide = torch.zeros_like(own[key])
            wide[:, :value.shape[1]] = value
            out[key] = wide
    return out
