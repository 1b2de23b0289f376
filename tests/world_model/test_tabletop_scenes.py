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


def _tower_bases(g):
    return {(round(o.pos[0], 6), round(o.pos[1], 6)) for o in g.spec.objects
            if o.name != g.spec.robot.holding}


def _gaps(g):
    import math
    bases = sorted(_tower_bases(g))
    return [math.dist(p, q) for i, p in enumerate(bases) for q in bases[i + 1:]]


def test_spacing_option_brings_towers_closer_and_default_scenes_stay_as_they_were():
    close = [DOMAIN.generate_scene(s, n_objects=8, spacing=[0.06, 0.07]) for s in range(20)]
    gaps = [d for g in close for d in _gaps(g)]
    assert min(gaps) >= 0.06 - 1e-9 and min(gaps) < 0.07
    default = [DOMAIN.generate_scene(s, n_objects=8) for s in range(20)]
    assert min(d for g in default for d in _gaps(g)) >= 0.10 - 1e-9
    # the option draws from a stream of its own: colours and towers stay those of the seed
    for a, b in zip(close, default):
        assert [o.name for o in a.spec.objects] == [o.name for o in b.spec.objects]
    assert DOMAIN.generate_scene(3, spacing=0.06) == DOMAIN.generate_scene(3, spacing=0.06)


def test_workspace_option_bounds_the_tower_bases():
    area = [[0.28, 0.4], [0.1, 0.3]]
    for s in range(10):
        g = DOMAIN.generate_scene(s, n_objects=3, spacing=0.06, workspace=area)
        for x, y in _tower_bases(g):
            assert 0.28 <= x <= 0.4 and 0.1 <= y <= 0.3


@pytest.mark.parametrize("options, words", [
    ({"spacing": 0.01}, "spacing must be"),
    ({"spacing": [0.09, 0.07]}, "spacing must be"),
    ({"spacing": "near"}, "spacing must be"),
    ({"workspace": [0.3, 0.6]}, "workspace"),
    ({"workspace": [[0.1, 0.6], [-0.2, 0.2]]}, "workspace x"),
    ({"spacng": 0.06}, "no option spacng; options: n_objects"),
])
def test_bad_scene_options_are_refused_with_what_was_expected(options, words):
    with pytest.raises(WorldModelError, match=words):
        DOMAIN.generate_scene(1, **options)


def test_scene_options_from_the_command_line_are_read_as_yaml():
    from vlaplan.domains.base import scene_options

    assert scene_options(["spacing=[0.06, 0.1]", "n_objects=7"]) == {
        "spacing": [0.06, 0.1], "n_objects": 7}
    assert scene_options(None) == {}
    for bad in ("spacing", "=3", "spacing=[0.06"):
        with pytest.raises(WorldModelError):
            scene_options([bad])
