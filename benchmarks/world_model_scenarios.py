"""World-model benchmark scenarios where the twin's verdict is set against the plant.

* :func:`doomed_trials`: stale plans after a fault (target moved out of reach, stack target
  blocked, held block dropped), checked with the stale state and then run on the plant;
* :func:`marginal_towers`: stacking on leaning towers around the tipping point.

Moved here from ``benchmarks/world_model.py``, which runs them and reports the results.
"""
from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from rich.progress import Progress

from vlaplan.domains import get_domain
from vlaplan.skills.scripted import ScriptedPolicy
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.rollout import run_skill
from vlaplan.world_model.twin import PhysicsTwin

DOOMED_KINDS = ("out-of-reach pick", "stack on a blocked block", "stack after a drop (control)")


def doomed_trials(seeds: int, progress: Progress) -> dict[str, dict[str, int]]:
    """Actions planned from a state that a fault has just made stale, checked with that
    stale state, then dispatched anyway: does the twin refuse exactly the ones that fail
    (or wreck the scene) on the plant?  The control case is one the scripted expert
    recovers from (it grasps the dropped block again), so the twin should pass it."""
    from vlaplan.world_model.faults import FaultInjector

    domain = get_domain("tabletop")
    counts: dict[str, dict[str, int]] = {k: defaultdict(int) for k in DOOMED_KINDS}
    task = progress.add_task("doomed actions", total=seeds * len(DOOMED_KINDS))
    for seed in range(seeds):
        for kind in DOOMED_KINDS:
            skill = {"out-of-reach pick": "pick", "stack on a blocked block": "stack",
                     "stack after a drop (control)": "stack"}[kind]
            scene = domain.generate_scene(seed, for_skill=skill)
            robot = SimRobot(scene.spec, render=False, seed=seed)
            twin = PhysicsTwin(scene.spec, abstract=domain.abstract, seed=seed)
            state = domain.abstract(robot.observe())
            calls = [c for c in domain.applicable_calls(state, scene.objects) if c.name == skill]
            call = random.Random(seed).choice(calls)
            injector = FaultInjector(robot, seed=seed)
            if kind == "out-of-reach pick":
                injector.inject("displace", call.args[0], position=(0.86, 0.0))
            elif kind == "stack on a blocked block":
                injector.inject("block", call.args[1])
            else:
                injector.inject("drop", call.args[0])
            twin.sync(robot.observe())
            verdict = twin.check(call, state)  # the stale, planned-from state
            outcome = run_skill(robot, ScriptedPolicy(), domain.call(call.name, call.args),
                                domain.skill(call.name).step_budget, domain.abstract,
                                call.add, call.delete)
            after = domain.abstract(robot.observe())
            frame = {a for a in state - call.delete if a.predicate != "hand-empty"}
            wrecked = bool(frame - after)
            ok = outcome.success and not wrecked
            key = ("refused" if not verdict.ok else "passed") + "/" + (
                "plant ok" if ok else "plant failed")
            counts[kind][key] += 1
            twin.close()
            robot.close()
            progress.advance(task)
    return {k: dict(v) for k, v in counts.items()}


TOWER_LEANS = (0.0, 0.008, 0.010, 0.012, 0.013)  # m each block is offset from the one below
TOWER_MASSES = (0.05, 0.15, 0.3)  # kg of the block stacked on top


def leaning_tower(lean: float, mass: float) -> Any:
    """red_1 (``mass``) in the hand; yellow_1 on green_1 on blue_1, each offset by ``lean``."""
    from vlaplan.world_model.scene import ObjectSpec, RobotSpec, SceneSpec

    return SceneSpec(robot=RobotSpec(holding="red_1"), objects=[
        ObjectSpec(name="red_1", colour="red", pos=(0.45, 0.0, 0.2), mass=mass),
        ObjectSpec(name="blue_1", colour="blue", pos=(0.5, 0.1, 0.02)),
        ObjectSpec(name="green_1", colour="green", pos=(0.5, 0.1 + lean, 0.06)),
        ObjectSpec(name="yellow_1", colour="yellow", pos=(0.5, 0.1 + 2 * lean, 0.10))])


def marginal_towers(progress: Progress, twin_options: dict[str, Any]) -> list[dict[str, Any]]:
    """Stack a block on leaning towers around the tipping point: twin vs plant."""
    domain = get_domain("tabletop")
    rows = []
    task = progress.add_task("leaning towers", total=len(TOWER_LEANS) * len(TOWER_MASSES))
    for lean in TOWER_LEANS:
        for mass in TOWER_MASSES:
            spec = leaning_tower(lean, mass)
            robot = SimRobot(spec, render=False)
            twin = PhysicsTwin(spec, abstract=domain.abstract, **twin_options)
            obs = robot.observe()
            twin.sync(obs)
            call = domain.ground("stack", ("red_1", "yellow_1"))
            verdict = twin.check(call, domain.abstract(obs))
            run_skill(robot, ScriptedPolicy(), domain.call(call.name, call.args), 120,
                      domain.abstract, call.add, call.delete)
            after = domain.abstract(robot.observe())
            stands = {("on", ("red_1", "yellow_1")), ("on", ("yellow_1", "green_1")),
                      ("on", ("green_1", "blue_1"))} <= after
            rows.append({"lean_cm": lean * 100, "mass_kg": mass,
                         "twin": verdict.reason.value if verdict.reason else "ok",
                         "plant": "stands" if stands else "falls",
                         "agree": verdict.ok == stands})
            twin.close()
            robot.close()
            progress.advance(task)
    return rows
