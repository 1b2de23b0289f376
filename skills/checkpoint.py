"""Saving and loading VLA checkpoints (``save_pretrained`` / ``from_pretrained`` layout).

A checkpoint directory holds::

    config.json              PI0Config (transformers)
    model.safetensors        weights
    tokenizer.json, tokenizer_config.json
    vlaplan_processor.json   normalisation statistics + input packing (see processor.py)
    vlaplan.json             CheckpointMeta: policy head, action space, domains, skills, training

A directory written by plain ``PI0ForConditionalGeneration.save_pretrained`` (a full-size
π0, say) loads through the same path: missing vlaplan files get defaults (flow head, the
first ACTION_DIM action dims, identity statistics, the built-in tokenizer when it fits the
vocabulary), and the metadata says so (``foreign=True``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from vlaplan.planner.errors import CheckpointError
from vlaplan.skills.contract import ACTION_NAMES, STATE_NAMES

META_FILE = "vlaplan.json"
FORMAT_VERSION = 1


class CheckpointMeta(BaseModel):
    """What a checkpoint is for; checked against the caller's expectations on load."""

    format_version: int = FORMAT_VERSION
    policy: str = "pi0"  # "pi0" (flow matching) or "tokens" (256-bin action tokens)
    action_names: list[str] = Field(default_factory=lambda: list(ACTION_NAMES))
    state_names: list[str] = Field(default_factory=lambda: list(STATE_NAMES))
    domains: list[str] = Field(default_factory=list)  # empty: not restricted
    skills: list[str] = Field(default_factory=list)
    n_action_steps: int | None = None  # actions executed per chunk (default: the whole chunk)
    vision_stem: str = "patch"  # "patch" (SigLIP's own) or "conv" (skills/stem.py)
    # the camera setup of the training data (world_model.render: the front camera's
    # placement, then any extra cameras, e.g. "close+side"); the executor and the
    # evaluations render through it
    front_camera: str = "wide"
    # pi0 only: the flow starts from Gaussian noise times this at inference; 1 samples the
    # learned action distribution, smaller values keep nearer its mode (docs/skills.md)
    noise_scale: float = Field(default=1.0, ge=0.0)
    # temporal ensembling (ACT): a new chunk every this many steps, the actions of the
    # chunks covering a step averaged, older ones weighted exp(decay) times more; 0: off
    # (a chunk's first n_action_steps actions are executed, then a new chunk)
    ensemble_every: int = Field(default=0, ge=0)
    ensemble_decay: float = Field(default=0.1, ge=0.0)
    training: dict[str, Any] = Field(default_factory=dict)
    foreign: bool = False  # True when loaded from a plain π0 directory
    # the held-out colour/skill combinations (skills/splits.py) that neither its data nor
    # its init ever showed it; None: not recorded (see splits.untrained_combos)
    held_out_combos: list[list[str | None]] | None = None


@dataclass
class LoadedCheckpoint:
    model: Any  # PI0ForConditionalGeneration
    processor: Any  # VLAProcessor
    meta: CheckpointMeta
    path: Path


