"""SimRobot: observations, determinism, bad actions, physical grasping."""
import numpy as np
import pytest

from vlaplan.planner.errors import WorldModelError
from vlaplan.skills.contract import IMAGE_FRONT, IMAGE_WRIST, PRIVILEGED_KEY, STATE_DIM, STATE_KEY
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.scene import ObjectSpec, SceneSpec

SCENE = SceneSpec(objects=[
    ObjectSpec(name="red_1", colour="red", pos=(0.5, 0.1, 0.02), yaw=0.3),
    ObjectSpec(name="blue_1", colour="blue", pos=(0.5, -0.1, 0.02)),
    ObjectSpec(name="green_1", colour="green", pos=(0.5, -0.1, 0.06)),
])


@pytest.fixture(scope="module")
def robot():
    r = SimRobot(SCENE, image_size=64)
    yield r
    r.close()


def test_observation_layout(robot):
    obs = robot.reset(1)
    for key in (IMAGE_FRONT, IMAGE_WRIST):
        img = obs[key]
        assert img.shape == (64, 64, 3) and img.dtype == np.uint8 and img.std() > 5
    assert obs[STATE_KEY].shape == (STATE_DIM,) and obs[STATE_KEY].dtype == np.float32
    priv = obs[PRIVILEGED_KEY]
    assert set(priv["objects"]) == {"red_1", "blue_1", "green_1"}
    green = priv["objects"]["green_1"]
    assert green["contacts"] == ["blue_1"] and green["shape"] == "cube" and len(green["quat"]) == 4
    assert priv["ee"]["gripper_width"] == pytest.approx(0.08, abs=1e-3)
    assert np.allclose(obs[STATE_KEY][:3], priv["ee"]["pos"], atol=1e-6)
    assert np.allclose(priv["ee"]["pos"], SCENE.robot.home, atol=0.01)


def test_actions_move_the_end_effector(robot):
    robot.reset(0)
    start = robot.observe(render=False)[STATE_KEY][:3]
    for _ in range(10):
        robot.apply([1.0, 0.0, -0.5, 0.0, 1.0])
    end = robot.observe(render=False)[STATE_KEY][:3]
    assert end[0] - start[0] == pytest.approx(0.2, abs=0.03)
    assert end[2] - start[2] == pytest.approx(-0.1, abs=0.02)
    assert robot.step_count == 10 and robot.sim_time == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [[np.nan, 0, 0, 0, 1], [0, np.inf, 0, 0, 1], [0, 0, 0, 1],
                                 np.zeros((2, 5)), "left"])
def test_bad_actions_raise_and_leave_the_sim_alone(robot, bad):
    robot.reset(0)
    robot.apply([0.5, 0, 0, 0, 1])
    before = robot.observe(render=False)
    with pytest.raises(WorldModelError, match="bad action"):
        robot.apply(bad)
    after = robot.observe(render=False)
    assert robot.step_count == 1
    assert np.array_equal(before[STATE_KEY], after[STATE_KEY])
    assert before[PRIVILEGED_KEY]["objects"] == after[PRIVILEGED_KEY]["objects"]
    robot.apply([0.5, 0, 0, 0, 1])  # still usable
    assert robot.step_count == 2


def test_same_seed_same_trajectory():
    actions = np.random.default_rng(3).uniform(-1, 1, size=(25, 5)).astype(np.float32)
    runs = []
    for _ in range(2):
        with SimRobot(SCENE, render=False, seed=5) as r:
            for a in actions:
                r.apply(a)
            obs = r.observe()
            runs.append((obs[STATE_KEY], obs[PRIVILEGED_KEY]["objects"]))
    assert np.array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_grasp_is_physical_the_object_falls_when_released():
    spec = SceneSpec(robot={"holding": "red_1"},
                     objects=[ObjectSpec(name="red_1", colour="red", pos=(0.45, 0.0, 0.245))])
    with SimRobot(spec, render=False) as r:
        for _ in range(10):  # carry it sideways: friction alone holds it
            r.apply([0.0, 0.8, 0.0, 0.0, -1.0])
        held = r.observe()[PRIVILEGED_KEY]["objects"]["red_1"]
        assert {"left_finger", "right_finger"} <= set(held["contacts"])
        assert held["pos"][2] > 0.2
        for _ in range(15):
            r.apply([0.0, 0.0, 0.0, 0.0, 1.0])
        dropped = r.observe()[PRIVILEGED_KEY]["objects"]["red_1"]
        assert dropped["pos"][2] == pytest.approx(0.02, abs=0.005)
        assert dropped["contacts"] == ["table"]


def test_reset_with_a_new_scene_and_bad_inputs():
    with SimRobot(SCENE, render=False) as r:
        other = SceneSpec(objects=[ObjectSpec(name="white_1", colour="white",
                                              pos=(0.4, 0.0, 0.02))])
        obs = r.reset(2, scene=other)
        assert set(obs[PRIVILEGED_KEY]["objects"]) == {"white_1"} and r.step_count == 0
        assert "observation.images.front" not in obs
        with pytest.raises(WorldModelError):
            r.reset(scene={"objects": []})
    with pytest.raises(WorldModelError):
        SimRobot({"objects": []})
    with pytest.raises(WorldModelError, match="unknown cameras"):
        SimRobot(SCENE, cameras=("top",))


