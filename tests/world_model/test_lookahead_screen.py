"""The static screen that lets a check skip the physics look-ahead (world_model.lookahead_screen):
it passes only straight level towers and free slots of open containers, and says why."""
from __future__ import annotations

from types import SimpleNamespace

from vlaplan.world_model.lookahead_screen import settled

FLAT = [0.0, 0.0, 0.0, 1.0]
TILTED = [0.0, 0.13, 0.0, 0.99]  # ~15 degrees about y


def cube(x: float, y: float, level: int, contacts: list[str], quat=FLAT) -> dict:
    return {"pos": [x, y, 0.02 + 0.04 * level], "quat": quat, "size": [0.04, 0.04, 0.04],
            "shape": "cube", "contacts": contacts}


def tower(lean: float = 0.0, extra: dict | None = None) -> dict:
    objects = {"a": cube(0.5, 0.1, 0, ["table", "b"]),
               "b": cube(0.5, 0.1 + lean, 1, ["a", "c"]),
               "c": cube(0.5, 0.1 + 2 * lean, 2, ["b"]),
               "x": {**cube(0.45, 0.0, 5, ["left_finger", "right_finger"])}}
    objects.update(extra or {})
    return {"objects": objects, "table": {"height": 0.0}, "fixtures": {}}


def stack(priv: dict, x: str = "x", y: str = "c", at=None):
    pos = at or priv["objects"][y]["pos"][:2]
    return settled(SimpleNamespace(name="stack", args=(x, y)), priv,
                   SimpleNamespace(pos=(pos[0], pos[1], 0.2)))


def test_straight_tower_is_settled_and_says_why() -> None:
    assert "straight level column of 3" in stack(tower())


def test_leaning_tower_runs_the_lookahead() -> None:
    assert stack(tower(lean=0.012)) is None  # the UNSTABLE scenario of the executor tests
    assert stack(tower(lean=0.002)) is not None


def test_anything_odd_runs_the_lookahead() -> None:
    leaning_on = tower()
    leaning_on["objects"]["c"]["contacts"] = ["b", "d"]
    leaning_on["objects"]["d"] = cube(0.55, 0.1, 0, ["table", "c"])
    assert stack(leaning_on) is None  # a neighbour touches the tower
    tilted = tower()
    tilted["objects"]["x"]["quat"] = TILTED
    assert stack(tilted) is None  # the held block hangs askew
    on_side = tower()
    on_side["objects"]["c"]["quat"] = [0.707, 0.0, 0.0, 0.707]  # a cube lying on a side face
    assert stack(on_side) is None
    assert stack(tower(), at=(0.5, 0.12)) is None  # release off the centre
    assert stack(tower(), y="missing", at=(0.5, 0.1)) is None
    assert settled(SimpleNamespace(name="pick", args=("x",)), tower(), None) is None


def drawer_priv(joint: float, slot_exposed: float = 1.0, neighbour: bool = False) -> dict:
    objects = {"x": cube(0.4, -0.2, 3, ["left_finger", "right_finger"])}
    if neighbour:
        objects["n"] = {**cube(0.48, -0.24, 0, ["drawer"]), "pos": [0.48, -0.24, 0.042]}
    drawer = {"kind": "drawer", "joint": joint, "open_target": 0.19,
              "slots": [[0.48, -0.242, 0.022, slot_exposed]]}
    return {"objects": objects, "table": {"height": 0.0}, "fixtures": {"drawer": drawer}}


def put_in(priv: dict):
    return settled(SimpleNamespace(name="put-in", args=("x", "drawer")), priv,
                   SimpleNamespace(pos=(0.48, -0.242, 0.1)))


def test_free_slot_of_an_open_drawer_is_settled() -> None:
    assert "free exposed slot" in put_in(drawer_priv(0.19))


def test_half_open_drawer_or_taken_slot_runs_the_lookahead() -> None:
    assert put_in(drawer_priv(0.03)) is None
    assert put_in(drawer_priv(0.19, slot_exposed=0.0)) is None
    assert put_in(drawer_priv(0.19, neighbour=True)) is None
