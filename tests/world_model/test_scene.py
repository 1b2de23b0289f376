"""SceneSpec validation: bad scenes are rejected with the field and the reason."""
import pytest
from pydantic import ValidationError

from vlaplan.world_model.scene import ObjectSpec, RobotSpec, SceneSpec, objects_overlap


def cube(name, pos, colour="red", yaw=0.0, **kw):
    return ObjectSpec(name=name, colour=colour, pos=pos, yaw=yaw, **kw)


def test_valid_scene_with_a_tower():
    spec = SceneSpec(objects=[cube("red_1", (0.5, 0.0, 0.02)),
                              cube("blue_1", (0.5, 0.0, 0.06), "blue")])
    assert [o.name for o in spec.objects] == ["red_1", "blue_1"]
    assert spec.object("blue_1").bottom == pytest.approx(0.04)


@pytest.mark.parametrize("objects, words", [
    ([cube("red_1", (0.5, 0.0, 0.02)), cube("red_2", (0.52, 0.01, 0.02))], ["overlap", "red_1"]),
    ([cube("red_1", (0.5, 0.65, 0.02))], ["off the table", "objects[0]"]),
    ([cube("red_1", (0.1, 0.0, 0.02))], ["unreachable", "red_1"]),
    ([cube("red_1", (0.5, 0.0, 0.2))], ["floating"]),
    ([cube("red_1", (0.5, 0.0, 0.02)), cube("red_1", (0.5, 0.2, 0.02))], ["duplicate"]),
    ([cube("red_1", (0.5, 0.0, -0.1))], ["below the table"]),
])
def test_bad_scenes_are_rejected_with_a_reason(objects, words):
    with pytest.raises(ValidationError) as err:
        SceneSpec(objects=objects)
    text = str(err.value)
    for word in words:
        assert word in text


def test_far_object_is_unreachable():
    with pytest.raises(ValidationError, match="unreachable"):
        SceneSpec(table={"centre": (0.6, 0.0), "size": (1.4, 1.2)},
                  objects=[cube("red_1", (1.1, 0.0, 0.02))])


@pytest.mark.parametrize("field, value", [("colour", "magenta"), ("shape", "pyramid"),
                                          ("size", (0.0, 0.04, 0.04)), ("mass", -1.0),
                                          ("name", "Red Block")])
def test_bad_object_fields_name_the_field(field, value):
    kw = dict(name="red_1", colour="red", pos=(0.5, 0.0, 0.02))
    kw[field] = value
    with pytest.raises(ValidationError) as err:
        ObjectSpec(**kw)
    assert field in str(err.value)


def test_holding_must_name_an_object():
    with pytest.raises(ValidationError, match="robot.holding"):
        SceneSpec(robot=RobotSpec(holding="ghost_1"), objects=[cube("red_1", (0.5, 0, 0.02))])


def test_rotated_footprints_overlap_only_when_they_do():
    a = cube("a", (0.5, 0.0, 0.02))
    near = cube("b", (0.5, 0.046, 0.02), yaw=0.0)
    rotated = cube("b", (0.5, 0.046, 0.02), yaw=0.785)  # corner reaches 0.028 from centre
    assert not objects_overlap(a, near)
    assert objects_overlap(a, rotated)
    stacked = cube("b", (0.5, 0.0, 0.06))
    assert not objects_overlap(a, stacked)
