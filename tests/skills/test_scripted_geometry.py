"""The experts' hand-clearance geometry and free-spot search, on hand-made worlds."""
import math

import numpy as np
import pytest

from vlaplan.planner.errors import SkillError
from vlaplan.skills import scripted as S
from vlaplan.skills.contract import SkillCall


def world(objects, fixtures=None, ee=(0.5, 0.0, 0.3), yaw=0.0):
    objs = {n: {"pos": list(p), "quat": [0, 0, 0, 1], "size": list(s), "contacts": []}
            for n, (p, s) in objects.items()}
    return {"objects": objs, "fixtures": fixtures or {}, "table": {"height": 0.0},
            "ee": {"pos": list(ee), "yaw": yaw, "gripper_width": 0.08, "gripper_cmd": 1.0}}


def test_hand_margin_against_one_cube_by_hand():
    w = S.World(world({"a": ((0.5, 0.0, 0.02), (0.04, 0.04, 0.04)),
                       "b": ((0.5, 0.2, 0.02), (0.04, 0.04, 0.04))}))
    r = 0.5 * math.hypot(0.04, 0.04)
    # yaw 0: the finger axis is y, so b (0.2 m along y) is HAND_HALF_LONG away
    m0 = S.hand_margin(w, np.array([0.5, 0.0]), 0.0, -0.05, exclude=("a",))
    assert m0 == pytest.approx(0.2 - S.HAND_HALF_LONG - r)
    m90 = S.hand_margin(w, np.array([0.5, 0.0]), math.pi / 2, -0.05, exclude=("a",))
    assert m90 == pytest.approx(0.2 - S.HAND_HALF_SHORT - r)
    grid = S.hand_margins(w, [[0.5, 0.0], [0.5, 0.1]], [0.0, math.pi / 2], -0.05, ("a",))
    assert grid.shape == (2, 2) and grid[0, 0] == pytest.approx(m0)
    assert grid[1, 1] == pytest.approx(0.1 - S.HAND_HALF_SHORT - r)
    # a hand above the cube's top ignores it
    assert S.hand_margin(w, np.array([0.5, 0.0]), 0.0, 0.05, exclude=("a",)) == math.inf


def test_hand_margin_against_a_fixture_box():
    fx = {"bin": {"pos": [0.5, 0.3, 0.0], "size": [0.2, 0.1, 0.1], "yaw": 0.0}}
    w = S.World(world({}, fx))
    # yaw pi/2: the hand's long axis is x; the box's near face is 0.25 m away along y
    m = S.hand_margin(w, np.array([0.5, 0.0]), math.pi / 2, 0.0)
    assert m == pytest.approx(0.3 - 0.05 - S.HAND_HALF_SHORT)
    assert not S.clear_of_fixtures(w, np.array([0.5, 0.27]))
    assert S.clear_of_fixtures(w, np.array([0.5, 0.0]))


def test_free_spot_is_the_nearest_clear_grid_point():
    w = S.World(world({"x": ((0.5, 0.0, 0.02), (0.04, 0.04, 0.04)),
                       "y": ((0.44, 0.03, 0.02), (0.04, 0.04, 0.04))}))
    spot = S.PlaceExpert(("x",))._free_spot(w, "x")
    grid = np.array(S.SPOT_GRID)
    d = np.linalg.norm(grid - [0.5, 0.0], axis=1)
    free = np.linalg.norm(grid - [0.44, 0.03], axis=1) >= S.SPOT_CLEARANCE
    assert np.linalg.norm(spot - [0.44, 0.03]) >= S.SPOT_CLEARANCE
    assert np.linalg.norm(spot - [0.5, 0.0]) == pytest.approx(d[free].min())
    priv = world({"x": ((0.5, 0.0, 0.02), (0.04,) * 3), "y": ((0.44, 0.03, 0.02), (0.04,) * 3)})
    target = S.expert_target(SkillCall("place", ("x",), ""), priv)
    assert target.pos[:2] == pytest.approx(tuple(spot))


def test_no_free_spot_is_a_skill_error():
    crowd = {f"o{i}_{j}": ((0.32 + 0.06 * i, -0.27 + 0.06 * j, 0.02), (0.04,) * 3)
             for i in range(8) for j in range(10)}
    w = S.World(world(crowd))
    with pytest.raises(SkillError, match="no free spot"):
        S.PlaceExpert(("o0_0",))._free_spot(w, "o0_0")
