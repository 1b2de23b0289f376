"""Training a VLA policy (π0 flow matching or 256-bin tokens) on a v3 dataset.

Writes into the checkpoint directory: the latest model (``save_pretrained`` layout, see
checkpoint.py) every ``save_every`` steps and at the end, ``train_log.jsonl`` (one line
per logged step: step, loss, lr, seconds) and ``training_state.pt`` (optimizer, scheduler,
RNG and step) so ``resume=True`` continues where a run stopped.
"""
from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel

from vlaplan.planner.errors import SkillError
from vlaplan.skills.checkpoint import CheckpointMeta, read_meta, save_checkpoint
from vlaplan.skills.goal_aux import save_goal_head
from vlaplan.skills.contract import STATE_KEY
from vlaplan.skills.pi0 import HEAD_FLOW, HEAD_TOKENS, ModelSpec
from vlaplan.skills.train_start import init_dir, init_model, new_model

STATE_FILE = "training_state.pt"
GOAL_WARMUP = 1000  # steps a fresh goal head learns alone on a fine-tuned model
LOG_FILE = "train_log.jsonl"


class TrainConfig(BaseModel):
    data: str | list[str]  # one dataset directory, or several read as one
    out: str
    policy: str = HEAD_FLOW
    steps: int = 1000
    batch_size: int = 32
    lr: float = 3e-4
    weight_decay: float = 1e-4
    warmup: int = 200
    device: str = "cpu"
    resume: bool = False
    save_every: int = 500
    log_every: int = 10
    seed: int = 0
    threads: int | None = None
    domains: list[str] | None = None
    early_frames: int = 0  # oversample each episode's first frames (see make_loader)
    early_weight: float = 1.0
    goal_loss: float = 0.0  # weight of the auxiliary goal loss (goal_aux.py); 0 = off
    goal_frame: str = "world"  # goal_aux.FRAMES: the goal's position, or its offset from the hand
    # steps in which the goal head learns alone, at the full learning rate, before its
    # gradient reaches the model; None: GOAL_WARMUP for a fine-tune whose init has no saved
    # head (a fresh head's first gradients would move the trained stem), else 0
    goal_warmup: int | None = None
    word_dropout: float = 0.0  # leave each template word of a prompt out with this probability
    # weight of the film stem's keypoint spread (the mean squared distance of each keypoint
    # map's mass from its keypoint, stem.FilmStem.spread); 0 = off
    keypoint_spread: float = 0.0
    init: str | None = None  # start from this checkpoint's weights and processor (fine-tune)
    n_action_steps: int | None = None  # actions executed per chunk (None: init's, else the chunk)
    spec: ModelSpec = ModelSpec()


class TrainResult(BaseModel):
    out: str
    steps: int
    final_loss: float
    seconds: float
    num_parameters: int
    num_frames: int


def _lr_lambda(cfg: TrainConfig):
    def f(step: int) -> float:
        if step < cfg.warmup:
            return (step + 1) / cfg.warmup
        progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return f


def _head_lr_lambda(cfg: TrainConfig, goal_warmup: int):
    """The goal head's schedule: the full rate while it learns alone, then the model's."""
    model = _lr_lambda(cfg)

    def f(step: int) -> float:
        return 1.0 if step < goal_warmup else model(step)
    return f


def _ema(mean: float | None, value: float) -> float:
    """Running mean of a logged loss (the first value starts it)."""
    return value if mean is None else 0.98 * mean + 0.02 * value


def _data_meta(roots: list[str]) -> dict[str, Any]:
    """Domains and skills of the datasets (``meta/vlaplan.json``), merged, the front
    camera they were all recorded through (datasets from different cameras do not mix), and
    the held-out combinations that every one of them left out."""
    domains: set[str] = set()
    skills: set[str] = set()
    cameras: dict[str, str] = {}
    held_out: set[tuple[Any, ...]] | None = None  # left out of every dataset
    for root in roots:
        path = Path(root) / "meta" / "vlaplan.json"
        meta = json.loads(path.read_text()) if path.exists() else {}
        domains |= set(meta.get("domains", []))
        skills |= set(meta.get("skills", []))
        cameras[str(root)] = meta.get("front_camera", "wide")
        combos = {tuple(c) for c in meta.get("held_out_combos", [])}
        held_out = combos if held_out is None else held_out & combos
    if len(set(cameras.values())) > 1:
        raise SkillError(f"the datasets were recorded through different front cameras "
                         f"({cameras}); train on one placement at a time")
    return {"domains": sorted(domains), "skills": sorted(skills),
            "front_camera": next(iter(cameras.values()), "wide"),
            "held_out_combos": held_out or set()}