def save_checkpoint(directory: str | Path, model: Any, processor: Any,
                    meta: CheckpointMeta) -> Path:
    """Write model, tokenizer, statistics and metadata; files are replaced atomically."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    processor.tokenizer.save_pretrained(directory)
    processor.save(directory)
    tmp = directory / (META_FILE + ".tmp")
    tmp.write_text(meta.model_dump_json(indent=1))
    tmp.replace(directory / META_FILE)
    return directory


def read_meta(directory: str | Path) -> CheckpointMeta | None:
    path = Path(directory, META_FILE)
    if not path.exists():
        return None
    try:
        return CheckpointMeta.model_validate(json.loads(path.read_text()))
    except (ValueError, OSError) as exc:
        raise CheckpointError(f"{path}: corrupt checkpoint metadata ({exc})") from exc


def load_checkpoint(path: str | Path, *, domain: str | None = None,
                    action_names: tuple[str, ...] = ACTION_NAMES,
                    device: str = "cpu") -> LoadedCheckpoint:
    """Load a checkpoint directory, checking it serves ``domain`` and ``action_names``.

    Raises CheckpointError naming what is missing, corrupt or mismatched.
    """
    directory = Path(path)
    expected = "a directory with config.json and model.safetensors (save_pretrained layout)"
    if not directory.is_dir():
        raise CheckpointError(f"no checkpoint at {directory}: expected {expected}")
    config_path = directory / "config.json"
    if not config_path.exists():
        raise CheckpointError(f"{directory} is not a checkpoint: config.json is missing; "
                              f"expected {expected}")
    if not any(directory.glob("*.safetensors")) and not any(directory.glob("*.bin")):
        raise CheckpointError(f"{directory}: no weights (model.safetensors) beside config.json")
    try:
        raw = json.loads(config_path.read_text())
    except (ValueError, OSError) as exc:
        raise CheckpointError(f"{config_path}: corrupt config.json ({exc})") from exc
    if raw.get("model_type") != "pi0":
        raise CheckpointError(f"{config_path}: model_type is {raw.get('model_type')!r}; "
                              "expected 'pi0' (PI0ForConditionalGeneration)")
    meta = read_meta(directory)
    foreign = meta is None
    meta = meta or CheckpointMeta(foreign=True)
    _check_meta(meta, directory, domain, action_names)
    from vlaplan.skills.processor import VLAProcessor

    saved = VLAProcessor.load_config(directory)
    cameras = len(saved.image_keys) if saved is not None else 2
    if saved is not None and not foreign:
        _check_cameras(meta, saved.image_keys, directory)

    import torch
    from transformers import PI0ForConditionalGeneration
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    try:
        if meta.vision_stem == "patch":
            model = PI0ForConditionalGeneration.from_pretrained(directory, dtype=torch.float32)
        else:
            model = _load_with_stem(directory, meta.vision_stem, cameras)
    except Exception as exc:  # transformers/safetensors raise many kinds; re-raise as ours
        raise CheckpointError(f"{directory}: cannot load the weights ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else ''})") from exc
    model.to(device).eval()
    processor = _load_processor(directory, model.config, foreign, saved)
    if not foreign and model.config.max_action_dim < len(meta.action_names):
        raise CheckpointError(f"{directory}: the model emits {model.config.max_action_dim} "
                              f"action dims, fewer than {len(meta.action_names)}")
    return LoadedCheckpoint(model=model, processor=processor, meta=meta, path=directory)


def _load_with_stem(directory: Path, stem: str, cameras: int = 2) -> Any:
    """from_pretrained for everything but the vision stem, then the stem's own weights.

    save_pretrained writes π0's original key layout, so the stem's tensors are found by
    their suffix (``...patch_embedding.net.<i>.<weight|bias>``)."""
    import torch
    from safetensors.torch import load_file
    from transformers import PI0ForConditionalGeneration
    from transformers.utils import logging as hf_logging

    from vlaplan.skills.stem import STEM_PATH, install_stem

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the stem's keys are "unexpected" to the plain model
    try:
        model = PI0ForConditionalGeneration.from_pretrained(directory, dtype=torch.float32)
    finally:
        hf_logging.set_verbosity(verbosity)
    install_stem(model, stem, cameras=cameras)
    stem_module = model.get_submodule(STEM_PATH)
    marker = "vision_tower.embeddings.patch_embedding."
    state = {k.split(marker, 1)[1]: v for k, v in load_file(directory / "model.safetensors").items()
             if marker in k}
    missing, unexpected = stem_module.load_state_dict(state, strict=False)
    if missing or unexpected or not state:
        raise ValueError(f"weights do not fit the {stem!r} vision stem: missing {missing[:3]}, "
                         f"unexpected {unexpected[:3]}")
    return model


def _check_meta(meta: CheckpointMeta, directory: Path, domain: str | None,
                action_names: tuple[str, ...]) -> None:
    if tuple(meta.action_names) != tuple(action_names):
        raise CheckpointError(
            f"{directory}: checkpoint action space {meta.action_names} does not match the "
            f"robot's {list(action_names)}")
    from vlaplan.skills.stem import STEMS

    if meta.vision_stem not in STEMS:
        raise CheckpointError(f"{directory}: unknown vision stem {meta.vision_stem!r}; "
                              f"expected one of {list(STEMS)}")
    if meta.policy not in ("pi0", "tokens"):
        raise CheckpointError(f"{directory}: unknown policy head {meta.policy!r}; "
                              "expected 'pi0' or 'tokens'")
    if domain is not None and meta.domains and domain not in meta.domains:
        raise CheckpointError(f"{directory}: checkpoint trained for domains {meta.domains}, "
                              f"not {domain!r}")


def _check_cameras(meta: CheckpointMeta, image_keys: list[str], directory: Path) -> None:
    """The processor reads the images of the cameras the meta's setup renders."""
    from vlaplan.planner.errors import WorldModelError
    from vlaplan.skills.contract import CAMERA_KEYS
    from vlaplan.world_model.render import camera_names

    try:
        rendered = [CAMERA_KEYS[name] for name in camera_names(meta.front_camera)]
    except WorldModelError as exc:
        raise CheckpointError(f"{directory}: {exc}") from exc
    if rendered != list(image_keys):
        raise CheckpointError(f"{directory}: the camera setup {meta.front_camera!r} renders "
                              f"{rendered}, but the processor reads {list(image_keys)}")


def _load_processor(directory: Path, model_config: Any, foreign: bool, config: Any) -> Any:
    """The processor: tokenizer and ``config`` (the saved ``vlaplan_processor.json``, or
    None for a plain π0 directory, which gets defaults)."""
    from vlaplan.skills.pi0 import tokens_per_image
    from vlaplan.skills.processor import ProcessorConfig, VLAProcessor
    from vlaplan.skills.tokenizer import build_tokenizer

    tokenizer = None
    if (directory / "tokenizer.json").exists() or (directory / "tokenizer_config.json").exists():
        from transformers import AutoTokenizer
        try:
            tokenizer = AutoTokenizer.from_pretrained(directory)
        except Exception as exc:
            raise CheckpointError(f"{directory}: corrupt tokenizer ({exc})") from exc
    vocab_size = model_config.vlm_config.text_config.vocab_size
    if tokenizer is None:
        tokenizer = build_tokenizer()
        if len(tokenizer) > vocab_size:
            raise CheckpointError(f"{directory}: no tokenizer saved and the built-in one "
                                  f"({len(tokenizer)} words) exceeds the vocabulary ({vocab_size})")
    if config is None:
        if not foreign:
            raise CheckpointError(f"{directory}: normalisation statistics "
                                  "(vlaplan_processor.json) are missing")
        config = ProcessorConfig(
            image_size=model_config.vlm_config.vision_config.image_size,
            tokens_per_image=tokens_per_image(model_config),
            image_token_id=model_config.vlm_config.image_token_id,
            model_state_dim=model_config.max_state_dim, max_prompt_tokens=48)
    return VLAProcessor(config, tokenizer)
