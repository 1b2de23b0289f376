"""``vlaplan collect`` and ``vlaplan train`` (registered by vlaplan/cli.py).

Nothing heavy is imported until a command runs.
"""
from __future__ import annotations

import argparse


def add_scene_argument(p: argparse.ArgumentParser) -> None:
    """``--scene KEY=VALUE`` (repeatable): options for the domain's scene generator, read
    with :func:`vlaplan.domains.base.scene_options` and checked by the generator."""
    p.add_argument("--scene", action="append", default=[], metavar="KEY=VALUE",
                   help="scene-generator option, repeatable, values in YAML (tabletop: "
                        "n_objects=7, spacing=[0.06,0.1], workspace=[[0.3,0.68],[-0.3,0.3]], "
                        "hold_offset=0.012)")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("collect", help="record scripted-expert demonstrations "
                              "(LeRobotDataset v3)")
    p.add_argument("--domain", action="append", required=True,
                   help="domain to collect in (repeat for several, or 'all')")
    p.add_argument("--episodes", type=int, required=True, help="episodes in the dataset in total")
    p.add_argument("--out", required=True, help="dataset directory (new, or one to resume)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--image-size", type=int, default=96)
    p.add_argument("--front-camera", default="wide",
                   help="camera setup: the front camera's placement (default wide; close: "
                        "nearer and steeper, blocks take more pixels), optionally with a "
                        "side camera (close+side); see docs/skills.md")
    p.add_argument("--home-jitter", type=float, default=0.15,
                   help="random start-pose offset in metres (default 0.15; 0 = always home)")
    p.add_argument("--skills", default=None,
                   help="comma-separated skills to record (default: every skill of the domain)")
    p.add_argument("--learner", default=None,
                   help="DAgger: this policy (vla, vla-heldout, vla-tokens or a checkpoint) drives and the "
                        "scripted expert labels every frame")
    p.add_argument("--beta", type=float, default=0.0,
                   help="DAgger: share of steps the expert drives instead (default 0)")
    p.add_argument("--chains", type=int, default=0, metavar="N",
                   help="record every skill of long tasks of about N actions, run by the "
                        "executor (start states as execute() meets them; default 0: one "
                        "skill per episode); with --skills only those skills are kept")
    p.add_argument("--held-out", action="store_true",
                   help="also record the held-out colour/skill combinations (pick purple, "
                        "stack white, ...: vlaplan/skills/splits.py); a policy trained on such "
                        "data has no held-out combinations left to be evaluated on")
    add_scene_argument(p)
    p.set_defaults(func=_collect)

    t = subparsers.add_parser("train", help="train a VLA policy on a dataset")
    t.add_argument("--data", required=True, nargs="+",
                   help="dataset directory from `vlaplan collect` (several are read as one)")
    t.add_argument("--init", default=None,
                   help="fine-tune: start from this checkpoint (vla, vla-heldout, vla-tokens or a "
                        "directory), keeping its normalisation statistics")
    t.add_argument("--policy", choices=("pi0", "tokens"), default="pi0")
    t.add_argument("--steps", type=int, required=True)
    t.add_argument("--out", required=True, help="checkpoint directory")
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--lr", type=float, default=3e-4)
    t.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    t.add_argument("--resume", action="store_true", help="continue from --out's saved state")
    t.add_argument("--save-every", type=int, default=500)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    t.add_argument("--domains", nargs="*", default=None, help="train on these domains only")
    t.add_argument("--hidden", type=int, default=128)
    t.add_argument("--layers", type=int, default=4)
    t.add_argument("--image-size", type=int, default=64)
    t.add_argument("--patch", type=int, default=8)
    t.add_argument("--chunk", type=int, default=8)
    t.add_argument("--goal-loss", type=float, default=0.0,
                   help="weight of the auxiliary goal loss (skills/goal_aux.py; default 0: off)")
    t.add_argument("--goal-warmup", type=int, default=None,
                   help="steps the goal head learns alone before its gradient reaches the "
                        "model (default: 1000 for a fine-tune whose --init has no saved "
                        "goal head, else 0)")
    t.add_argument("--keypoint-spread", type=float, default=0.0,
                   help="weight of a penalty on how far each film-stem keypoint map's mass lies "
                        "from its keypoint (sharper keypoints; default 0: off)")
    t.add_argument("--goal-frame", choices=("world", "hand"), default="world",
                   help="the goal loss predicts the goal's position (world) or its offset "
                        "from the hand in the hand's frame (hand; film stem only)")
    t.add_argument("--stem", choices=("patch", "conv", "film"), default="patch",
                   help="vision stem: SigLIP's patch embedding, a small CNN, or a prompt-"
                        "conditioned CNN with keypoints (skills/stem.py)")
    t.add_argument("--word-dropout", type=float, default=0.0,
                   help="leave each template word of a prompt out with this probability "
                        "(default 0; object descriptions are always kept)")
    t.add_argument("--early-frames", type=int, default=0,
                   help="oversample the first N frames of every episode (default 0: off)")
    t.add_argument("--early-weight", type=float, default=1.0,
                   help="how many times as often those frames are drawn")
    t.add_argument("--n-action-steps", type=int, default=None,
                   help="actions the policy executes per predicted chunk, saved with the "
                        "checkpoint (default: --init's, else the whole chunk)")
    t.set_defaults(func=_train)


def _collect(args: argparse.Namespace) -> int:
    from vlaplan.domains.base import scene_options
    from vlaplan.skills.collect import CollectConfig, collect

    result = collect(CollectConfig(domains=args.domain, episodes=args.episodes, out=args.out,
                                   workers=args.workers, seed=args.seed,
                                   image_size=args.image_size,
                                   front_camera=args.front_camera,
                                   home_jitter=args.home_jitter,
                                   skills=args.skills.split(",") if args.skills else None,
                                   learner=args.learner, beta=args.beta,
                                   chains=args.chains, scene=scene_options(args.scene),
                                   held_out=args.held_out))
    print(f"{result.episodes} episodes, {result.frames} frames in {result.out} "
          f"({result.new_episodes} new, {result.episodes_per_minute:.1f} episodes/min)")
    return 0


def _train(args: argparse.Namespace) -> int:
    from vlaplan.skills.pi0 import ModelSpec
    from vlaplan.skills.train import TrainConfig, train

    spec = ModelSpec(hidden=args.hidden, layers=args.layers, image_size=args.image_size,
                     patch=args.patch, chunk=args.chunk, head=args.policy, stem=args.stem)
    data = args.data[0] if len(args.data) == 1 else args.data
    result = train(TrainConfig(data=data, out=args.out, policy=args.policy,
                               steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                               device=args.device, resume=args.resume,
                               save_every=args.save_every, seed=args.seed,
                               threads=args.threads, domains=args.domains,
                               early_frames=args.early_frames, early_weight=args.early_weight,
                               goal_loss=args.goal_loss, goal_frame=args.goal_frame,
                               goal_warmup=args.goal_warmup,
                               keypoint_spread=args.keypoint_spread,
                               init=args.init,
                               word_dropout=args.word_dropout,
                               n_action_steps=args.n_action_steps,
                               spec=spec))
    print(f"trained {result.steps} steps in {result.seconds:.0f} s, loss {result.final_loss:.4f},"
          f" {result.num_parameters / 1e6:.2f} M parameters -> {result.out}")
    return 0
