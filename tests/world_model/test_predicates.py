"""Generic classifiers on privileged object records."""
import math

import pytest

from vlaplan.world_model import predicates as P


def obj(pos, size=(0.04, 0.04, 0.04), yaw=0.0, contacts=(), tilt=0.0):
    # quaternion for yaw about z then tilt about x (small helper, x y z w)
    cy, sy = math.cos(yaw / 2), math.sin(yaw / 2)
    cx, sx = math.cos(tilt / 2), math.sin(tilt / 2)
    quat = (cy * sx, sy * sx, sy * cx, cy * cx) if tilt else (0.0, 0.0, sy, cy)
    return {"pos": list(pos), "quat": list(quat), "size": list(size), "contacts": list(contacts)}


def test_on_needs_contact_height_and_overlap():
    low = obj((0.5, 0.0, 0.02))
    assert P.is_on(obj((0.5, 0.0, 0.06)), low)
    assert P.is_on(obj((0.51, 0.01, 0.06), yaw=0.3), low)
    assert not P.is_on(obj((0.5, 0.0, 0.06 + 2 * P.ON_Z_TOL)), low)
    assert not P.is_on(obj((0.5 + 0.03, 0.0, 0.06)), low)
    assert not P.is_on(obj((0.5, 0.0, 0.06), contacts=P.FINGERS), low)


def test_over_is_the_footprint_and_a_window_on_the_gap_held_or_not():
    low = obj((0.5, 0.0, 0.02))
    high = obj((0.5, 0.01, 0.09), contacts=P.FINGERS)  # 3 cm above, in the hand
    assert P.is_over(high, low, 0.0, 0.05) and not P.is_over(high, low, 0.0, 0.02)
    assert not P.is_over(obj((0.5, 0.0, 0.055)), low, 0.0, 0.05)  # sunk 5 mm
    assert P.is_over(obj((0.5, 0.0, 0.055)), low, -0.01, 0.05)
    assert not P.is_over(obj((0.5 + 0.021, 0.0, 0.07)), low, 0.0, 0.05)  # past the edge


def test_a_block_is_on_a_cube_lying_on_its_side():
    # a learned grasp can turn a cube a quarter turn in the hand; stacked, it rests on a
    # side face, and its footprint is that face (its local z axis is horizontal)
    for tilt in (math.pi / 2, -math.pi / 2):
        low = obj((0.5, 0.0, 0.02), yaw=0.4, tilt=tilt)
        assert P.is_on(obj((0.5, 0.0, 0.06)), low)
        assert P.is_on(obj((0.51, -0.012, 0.06)), low)
        assert not P.is_on(obj((0.5 + 0.03, 0.0, 0.06)), low)
    # a 2 x 4 x 6 cm box on its 4 x 6 face (local z horizontal): 3 cm either way along
    # its long side, 2 cm across it
    box = obj((0.5, 0.0, 0.01), size=(0.06, 0.02, 0.04), tilt=math.pi / 2)
    assert P.is_on(obj((0.5 + 0.028, 0.0, 0.04)), box)
    assert not P.is_on(obj((0.5 + 0.032, 0.0, 0.04)), box)
    assert not P.is_on(obj((0.5, 0.022, 0.04)), box)


def test_on_table_uses_the_oriented_extent():
    assert P.is_on_table(obj((0.5, 0.0, 0.02)), 0.0)
    assert P.is_on_table(obj((0.5, 0.0, 0.02), tilt=math.pi / 2), 0.0)  # on another face
    flat_box = obj((0.5, 0.0, 0.01), size=(0.06, 0.04, 0.02))
    assert P.is_on_table(flat_box, 0.0)
    assert not P.is_on_table(obj((0.5, 0.0, 0.02 * math.sqrt(2)), tilt=math.pi / 4), 0.0)  # edge
    assert not P.is_on_table(obj((0.5, 0.0, 0.02), contacts=P.FINGERS), 0.0)


def test_held_needs_both_fingers():
    assert P.held(obj((0, 0, 0), contacts=("left_finger", "right_finger", "table")))
    assert not P.held(obj((0, 0, 0), contacts=("left_finger", "table")))


def test_inside_a_box_and_drawer_thresholds():
    assert P.is_inside(obj((0.5, 0.0, 0.03)), (0.4, -0.1, 0.0), (0.6, 0.1, 0.1))
    assert not P.is_inside(obj((0.7, 0.0, 0.03)), (0.4, -0.1, 0.0), (0.6, 0.1, 0.1))
    assert P.drawer_is_open(P.DRAWER_OPEN_MIN) and not P.drawer_is_closed(P.DRAWER_OPEN_MIN)
    assert P.drawer_is_closed(0.0) and not P.drawer_is_open(0.0)


def gripped(o, width, yaw=0.0):
    return {**o, P.GRIPPER_KEY: {"width": width, "yaw": yaw}}


