"""The domain registry and DomainSpec plumbing."""
import pytest

from vlaplan.domains import UnknownDomainError, available_domains, get_domain
from vlaplan.planner.atoms import Atom


def test_tabletop_is_registered_with_its_files():
    assert "tabletop" in available_domains()
    d = get_domain("tabletop")
    assert d.pddl_path.is_file() and d.actions == ("pick", "place", "stack", "unstack")
    assert set(d.bindings) == set(d.actions) and d.examples


def test_unknown_domain_suggests_a_name():
    with pytest.raises(UnknownDomainError, match="tabletop"):
        get_domain("tabeltop")


def test_ground_reads_the_pddl_effects():
    g = get_domain("tabletop").ground("stack", ("red_1", "blue_1"))
    assert g.pre == {Atom("holding", ("red_1",)), Atom("clear", ("blue_1",))}
    assert Atom("on", ("red_1", "blue_1")) in g.add and Atom("hand-empty") in g.add
    assert g.delete == {Atom("holding", ("red_1",)), Atom("clear", ("blue_1",))}
    state = frozenset(g.pre)
    assert g.apply(state) == {Atom("on", ("red_1", "blue_1")), Atom("clear", ("red_1",)),
                              Atom("hand-empty")}


def test_prompts_describe_objects():
    d = get_domain("tabletop")
    scene = d.generate_scene(1)
    name = scene.spec.objects[0].name
    call = d.call("pick", (name,), scene.describe())
    assert call.prompt == f"pick up the {scene.spec.objects[0].colour} block"
