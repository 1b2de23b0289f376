"""Stage 4 of a check: run the scripted skill on the twin and compare its effects.

From the state saved at the last sync (by default with the hand put straight over the
target, skipping the free-space transit: :func:`skip_transit`), the twin's own
controller executes the scripted expert for the action closed-loop on privileged
observations, without rendering, at the plant's 240 Hz when the action puts an object
onto or into another and coarser otherwise (:func:`substeps_for`), with resting objects
far from the action asleep (:func:`distant_asleep`), until the skill succeeds by the
rule ``run_skill`` applies on the plant (effects hold and the arm is done, two steps
running; for an action that neither grasps nor releases, such as opening a drawer: the
effects hold and the expert lets go), the expert reports done, or the step budget ends.
The scene then settles for a few control steps, is abstracted, and the atoms are
compared with the action's add/delete effects. The twin is restored to the synced state
afterwards.

Verdicts: GRASP_INFEASIBLE (the action should end holding an object and does not, or the
"grasp" is no grasp: not lifted, fingers fully open), UNSTABLE (objects the action should
not move fell or slid, or the placed object fell off its support), EFFECT_MISMATCH (any
other difference, or an expert that cannot run in this state); pybullet errors become
SIMULATION_ERROR in :meth:`PhysicsTwin.check`.

The physics rate and the sleeping of distant objects (:func:`substeps_for`,
:func:`physics_rate`, :func:`distant_objects`, :func:`distant_asleep`) live in
:mod:`vlaplan.world_model.lookahead_physics` and stay importable from here.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pybullet as pb

from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import VlaplanError
from vlaplan.skills.contract import CONTROL_HZ, PRIVILEGED_KEY, Skill, SkillCall
from vlaplan.skills.scripted import yaw_of
from vlaplan.world_model import predicates as P
from vlaplan.world_model.build import solve_ik
from vlaplan.world_model.checks import (
    ActionLike, Failure, ReasonCode, action_label, atoms_of, effect_mismatch)
from vlaplan.world_model.geometry_checks import (
    GRIPPER_LINKS, REACH_TOL, TargetPose, grasp_frame, held_in_hand, penetrations, set_arm)
from vlaplan.world_model.lookahead_physics import (  # noqa: F401 (distant_objects re-exported)
    distant_asleep, distant_objects, physics_rate, substeps_for)
from vlaplan.world_model.panda import FINGER_MAX, GRASP_LINK
from vlaplan.world_model.rollout import LIFT_MIN
from vlaplan.world_model.rollout import SETTLE_STEPS as SUCCESS_STREAK
from vlaplan.world_model.rollout import arm_done  # run_skill's "arm done" rule

if TYPE_CHECKING:
    from vlaplan.world_model.twin import PhysicsTwin

MOVED_TOL = 0.02  # m an object the action should not touch may move before it counts as fallen
DEFAULT_BUDGET = 160  # control steps when the skill library has no budget for an action
OPEN_SLACK = 0.003  # m: a gripper within this of fully open holds nothing between its fingers
HELD_XY_TOL = 0.03  # m between a held object's centre and the grasp point, horizontally
TRANSIT_HOVER = 0.025  # m above the target pose where a transit-skipping look-ahead starts
HAND_ATOMS = ("holding", "hand-empty")  # an action touching none of these leaves the hand


@dataclass
class LookaheadStats:
    """What the last look-ahead did (kept on the twin for benchmarks and reports)."""

    action: str = ""
    steps: int = 0
    sim_seconds: float = 0.0
    wall_ms: float = 0.0
    predicted: list[str] = field(default_factory=list)
    moved: dict[str, float] = field(default_factory=dict)
    skipped_transit: bool = False
    asleep: int = 0  # distant objects put to sleep
    substeps: int = 0  # physics steps per control step
    hand_neutral: bool = False  # stopped at the release, without the arm's retreat


def generic_atoms(observation: dict[str, Any]) -> frozenset[Atom]:
    """Blocks-world atoms from privileged poses, for a twin built without a domain."""
    priv = observation[PRIVILEGED_KEY]
    objects = priv["objects"]
    table_z = P.table_height(priv)
    atoms: set[Atom] = set()
    holding = P.held_objects(priv)
    atoms.update(Atom("holding", (n,)) for n in holding)
    if not holding:
        atoms.add(Atom("hand-empty"))
    covered: set[str] = set()
    for a, oa in objects.items():
        if P.is_on_table(oa, table_z):
            atoms.add(Atom("on-table", (a,)))
        for b, ob in objects.items():
            if a != b and P.is_on(oa, ob):
                atoms.add(Atom("on", (a, b)))
                covered.add(b)
    atoms.update(Atom("clear", (n,)) for n in objects if n not in covered and n not in holding)
    return frozenset(atoms)


def _budget(name: str) -> int:
    from vlaplan.skills.library import builtin_registry

    registry = builtin_registry()
    return registry[name].step_budget if name in registry else DEFAULT_BUDGET


def _policy(twin: "PhysicsTwin") -> Any:
    if twin.policy is None:
        from vlaplan.skills.scripted import ScriptedPolicy

        twin.policy = ScriptedPolicy()
    return twin.policy


def _positions(obs: dict[str, Any]) -> dict[str, np.ndarray]:
    return {n: np.asarray(o["pos"]) for n, o in obs[PRIVILEGED_KEY]["objects"].items()}


def simulate(twin: "PhysicsTwin", action: ActionLike, max_steps: int | None = None
             ) -> tuple[dict[str, Any], dict[str, Any], LookaheadStats]:
    """Run the scripted skill for ``action`` on the twin; (start obs, end obs, stats).

    Leaves the twin in the simulated end state: call ``twin.restore()`` afterwards.
    """
    twin.ensure_saved()
    substeps = substeps_for(twin, action)
    with physics_rate(twin, substeps), distant_asleep(twin, action) as asleep:
        before, after, stats = _simulate(twin, action, max_steps)
    stats.asleep, stats.substeps = asleep, substeps
    return before, after, stats


def skip_transit(twin: "PhysicsTwin", action: ActionLike) -> bool:
    """Put the hand (and what it holds) straight over the action's target pose, at
    :data:`TRANSIT_HOVER` above it with the expert's yaw, as if the free-space transit had
    happened.  The contact-rich part (descend, grasp or release, lift or retreat) is then
    all the look-ahead simulates.  Returns False (nothing moved) when the pose is unknown
    or out of the arm's reach."""
    target = twin.target(action)
    if not isinstance(target, TargetPose):
        return False
    c, panda = twin.client, twin.handles.panda
    held_body = twin.handles.objects.get(twin.held) if twin.held else None
    local = held_in_hand(c, panda, held_body) if held_body is not None else None
    hover = (target.pos[0], target.pos[1], target.pos[2] + TRANSIT_HOVER)
    q = solve_ik(c, panda, hover, target.yaw, iterations=100)
    for _ in range(3):
        set_arm(c, panda, q)
        q = solve_ik(c, panda, hover, target.yaw, iterations=100)
    set_arm(c, panda, q)
    frame, _ = grasp_frame(c, panda)
    if np.linalg.norm(frame - np.asarray(hover)) > REACH_TOL:
        twin.restore()
        return False
    if held_body is not None and local is not None:
        state = pb.getLinkState(panda, GRASP_LINK, computeForwardKinematics=True,
                                physicsClientId=c)
        pos, quat = pb.multiplyTransforms(state[4], state[5], *local)
        pb.resetBasePositionAndOrientation(held_body, pos, quat, physicsClientId=c)
        pb.resetBaseVelocity(held_body, (0, 0, 0), (0, 0, 0), physicsClientId=c)
    pb.performCollisionDetection(physicsClientId=c)
    if _hover_collides(twin, target, held_body):  # e.g. over a closed drawer: go the long way
        twin.restore()
        return False
    twin.sim.set_command(np.asarray(hover, dtype=float), float(target.yaw),
                         twin.sim.command()[2], joints=q)
    pb.performCollisionDetection(physicsClientId=c)
    return True


