"""An example domain defined outside the vlaplan package: cubes onto flat plates.

Everything a domain needs sits in this folder: ``domain.pddl`` (the planning model),
``lexicon.yaml`` (the words instructions may use), a seeded scene generator and the
classifiers (below), and skill bindings (the built-in pick/place/stack/unstack skills
with prompts that say "plate").  Registering it is one line, see ``../run_plates.py``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from vlaplan.domains.base import DomainSpec, GeneratedScene
from vlaplan.planner.atoms import Atom
from vlaplan.skills.contract import Skill
from vlaplan.world_model.predicates import held, is_on, is_on_table, table_height
from vlaplan.world_model.scene import ObjectSpec, SceneSpec

CUBE = (0.04, 0.04, 0.04)
PLATE = (0.07, 0.07, 0.025)  # flat and wide: a cube sits on it
COLOURS = ("red", "green", "blue", "yellow")
SPOTS = [(x, y) for x in (0.38, 0.50, 0.62) for y in (-0.24, -0.12, 0.0, 0.12, 0.24)]


def generate(seed: int, n_cubes: int = 2, n_plates: int = 2) -> GeneratedScene:
    """Cubes and plates of distinct colours on free spots of the table (seeded)."""
    rng = np.random.default_rng(seed)
    spots = [SPOTS[i] for i in rng.permutation(len(SPOTS))[: n_cubes + n_plates]]
    objects, types, init = [], {}, {Atom("hand-empty")}
    for kind, size, count in (("cube", CUBE, n_cubes), ("plate", PLATE, n_plates)):
        for colour in rng.permutation(COLOURS)[:count]:
            name = f"{colour}_{kind}"
            x, y = spots.pop()
            objects.append(ObjectSpec(name=name, colour=str(colour),
                                      shape="cube" if kind == "cube" else "box", size=size,
                                      mass=0.05 if kind == "cube" else 0.2,
                                      pos=(x, y, size[2] / 2),
                                      yaw=float(rng.uniform(-math.pi / 6, math.pi / 6))))
            types[name] = kind
            init |= {Atom("on-table", (name,)), Atom("clear", (name,))}
    return GeneratedScene(spec=SceneSpec(objects=objects), objects=types, init=frozenset(init))


def abstract(priv: Mapping[str, Any]) -> frozenset[Atom]:
    """Atoms of a privileged observation: on (cube on plate), on-table, clear, holding."""
    objects, height = priv["objects"], table_height(priv)
    atoms: set[Atom] = set()
    holding = [n for n, o in objects.items() if held(o)]
    atoms |= {Atom("holding", (n,)) for n in holding} or {Atom("hand-empty")}
    covered = set()
    for x, ox in objects.items():
        if x in holding:
            continue
        below = [y for y, oy in objects.items() if y != x and y not in holding and is_on(ox, oy)]
        if below:
            atoms.add(Atom("on", (x, below[0])))
            covered.add(below[0])
        elif is_on_table(ox, height):
            atoms.add(Atom("on-table", (x,)))
    atoms |= {Atom("clear", (x,)) for x in objects if x not in holding and x not in covered}
    return frozenset(atoms)


BINDINGS = {
    "pick": Skill("pick", "pick", ("pick up the {0}", "grasp the {0}")),
    "place": Skill("place", "place", ("put the {0} down on the table", "set the {0} down")),
    "stack": Skill("stack", "stack", ("put the {0} on the {1}", "place the {0} onto the {1}")),
    "unstack": Skill("unstack", "unstack", ("take the {0} off the {1}", "lift the {0} from the {1}")),
}

DOMAIN = DomainSpec(
    name="plates", folder=Path(__file__).parent, generator=generate, abstraction=abstract,
    actions=("pick", "place", "stack", "unstack"), bindings=BINDINGS,
    examples=("put the red cube on the blue plate", "take the red cube off the blue plate"))
