"""Recording scripted-expert demonstrations into a LeRobotDataset v3 directory.

One skill call per episode: a seeded random scene arranged for a random skill of the
domain (``generate_scene(seed, for_skill=...)``), a random applicable call that is not a
held-out combination (see splits.py), and a random *training* paraphrase of its prompt.
The :class:`ScriptedPolicy` runs it closed-loop through ``world_model.rollout.run_skill``
on a rendering :class:`SimRobot` whose start pose is jittered by up to ``home_jitter``
(x, y; z by half; yaw by twice as many radians), so the demonstrations do not all start
from one arm pose; only successful episodes are kept.

With ``learner`` set (a checkpoint path or ``vla``), collection is DAgger (Ross et al.,
2011): the learned policy drives the arm (the expert instead, on a fraction ``beta`` of the
steps) while the scripted expert, run on the same observations, labels every frame with
the action *it* would take there.  The recorded actions are the expert's, the states are
the ones the learner visits, so training on them teaches the recoveries that plain
demonstrations never show (re-aligning over a missed block, re-grasping).  Such episodes
are kept whether or not the learner succeeded (``info["learner_success"]`` says); one is
dropped when the expert cannot label a state (it raises, e.g. no free spot is left), when
the run ends in a policy or robot error, or when no call names its objects unambiguously.

Episode slot ``i`` uses scene seed ``TRAIN_SEED_START + seed * 100_000 + i`` (evaluation
uses seeds below ``TRAIN_SEED_START``) and domain ``domains[i % len(domains)]``.  Workers are processes,
each with its own SimRobot; results come back in slot order and are written one data file
per episode, so an interrupted run resumes after the last written episode.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from vlaplan.planner.errors import SkillError
from vlaplan.skills.contract import STATE_KEY, SkillCall, images_of
from vlaplan.skills.splits import HELD_OUT_COMBOS, TRAIN_SEED_START, held_out_call

SLOTS_PER_SEED = 100_000


class CollectConfig(BaseModel):
    domains: list[str]
    episodes: int
    out: str
    workers: int = 2
    seed: int = 0
    image_size: int = 96
    front_camera: str = "wide"  # camera setup, e.g. "close" or "close+side" (world_model.render)
    home_jitter: float = 0.15  # m; random start poses, so the state alone cannot tell where to go
    skills: list[str] | None = None  # only these skills (default: every skill of the domain)
    learner: str | None = None  # DAgger: this policy drives, the expert labels (see above)
    beta: float = 0.0  # DAgger: fraction of steps the expert drives instead
    chains: int = 0  # >0: cut episodes from long tasks of about this many actions (chains.py)
    scene: dict[str, Any] = {}  # scene-generator options, e.g. {"spacing": [0.06, 0.1]}
    held_out: bool = False  # also record the held-out colour/skill combinations (splits.py)


class CollectResult(BaseModel):
    out: str
    episodes: int
    frames: int
    new_episodes: int
    failed: int
    seconds: float
    episodes_per_minute: float


def scene_seed(seed: int, slot: int) -> int:
    if not 0 <= slot < SLOTS_PER_SEED or seed < 0:
        raise SkillError(f"episode slot {slot} / seed {seed} out of range "
                         f"(slots per seed: {SLOTS_PER_SEED}, seed >= 0)")
    return TRAIN_SEED_START + seed * SLOTS_PER_SEED + slot


_ROBOT: dict[str, Any] = {}


class RelabelPolicy:
    """DAgger's policy: ``learner`` acts (``expert`` on a ``beta`` share of the steps, drawn
    with a seeded generator), ``expert`` labels; :attr:`label` is the expert's last action."""

    def __init__(self, learner: Any, expert: Any, beta: float = 0.0) -> None:
        self.learner, self.expert, self.beta = learner, expert, beta
        self.label: np.ndarray | None = None
        self._rng = np.random.default_rng(0)

    def reset(self, call: SkillCall | None = None, seed: int | None = None) -> None:
        self.learner.reset(call=call, seed=seed)
        self.expert.reset(call=call, seed=seed)
        self._rng = np.random.default_rng(seed)
        self.label = None

    def select_action(self, observation: Any, prompt: str) -> np.ndarray:
        self.label = np.asarray(self.expert.select_action(observation, prompt), np.float32)
        acted = self.learner.select_action(observation, prompt)
        return self.label if self._rng.random() < self.beta else acted


