"""The fault specification grammar: parse, print back, schedule (no simulator)."""
from __future__ import annotations

import pytest

from vlaplan.planner.errors import WorldModelError
from vlaplan.world_model.fault_spec import (
    CONCRETE_KINDS, FaultKind, FaultSpec, FaultSpecError, RandomFaults, format_faults,
    parse_faults, schedule_faults)


def test_parse_items_with_target_and_frame() -> None:
    items = parse_faults("drop@2, displace(red_1)@0,slip@1+30,block@4")
    assert items == [
        FaultSpec(kind=FaultKind.DROP, at_step=2),
        FaultSpec(kind=FaultKind.DISPLACE, at_step=0, target="red_1"),
        FaultSpec(kind=FaultKind.SLIP, at_step=1, frame=30),
        FaultSpec(kind=FaultKind.BLOCK, at_step=4),
    ]


def test_parse_random_and_round_trip() -> None:
    items = parse_faults("random:2:drop|block,remove(blue_cube_1)@3")
    assert items[0] == RandomFaults(count=2, kinds=(FaultKind.DROP, FaultKind.BLOCK))
    assert parse_faults(format_faults(items)) == items
    assert parse_faults("random:1") == [RandomFaults(count=1, kinds=CONCRETE_KINDS)]
    assert parse_faults("") == [] and parse_faults(None) == []


@pytest.mark.parametrize("bad", ["drop", "explode@1", "drop@-1", "drop@x", "random:0",
                                 "random:1:explode", "drop@1,,slip@2", "drop(red 1)@2"])
def test_bad_specs_raise_with_the_item(bad: str) -> None:
    with pytest.raises(FaultSpecError) as info:
        parse_faults(bad)
    assert isinstance(info.value, WorldModelError)
    assert "bad fault spec" in str(info.value)


def test_schedule_is_seeded_sorted_and_within_the_plan() -> None:
    items = parse_faults("random:3,drop@1")
    first = schedule_faults(items, n_steps=10, seed=7)
    assert first == schedule_faults(items, n_steps=10, seed=7)
    assert len(first) == 4
    assert all(0 <= f.at_step < 10 for f in first)
    drawn = [f for f in first if f.kind is FaultKind.RANDOM]
    assert len(drawn) == 3 and all(f.choices == CONCRETE_KINDS for f in drawn)
    restricted = schedule_faults(["random:2:drop|block"], n_steps=5, seed=1)
    assert all(f.choices == (FaultKind.DROP, FaultKind.BLOCK) for f in restricted)
    assert [f.at_step for f in first] == sorted(f.at_step for f in first)
    others = {tuple(schedule_faults(items, 10, seed=s)) for s in range(20)}
    assert len(others) > 1
    assert len(schedule_faults(["random:5"], n_steps=2, seed=0)) == 2
