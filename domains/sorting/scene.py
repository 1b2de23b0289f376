"""The sorting scene generator: 2..3 coloured open bins and 3..12 objects.

Seeded: the same seed and options give the same scene.  The bins stand in a row at the
far side of the table, the objects (cubes, cylinders, flat boxes; mostly in the bins'
colours) in front of them.  Some objects may start in the bin of their colour.
``for_skill`` arranges what a skill needs: ``pick`` an object on the table, ``place`` or
``put-in`` an object in the gripper.
"""
from __future__ import annotations

import numpy as np

from vlaplan.domains.base import GeneratedScene
from vlaplan.domains.objects import (finish_scene, make_object, object_name, sample_kinds,
                                     spread_on_table)
from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import WorldModelError
from vlaplan.world_model import fixtures as fx
from vlaplan.world_model.scene import COLOURS, ObjectSpec, RobotSpec

BIN_COLOURS = ("red", "green", "blue", "yellow")
BIN_X = (0.60, 0.64)  # bin centres, far row
BIN_ROW_Y = {2: (-0.16, 0.16), 3: (-0.27, 0.0, 0.27)}
BIN_JITTER = 0.02
OBJECTS_X = (0.30, 0.50)
OBJECTS_Y = (-0.40, 0.40)
SORTING_SPACING = 0.085  # m between object centres on the table
OTHER_COLOUR_PROB = 0.2  # an object's colour is not a bin's
IN_BIN_PROB = 0.15
SKILLS = ("pick", "place", "put-in")


def generate(seed: int, n_objects: int | None = None, n_bins: int | None = None,
             for_skill: str | None = None, holding: bool | None = None,
             in_bins: bool = True) -> GeneratedScene:
    """A random sorting scene; see the module docstring for ``for_skill``."""
    if for_skill is not None and for_skill not in SKILLS:
        raise WorldModelError(f"sorting has no skill {for_skill!r}; skills: {', '.join(SKILLS)}")
    rng = np.random.default_rng(seed)
    nb = int(n_bins) if n_bins is not None else int(rng.integers(2, 4))
    n = int(n_objects) if n_objects is not None else int(rng.integers(3, 13))
    if nb not in BIN_ROW_Y:
        raise WorldModelError(f"sorting scenes have 2 or 3 bins, got {nb}")
    if not 1 <= n <= 12:
        raise WorldModelError(f"sorting scenes hold 1..12 objects, got {n}")
    if holding is None:
        holding = for_skill in ("place", "put-in")
    bin_colours = [str(c) for c in rng.permutation(BIN_COLOURS)[:nb]]
    bins = []
    for colour, y in zip(bin_colours, BIN_ROW_Y[nb]):
        x = float(rng.uniform(*BIN_X))
        y = y + float(rng.uniform(-BIN_JITTER, BIN_JITTER))
        bins.append(fx.bin_fixture(f"{colour}_bin", colour, (round(x, 5), round(y, 5)),
                                   float(rng.uniform(-0.2, 0.2))))
    palette = [c for c in COLOURS if c not in bin_colours]
    counts: dict[tuple[str, str], int] = {}
    kinds = []
    for _ in range(n):
        colours = palette if rng.random() < OTHER_COLOUR_PROB else bin_colours
        (_, colour, shape), = sample_kinds(rng, 1, colours)
        kinds.append((object_name(colour, shape, counts), colour, shape))
    held = kinds[-1] if holding else None
    rest = [k for k in kinds if k is not held]
    # Some objects start already sorted, in the bin of their colour (nothing takes an object
    # out of a bin, so one in a wrong bin would make sorting goals unreachable); at most
    # three per bin, and never a pick scene's last object.
    placed_in: dict[str, tuple[int, int]] = {}
    free_slots = {b: list(rng.permutation(len(fx.BIN_SLOTS))) for b in range(nb)}
    if in_bins:
        for name, colour, _ in rest[:-1] if for_skill == "pick" else rest:
            if rng.random() < IN_BIN_PROB and colour in bin_colours:
                b = bin_colours.index(colour)
                if len(free_slots[b]) > 2:
                    placed_in[name] = (b, int(free_slots[b].pop()))
    on_table = [k for k in rest if k[0] not in placed_in]
    spots = spread_on_table(rng, len(on_table), bins, seed, x_range=OBJECTS_X,
                            y_range=OBJECTS_Y, spacing=SORTING_SPACING)
    robot = RobotSpec(holding=held[0] if held else None)
    objects: list[ObjectSpec] = []
    init: set[Atom] = set()
    for name, colour, shape in rest:
        if name in placed_in:
            b, slot = placed_in[name]
            x, y, z = fx.bin_slot(bins[b], *fx.BIN_SLOTS[slot])
            objects.append(make_object(name, colour, shape, x, y, z, bins[b].yaw))
            init.add(Atom("in", (name, bins[b].name)))
    return finish_scene(rng, kinds, held, robot, objects, init, on_table, spots, bins,
                        {b.name: "bin" for b in bins})
