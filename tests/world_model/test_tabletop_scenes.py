"""The tabletop generator: determinism, skill arrangements, and the abstraction of a
freshly built scene equal to the generator's initial atoms (500 random scenes)."""
import pytest

from vlaplan.domains import get_domain
from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import WorldModelError

DOMAIN = get_domain("tabletop")


def test_same_seed_same_scene_other_seed_other_scene():
    a, b = DOMAIN.generate_scene(7), DOMAIN.generate_scene(7)
    assert a.spec == b.spec and a.init == b.init and a.objects == b.objects
    assert DOMAIN.generate_scene(8).spec != a.spec


def test_scenes_cover_two_to_ten_blocks_and_towers():
    scenes = [DOMAIN.generate_scene(s) for s in range(60)]
    counts = {len(g.spec.objects) for g in scenes}
    assert min(counts) == 2 and max(counts) == 10
    assert any(a.predicate == "on" for g in scenes for a in g.init)
    for g in scenes:
        for obj in g.spec.objects:
            colour, n = obj.name.rsplit("_", 1)
            assert colour == obj.colour and int(n) >= 1 and obj.shape == "cube"
        assert set(g.objects.values()) == {"block"}


@pytest.mark.parametrize("skill, needed", [
    ("pick", lambda init: any(Atom("on-table", a.args) in init
                              for a in init if a.predicate == "clear")),
    ("unstack", lambda init: any(a.predicate == "on" for a in init)),
    ("place", lambda init: any(a.predicate == "holding" for a in init)),
    ("stack", lambda init: any(a.predicate == "holding" for a in init)
     and any(a.predicate == "clear" for a in init)),
])
def test_for_skill_arranges_an_applicable_configuration(skill, needed):
    for seed in range(15):
        g = DOMAIN.generate_scene(seed, for_skill=skill)
        assert needed(g.init), (skill, seed, sorted(g.init))
        assert DOMAIN.applicable_calls(g.init, g.objects, skill)


def test_unknown_skill_and_bad_counts_are_errors():
    with pytest.raises(WorldModelError, match="no skill"):
        DOMAIN.generate_scene(0, for_skill="fly")
    with pytest.raises(WorldModelError, match="1..10"):
        DOMAIN.generate_scene(0, n_objects=11)


def test_abstraction_of_fresh_scenes_equals_initial_atoms(scene_mismatches):
    """Property over 500 random scenes (every fourth one starts with a held block)."""
    mismatches = scene_mismatches(DOMAIN, range(10_000, 10_500), 4)
    assert not mismatches, mismatches[:5]