def test_held_needs_a_plausible_grasp():
    box = obj((0.5, 0.0, 0.015), size=(0.10, 0.04, 0.03), contacts=P.FINGERS + ("table",))
    # yaw 0: the finger axis is y, across the box's 4 cm side
    assert P.held(gripped(box, 0.041))
    assert P.held(gripped(box, 0.04 - P.GRIP_SQUEEZE_TOL + 0.001))
    # fully open fingers against a 10 cm side: no grasp, lifted or not
    assert not P.held(gripped(box, 0.08, yaw=math.pi / 2))
    assert not P.held(gripped({**box, "contacts": list(P.FINGERS)}, 0.08, yaw=math.pi / 2))
    # a gap wider than the object: only a lifted object (no support contact) is held
    assert not P.held(gripped(box, 0.04 + P.GRIP_CLOSED_TOL + 0.002))
    assert P.held(gripped({**box, "contacts": list(P.FINGERS)}, 0.04 + P.GRIP_CLOSED_TOL + 0.002))
    assert P.held_objects({"objects": {"b": gripped(box, 0.08, yaw=math.pi / 2)}}) == []


def test_fingers_closed_off_centre_hold_what_lies_between_the_pads():
    # a 4 cm cube turned 45 degrees to the finger axis (y), hanging from the fingers
    cube = obj((0.5, 0.0, 0.12), yaw=math.pi / 4, contacts=P.FINGERS)
    centre = P.width_along(cube, (0.0, -1.0, 0.0))  # 5.7 cm corner to corner
    # pads closed near a corner, 2 cm off the centre: between them the cube is at most
    # 2 * (2.83 - 1) = 3.7 cm wide, narrower than through its centre
    near_corner = [0.52, 0.0, 0.12]
    assert P.plausible_grasp(cube, 0.037, 0.0, near_corner)
    assert not P.plausible_grasp(cube, 0.037, 0.0)  # judged through the centre: too narrow
    assert 0.037 < centre - P.GRIP_SQUEEZE_TOL
    assert P.held(gripped(cube, 0.037) | {P.GRIPPER_KEY: {"width": 0.037, "yaw": 0.0,
                                                         "pos": near_corner}})
    # a gap that narrow leaves the fingers inside the cube: no grasp
    assert not P.plausible_grasp(cube, 0.02, 0.0, near_corner)
    # at the centre, the grasp point changes nothing
    assert P.plausible_grasp(cube, 0.057, 0.0, [0.5, 0.0, 0.12])
    assert not P.plausible_grasp(cube, 0.037, 0.0, [0.5, 0.0, 0.12])


def test_open_fingers_inside_a_wide_lifted_box_are_no_grasp():
    # the physics can wedge 8.5 cm open fingers into a 10 cm box and lift it: the fingers
    # are then inside it, which no real grasp is
    box = obj((0.5, 0.2, 0.04), size=(0.10, 0.10, 0.03), contacts=P.FINGERS)
    assert not P.plausible_grasp(box, 0.085, 0.0, [0.5, 0.2, 0.042])
    assert P.plausible_grasp(box, 0.102, 0.0, [0.5, 0.2, 0.042])


def test_chord_span_of_boxes_and_cylinders():
    box = obj((0.0, 0.0, 0.0), size=(0.10, 0.04, 0.03))
    assert P.chord_span(box, (0.0, 0.0, 0.0), (1.0, 0.0, 0.0)) == pytest.approx((-0.05, 0.05))
    assert P.chord_span(box, (0.0, 0.03, 0.0), (1.0, 0.0, 0.0)) is None  # passes beside it
    can = {**obj((0.0, 0.0, 0.0), size=(0.04, 0.04, 0.05)), "shape": "cylinder"}
    t0, t1 = P.chord_span(can, (0.0, 0.01, 0.0), (1.0, 0.0, 0.0))
    assert t1 - t0 == pytest.approx(2 * math.sqrt(0.02 ** 2 - 0.01 ** 2))
    assert P.chord_span(can, (0.0, 0.0, 0.0), (0.0, 0.0, 1.0)) == pytest.approx((-0.025, 0.025))
    assert P.chord_span(can, (0.0, 0.0, 0.03), (1.0, 0.0, 0.0)) is None  # above it


def test_width_along_boxes_and_cylinders():
    box = obj((0, 0, 0), size=(0.10, 0.04, 0.03), yaw=math.pi / 4)
    assert P.width_along(box, (1.0, 0.0, 0.0)) == pytest.approx((0.10 + 0.04) / math.sqrt(2))
    can = {**obj((0, 0, 0), size=(0.04, 0.04, 0.05), yaw=0.7), "shape": "cylinder"}
    assert P.width_along(can, (math.sqrt(0.5), math.sqrt(0.5), 0.0)) == pytest.approx(0.04)
    lying = {**obj((0, 0, 0), size=(0.04, 0.04, 0.05), tilt=math.pi / 2), "shape": "cylinder"}
    assert P.width_along(lying, (0.0, 1.0, 0.0)) == pytest.approx(0.05)
