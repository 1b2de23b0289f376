"""A skill that keeps missing a destination standing where it stood: after two misses a
plan moves the destination first (executor.relocation)."""
from __future__ import annotations

import copy

import numpy as np
import pytest
from executor_scenes import cube, dispatcher_on, robot_for

from vlaplan.domains import get_domain
from vlaplan.executor import Executor
from vlaplan.executor.planning import forbid, make_problem, without_bookkeeping
from vlaplan.executor.relocation import MISSES, Misses, destinations, grounded_supports, spots_of
from vlaplan.planner import solve
from vlaplan.planner.atoms import Atom
from vlaplan.planner.instruction import Goal
from vlaplan.skills.contract import PRIVILEGED_KEY
from vlaplan.skills.scripted_policy import ScriptedPolicy
from vlaplan.world_model.robot import SimRobot

TABLETOP = get_domain("tabletop")


def scene():
    """purple_1 alone on the table, blue_1 on orange_1, black_1 held."""
    robot = robot_for(cube("purple_1", "purple", 0.45, 0.011), cube("orange_1", "orange", 0.55, -0.15),
                      cube("blue_1", "blue", 0.55, -0.15, 1), cube("black_1", "black", 0.5, 0.15),
                      holding="black_1")
    return robot, dispatcher_on(robot, "tabletop")


def test_destinations_are_the_arguments_an_action_leaves_in_place() -> None:
    robot, d = scene()
    objects = d.seen_objects()
    stack = TABLETOP.ground("stack", ("black_1", "purple_1"))
    assert destinations(stack, objects, d.runtime.locates) == ["purple_1"]  # black_1 is held
    pick = TABLETOP.ground("pick", ("purple_1",))
    assert destinations(pick, objects, d.runtime.locates) == []  # a pick moves its block
    onto_tower = TABLETOP.ground("stack", ("black_1", "blue_1"))
    atoms = d.atoms
    assert grounded_supports(["purple_1"], atoms, d.movable(), d.runtime.locates) == [
        Atom("on-table", ("purple_1",))]
    assert grounded_supports(["blue_1"], atoms, d.movable(), d.runtime.locates) == []  # in a tower
    assert destinations(onto_tower, objects, d.runtime.locates) == ["blue_1"]
    robot.close()


def test_misses_count_only_while_the_destination_stays_put() -> None:
    m = Misses()
    key = ("stack", ("a", "b"))
    here = {"b": np.array([0.45, 0.0])}
    assert m.note(key, here) == 1
    assert m.note(key, {"b": np.array([0.455, 0.004])}) == 2  # nudged, not moved
    assert m.note(key, {"b": np.array([0.50, 0.0])}) == 1  # moved 5 cm: counting starts again
    assert m.note(("stack", ("a", "c")), here) == 1  # per action


def test_two_misses_ban_the_stack_until_a_plan_has_moved_the_destination() -> None:
    robot, d = scene()
    stack = TABLETOP.ground("stack", ("black_1", "purple_1"))
    key = ("stack", ("black_1", "purple_1"))
    stay = spots_of(["purple_1"], d.seen_objects())
    for _ in range(MISSES - 1):
        d.rules.missed(stack, stay, d.atoms, d.movable())
        assert key not in d.bans.scope
    d.rules.missed(stack, stay, d.atoms, d.movable())
    assert d.bans.scope[key] == {Atom("on-table", ("purple_1",))}
    assert d.bans.why[key].startswith("missed") and key in d.bans.advisory()
    domain = forbid(d.runtime.pddl, d.bans.scope)
    problem = make_problem(domain, d.object_types(), d.atoms, [Atom("on", ("black_1", "purple_1"))])
    res = solve(domain, problem, timeout=20)
    steps = [str(without_bookkeeping(a)) for a in res.plan.actions]
    assert steps[-1] == "(stack black_1 purple_1)"
    assert steps.index("(pick purple_1)") < steps.index("(place purple_1)") < len(steps) - 1
    robot.close()


class MisreadsWhereItStood(ScriptedPolicy):
    """The scripted expert, but while ``target`` stands within 5 mm of where it stood at
    the start it sees it 8 cm to the side, and so stacks beside it: a learned policy's
    systematic miss at one spot."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target, self.start = target, None

    def select_action(self, observation, prompt=""):
        obj = observation[PRIVILEGED_KEY]["objects"][self.target]
        if self.start is None:
            self.start = np.asarray(obj["pos"][:2], float)
        if self.call is not None and self.call.name == "stack" and \
                np.linalg.norm(np.asarray(obj["pos"][:2]) - self.start) < 0.005:
            observation = copy.deepcopy(dict(observation))
            observation[PRIVILEGED_KEY]["objects"][self.target]["pos"][1] += 0.08
        return super().select_action(observation, prompt)


@pytest.mark.parametrize("relocate", [True, False])
def test_a_systematic_miss_is_recovered_by_moving_the_destination(relocate: bool) -> None:
    spec = robot_for(cube("purple_1", "purple", 0.45, 0.011), cube("black_1", "black", 0.5, 0.15),
                     holding="black_1")
    scene_spec = spec.scene
    spec.close()
    robot = SimRobot(scene_spec, render=False)
    ex = Executor("tabletop", MisreadsWhereItStood("purple_1"), robot=robot, max_replans=3, relocate=relocate, checks=False)
    result = ex.run(Goal.of(["(on black_1 purple_1)"]), seed=0)
    stacks = [s for s in result.steps if s.call == "(stack black_1 purple_1)"]
    assert stacks[0].outcome.value != "succeeded" and stacks[1].outcome.value != "succeeded"
    if relocate:
        assert result.success, result.reason
        calls = [s.call for s in result.steps]
        assert calls.index("(pick purple_1)") < calls.index("(place purple_1)") < len(calls) - 1
        assert any("missed 2 times with purple_1" in r for p in result.plans for r in p.ruled_out)
    else:
        assert not result.success and "(pick purple_1)" not in [s.call for s in result.steps]
    robot.close()

