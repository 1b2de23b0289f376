"""Contract every registered domain keeps (parametrised over the registry)."""
import numpy as np
import pytest

from vlaplan.domains import available_domains, get_domain
from vlaplan.world_model.robot import SimRobot

DOMAINS = available_domains()


@pytest.mark.parametrize("name", DOMAINS)
def test_domain_files_bindings_and_examples(name):
    d = get_domain(name)
    assert d.name == name and d.pddl_path.is_file() and d.lexicon_path.is_file()
    assert set(d.bindings) == set(d.actions) and len(d.examples) >= 2
    for action in d.actions:
        assert d.skill(action).action == action


@pytest.mark.parametrize("name", DOMAINS)
def test_generation_is_deterministic_and_every_skill_can_be_arranged(name):
    d = get_domain(name)
    assert d.generate_scene(3).spec == d.generate_scene(3).spec
    for action in d.actions:
        for seed in range(3):
            g = d.generate_scene(seed, for_skill=action)
            assert d.applicable_calls(g.init, g.objects, action), (action, seed)
            assert set(g.objects) == {o.name for o in g.spec.objects} | {
                f.name for f in g.spec.fixtures} & set(g.objects)


@pytest.mark.parametrize("name", DOMAINS)
def test_abstraction_of_built_scenes_equals_initial_atoms(name):
    d = get_domain(name)
    robot = SimRobot(d.generate_scene(0).spec, render=False, fast_reset=True)
    try:
        for seed in range(30):
            g = d.generate_scene(500 + seed, for_skill=d.actions[seed % len(d.actions)])
            robot.reset(seed, scene=g.spec)
            grip = -1.0 if g.spec.robot.holding else 1.0
            for _ in range(3):
                robot.apply(np.array([0, 0, 0, 0, grip], dtype=np.float32))
            atoms = d.abstract(robot.observe())
            assert atoms == g.init, (seed, sorted(atoms ^ g.init))
    finally:
        robot.close()