def _hover_collides(twin: "PhysicsTwin", target: TargetPose, held_body: int | None) -> bool:
    handles = twin.handles
    subject = handles.objects.get(target.subject, handles.fixtures.get(target.subject))
    skip = {b for b in (held_body, subject) if b is not None}
    for link in GRIPPER_LINKS:
        if penetrations(twin.client, handles.panda, link, handles, skip):
            return True
    return held_body is not None and bool(
        penetrations(twin.client, held_body, None, handles, {handles.panda}))


def _share_spot(twin: "PhysicsTwin", policy: Any, action: ActionLike) -> None:
    """Hand a ``place`` expert the free spot the twin already derived with the expert's own
    rule (the search costs tens of ms), so it is not searched for a second time."""
    expert = getattr(policy, "expert", None)
    target = twin.target(action)
    if (action.name == "place" and isinstance(target, TargetPose)
            and hasattr(expert, "use_spot")):
        obj = twin.observation[PRIVILEGED_KEY]["objects"].get(action.args[0]) \
            if twin.observation is not None else None
        if obj is not None:
            expert.use_spot(target.pos[:2], yaw_of(obj["quat"]))


def _simulate(twin: "PhysicsTwin", action: ActionLike, max_steps: int | None
              ) -> tuple[dict[str, Any], dict[str, Any], LookaheadStats]:
    sim, policy = twin.sim, _policy(twin)
    # The comparison baseline is the synced state, before any transit skip.
    before = sim.observe(render=False)
    skipped = twin.skip_transit and skip_transit(twin, action)
    start_wall = time.perf_counter()
    start_steps = sim.step_count
    policy.reset(SkillCall(action.name, tuple(action.args), action_label(action)),
                 seed=twin.seed)
    _share_spot(twin, policy, action)
    budget = max_steps or twin.max_lookahead_steps or _budget(action.name)
    abstract = twin.abstract or generic_atoms
    add, delete = atoms_of(action.add), atoms_of(action.delete)
    obs = sim.observe(render=False) if skipped else before
    # An action that neither grasps nor releases an object (open, close) is decided once
    # its effects hold and the expert lets go of the fixture (its gripper command rises):
    # the arm's retreat that follows on the plant is not simulated.
    neutral = not any(a.predicate in HAND_ATOMS for a in add | delete)
    streak, released, grip = 0, False, None
    for _ in range(budget):
        if getattr(policy, "done", False) or streak >= SUCCESS_STREAK:
            break
        command = policy.select_action(obs, "")
        released = released or (grip is not None and float(command[4]) > grip)
        grip = float(command[4])
        sim.apply(command)
        obs = sim.observe(render=False)
        # Stop as run_skill does on the plant: effects hold and the arm is done.
        done = Skill.success(add, delete, abstract(obs)) and (neutral and released or arm_done(
            obs[PRIVILEGED_KEY], add, before[PRIVILEGED_KEY]))
        streak = streak + 1 if done else 0
    hold = np.array([0.0, 0.0, 0.0, 0.0, float(obs[PRIVILEGED_KEY]["ee"]["gripper_cmd"])])
    for _ in range(twin.settle_steps):
        sim.apply(hold)
    after = sim.observe(render=False)
    stats = LookaheadStats(action=action_label(action), steps=sim.step_count - start_steps,
                           wall_ms=(time.perf_counter() - start_wall) * 1e3,
                           skipped_transit=skipped, hand_neutral=neutral)
    stats.sim_seconds = stats.steps / CONTROL_HZ
    return before, after, stats


