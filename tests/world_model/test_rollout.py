"""run_skill with any policy, and the `vlaplan skills eval` command."""
import json

import numpy as np

from vlaplan.cli import main
from vlaplan.domains import get_domain
from vlaplan.skills.contract import SkillCall
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.rollout import run_skill

DOMAIN = get_domain("tabletop")


class StillPolicy:
    """Does nothing: the skill must run out of budget, not succeed."""

    def __init__(self, fail_at=None):
        self.fail_at, self.calls = fail_at, 0

    def reset(self, call=None, seed=None):
        self.calls = 0

    def select_action(self, observation, prompt):
        self.calls += 1
        if self.calls == self.fail_at:
            raise RuntimeError("policy broke")
        return np.array([0, 0, 0, 0, 1], dtype=np.float32)

    def predict_action_chunk(self, observation, prompt):
        return self.select_action(observation, prompt)[None]


def test_budget_and_policy_errors_are_outcomes():
    scene = DOMAIN.generate_scene(4, for_skill="pick")
    x = next(a.args[0] for a in scene.init if a.predicate == "clear"
             and ("on-table", a.args) in scene.init)
    g = DOMAIN.ground("pick", (x,))
    frames = []
    with SimRobot(scene.spec, render=False) as robot:
        out = run_skill(robot, StillPolicy(), SkillCall("pick", (x,), "pick"), 7,
                        DOMAIN.abstract, g.add, g.delete,
                        on_frame=lambda obs, a, i: frames.append((obs["task"], i)))
        assert not out.success and out.reason == "budget_exhausted" and out.steps == 7
        assert frames == [("pick", i) for i in range(7)]
        out = run_skill(robot, StillPolicy(fail_at=3), SkillCall("pick", (x,), "pick"), 7,
                        DOMAIN.abstract, g.add, g.delete)
        assert not out.success and out.reason == "policy_error" and out.steps == 2
        assert "policy broke" in out.detail


def test_skills_eval_cli_json(capsys):
    code = main(["skills", "eval", "--policy", "scripted", "--domain", "tabletop",
                 "--trials", "2", "--skills", "pick,stack", "--json", "--seed", "5"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert [s["skill"] for s in report["skills"]] == ["pick", "stack"]
    assert all(s["trials"] == 2 and s["successes"] == 2 for s in report["skills"])
    assert report["skills"][0]["mean_steps"] > 0


def test_skills_eval_rejects_unknown_skill(capsys):
    code = main(["skills", "eval", "--trials", "1", "--skills", "fly"])
    assert code == 2
    assert "fly" in capsys.readouterr().err


def _priv(obj_z, contacts, width, ee_z):
    return {"objects": {"red_1": {"pos": [0.5, 0.0, obj_z], "quat": [0, 0, 0, 1],
                                  "size": [0.04, 0.04, 0.04], "contacts": contacts}},
            "ee": {"pos": [0.5, 0.0, ee_z], "yaw": 0.0, "gripper_width": width}}


def test_arm_done_needs_a_lift_after_a_grasp_and_a_release_after_a_place():
    from vlaplan.world_model.rollout import arm_done

    fingers = ["left_finger", "right_finger"]
    start = _priv(0.02, ["table"], 0.08, 0.2)
    grasp = [("holding", ("red_1",))]
    assert not arm_done(_priv(0.025, fingers, 0.039, 0.03), grasp, start)
    assert arm_done(_priv(0.08, fingers, 0.039, 0.09), grasp, start)
    held = _priv(0.2, fingers, 0.039, 0.2)
    place = [("on-table", ("red_1",)), ("hand-empty", ())]
    assert not arm_done(_priv(0.02, fingers, 0.039, 0.03), place, held)  # still squeezing
    assert not arm_done(_priv(0.02, ["table"], 0.08, 0.05), place, held)  # fingers around it
    assert arm_done(_priv(0.02, ["table"], 0.08, 0.09), place, held)
    # nothing held before or after (e.g. opening a drawer): the gripper must be open
    assert not arm_done(_priv(0.02, ["table"], 0.01, 0.3), [("open", ("drawer",))], start)
    assert arm_done(_priv(0.02, ["table"], 0.08, 0.3), [("open", ("drawer",))], start)