_LEARNER: dict[str, Any] = {}


def _learner(name: str, domain: str) -> Any:
    """The learned policy of a worker process, loaded once per (checkpoint, domain)."""
    key = f"{name}@{domain}"
    if key not in _LEARNER:
        from vlaplan.skills.policies import load_policy
        _LEARNER[key] = load_policy(name, domain=domain)
    return _LEARNER[key]


def record_episode(domain_name: str, seed: int, image_size: int = 96,
                   home_jitter: float = 0.0, skills: list[str] | None = None,
                   learner: str | None = None, beta: float = 0.0,
                   scene_options: dict[str, Any] | None = None,
                   front_camera: str = "wide", held_out: bool = False) -> dict[str, Any]:
    """Run one scripted (or, with ``learner``, DAgger) episode; returns a dict with frames
    (PNG bytes) and its info.  ``scene_options`` go to the domain's scene generator;
    ``held_out`` also allows the held-out colour/skill combinations."""
    from vlaplan.domains import get_domain
    from vlaplan.skills.dataset import encode_png
    from vlaplan.skills.scripted import ScriptedPolicy
    from vlaplan.world_model.robot import SimRobot
    from vlaplan.world_model.rollout import run_skill

    rng = np.random.default_rng(seed)
    domain = get_domain(domain_name)
    names = [a for a in domain.actions if skills is None or a in skills]
    if not names:
        return {"ok": False, "info": {"domain": domain_name, "seed": seed,
                                      "reason": f"no skill of {skills} in {domain_name}"}}
    skill_name = str(rng.choice(names))
    scene = domain.generate_scene(seed, for_skill=skill_name, **(scene_options or {}))
    calls = [c for c in domain.applicable_calls(scene.init, scene.objects, action=skill_name)
             if held_out or not held_out_call(skill_name, c.args, scene.spec.objects)]
    info: dict[str, Any] = {"domain": domain_name, "skill": skill_name, "seed": seed}
    if not calls:
        return {"ok": False, "info": info | {"reason": "no trainable call"}}
    describe = scene.describe()
    words = list(describe.values())
    unique = [c for c in calls if all(words.count(describe.get(a, a)) == 1 for a in c.args)]
    if learner is not None and not unique:  # the learner cannot know which one is meant
        return {"ok": False, "info": info | {"reason": "no unambiguous call"}}
    calls = unique or calls  # prefer prompts that name their objects unambiguously
    ground = calls[int(rng.integers(len(calls)))]
    skill = domain.skill(skill_name)
    prompt = skill.instruction(ground.args, describe,
                               variant=int(rng.integers(len(skill.training_templates))))
    key = (image_size, home_jitter, front_camera)
    robot = _ROBOT.get(key)
    if robot is None:
        robot = _ROBOT[key] = SimRobot(scene.spec, image_size=image_size, seed=seed,
                                       home_jitter=home_jitter, front_camera=front_camera)
    else:
        robot.reset(seed, scene=scene.spec)
    images: dict[str, list[bytes]] = {}  # per camera of the setup
    state, action = [], []

    policy: Any = ScriptedPolicy()
    if learner is not None:
        policy = RelabelPolicy(_learner(learner, domain_name), policy, beta)

    def on_frame(obs: Any, act: np.ndarray, step: int) -> None:
        for key, image in images_of(obs).items():
            images.setdefault(key, []).append(encode_png(image))
        state.append(np.asarray(obs[STATE_KEY], np.float32))
        label = policy.label if learner is not None else act
        action.append(np.asarray(label, np.float32))

    call = SkillCall(skill_name, ground.args, prompt)
    try:
        outcome = run_skill(robot, policy, call, skill.step_budget, domain.abstract,
                            ground.add, ground.delete, on_frame=on_frame, seed=seed)
    except SkillError as exc:  # the expert cannot label this state (e.g. no free spot left)
        return {"ok": False, "info": info | {"reason": f"expert: {exc}"}}
    info |= {"args": list(ground.args), "success": outcome.success, "steps": outcome.steps,
             "reason": outcome.reason, "ambiguous": not unique}
    ok = outcome.success
    if learner is not None:
        info |= {"learner": learner, "beta": beta, "learner_success": outcome.success}
        # the learner's failures are the point; keep them unless the expert lost track
        ok = outcome.reason in ("success", "budget_exhausted")
    return {"ok": ok and bool(action), "info": info, "task": prompt,
            "images": images,
            "state": np.stack(state) if state else None,
            "action": np.stack(action) if action else None}