def _not_really_held(obs: dict[str, Any], name: str, start: dict[str, np.ndarray]) -> str:
    """Why a contact-classified grasp is not a grasp ("" when it is one)."""
    priv = obs[PRIVILEGED_KEY]
    if name not in priv["objects"] or name not in start:
        return f"{name} is gone"
    pos = np.asarray(priv["objects"][name]["pos"])
    ee = priv["ee"]
    rise = pos[2] - start[name][2]
    if rise < LIFT_MIN:
        return f"it rises only {rise * 100:.1f} cm"
    if ee["gripper_width"] > 2 * FINGER_MAX - OPEN_SLACK:
        return "the gripper is still fully open (the object is wider than its opening)"
    if np.linalg.norm(pos[:2] - np.asarray(ee["pos"][:2])) > HELD_XY_TOL:
        return "it hangs off the fingertips, away from the grasp point"
    return ""


def _frame_check(label: str, action: ActionLike, before: frozenset[Atom],
                 predicted: frozenset[Atom], moved: dict[str, float]) -> Failure | None:
    """The effects hold; did the action also knock over something it should not touch?

    Atoms the action does not delete that no longer hold, with an object named in them
    that moved more than :data:`MOVED_TOL`, make the verdict UNSTABLE (classifier flicker
    without motion is ignored)."""
    kept = {a for a in before - atoms_of(action.delete)
            if a.predicate not in ("hand-empty", "clear")}
    lost = sorted(kept - predicted, key=str)
    culprits = sorted({n for a in lost for n in a.args
                       if n not in action.args and moved.get(n, 0.0) > MOVED_TOL},
                      key=lambda n: -moved[n])
    if not culprits:
        return None
    what = ", ".join(f"{n} moves {moved[n] * 100:.0f} cm" for n in culprits)
    return Failure(ReasonCode.UNSTABLE,
                   f"{label}: its effects hold in the look-ahead, but it disturbs the scene: "
                   f"{what} (no longer true: {' '.join(str(a) for a in lost)})",
                   objects=tuple(culprits), atoms=tuple(str(a) for a in lost))


