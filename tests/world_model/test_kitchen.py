"""Kitchen domain: seeded scenes, classifiers (property over 250 scenes), skills' successor
states, and a put-in into a closed drawer failing physically."""
import random
import re

import pytest

from vlaplan.domains import get_domain
from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import WorldModelError
from vlaplan.skills.contract import SkillCall
from vlaplan.skills.scripted import ScriptedPolicy
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.rollout import run_skill

DOMAIN = get_domain("kitchen")
NAME = re.compile(r"^(red|green|blue|yellow|orange|purple|white|black)_(cube|cylinder|box)_\d+$")


def test_same_seed_same_scene_other_seed_other_scene():
    a, b, c = (DOMAIN.generate_scene(s) for s in (7, 7, 8))
    assert a.spec == b.spec and a.init == b.init and a.objects == b.objects
    assert a.spec != c.spec


def test_scenes_have_a_drawer_named_objects_and_variety():
    counts, opened, inside, shapes = set(), 0, 0, set()
    for seed in range(120):
        g = DOMAIN.generate_scene(seed)
        items = [n for n, t in g.objects.items() if t == "item"]
        assert g.objects["drawer"] == "drawer" and [f.name for f in g.spec.fixtures] == ["drawer"]
        assert all(NAME.match(n) for n in items)
        for obj in g.spec.objects:
            colour, shape, _ = obj.name.split("_")
            assert (obj.colour, obj.shape) == (colour, shape)
            shapes.add(shape)
        counts.add(len(items))
        opened += Atom("open", ("drawer",)) in g.init
        inside += any(a.predicate == "in" for a in g.init)
        assert (Atom("open", ("drawer",)) in g.init) != (Atom("closed", ("drawer",)) in g.init)
    assert counts == {2, 3, 4, 5, 6} and shapes == {"cube", "cylinder", "box"}
    assert 20 < opened < 100 and inside > 20


@pytest.mark.parametrize("skill", DOMAIN.actions)
def test_for_skill_scenes_make_the_skill_applicable(skill):
    for seed in range(10):
        g = DOMAIN.generate_scene(seed, for_skill=skill)
        assert DOMAIN.applicable_calls(g.init, g.objects, skill), (skill, seed)


@pytest.mark.parametrize("skill", (None, *DOMAIN.actions))
def test_every_seed_gives_a_valid_scene(skill):
    for seed in range(50000, 50000 + 200):
        g = DOMAIN.generate_scene(seed, for_skill=skill)  # SceneSpec validates on construction
        names = {o.name for o in g.spec.objects} | {f.name for f in g.spec.fixtures}
        assert set(g.objects) == names


def test_bad_options_are_errors():
    with pytest.raises(WorldModelError, match="no skill"):
        DOMAIN.generate_scene(0, for_skill="stack")
    with pytest.raises(WorldModelError, match="1..6"):
        DOMAIN.generate_scene(0, n_objects=9)


def test_abstraction_of_fresh_scenes_equals_initial_atoms(scene_mismatches):
    """Property over 500 random kitchen scenes (every fifth one holds an object)."""
    mismatches = scene_mismatches(DOMAIN, range(20_000, 20_500), 5)
    assert not mismatches, mismatches[:5]


def run_call(robot, g, skill, seed, args=None):
    """Run a scripted call of ``skill`` on a fresh build of ``g``; (ground, outcome, atoms)."""
    robot.reset(seed, scene=g.spec)
    state = DOMAIN.abstract(robot.observe(render=False))
    assert state == g.init
    if args is None:
        args = random.Random(seed).choice(DOMAIN.applicable_calls(state, g.objects, skill)).args
    ground = DOMAIN.ground(skill, args)
    call = DOMAIN.call(skill, args, g.describe())
    out = run_skill(robot, ScriptedPolicy(), call, DOMAIN.skill(skill).step_budget,
                    DOMAIN.abstract, ground.add, ground.delete, seed=seed)
    return ground, out, DOMAIN.abstract(robot.observe(render=False))


@pytest.mark.parametrize("skill", DOMAIN.actions)
def test_after_each_scripted_skill_the_abstraction_is_the_predicted_successor(skill):
    robot = SimRobot(DOMAIN.generate_scene(0).spec, render=False)
    try:
        for seed in (31, 32):
            g = DOMAIN.generate_scene(seed, for_skill=skill)
            ground, out, atoms = run_call(robot, g, skill, seed)
            assert out.success, (seed, out)
            expected = ground.apply(g.init)
            assert atoms == expected, (seed, sorted(map(str, atoms ^ expected)))
    finally:
        robot.close()


def test_put_in_a_closed_drawer_fails_physically():
    g = DOMAIN.generate_scene(5, for_skill="place", drawer_open=False)
    held = next(a.args[0] for a in g.init if a.predicate == "holding")
    assert Atom("closed", ("drawer",)) in g.init
    with SimRobot(g.spec, render=False) as robot:
        policy = ScriptedPolicy()
        robot.reset(5)
        ground = DOMAIN.ground("put-in", (held, "drawer"))
        out = run_skill(robot, policy, SkillCall("put-in", (held, "drawer"), "put it in"), 140,
                        DOMAIN.abstract, ground.add, ground.delete)
        atoms = DOMAIN.abstract(robot.observe(render=False))
        assert not out.success and policy.done  # the expert finished: the drawer stopped it
        assert Atom("in", (held, "drawer")) not in atoms and Atom("closed", ("drawer",)) in atoms
