"""An UNSTABLE refusal over a block resting askew low in the tower: the ban lasts until a
plan has taken that block off its support and set it down again (executor.seating)."""
from __future__ import annotations

import math

from executor_scenes import cube, dispatcher_on, robot_for

from vlaplan.domains import get_domain
from vlaplan.executor.planning import forbid, make_problem, without_bookkeeping
from vlaplan.executor.result import CheckRecord
from vlaplan.executor.seating import SEAT_TOL, askew_support
from vlaplan.planner import solve
from vlaplan.planner.atoms import Atom
from vlaplan.skills.contract import PRIVILEGED_KEY
from vlaplan.world_model.predicates import tilt

TABLETOP = get_domain("tabletop")


def tipped(degrees: float, about: str = "x") -> tuple[float, float, float, float]:
    """An (x, y, z, w) quaternion turning ``degrees`` about a horizontal axis."""
    h = math.radians(degrees) / 2
    return (math.sin(h), 0.0, 0.0, math.cos(h)) if about == "x" else (0.0, math.sin(h), 0.0, math.cos(h))


def test_tilt_is_zero_on_any_face_and_the_angle_off_flat_otherwise() -> None:
    assert tilt({"quat": (0, 0, 0, 1)}) < 1e-9
    assert tilt({"quat": tipped(90)}) < 1e-6  # lying on a side face is flat
    assert abs(tilt({"quat": tipped(9, "y")}) - math.radians(9)) < 1e-6
    assert abs(tilt({"quat": tipped(99)}) - math.radians(9)) < 1e-6


def tower():
    """orange_1 on the table, blue_1 on it, purple_1 on blue_1; black_1 held."""
    robot = robot_for(cube("orange_1", "orange", 0.45, 0.0), cube("blue_1", "blue", 0.45, 0.0, 1),
                      cube("purple_1", "purple", 0.45, 0.0, 2), cube("black_1", "black", 0.5, 0.15),
                      holding="black_1")
    d = dispatcher_on(robot, "tabletop")
    assert {Atom("on", ("blue_1", "orange_1")), Atom("on", ("purple_1", "blue_1")),
            Atom("holding", ("black_1",))} <= d.atoms
    return robot, d


def askew(d, name: str, degrees: float) -> None:
    """Make the latest observation show ``name`` tilted by ``degrees`` (isolates the rule
    from the physics that would make such a pose)."""
    d.obs[PRIVILEGED_KEY]["objects"][name]["quat"] = tipped(degrees)


def test_the_lowest_askew_block_under_the_target_is_found() -> None:
    robot, d = tower()
    stack = TABLETOP.ground("stack", ("black_1", "purple_1"))
    objects = d.obs[PRIVILEGED_KEY]["objects"]
    assert askew_support(stack, objects, d.atoms, d.runtime.locates) is None  # all flat
    askew(d, "purple_1", 9)
    assert askew_support(stack, objects, d.atoms, d.runtime.locates) == Atom("on", ("purple_1", "blue_1"))
    askew(d, "blue_1", 9)  # purple rests on a tilted blue: blue is the cause
    assert askew_support(stack, objects, d.atoms, d.runtime.locates) == Atom("on", ("blue_1", "orange_1"))
    askew(d, "blue_1", math.degrees(SEAT_TOL) * 0.8)  # within the tolerance: seated
    assert askew_support(stack, objects, d.atoms, d.runtime.locates) == Atom("on", ("purple_1", "blue_1"))
    robot.close()


def plan_after_refusal(d) -> list[str]:
    stack = TABLETOP.ground("stack", ("black_1", "purple_1"))
    d.rules.refused(stack, CheckRecord(ok=False, reason="UNSTABLE", objects=["black_1", "purple_1"]),
                    d.seen_objects(), d.atoms)
    domain = forbid(d.runtime.pddl, d.bans.scope)
    problem = make_problem(domain, d.object_types(), d.atoms, [Atom("on", ("black_1", "purple_1")),
                                                                 Atom("on", ("purple_1", "blue_1")),
                                                                 Atom("on", ("blue_1", "orange_1"))])
    res = solve(domain, problem, timeout=20)
    assert res.solved
    return [str(without_bookkeeping(x)) for x in res.plan.actions]


def test_an_unstable_stack_over_an_askew_block_is_planned_after_reseating_it() -> None:
    robot, d = tower()
    askew(d, "blue_1", 9)
    steps = plan_after_refusal(d)
    key = ("stack", ("black_1", "purple_1"))
    assert d.bans.scope[key] == {Atom("on", ("blue_1", "orange_1"))}
    assert "resting askew: (on blue_1 orange_1)" in d.bans.why[key]
    # blue_1 comes off orange_1 and goes back before black_1 goes on top
    assert "(unstack blue_1 orange_1)" in steps and steps[-1] == "(stack black_1 purple_1)"
    assert steps.index("(unstack blue_1 orange_1)") < steps.index("(stack blue_1 orange_1)")
    robot.close()


def test_without_an_askew_block_the_ban_is_scoped_to_the_blamed_blocks() -> None:
    robot, d = tower()
    steps = plan_after_refusal(d)
    key = ("stack", ("black_1", "purple_1"))
    assert Atom("on", ("blue_1", "orange_1")) not in d.bans.scope[key]
    assert "askew" not in d.bans.why[key]
    assert "(unstack blue_1 orange_1)" not in steps  # moving purple_1 is enough
    robot.close()
