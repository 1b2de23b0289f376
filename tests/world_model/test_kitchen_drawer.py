"""Kitchen drawer abstraction is total (a half-open drawer is ``open``, so it can be
closed and re-opened), and a put-in into a drawer not open far enough is still refused by
the twin and fails on the plant.  Real pybullet, real scripted experts."""
import pytest

from vlaplan.domains import get_domain
from vlaplan.planner.atoms import Atom
from vlaplan.skills.contract import PRIVILEGED_KEY
from vlaplan.skills.scripted import ScriptedPolicy
from vlaplan.world_model.checks import CheckStage
from vlaplan.world_model.predicates import DRAWER_CLOSED_MAX, DRAWER_OPEN_MIN
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.rollout import run_skill
from vlaplan.world_model.scene import SceneSpec
from vlaplan.world_model.twin import PhysicsTwin

DOMAIN = get_domain("kitchen")
OPEN, CLOSED = Atom("open", ("drawer",)), Atom("closed", ("drawer",))


def with_opening(spec: SceneSpec, opening: float) -> SceneSpec:
    fixtures = [f.model_copy(update={"params": {**f.params, "opening": opening}})
                for f in spec.fixtures]
    return spec.model_copy(update={"fixtures": fixtures})


def drawer_state(atoms: frozenset) -> set[Atom]:
    return {a for a in atoms if a in (OPEN, CLOSED)}


@pytest.mark.parametrize("q, expected", [
    (0.0, CLOSED), (DRAWER_CLOSED_MAX * 0.9, CLOSED), (DRAWER_CLOSED_MAX * 1.5, OPEN),
    (0.06, OPEN), (DRAWER_OPEN_MIN, OPEN), (0.19, OPEN)])
def test_every_drawer_position_is_exactly_open_or_closed(q: float, expected: Atom) -> None:
    priv = {"objects": {}, "ee": {"pos": [0.3, 0.0, 0.3], "yaw": 0.0, "gripper_width": 0.08},
            "fixtures": {"drawer": {"kind": "drawer", "joint": q}}}
    assert drawer_state(DOMAIN.abstract(priv)) == {expected}


def run(robot: SimRobot, name: str, args: tuple[str, ...]):
    ground = DOMAIN.ground(name, args)
    return run_skill(robot, ScriptedPolicy(), DOMAIN.call(name, args),
                     DOMAIN.skill(name).step_budget, DOMAIN.abstract, ground.add, ground.delete)


def test_a_half_open_drawer_can_be_closed_and_reopened() -> None:
    spec = with_opening(DOMAIN.generate_scene(6, for_skill="open").spec, 0.05)
    with SimRobot(spec, render=False) as robot:
        assert drawer_state(DOMAIN.abstract(robot.observe(render=False))) == {OPEN}
        assert run(robot, "close", ("drawer",)).success
        assert drawer_state(DOMAIN.abstract(robot.observe(render=False))) == {CLOSED}
        assert run(robot, "open", ("drawer",)).success
        joint = robot.observe(render=False)[PRIVILEGED_KEY]["fixtures"]["drawer"]["joint"]
        assert joint >= DRAWER_OPEN_MIN


def test_put_in_a_drawer_not_open_enough_is_refused_and_fails_on_the_plant() -> None:
    g = DOMAIN.generate_scene(5, for_skill="place", drawer_open=False)
    spec = with_opening(g.spec, 0.03)
    held = next(a.args[0] for a in g.init if a.predicate == "holding")
    action = DOMAIN.ground("put-in", (held, "drawer"))
    with SimRobot(spec, render=False) as plant:
        obs = plant.observe(render=False)
        state = DOMAIN.abstract(obs)
        assert OPEN in state  # symbolically applicable: only the geometry can tell
        twin = PhysicsTwin(spec, abstract=DOMAIN.abstract)
        twin.sync(obs)
        verdict = twin.check(action, state)
        twin.close()
        assert not verdict.ok and verdict.stage is not CheckStage.SYMBOLIC, verdict.detail
        assert not run(plant, "put-in", (held, "drawer")).success
        assert Atom("in", (held, "drawer")) not in DOMAIN.abstract(plant.observe(render=False))


def test_put_in_a_closed_drawer_is_refused_by_the_symbolic_stage() -> None:
    g = DOMAIN.generate_scene(5, for_skill="place", drawer_open=False)
    held = next(a.args[0] for a in g.init if a.predicate == "holding")
    with SimRobot(g.spec, render=False) as plant:
        obs = plant.observe(render=False)
        twin = PhysicsTwin(g.spec, abstract=DOMAIN.abstract)
        twin.sync(obs)
        verdict = twin.check(DOMAIN.ground("put-in", (held, "drawer")), DOMAIN.abstract(obs))
        twin.close()
    assert verdict.stage is CheckStage.SYMBOLIC and "(open drawer)" in verdict.atoms
