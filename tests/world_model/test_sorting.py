"""Sorting domain: seeded scenes with 2..3 bins, classifiers (property over 250 scenes),
skills' successor states, objects dropped into bins by physics."""
import random
import re

import pytest

from vlaplan.domains import get_domain
from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import WorldModelError
from vlaplan.skills.scripted import ScriptedPolicy
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.rollout import run_skill

DOMAIN = get_domain("sorting")
NAME = re.compile(r"^(red|green|blue|yellow|orange|purple|white|black)_(cube|cylinder|box)_\d+$")


def test_same_seed_same_scene_other_seed_other_scene():
    a, b, c = (DOMAIN.generate_scene(s) for s in (3, 3, 4))
    assert a.spec == b.spec and a.init == b.init and a.objects == b.objects
    assert a.spec != c.spec


def test_scenes_have_coloured_bins_and_three_to_twelve_objects():
    counts, bins, shapes, inside = set(), set(), set(), 0
    for seed in range(150):
        g = DOMAIN.generate_scene(seed)
        items = [n for n, t in g.objects.items() if t == "item"]
        bin_names = sorted(n for n, t in g.objects.items() if t == "bin")
        assert bin_names == sorted(f.name for f in g.spec.fixtures)
        for f in g.spec.fixtures:
            assert f.kind == "bin" and f.name == f"{f.colour}_bin"
        assert all(NAME.match(n) for n in items)
        shapes |= {o.shape for o in g.spec.objects}
        counts.add(len(items))
        bins.add(len(bin_names))
        inside += any(a.predicate == "in" for a in g.init)
    assert counts == set(range(3, 13)) and bins == {2, 3}
    assert shapes == {"cube", "cylinder", "box"} and inside > 10


@pytest.mark.parametrize("skill", (None, *DOMAIN.actions))
def test_every_seed_gives_a_valid_scene(skill):
    for seed in range(60000, 60000 + 200):
        g = DOMAIN.generate_scene(seed, for_skill=skill)  # SceneSpec validates on construction
        names = {o.name for o in g.spec.objects} | {f.name for f in g.spec.fixtures}
        assert set(g.objects) == names


def test_bad_options_are_errors():
    with pytest.raises(WorldModelError, match="2 or 3 bins"):
        DOMAIN.generate_scene(0, n_bins=5)
    with pytest.raises(WorldModelError, match="no skill"):
        DOMAIN.generate_scene(0, for_skill="open")


def test_abstraction_of_fresh_scenes_equals_initial_atoms(scene_mismatches):
    """Property over 500 random sorting scenes (every fifth one holds an object)."""
    mismatches = scene_mismatches(DOMAIN, range(30_000, 30_500), 5)
    assert not mismatches, mismatches[:5]


@pytest.mark.parametrize("skill", DOMAIN.actions)
def test_after_each_scripted_skill_the_abstraction_is_the_predicted_successor(skill):
    robot = SimRobot(DOMAIN.generate_scene(0).spec, render=False)
    try:
        for seed in (41, 42):
            g = DOMAIN.generate_scene(seed, for_skill=skill)
            robot.reset(seed, scene=g.spec)
            state = DOMAIN.abstract(robot.observe(render=False))
            calls = DOMAIN.applicable_calls(state, g.objects, skill)
            assert all(g.objects[c.args[-1]] == "bin" for c in calls if skill == "put-in")
            ground = random.Random(seed).choice(calls)
            out = run_skill(robot, ScriptedPolicy(), DOMAIN.call(skill, ground.args, g.describe()),
                            DOMAIN.skill(skill).step_budget, DOMAIN.abstract, ground.add,
                            ground.delete, seed=seed)
            atoms = DOMAIN.abstract(robot.observe(render=False))
            assert out.success, (seed, out)
            expected = ground.apply(state)
            assert atoms == expected, (seed, sorted(map(str, atoms ^ expected)))
    finally:
        robot.close()


def test_every_object_can_be_sorted_into_its_bin_in_sequence():
    """pick + put-in for every object of a scene; the bins fill up physically."""
    g = DOMAIN.generate_scene(7, n_objects=5, n_bins=2, in_bins=False)
    bins = [n for n, t in g.objects.items() if t == "bin"]
    with SimRobot(g.spec, render=False) as robot:
        policy = ScriptedPolicy()
        for i, x in enumerate(sorted(n for n, t in g.objects.items() if t == "item")):
            for name, args in (("pick", (x,)), ("put-in", (x, bins[i % 2]))):
                ground = DOMAIN.ground(name, args)
                out = run_skill(robot, policy, DOMAIN.call(name, args, g.describe()), 140,
                                DOMAIN.abstract, ground.add, ground.delete)
                assert out.success, (name, args, out)
        atoms = DOMAIN.abstract(robot.observe(render=False))
        assert sum(a.predicate == "in" for a in atoms) == 5 and Atom("hand-empty") in atoms
