"""benchmarks/skill_context.py: the context of every dispatched skill, bucketed by outcome."""
from __future__ import annotations

import json
import sys

import numpy as np
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import grasp_probe as gp  # noqa: E402
from benchmarks import skill_context as sc  # noqa: E402
from benchmarks import tables  # noqa: E402
from vlaplan.world_model.predicates import FINGERS  # noqa: E402


def test_nearest_other_skips_the_hand_and_the_same_stack():
    objects = {
        "a": {"pos": [0.4, 0.0, 0.02], "contacts": []},
        "b": {"pos": [0.4, 0.0, 0.06], "contacts": []},  # on a: same stack
        "c": {"pos": [0.4, 0.07, 0.02], "contacts": []},
        "h": {"pos": [0.4, 0.02, 0.2], "contacts": ["left_finger", "right_finger"]},
    }
    assert abs(sc.nearest_other(objects, ("a",)) - 0.07) < 1e-9  # not b, not h
    assert sc.nearest_other(objects, ("h",)) is None  # in the hand
    objects["h"]["contacts"] = []  # set down beside a
    assert abs(sc.nearest_other(objects, ("a",)) - 0.02) < 1e-9
    assert sc.nearest_other(objects, ("zz",)) is None


def test_report_buckets_every_dispatched_skill(tmp_path):
    out = tmp_path / "sc.json"
    assert sc.main(["--policy", "scripted", "--seeds", "1", "--actions", "4",
                          "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    rows, summary = data["rows"], data["summary"]
    assert len(rows) >= 4 and all(r["outcome"] == "succeeded" for r in rows)
    for measure in sc.BUCKETS:
        counted = [r for r in rows if r[measure] is not None]
        assert sum(n for cells in summary[measure].values() for _, n in cells.values()) \
            == len(counted), measure
    placed = [r for r in rows if r["nearest"] is not None]
    assert placed and all(r["nearest"] > 0.015 for r in placed)
    # the scripted expert grasps blocks at their centre, and a stack works above the table
    assert all(r["grip"] < 0.005 for r in rows if r["skill"] == "stack")
    assert all(r["level"] >= 1 for r in rows if r["skill"] in ("stack", "pick", "unstack"))
    # the expert's picks end in the hand, its stacks on their target, and touch nothing else
    want = {"pick": "in hand", "unstack": "in hand", "stack": "on target", "place": "on the table"}
    assert all(r["ending"] == want[r["skill"]] and r["knocked"] == 0 for r in rows)
    assert data["endings"] == sc.endings(rows)
    # the expert closes its gripper over the block it picks, every time
    grasping = [r for r in rows if r["skill"] in gp.GRASPS]
    assert grasping and all(r["closed"] == "over target" for r in grasping)
    assert all(r["closed"] is None for r in rows if r["skill"] not in gp.GRASPS)
    assert data["grasps"] == sc.grasps(rows)
    assert all(r["closed_near"] is None and r["target_gap"] <= gp.ON_TARGET for r in grasping)
    assert [e["seed"] for e in data["episodes"]] == [0] and data["episodes"][0]["success"]
    # scripted skills hold no combination out
    assert not any(r["held_out"] for r in rows) and not data["episodes"][0]["held_out"]
    assert data["held_out"] == sc.held_out_split(rows, data["episodes"])
    # the scripted expert runs without the release guard
    assert all(r["held_back"] == 0 for r in rows) and data["guard"] == {}


def test_guarded_splits_the_skills_the_release_guard_held_back():
    rows = [{"skill": "stack", "held_back": 40, "outcome": "budget_exhausted"},
            {"skill": "stack", "held_back": 3, "outcome": "succeeded"},
            {"skill": "stack", "held_back": 0, "outcome": "succeeded"},
            {"skill": "pick", "held_back": 0, "outcome": "budget_exhausted"}]
    assert sc.guarded(rows) == {"stack": {"held back": [1, 2], "not held back": [0, 1]}}
    assert sc.guarded(rows[2:]) == {}


def test_level_and_grip_read_the_stack_and_the_hand():
    objects = {
        "a": {"pos": [0.4, 0.0, 0.02], "contacts": []},
        "b": {"pos": [0.401, 0.0, 0.06], "contacts": []},  # on a
        "c": {"pos": [0.5, 0.0, 0.02], "contacts": []},
        "h": {"pos": [0.5, 0.008, 0.2], "contacts": ["left_finger", "right_finger"]},
    }
    assert sc.level(objects, ("b",)) == 2 and sc.level(objects, ("a",)) == 1
    assert sc.level(objects, ("h", "b")) == 2  # the held block does not count
    assert sc.level(objects, ("h",)) is None
    assert abs(sc.grip(objects, ("h", "b"), [0.5, 0.0, 0.2]) - 0.008) < 1e-9
    assert sc.grip(objects, ("a",), [0.5, 0.0, 0.2]) is None
    assert sc.spot(objects, ("h", "b")) == (0.0, 0.401)  # where b stands, not the held h
    assert sc.spot({**objects, "c": {"pos": [0.5, -0.21, 0.02], "contacts": []}}, ("c",)) \
        == (0.21, 0.5)
    assert sc.spot(objects, ("h",)) is None
    rows = [{"skill": "stack", "level": 2, "outcome": "succeeded"},
            {"skill": "stack", "level": 5, "outcome": "budget_exhausted"},
            {"skill": "place", "level": None, "outcome": "succeeded"}]
    behind = [{"skill": "pick", "reach": -0.02, "outcome": "succeeded"},  # behind the base
              {"skill": "pick", "reach": float("nan"), "outcome": "succeeded"}]
    assert sc.summarise(behind, "reach")["pick"]["< 45 cm"] == [1, 1]
    assert sc.summarise(rows, "level") == {"stack": {"1 block": [0, 0], "2": [1, 1], "3": [0, 0],
                                                     "4+": [0, 1]}}


def test_plot_writes_a_png_or_says_why_not(tmp_path):
    summary = {m: {"stack": {b[2]: [1, 2] for b in sc.BUCKETS[m]}} for m in sc.BUCKETS}
    out = tmp_path / "sub" / "context.png"
    message = sc.plot(summary, out, "test")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in message and not out.exists()
    else:
        assert message == f"plot written to {out}"
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ending_says_where_the_first_argument_came_to_rest():
    def box(x, y, z, contacts=()):
        return {"pos": [x, y, z], "quat": [0, 0, 0, 1], "size": [0.04, 0.04, 0.04],
                "contacts": list(contacts)}

    start = {"a": box(0.4, 0.0, 0.02, ["table"]), "b": box(0.5, 0.0, 0.02, ["table"]),
             "c": box(0.6, 0.0, 0.02, ["table"])}
    held_a = dict(start, a=box(0.45, 0.0, 0.2, ["left_finger", "right_finger"]))
    assert sc.ending(start, held_a, ("a", "b")) == "in hand"
    assert sc.ending(start, start, ("a", "b")) == "untouched"
    on_b = dict(start, a=box(0.5, 0.005, 0.06, ["b"]))
    assert sc.ending(start, on_b, ("a", "b")) == "on target"
    on_c = dict(start, a=box(0.6, 0.0, 0.06, ["c"]))
    assert sc.ending(start, on_c, ("a", "b")) == "on a block"
    dropped = dict(start, a=box(0.55, 0.05, 0.02, ["table"]))
    assert sc.ending(start, dropped, ("a", "b")) == "on the table"
    tilted = dict(dropped, a={**dropped["a"], "quat": [0.3826834, 0, 0, 0.9238795]})
    assert sc.ending(start, tilted, ("a", "b")) == "tilted"
    pushed = dict(on_b, c=box(0.63, 0.0, 0.02, ["table"]))
    assert sc.knocked(start, pushed, ("a", "b")) == 1 and sc.knocked(start, on_b, ("a", "b")) == 0
    rows = [{"skill": "stack", "outcome": "succeeded", "ending": "on target", "knocked": 0},
            {"skill": "stack", "outcome": "budget_exhausted", "ending": "on the table",
             "knocked": 2}]
    assert sc.endings(rows) == {"stack": {"knocked others": [1, 1], "on target": [0, 1],
                                          "on the table": [1, 1]}}


def test_closed_over_names_where_the_gripper_first_closed():
    assert gp.closed_over(None, "a") == "never closed"
    closed = {"nearest": "a", "gaps": {"a": 0.01, "b": 0.05}, "z": 0.03}
    assert gp.closed_over(closed, "a") == "over target"
    assert gp.closed_over({**closed, "gaps": {"a": 0.025, "b": 0.05}}, "a") == "beside target"
    far = {"nearest": "b", "gaps": {"a": 0.03, "b": 0.01}, "z": 0.03}
    assert gp.closed_over(far, "a") == "over another object" and gp.closed_near(far, "a") == "b"
    # a block under the target (unstack) stands at the same spot: still over the target
    assert gp.closed_over({**closed, "nearest": "b", "gaps": {"a": 0.01, "b": 0.009}}, "a") \
        == "over target"
    assert gp.closed_near(closed, "a") is None and gp.closed_near(None, "a") is None
    rows = [{"skill": "pick", "outcome": "succeeded", "closed": "over target"},
            {"skill": "pick", "outcome": "budget_exhausted", "closed": "never closed"},
            {"skill": "stack", "outcome": "succeeded", "closed": None}]
    assert sc.grasps(rows) == {"pick": {"never closed": [1, 1], "over target": [0, 1]}}


def test_the_probe_records_the_first_close_and_forwards_the_rest():
    class Inner:
        speed = 7

        def __init__(self):
            self.calls = 0

        def reset(self, call=None, seed=None):
            self.calls = 0

        def select_action(self, observation, prompt):
            self.calls += 1
            return np.array([0, 0, 0, 0, 1.0 if self.calls < 3 else -1.0])

    probe = gp.GraspProbe(Inner())
    probe.reset()
    obs = {gp.PRIVILEGED_KEY: {"ee": {"pos": [0.41, 0.0, 0.03]},
                               "objects": {"a": {"pos": [0.4, 0.0, 0.02], "contacts": []},
                                           "b": {"pos": [0.5, 0.0, 0.02], "contacts": []}}}}
    for _ in range(2):
        probe.select_action(obs, "pick up a")
    assert probe.closed is None  # still open
    probe.select_action(obs, "pick up a")
    assert probe.closed["nearest"] == "a" and abs(probe.closed["gaps"]["a"] - 0.01) < 1e-9
    moved = {gp.PRIVILEGED_KEY: {**obs[gp.PRIVILEGED_KEY], "ee": {"pos": [0.5, 0.0, 0.03]}}}
    probe.select_action(moved, "pick up a")
    assert probe.closed["nearest"] == "a"  # only the first close counts
    assert probe.speed == 7  # anything else goes to the wrapped policy
    probe.reset()
    assert probe.closed is None


def test_a_stack_reports_where_the_held_block_was_when_the_gripper_first_opened():
    def cube(x, z, contacts):
        return {"pos": [x, 0.0, z], "quat": [0, 0, 0, 1], "size": [0.04, 0.04, 0.04],
                "contacts": contacts}
    block = cube(0.415, 0.09, list(FINGERS))          # held 15 mm off b, 3 cm above its top
    opened = {"nearest": "b", "gaps": {"b": 0.0}, "z": 0.1, "heights": {"b": 0.08},
              "hand": np.array([0.4, 0.0]), "objects": {"b": cube(0.4, 0.02, ["table"])},
              "held": {"a": block}}
    row = gp.grasp_fields("stack", opened, ("a", "b"))
    assert abs(row["block_gap"] - 0.015) < 1e-9 and abs(row["block_above"] - 0.03) < 1e-9
    dropped = {**opened, "held": {}}
    assert gp.grasp_fields("stack", dropped, ("a", "b"))["block_gap"] is None
    assert gp.grasp_fields("pick", opened, ("b",))["block_gap"] is None


def test_a_stack_reports_where_and_how_high_the_gripper_first_opened():
    opened = {"nearest": "b", "gaps": {"b": 0.004, "c": 0.09}, "z": 0.10,
              "heights": {"b": 0.08, "c": 0.08}}
    row = gp.grasp_fields("stack", opened, ("a", "b"))
    assert row["released"] == "over target" and abs(row["release_height"] - 0.08) < 1e-9
    assert row["closed"] is None and abs(row["release_gap"] - 0.004) < 1e-9
    off = {**opened, "nearest": "c", "gaps": {"b": 0.05, "c": 0.01}}
    assert gp.grasp_fields("stack", off, ("a", "b"))["released"] == "over another object"
    assert gp.grasp_fields("stack", None, ("a", "b"))["released"] == "never opened"
    pick = gp.grasp_fields("pick", opened, ("b",))
    assert pick["closed"] == "over target" and pick["released"] is None
    rows = [{"skill": "stack", "outcome": "succeeded", "closed": None, "released": "over target"},
            {"skill": "stack", "outcome": "budget_exhausted", "closed": None,
             "released": "beside target"}]
    assert sc.grasps(rows) == {"stack": {"beside target": [1, 1], "over target": [0, 1]}}


def test_pull_says_whether_a_miss_leaned_toward_the_nearest_neighbour():
    def block(x, y, z=0.02):
        return {"pos": [x, y, z], "contacts": []}

    objects = {"a": block(0.40, 0.0, 0.06), "b": block(0.40, 0.0),  # b under a: same stack
               "c": block(0.50, 0.0), "d": block(0.40, 0.20)}

    def at(x, y):
        return {"nearest": "a", "gaps": {}, "heights": {}, "z": 0.1, "hand": np.array([x, y]),
                "objects": objects}

    def pull(x, y):
        closed = at(x, y)
        return gp.pull(objects, "a", gp.offset(closed, "a"))

    toward = pull(0.43, 0.0)  # 3 cm off toward c, the nearest other stack
    assert toward["toward"] == "c" and abs(toward["cosine"] - 1.0) < 1e-9
    assert abs(pull(0.37, 0.0)["cosine"] + 1.0) < 1e-9  # away from c
    assert abs(pull(0.40, 0.03)["cosine"]) < 1e-9  # across
    assert pull(0.405, 0.0) is None  # over the target: no miss to lean
    assert gp.offset(None, "a") is None
    alone = {"a": objects["a"]}
    assert gp.pull(alone, "a", np.array([0.03, 0.0])) is None  # nothing else stands there
    stack = gp.grasp_fields("stack", at(0.43, 0.0), ("e", "a"))
    assert stack["pull_toward"] == "c" and stack["pull"] > 0.99
    assert np.allclose(stack["miss"], [0.03, 0.0])
    assert gp.grasp_fields("place", at(0.43, 0.0), ("a",))["pull"] is None
    rows = [{"skill": "pick", "outcome": "budget_exhausted", "pull": 0.9},
            {"skill": "pick", "outcome": "succeeded", "pull": -0.9},
            {"skill": "pick", "outcome": "budget_exhausted", "pull": 0.1},
            {"skill": "pick", "outcome": "succeeded", "pull": None}]
    assert sc.pulls(rows) == {"pick": {"across": [1, 1], "away from it (cos < -0.5)": [0, 1],
                                       "toward it (cos > 0.5)": [1, 1]}}


def test_the_probe_keeps_the_hand_and_the_free_objects():
    class Inner:
        def reset(self, call=None, seed=None):
            pass

        def select_action(self, observation, prompt):
            return np.array([0, 0, 0, 0, 1.0 if "open" in prompt else -1.0])

    probe = gp.GraspProbe(Inner())
    probe.reset()
    obs = {gp.PRIVILEGED_KEY: {"ee": {"pos": [0.43, 0.0, 0.03]},
                               "objects": {"a": {"pos": [0.4, 0.0, 0.02], "contacts": []},
                                           "c": {"pos": [0.5, 0.0, 0.02], "contacts": []}}}}
    probe.select_action(obs, "open")
    probe.select_action(obs, "close")
    assert probe.closed["objects"].keys() == {"a", "c"}
    assert gp.grasp_fields("pick", probe.closed, ("a",))["pull_toward"] == "c"


def test_offsets_give_the_median_miss_and_its_axis_per_level():
    rows = [{"skill": "stack", "level": 1, "miss": [-0.002, 0.001]},
            {"skill": "stack", "level": 1, "miss": [-0.030, 0.005]},
            {"skill": "stack", "level": 1, "miss": [-0.010, 0.020]},
            {"skill": "stack", "level": 2, "miss": [0.001, 0.0]},
            {"skill": "pick", "level": 1, "miss": None},
            {"skill": "place", "level": None, "miss": [0.1, 0.1]}]
    out = sc.offsets(rows)
    assert set(out) == {"stack"}
    one = out["stack"]["1 block"]
    assert one["n"] == 3 and one["dx_mm"] == -10.0 and one["dy_mm"] == 5.0
    assert one["along_x"] == 0.5  # of the two misses beyond 1.5 cm, one mostly along x
    assert out["stack"]["2"] == {"n": 1, "dx_mm": 1.0, "dy_mm": 0.0, "along_x": None}
    assert tables.offset_table(out).row_count == 2


def test_held_out_split_counts_calls_and_tasks_by_untrained_combinations():
    rows = [{"skill": "stack", "held_out": True, "outcome": "succeeded"},
            {"skill": "stack", "held_out": True, "outcome": "budget_exhausted"},
            {"skill": "stack", "held_out": False, "outcome": "succeeded"},
            {"skill": "pick", "held_out": False, "outcome": "budget_exhausted"}]
    episodes = [{"success": False, "held_out": True}, {"success": True, "held_out": False},
                {"success": False, "held_out": False}]
    split = sc.held_out_split(rows, episodes)
    assert split["stack"] == {"held out": [1, 2], "trained": [1, 1]}
    assert split["pick"] == {"held out": [0, 0], "trained": [0, 1]}
    assert split["tasks"] == {"held out": [0, 1], "trained": [1, 2]}
    assert tables.rate(1, 2) == "1/2 (50%)" and tables.rate(0, 0) == "0/0"


def test_run_marks_the_calls_and_tasks_a_policy_never_trained_on():
    from types import SimpleNamespace

    from vlaplan.skills.scripted_policy import ScriptedPolicy
    from vlaplan.skills.splits import HELD_OUT_COMBOS

    class Expert(ScriptedPolicy):  # the expert, claiming a checkpoint's held-out combinations
        meta = SimpleNamespace(held_out_combos=[list(c) for c in HELD_OUT_COMBOS])

    # seed 2's task: unstack yellow (held out), place it, pick white, stack white (held out)
    rows, episodes = sc.run(Expert(), [2], n_actions=4)
    assert [(r["call"], r["held_out"]) for r in rows] == [
        ("(unstack yellow_1 white_1)", True), ("(place yellow_1)", False),
        ("(pick white_1)", False), ("(stack white_1 purple_1)", True)]
    assert episodes[0]["held_out"]
    Expert.meta = SimpleNamespace(held_out_combos=[])  # trained on every combination
    rows, episodes = sc.run(Expert(), [2], n_actions=4)
    assert len(rows) == 4 and not any(r["held_out"] for r in rows)
    assert not episodes[0]["held_out"]