def run_lookahead(twin: "PhysicsTwin", action: ActionLike) -> Failure | None:
    """Stage 4 (see the module docstring); always restores the twin."""
    label = action_label(action)
    try:
        before, after, stats = simulate(twin, action)
    except VlaplanError as exc:
        return Failure(ReasonCode.EFFECT_MISMATCH,
                       f"{label}: the scripted skill cannot run in the twin: {exc}",
                       objects=tuple(action.args))
    finally:
        twin.restore()
    abstract = twin.abstract or generic_atoms
    predicted = atoms_of(abstract(after))
    start, end = _positions(before), _positions(after)
    moved = {n: float(np.linalg.norm(end[n] - start[n])) for n in start if n in end}
    stats.predicted = sorted(str(a) for a in predicted)
    stats.moved = moved
    twin.last_lookahead = stats
    missing, stale = effect_mismatch(action, predicted)
    subject = action.args[0] if action.args else ""
    wrong = "; ".join(p for p in (
        "missing " + " ".join(missing) if missing else "",
        "still true " + " ".join(stale) if stale else "") if p)
    holds = [a for a in atoms_of(action.add) if a.predicate == "holding"]
    if not missing and not stale:
        for atom in holds:
            problem = _not_really_held(after, atom.args[0], start)
            if problem:
                return Failure(ReasonCode.GRASP_INFEASIBLE,
                               f"{label}: in the look-ahead the fingers touch {atom.args[0]} "
                               f"but {problem}", objects=(atom.args[0],), atoms=(str(atom),))
        return _frame_check(label, action, atoms_of(abstract(before)), predicted, moved)
    if any(str(h) in missing for h in holds):
        return Failure(ReasonCode.GRASP_INFEASIBLE,
                       f"{label}: in the look-ahead the gripper does not hold {subject} "
                       f"after the grasp ({wrong})", objects=(subject,), atoms=tuple(missing))
    fallen = sorted((n for n, d in moved.items() if d > MOVED_TOL and n != subject),
                    key=lambda n: -moved[n])
    fell_off = [y for m in missing for a in [Atom.parse(m)] if a.predicate == "on"
                for y in a.args[1:] if subject in end and y in end and end[subject][2] < end[y][2]]
    if fallen or fell_off:
        who = fallen or [subject]
        what = ", ".join(f"{n} moves {moved.get(n, 0.0) * 100:.0f} cm" for n in who)
        return Failure(ReasonCode.UNSTABLE,
                       f"{label}: in the look-ahead the scene does not stay put: {what} "
                       f"({wrong})", objects=tuple(dict.fromkeys([subject, *who])),
                       atoms=tuple(missing + stale))
    return Failure(ReasonCode.EFFECT_MISMATCH,
                   f"{label}: the look-ahead predicts other effects ({wrong})",
                   objects=tuple(action.args), atoms=tuple(missing + stale))
