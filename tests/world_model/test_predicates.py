"""Generic classifiers on privileged object records."""
import math

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