def test_set_command_moves_the_controller_target():
    with SimRobot(SCENE, render=False) as r:
        pos, yaw, grip = r.command()
        goal = pos + np.array([0.0, 0.03, -0.02])  # within MAX_LEAD of the arm
        r.set_command(goal, 0.3, -1.0)
        for _ in range(15):
            r.apply(np.zeros(5, dtype=np.float32))
        ee, ee_yaw = r.ee_pose()
        assert np.allclose(ee, goal, atol=0.01) and abs(ee_yaw - 0.3) < 0.03
        assert r.command()[2] == 0.0 and r.gripper_width() < 0.08  # zero action: half open


def test_home_jitter_is_seeded():
    def start(seed):
        with SimRobot(SCENE, render=False, seed=seed, home_jitter=0.03) as r:
            return r.observe()[STATE_KEY][:4]
    assert np.array_equal(start(1), start(1))
    assert not np.allclose(start(1), start(2), atol=1e-3)
    assert np.all(np.abs(start(1)[:2] - np.array(SCENE.robot.home[:2])) < 0.04)


def test_reset_to_a_new_scene_matches_a_fresh_robot():
    other = SceneSpec(objects=[ObjectSpec(name="white_1", colour="white", pos=(0.4, 0.0, 0.02)),
                               ObjectSpec(name="red_1", colour="red", pos=(0.4, 0.0, 0.06))])
    actions = np.random.default_rng(4).uniform(-1, 1, size=(20, 5)).astype(np.float32)

    def run(robot):
        for a in actions:
            robot.apply(a)
        return robot.observe()[PRIVILEGED_KEY]["objects"]

    with SimRobot(other, render=False) as fresh, SimRobot(SCENE, render=False) as reused:
        for a in actions:
            reused.apply(a)
        reused.reset(0, scene=other)
        assert run(fresh) == run(reused)


def test_a_block_held_at_the_start_sits_where_hold_offset_says_and_stays_held():
    from vlaplan.domains import get_domain

    domain = get_domain("tabletop")
    centred = domain.generate_scene(4, for_skill="stack")
    shifted = domain.generate_scene(4, for_skill="stack", hold_offset=0.012)
    assert centred.spec.robot.hold_offset == (0.0, 0.0)
    along, lower = shifted.spec.robot.hold_offset
    assert 0.0 < abs(along) <= 0.012 and 0.0 <= lower <= 0.012
    # same blocks and towers: the offset is drawn from a stream of its own
    assert centred.spec.objects == shifted.spec.objects
    offsets = []
    for g in (centred, shifted):
        robot = SimRobot(g.spec, render=False, seed=4)
        try:
            priv = robot.observe()[PRIVILEGED_KEY]
            name = g.spec.robot.holding
            ee, yaw = np.asarray(priv["ee"]["pos"]), priv["ee"]["yaw"]
            rel = np.asarray(priv["objects"][name]["pos"]) - ee
            offsets.append((rel[0] * np.cos(yaw) + rel[1] * np.sin(yaw), -rel[2]))
            for _ in range(10):  # lift: the block comes along, still held
                robot.apply(np.array([0, 0, 1, 0, -1], dtype=np.float32))
            assert ("holding", (name,)) in domain.abstract(robot.observe())
        finally:
            robot.close()
    assert abs(offsets[0][0]) < 0.002 and abs(offsets[1][0] - along) < 0.003
    assert abs(offsets[1][1] - offsets[0][1] - lower) < 0.003
    with pytest.raises(WorldModelError, match="hold_offset"):
        domain.generate_scene(4, for_skill="stack", hold_offset=0.05)


def test_front_camera_placements_differ_and_unknown_ones_are_refused():
    from vlaplan.world_model.render import front_camera_of

    wide, close = SimRobot(SCENE, image_size=64, seed=0), SimRobot(SCENE, image_size=64, seed=0,
                                                                   front_camera="close")
    try:
        a, b = wide.observe(), close.observe()
    finally:
        wide.close()
        close.close()
    assert (wide.front_camera, close.front_camera) == ("wide", "close")
    assert np.array_equal(a[IMAGE_WRIST], b[IMAGE_WRIST])  # only the front camera moves

    def red(img):
        img = img.astype(int)
        return int(((img[..., 0] > 120) & (img[..., 1] < 70) & (img[..., 2] < 70)).sum())

    assert red(b[IMAGE_FRONT]) > 1.2 * red(a[IMAGE_FRONT]) > 0  # nearer: the block is bigger
    with pytest.raises(WorldModelError, match="close"):
        SimRobot(SCENE, front_camera="overhead")

    class Meta:
        front_camera = "close"

    class Policy:
        meta = Meta()

    assert front_camera_of(Policy()) == "close" and front_camera_of(object()) == "wide"