Job = tuple[int, str, int, int, float, "list[str] | None", "str | None", float, int,
            "dict[str, Any]", str, bool]


def _work(job: Job) -> tuple[int, list[dict[str, Any]]]:
    """One slot's results: one episode, or with ``chains`` every skill of one long task."""
    (slot, domain, seed, image_size, home_jitter, skills, learner, beta, chains, scene, front,
     held_out) = job
    try:
        if chains:
            from vlaplan.skills.chains import record_chain
            return slot, record_chain(domain, seed, chains, image_size, learner, beta, scene,
                                      front, held_out, skills)
        return slot, [record_episode(domain, seed, image_size, home_jitter, skills, learner,
                                     beta, scene, front, held_out)]
    except Exception as exc:  # one bad scene must not end a long collection
        return slot, [{"ok": False, "info": {"domain": domain, "seed": seed,
                                             "reason": f"{type(exc).__name__}: {exc}"}}]


def _jobs(cfg: CollectConfig, start: int, count: int) -> Iterator[Job]:
    for slot in range(start, start + count):
        yield (slot, cfg.domains[slot % len(cfg.domains)], scene_seed(cfg.seed, slot),
               cfg.image_size, cfg.home_jitter, cfg.skills, cfg.learner, cfg.beta, cfg.chains,
               cfg.scene, cfg.front_camera, cfg.held_out)


def held_out_combos(cfg: CollectConfig) -> list[list[str | None]]:
    """The colour/skill combinations kept out of the dataset (none with ``held_out``)."""
    return [] if cfg.held_out else [list(c) for c in HELD_OUT_COMBOS]


def _same_settings(cfg: CollectConfig) -> None:
    """A resumed dataset keeps the image size, front camera and held-out combinations it
    was started with."""
    path = Path(cfg.out) / "meta" / "vlaplan.json"
    if not path.exists():
        return
    meta = json.loads(path.read_text())
    for key, want in (("image_size", cfg.image_size), ("front_camera", cfg.front_camera),
                      ("held_out_combos", held_out_combos(cfg))):
        had = meta.get(key, "wide" if key == "front_camera" else None)
        if had is not None and had != want:
            raise SkillError(f"{cfg.out} was collected with {key} {had!r}; resume it with the "
                             f"same setting (asked for {want!r}) or collect into a new directory")


