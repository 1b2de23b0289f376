"""The example domain of examples/new_domain registers with one line and runs end to end."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

import vlaplan
from vlaplan.domains import REGISTRY, available_domains
from vlaplan.planner.errors import InstructionNotUnderstood

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "new_domain"


@pytest.fixture()
def plates():
    sys.path.insert(0, str(EXAMPLE))
    REGISTRY["plates"] = "plates"
    yield
    del REGISTRY["plates"]
    sys.path.remove(str(EXAMPLE))
    sys.modules.pop("plates", None)


def test_example_domain_registers_and_executes(plates) -> None:
    assert "plates" in available_domains()
    ex = vlaplan.Executor("plates", "scripted")
    objects, atoms = ex.scene(seed=1)
    assert {o.type for o in objects} == {"cube", "plate"}
    cube = next(o for o in objects if o.type == "cube")
    plate = next(o for o in objects if o.type == "plate")
    result = ex.run(f"put the {cube.colour} cube on the {plate.colour} plate", seed=1)
    assert result.success, result.reason
    assert f"(on {cube.name} {plate.name})" in result.final_atoms
    assert result.steps[-1].prompt == f"put the {cube.colour} block on the {plate.colour} plate"


def test_example_domain_lexicon_keeps_cubes_off_cubes(plates) -> None:
    ex = vlaplan.Executor("plates", "scripted")
    objects, _ = ex.scene(seed=1)
    a, b = [o for o in objects if o.type == "cube"][:2]
    with pytest.raises(InstructionNotUnderstood):
        ex.goal(f"put the {a.colour} cube on the {b.colour} cube", seed=1)
