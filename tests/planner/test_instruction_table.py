"""Table-driven tests of language -> goal: every case of data/instructions.yaml.

A case names a scene (objects written compactly by their contract names), the
instruction, and either the expected ordered stages of literals (each stage compared as
a set; optionally the final conjunction and the goal's notes) or the expected error (words in the reason, unknown words, suggestions,
ambiguity candidates).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import InstructionNotUnderstood
from vlaplan.planner.instruction import Lexicon, SceneObject, parse_instruction

ROOT = Path(__file__).resolve().parents[2]
DATA = yaml.safe_load((Path(__file__).parent / "data" / "instructions.yaml").read_text())
LEXICONS = {d: Lexicon.load(ROOT / "domains" / d / "lexicon.yaml")
            for d in ("tabletop", "kitchen", "sorting")}


def scene_object(name: str, domain: str) -> SceneObject:
    """Attributes from a contract name: red_1, red_cube_1, drawer, red_bin."""
    parts = name.split("_")
    if name.startswith("drawer"):
        return SceneObject(name, "drawer", None, None)
    if parts[-1] == "bin":
        return SceneObject(name, "bin", parts[0], None)
    if domain == "tabletop":
        return SceneObject(name, "block", parts[0], "cube")
    return SceneObject(name, "item", parts[0], parts[1])


def case_id(case: dict) -> str:
    return f"{case['scene']}: {case['text'][:60]}"


def run(case: dict):
    scene = DATA["scenes"][case["scene"]]
    domain = scene["domain"]
    objects = [scene_object(n, domain) for n in scene["objects"]]
    init = frozenset(Atom.parse(a) for a in case.get("init", scene.get("init", [])))
    return parse_instruction(case["text"], objects, LEXICONS[domain], init=init)


CASES = DATA["cases"]


def test_table_is_large_and_covers_every_domain():
    domains = [DATA["scenes"][c["scene"]]["domain"] for c in CASES]
    assert len(CASES) >= 150
    for domain in LEXICONS:
        assert domains.count(domain) >= 30, domain
    assert sum("error" in c for c in CASES) >= 30


@pytest.mark.parametrize("case", [c for c in CASES if "stages" in c], ids=case_id)
def test_instruction_means_goal(case):
    goal = run(case)
    got = [sorted(str(lit) for lit in stage) for stage in goal.stages]
    want = [sorted(stage) for stage in case["stages"]]
    assert got == want, f"{case['text']!r} -> {goal}"
    if "final" in case:
        assert sorted(str(lit) for lit in goal.final) == sorted(case["final"])
    assert list(goal.notes) == case.get("notes", [])


@pytest.mark.parametrize("case", [c for c in CASES if "error" in c], ids=case_id)
def test_instruction_is_refused(case):
    expected = case["error"]
    with pytest.raises(InstructionNotUnderstood) as info:
        run(case)
    err = info.value
    assert err.instruction == case["text"]
    for word in expected.get("says", []):
        assert word in err.reason, f"{word!r} not in {err.reason!r}"
    if "unknown" in expected:
        assert err.unknown_words == expected["unknown"]
    for word, suggestion in (expected.get("suggests") or {}).items():
        assert suggestion in err.suggestions.get(word, []), err.suggestions
    if "candidates" in expected:
        assert sorted(getattr(err, "candidates", [])) == sorted(expected["candidates"])
