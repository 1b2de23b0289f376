"""Which calls, prompts and seeds the demonstrations leave out, so evaluation can measure
generalisation (RT-2's "unseen tasks").

* Held-out skill/colour combinations: a call whose first argument has a listed colour (and,
  where given, shape) for that skill is never recorded.  Every colour still appears in
  training under the other skills, so success on these calls measures composition.
* Held-out paraphrases: :attr:`Skill.held_out_templates` (the last template of each skill)
  never appears in training prompts.
* Seeds: training scenes use seeds at or above :data:`TRAIN_SEED_START`; any seed below it
  (e.g. ``vlaplan skills eval``'s ``seed + 100_000 * skill + trial``) was never trained on.
"""
from __future__ import annotations

from collections.abc import Mapping

TRAIN_SEED_START = 10_000_000

# (skill, colour, shape or None): shape None means any shape
HELD_OUT_COMBOS: tuple[tuple[str, str, str | None], ...] = (
    ("pick", "purple", None),
    ("unstack", "yellow", None),
    ("place", "orange", None),
    ("stack", "white", None),
    ("put-in", "green", "cylinder"),
    ("take-out", "blue", "box"),
)


def is_held_out(skill: str, first_arg: Mapping[str, str] | None) -> bool:
    """True when a call of ``skill`` on an object with these attributes is held out.

    ``first_arg`` holds the first argument's ``colour`` and ``shape`` (missing keys never
    match).
    """
    if not first_arg:
        return False
    colour, shape = first_arg.get("colour"), first_arg.get("shape")
    return any(s == skill and c == colour and (sh is None or sh == shape)
               for s, c, sh in HELD_OUT_COMBOS)


def held_out_call(skill: str, args: tuple[str, ...], scene_objects: list) -> bool:
    """:func:`is_held_out` for a call's first argument looked up in a SceneSpec's objects."""
    if not args:
        return False
    for obj in scene_objects:
        if obj.name == args[0]:
            return is_held_out(skill, {"colour": obj.colour, "shape": obj.shape})
    return False
