"""Objects that no classifier places get an assumed support atom for planning only.

A block lying across two others, or leaning on one with an edge on the table, has no
``on``/``on-table`` atom; without :mod:`vlaplan.executor.loose` no action applies to it and
the task ends with "no plan".  The assumed atom must never make the goal look closer.
"""
from __future__ import annotations

import math

import pybullet as pb

from executor_scenes import cube, robot_for

from vlaplan.domains import get_domain
from vlaplan.executor import Executor
from vlaplan.executor.loose import loose_support, with_assumed
from vlaplan.executor.planning import unsupported
from vlaplan.executor.runtime import DomainRuntime
from vlaplan.planner.atoms import Atom
from vlaplan.planner.instruction_goal import Literal
from vlaplan.skills.contract import PRIVILEGED_KEY

TABLETOP = {"on": 2, "on-table": 1, "clear": 1, "holding": 1, "hand-empty": 0}
LOCATES = DomainRuntime("tabletop").locates  # the tabletop lexicon's ``at X`` slots


def bridge():
    """green_1 lies across red_1 and blue_1 (its centre over the 2 cm gap between them)."""
    return robot_for(cube("red_1", "red", 0.45, -0.03), cube("blue_1", "blue", 0.45, 0.031),
                     cube("green_1", "green", 0.45, 0.0, level=1))


def leaning():
    """green_1 leaning on red_1's side, one edge on the table (about 37 degrees once settled)."""
    robot = robot_for(cube("red_1", "red", 0.45, 0.0), cube("green_1", "green", 0.45, -0.08))
    roll = 0.4  # its far bottom edge on the table, its near one raised against red_1's side
    edge = -0.0205 - 0.04 * math.cos(roll)
    lift = 0.02 * (math.cos(roll) + math.sin(roll))
    pb.resetBasePositionAndOrientation(robot.handles.objects["green_1"],
                                       (0.45, edge + lift, lift + 0.0005),
                                       pb.getQuaternionFromEuler((roll, 0.0, 0.0)),
                                       physicsClientId=robot.client)
    for _ in range(240):
        pb.stepSimulation(physicsClientId=robot.client)
    return robot


def observed(robot):
    obs = robot.observe()
    return get_domain("tabletop").abstract(obs), obs[PRIVILEGED_KEY]["objects"]


def on(x, y):
    return Atom("on", (x, y))


def test_a_block_across_two_is_planned_as_on_the_one_nearer_its_centre() -> None:
    robot = bridge()
    atoms, objects = observed(robot)
    assert unsupported(atoms, objects, LOCATES) == ["green_1"]
    assumed = loose_support(atoms, objects, list(objects), [], TABLETOP, LOCATES)
    assert assumed == {"green_1": on("green_1", "red_1")}  # red_1 is 1 mm nearer
    view = with_assumed(atoms, assumed, TABLETOP)
    assert Atom("clear", ("red_1",)) not in view and Atom("clear", ("blue_1",)) in view
    robot.close()


def test_an_assumed_atom_never_satisfies_a_goal_literal() -> None:
    robot = bridge()
    atoms, objects = observed(robot)
    goal = [Literal(on("green_1", "red_1"))]
    assert loose_support(atoms, objects, list(objects), goal, TABLETOP, LOCATES) == {
        "green_1": on("green_1", "blue_1")}  # the other support: the plan must move it
    both = [Literal(on("green_1", "red_1")), Literal(on("green_1", "blue_1"))]
    assert loose_support(atoms, objects, list(objects), both, TABLETOP, LOCATES) == {}
    # making (clear red_1) false would satisfy a goal that red_1 be covered: not assumed
    covered = [Literal(Atom("clear", ("red_1",)), positive=False), Literal(on("green_1", "blue_1"))]
    assert loose_support(atoms, objects, list(objects), covered, TABLETOP, LOCATES) == {}
    robot.close()


def test_a_leaning_block_is_planned_as_on_the_table_and_needs_the_predicates() -> None:
    robot = leaning()
    atoms, objects = observed(robot)
    assert unsupported(atoms, objects, LOCATES) == ["green_1"]
    assert "table" in objects["green_1"]["contacts"] and "red_1" in objects["green_1"]["contacts"]
    # its centre is below red_1's top: it leans on red_1's side, it is not on red_1
    assert loose_support(atoms, objects, list(objects), [Literal(on("green_1", "red_1"))],
                         TABLETOP, LOCATES) == {"green_1": Atom("on-table", ("green_1",))}
    # wanted on the table (a tower's bottom block that fell against its neighbour): taken as
    # on the block it leans on, so that a plan picks it up and sets it down again
    assert loose_support(atoms, objects, list(objects), [Literal(Atom("on-table", ("green_1",)))],
                         TABLETOP, LOCATES) == {"green_1": on("green_1", "red_1")}
    assert loose_support(atoms, objects, list(objects),
                         [Literal(Atom("on-table", ("green_1",))), Literal(on("green_1", "red_1"))],
                         TABLETOP, LOCATES) == {}
    assert loose_support(atoms, objects, list(objects), [], {"in": 2, "holding": 1},
                         LOCATES) == {}
    robot.close()


def test_the_executor_plans_a_block_lying_across_two_back_onto_the_table() -> None:
    r = Executor("tabletop", "scripted", robot=bridge()).run(
        "put the green block on the table", seed=0)
    assert r.success, r.reason
    assert r.plans[0].assumed == ["(on green_1 red_1)"]
    assert [s.call for s in r.steps] == ["(unstack green_1 red_1)", "(place green_1)"]
    assert "(on green_1 red_1)" not in r.final_atoms  # results hold observed atoms only
    off = Executor("tabletop", "scripted", robot=bridge(), loose_support=False).run(
        "put the green block on the table", seed=0)
    assert not off.success and "green_1 is neither on the table" in off.reason and not off.steps


class _Kept:
    """A plant whose ``reset`` keeps the pose the test made (SimRobot.reset rebuilds the
    scene's spec, where green_1 stands upright)."""

    def __init__(self, robot) -> None:
        self._robot = robot

    def reset(self, seed=None) -> None:
        pass

    def __getattr__(self, name):
        return getattr(self._robot, name)


def test_a_leaning_block_wanted_on_the_table_is_picked_up_and_set_down() -> None:
    r = Executor("tabletop", "scripted", robot=_Kept(leaning())).run(
        "put the green block on the table", seed=0)
    assert r.success, r.reason
    assert r.plans[0].assumed == ["(on green_1 red_1)"]
    assert [s.call for s in r.steps][-1] == "(place green_1)"


def test_what_places_an_object_is_read_from_the_lexicons_slots_not_predicate_names() -> None:
    """A domain of the author's own naming (``ontable``): the lexicon's ``at X`` slots say
    which atoms place an object; without such slots nothing is called lost (and the
    executor never waits for an object to settle)."""
    from dataclasses import replace

    runtime = DomainRuntime("tabletop")
    atoms = [Atom("ontable", ("a",)), on("b", "a"), Atom("clear", ("b",))]
    runtime.lexicon = replace(runtime.lexicon,
                              slots={"ontable": ("at {0}",), "on": ("at {0}", "top {1}")})
    assert unsupported(atoms, ["a", "b", "c"], runtime.locator) == ["c"]
    runtime.lexicon = replace(runtime.lexicon, slots={"clear": ("top {0}",)})
    assert runtime.locator is None
    assert unsupported(atoms, ["a", "b", "c"], runtime.locator) == []