def collect(cfg: CollectConfig, *, console: Any = None) -> CollectResult:
    """Collect until the dataset holds ``cfg.episodes`` successful episodes."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    from vlaplan.domains import available_domains
    from vlaplan.skills.dataset import DatasetWriter, Episode

    domains = available_domains() if cfg.domains in (["all"], ["*"]) else list(cfg.domains)
    unknown = [d for d in domains if d not in available_domains()]
    if unknown:
        raise SkillError(f"unknown domain(s) {unknown}; available: {available_domains()}")
    cfg = cfg.model_copy(update={"domains": domains})
    if cfg.episodes < 1 or cfg.workers < 1:
        raise SkillError("--episodes and --workers must be at least 1")
    if not 0.0 <= cfg.home_jitter <= 0.25:
        raise SkillError(f"--home-jitter must be in [0, 0.25] m, got {cfg.home_jitter}")
    if cfg.chains < 0:
        raise SkillError("--chains takes a target plan length >= 1")
    if not 0.0 <= cfg.beta <= 1.0:
        raise SkillError(f"--beta must be in [0, 1], got {cfg.beta}")
    if cfg.scene:  # a bad option fails here, before any writing
        from vlaplan.domains import get_domain
        for name in domains:
            get_domain(name).generate_scene(scene_seed(cfg.seed, 0), **cfg.scene)
    from vlaplan.world_model.render import check_front, front_camera_of
    check_front(cfg.front_camera)
    if cfg.learner is not None:
        learner = _learner(cfg.learner, domains[0])  # a bad checkpoint fails here, first
        seen = front_camera_of(learner)
        if seen != cfg.front_camera:
            raise SkillError(f"the learner {cfg.learner} was trained on the {seen!r} front "
                             f"camera; collect with --front-camera {seen}")
    _same_settings(cfg)
    writer = DatasetWriter(cfg.out, extra_meta={
        "held_out_combos": held_out_combos(cfg), "collect_seed": cfg.seed,
        "train_seed_start": TRAIN_SEED_START, "image_size": cfg.image_size,
        "front_camera": cfg.front_camera,
        "home_jitter": cfg.home_jitter, "chains": cfg.chains, "scene_options": cfg.scene,
        "held_out_paraphrases": "the last template of each skill (Skill.held_out_templates)"})
    existing = writer.num_episodes
    next_slot = max((r.get("slot", -1) for r in writer._rows), default=-1) + 1
    console = console or Console()
    t0 = time.perf_counter()
    failed = 0
    columns = (TextColumn("[bold]collect {task.fields[domains]}"), BarColumn(),
               MofNCompleteColumn(), TextColumn("{task.fields[failed]} failed"),
               TimeElapsedColumn(), TimeRemainingColumn())
    ctx = mp.get_context("fork") if cfg.workers > 1 else None
    pool = ctx.Pool(cfg.workers) if ctx else None
    try:
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("collect", total=cfg.episodes, completed=existing,
                                     domains=",".join(domains), failed=0)
            while writer.num_episodes < cfg.episodes:
                need = cfg.episodes - writer.num_episodes
                if cfg.chains:  # a long task gives several episodes
                    need = need // max(1, cfg.chains // 2) + 1
                batch = _jobs(cfg, next_slot, int(need * 1.15) + cfg.workers)
                results = pool.imap(_work, batch) if pool else map(_work, batch)
                for slot, results_of_slot in results:
                    next_slot = slot + 1
                    if writer.num_episodes >= cfg.episodes:
                        break
                    for res in results_of_slot:
                        if not res["ok"]:
                            failed += 1
                            progress.update(task, failed=failed)
                            continue
                        if writer.num_episodes >= cfg.episodes:
                            break
                        writer.add_episode(Episode(res["images"], res["state"],
                                                   res["action"], res["task"],
                                                   res["info"] | {"slot": slot}))
                        progress.update(task, completed=writer.num_episodes)
                        if writer.num_episodes % 200 == 0:
                            writer.finalize()
    finally:
        if pool:
            pool.terminate()
            pool.join()
    writer.finalize()
    seconds = time.perf_counter() - t0
    new = writer.num_episodes - existing
    return CollectResult(out=str(cfg.out), episodes=writer.num_episodes, frames=writer.num_frames,
                         new_episodes=new, failed=failed, seconds=seconds,
                         episodes_per_minute=60.0 * new / max(seconds, 1e-9))
