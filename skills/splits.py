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


def held_out_combo(skill: str, first_arg: Mapping[str, str] | None
                   ) -> tuple[str, str, str | None] | None:
    """The entry of :data:`HELD_OUT_COMBOS` that a call of ``skill`` on an object with
    these attributes falls under (None: not held out).

    ``first_arg`` holds the first argument's ``colour`` and ``shape`` (missing keys never
    match).
    """
    if not first_arg:
        return None
    colour, shape = first_arg.get("colour"), first_arg.get("shape")
    return next(((s, c, sh) for s, c, sh in HELD_OUT_COMBOS
                 if s == skill and c == colour and (sh is None or sh == shape)), None)


def is_held_out(skill: str, first_arg: Mapping[str, str] | None) -> bool:
    """True when a call of ``skill`` on an object with these attributes is held out."""
    return held_out_combo(skill, first_arg) is not None


def call_combo(skill: str, args: tuple[str, ...], scene_objects: list
               ) -> tuple[str, str, str | None] | None:
    """:func:`held_out_combo` for a call's first argument looked up in a SceneSpec's objects."""
    for obj in scene_objects if args else ():
        if obj.name == args[0]:
            return held_out_combo(skill, {"colour": obj.colour, "shape": obj.shape})
    return None


def held_out_call(skill: str, args: tuple[str, ...], scene_objects: list) -> bool:
    """:func:`is_held_out` for a call's first argument looked up in a SceneSpec's objects."""
    return call_combo(skill, args, scene_objects) is not None


def untrained_combos(meta: object) -> set[tuple[str, str, str | None]]:
    """The held-out combinations a checkpoint never trained on (its meta's
    ``held_out_combos``).  A checkpoint that does not say was trained before datasets could
    include them: all of :data:`HELD_OUT_COMBOS` for ours, none for a foreign one."""
    combos = getattr(meta, "held_out_combos", None)
    if combos is None:
        return set() if getattr(meta, "foreign", False) else set(HELD_OUT_COMBOS)
    return {(c[0], c[1], c[2] if len(c) > 2 else None) for c in combos}