def _spread_stem(model: Any, cfg: TrainConfig) -> Any:
    """The film stem whose keypoint spread the loss penalises, or None when it does not."""
    if cfg.keypoint_spread < 0:
        raise SkillError(f"--keypoint-spread must be >= 0, got {cfg.keypoint_spread}")
    if cfg.keypoint_spread == 0:
        return None
    from vlaplan.skills.stem import STEM_PATH, FilmStem

    stem = model.get_submodule(STEM_PATH)
    if not isinstance(stem, FilmStem):
        raise SkillError("--keypoint-spread needs the film stem (--stem film), whose keypoints "
                         f"it sharpens; this model has {type(stem).__name__}")
    return stem


def train(cfg: TrainConfig, *, console: Any = None) -> TrainResult:
    """Train (or resume) and return a summary; raises SkillError on bad input."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    from vlaplan.skills.checkpoint import load_checkpoint
    from vlaplan.skills.loader import ChunkDataset, make_loader
    from vlaplan.skills.pi0 import flow_loss
    from vlaplan.skills.splits import untrained_combos
    from vlaplan.skills.tokenizer import drop_words
    from vlaplan.skills.tokens import token_loss

    if not 0.0 <= cfg.word_dropout < 1.0:
        raise SkillError(f"--word-dropout must be in [0, 1), got {cfg.word_dropout}")
    if cfg.policy not in (HEAD_FLOW, HEAD_TOKENS):
        raise SkillError(f"unknown policy {cfg.policy!r}; expected 'pi0' or 'tokens'")
    if cfg.device.startswith("cuda") and not torch.cuda.is_available():
        raise SkillError("--device cuda asked for but torch sees no CUDA device")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    console = console or Console()
    cfg.spec.head = cfg.policy
    out = Path(cfg.out)
    roots = [cfg.data] if isinstance(cfg.data, str) else list(cfg.data)
    from vlaplan.skills.dataset_stats import image_columns
    from vlaplan.skills.loader import read_info

    image_keys = tuple(image_columns(read_info(roots[0])["features"]))
    initial = (init_model(cfg, image_keys) if cfg.init and not (cfg.resume and
                                                                (out / STATE_FILE).exists())
               else None)
    dataset = ChunkDataset(roots, chunk=cfg.spec.chunk, domains=cfg.domains)
    data_meta = _data_meta(roots)
    state_path = out / STATE_FILE
    start_step, elapsed_before = 0, 0.0
    if cfg.resume and state_path.exists():
        ckpt = load_checkpoint(out, device=cfg.device)
        if ckpt.meta.policy != cfg.policy:
            raise SkillError(f"{out} holds a {ckpt.meta.policy!r} policy, cannot resume as "
                             f"{cfg.policy!r}")
        model, processor = ckpt.model, ckpt.processor
        cfg.spec.chunk = int(model.config.chunk_size)
        cfg.spec.cameras = len(processor.config.image_keys)
    else:
        if out.exists() and any(out.iterdir()) and read_meta(out) is None and not cfg.resume:
            raise SkillError(f"{out} exists and is not a vlaplan checkpoint; refusing to overwrite")
        if initial is not None:
            model, processor, init_meta = initial
        else:
            model, processor = new_model(cfg, dataset)
    if list(processor.config.image_keys) != list(dataset.image_keys):
        raise SkillError(f"the policy reads the cameras {processor.config.image_keys}; the data "
                         f"holds {list(dataset.image_keys)}")
    model.to(cfg.device).train()
    state = torch.load(state_path, weights_only=False) if cfg.resume and state_path.exists() else None
    goal_head, goal_warmup = None, 0
    if cfg.goal_loss > 0:
        from vlaplan.skills.goal_aux import GoalHead, load_goal_head
        goal_head = GoalHead(model, cfg.goal_frame).to(cfg.device)
        restored = initial is not None and load_goal_head(goal_head, init_dir(cfg))
        goal_warmup = cfg.goal_warmup if cfg.goal_warmup is not None else (
            GOAL_WARMUP if initial is not None and not restored else 0)
        if state is not None:  # the schedules below must know it: a resume goes on with it
            goal_warmup = int(state.get("goal_warmup", goal_warmup))
    stem = _spread_stem(model, cfg)
    groups = [{"params": list(model.parameters())}]
    lambdas = [_lr_lambda(cfg)]
    if goal_head is not None:
        groups.append({"params": list(goal_head.parameters())})
        lambdas.append(_head_lr_lambda(cfg, goal_warmup))
    optim = torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(optim, lambdas)
    generator = torch.Generator().manual_seed(cfg.seed)
    word_rng = random.Random(cfg.seed)
    if state is not None:
        if (goal_head is not None) != ("goal_head" in state):
            raise SkillError(f"{out} was trained {'with' if 'goal_head' in state else 'without'}"
                             " the goal loss; resume with the same --goal-loss setting")
        if goal_head is not None:
            goal_head.load_state_dict(state["goal_head"])
        if len(state["optimizer"]["param_groups"]) != len(groups):
            raise SkillError(f"{out} was saved by an older vlaplan (one optimizer group for "
                             "model and goal head); it cannot be resumed, train it afresh")
        optim.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"])
        if "word_rng" in state:
            word_rng.setstate(state["word_rng"])
        start_step, elapsed_before = int(state["step"]), float(state["seconds"])
    loss_fn = token_loss if cfg.policy == HEAD_TOKENS else flow_loss
    meta = CheckpointMeta(policy=cfg.policy, domains=data_meta.get("domains", []),
                          skills=data_meta.get("skills", []),
                          front_camera=data_meta["front_camera"])
    untrained = data_meta["held_out_combos"]
    if cfg.resume and state_path.exists():
        untrained &= untrained_combos(ckpt.meta)
    elif initial is not None:
        untrained &= untrained_combos(init_meta)
    meta.held_out_combos = [list(c) for c in sorted(untrained, key=str)]
    if cfg.resume and state_path.exists():
        meta.vision_stem = ckpt.meta.vision_stem
        cfg.spec.stem = ckpt.meta.vision_stem
    elif initial is not None:
        meta.vision_stem = cfg.spec.stem = init_meta.vision_stem
        meta.n_action_steps = init_meta.n_action_steps
        if init_meta.policy == cfg.policy:          # how the init samples and plays chunks
            meta.noise_scale = init_meta.noise_scale
            meta.ensemble_every = init_meta.ensemble_every
            meta.ensemble_decay = init_meta.ensemble_decay
    else:
        meta.vision_stem = cfg.spec.stem
    if cfg.n_action_steps is not None:
        if not 1 <= cfg.n_action_steps <= cfg.spec.chunk:
            raise SkillError(f"--n-action-steps must be between 1 and the chunk size "
                             f"{cfg.spec.chunk}, got {cfg.n_action_steps}")
        meta.n_action_steps = cfg.n_action_steps
    n_params = sum(p.numel() for p in model.parameters())

    def save(step: int, seconds: float, loss: float) -> None:
        meta.training = {"steps": step, "seconds": round(seconds, 1), "final_loss": loss,
                         "data": str(cfg.data), "frames": len(dataset),
                         "episodes": len(dataset.episodes), "batch_size": cfg.batch_size,
                         "lr": cfg.lr, "spec": cfg.spec.model_dump(), "parameters": n_params,
                         "early_frames": cfg.early_frames, "early_weight": cfg.early_weight,
                         "goal_loss": cfg.goal_loss, "goal_warmup": goal_warmup,
                         "goal_frame": cfg.goal_frame, "init": cfg.init,
                         "word_dropout": cfg.word_dropout}
        if stem is not None:
            meta.training["keypoint_spread"] = cfg.keypoint_spread
        save_checkpoint(out, model, processor, meta)
        if goal_head is not None:
            save_goal_head(goal_head, out)
        torch.save({"optimizer": optim.state_dict(), "scheduler": sched.state_dict(),
                    "generator": generator.get_state(), "step": step, "seconds": seconds,
                    "word_rng": word_rng.getstate(), "goal_warmup": goal_warmup,
                    **({"goal_head": goal_head.state_dict()} if goal_head else {})},
                   state_path.with_suffix(".tmp"))
        state_path.with_suffix(".tmp").replace(state_path)

    out.mkdir(parents=True, exist_ok=True)
    log = (out / LOG_FILE).open("a")
    t0 = time.perf_counter()
    step, loss_value, ema, goal_ema, spread_ema = start_step, float("nan"), None, None, None
    epoch = start_step * cfg.batch_size // max(1, len(dataset))
    columns = (TextColumn("[bold]train {task.fields[policy]}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("loss {task.fields[loss]:.4f}"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("train", total=cfg.steps, completed=step, policy=cfg.policy,
                                 loss=float("nan"))
        while step < cfg.steps:
            for batch in make_loader(dataset, cfg.batch_size, seed=cfg.seed + epoch,
                                     early_frames=cfg.early_frames,
                                     early_weight=cfg.early_weight):
                if step >= cfg.steps:
                    break
                tasks = list(batch["task"])
                if cfg.word_dropout > 0:
                    tasks = [drop_words(t, cfg.word_dropout, word_rng) for t in tasks]
                inputs = processor.batch_of(batch, tasks)
                inputs = {k: v.to(cfg.device) for k, v in inputs.items()}
                actions = processor.normalize_action(batch["action"]).to(cfg.device)
                loss = loss_fn(model, inputs, actions, batch["action_is_pad"].to(cfg.device),
                               generator=generator)
                if goal_head is not None:
                    # a fresh head on a fine-tuned model learns alone first (goal_warmup),
                    # so its random first gradients do not move the trained stem
                    goal_term = goal_head.loss(
                        inputs, batch["goal"], batch["goal_mask"], processor,
                        state=batch[STATE_KEY].to(cfg.device), detach=step < goal_warmup)
                    loss = loss + cfg.goal_loss * goal_term
                    goal_ema = _ema(goal_ema, float(goal_term.detach()))
                if stem is not None:
                    loss = loss + cfg.keypoint_spread * stem.spread
                    spread_ema = _ema(spread_ema, float(stem.spread.detach()))
                optim.zero_grad(set_to_none=True)
                loss.backward()
                # each group on its own: a fresh goal head's large gradient must not
                # shrink the model's
                for group in groups:
                    torch.nn.utils.clip_grad_norm_(group["params"], 1.0)
                optim.step()
                sched.step()
                step += 1
                loss_value = float(loss.detach())
                ema = _ema(ema, loss_value)
                progress.update(task, completed=step, loss=ema)
                seconds = elapsed_before + time.perf_counter() - t0
                if step % cfg.log_every == 0 or step == cfg.steps:
                    extra = {k: v for k, v in (("goal_ema", goal_ema), ("spread_ema", spread_ema))
                             if v is not None}
                    log.write(json.dumps({"step": step, "loss": loss_value, "loss_ema": ema,
                                          "lr": sched.get_last_lr()[0],
                                          "seconds": round(seconds, 2), **extra}) + "\n")
                    log.flush()
                if step % cfg.save_every == 0 and step < cfg.steps:
                    save(step, seconds, ema)
            epoch += 1
    seconds = elapsed_before + time.perf_counter() - t0
    save(step, seconds, ema if ema is not None else loss_value)
    log.close()
    return TrainResult(out=str(out), steps=step, final_loss=ema or loss_value, seconds=seconds,
                       num_parameters=n_params, num_frames=len(dataset))
