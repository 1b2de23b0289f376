"""Hand-made tabletop scenes for executor tests (a real SimRobot on a real SceneSpec).

``model_construct`` skips SceneSpec validation on purpose where a test needs a pose the
generators never make (an object out of reach, a leaning tower).
"""
from __future__ import annotations

from typing import Any

from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.scene import ObjectSpec, RobotSpec, SceneSpec, TableSpec

CUBE = (0.04, 0.04, 0.04)


def cube(name: str, colour: str, x: float, y: float, level: int = 0,
         size: tuple[float, float, float] = CUBE, mass: float = 0.05,
         z: float | None = None) -> ObjectSpec:
    """A block resting on the table (level 0) or on ``level`` blocks below it."""
    z = size[2] / 2 + level * CUBE[2] if z is None else z
    return ObjectSpec.model_construct(name=name, shape="cube" if size == CUBE else "box",
                                      colour=colour, size=size, mass=mass, pos=(x, y, z), yaw=0.0)


def robot_for(*objects: ObjectSpec, holding: str | None = None) -> SimRobot:
    """A plant (no cameras) showing exactly ``objects`` (``holding`` one of them)."""
    scene = SceneSpec.model_construct(robot=RobotSpec(holding=holding), table=TableSpec(),
                                      objects=list(objects), fixtures=[])
    return SimRobot(scene, render=False)


def dispatcher_on(robot: Any, domain: str) -> Any:
    """A Dispatcher (scripted policy, checks on) for one run on ``robot``, observed once."""
    from vlaplan.executor import Executor
    from vlaplan.executor.dispatch import Dispatcher
    from vlaplan.executor.result import ExecutionResult

    ex = Executor(domain, "scripted", robot=robot)
    d = Dispatcher(ex, robot, ex.runtime.scene_objects(robot.scene),
                   ExecutionResult(instruction="", domain=domain), lambda event: None,
                   None, [], 0, True)
    d.observe()
    return d


OFF_CENTRE = 0.026  # m along the palm: beyond the 20 mm half-width of the block below


def off_centre_robot() -> SimRobot:
    """green_1 held OFF_CENTRE off the hand's centre, red_1 on the table to stack it on."""
    scene = SceneSpec.model_construct(
        robot=RobotSpec(holding="green_1", hold_offset=(OFF_CENTRE, 0.0)), table=TableSpec(),
        objects=[cube("green_1", "green", 0.45, 0.0, z=0.2), cube("red_1", "red", 0.5, 0.12)],
        fixtures=[])
    return SimRobot(scene, render=False)


def hand_aiming(policy_class: Any = None) -> Any:
    """The scripted expert (a ScriptedPolicy, or ``policy_class``), except that its stack
    brings the *hand* over the destination, as learned stacks do, not the block."""
    from vlaplan.skills.scripted import EXPERTS, PlaceExpert
    from vlaplan.skills.scripted_fixtures import FIXTURE_EXPERTS
    from vlaplan.skills.scripted_policy import ScriptedPolicy

    class HandAimingStack(PlaceExpert):
        def release(self, w, x, offset):
            xy, support_z, place_z, yaw = super().release(w, x, offset)
            return xy + (w.pos(x)[:2] - w.ee[:2]), support_z, place_z, yaw

    return (policy_class or ScriptedPolicy)(experts={
        **EXPERTS, **FIXTURE_EXPERTS, "stack": lambda args: HandAimingStack(args, onto=args[1])})
