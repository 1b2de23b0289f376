"""After a skill the executor lets a moving scene come to rest before it judges it.

A block the hand knocked, or let go of too high, is still falling when the skill's closed
loop ends; abstracted at that instant it is neither on the table nor on anything, and the
planner would find no plan.  ``Dispatcher._settle`` holds the hand still and observes
again until every movable object is placed (at most ``SETTLE_MAX`` control steps).
"""
from __future__ import annotations

import pybullet as pb

from executor_scenes import dispatcher_on

from vlaplan.domains import get_domain
from vlaplan.executor import Executor
from vlaplan.executor.dispatch import SETTLE_MAX, Dispatcher
from vlaplan.planner.atoms import Atom
from vlaplan.world_model.robot import SimRobot


def two_blocks() -> tuple[SimRobot, Dispatcher, str]:
    """A plant with two blocks on the table, a dispatcher on it, and one block's name."""
    g = get_domain("tabletop").generate_scene(3, n_objects=2, stack_prob=0.0)
    robot = SimRobot(g.spec, render=False)
    d = dispatcher_on(robot, "tabletop")
    return robot, d, sorted(a.args[0] for a in d.atoms if a.predicate == "on-table")[0]


def lift(robot: SimRobot, name: str, dz: float, roll: float = 0.0) -> None:
    body = robot.handles.objects[name]
    pos, _ = pb.getBasePositionAndOrientation(body, physicsClientId=robot.client)
    pb.resetBasePositionAndOrientation(body, (pos[0], pos[1], pos[2] + dz),
                                       pb.getQuaternionFromEuler((roll, 0.0, 0.0)),
                                       physicsClientId=robot.client)


def test_a_falling_block_is_judged_once_it_lies_on_the_table() -> None:
    robot, d, name = two_blocks()
    lift(robot, name, 0.12, roll=0.6)  # 12 cm up and tipped: it falls and tumbles
    d.observe()
    assert d.lost() == [name]  # what the old executor planned from
    waited = d._settle("")
    assert 0 < waited < SETTLE_MAX
    assert Atom("on-table", (name,)) in d.observed and not d.lost()
    assert d._settle("") == 0  # a scene at rest costs nothing
    robot.close()


def test_an_object_that_stays_unplaced_ends_the_wait() -> None:
    robot, d, name = two_blocks()
    body = robot.handles.objects[name]
    pb.changeDynamics(body, -1, mass=0.0, physicsClientId=robot.client)  # pinned in mid-air
    lift(robot, name, 0.12)
    d.observe()
    assert d._settle("") == SETTLE_MAX
    assert d.lost() == [name]  # reported, not hidden
    robot.close()


def test_every_step_records_its_settle_frames() -> None:
    r = Executor("tabletop", "scripted").run("stack purple on orange", seed=0)
    assert r.success and [s.settle_frames for s in r.steps] == [0, 0]
