"""Seeded generators of PDDL benchmark problems at growing sizes.

Each generator returns ``(domain_text, problem_text)``; the same arguments always give
the same text.  Domains:

- ``blocksworld``: the 4-operator IPC domain (pick-up, put-down, stack, unstack),
  untyped; random initial towers to random goal towers.  Size = blocks.
- ``gripper``: a robot with two grippers carries balls between two rooms (typed).
  Size = balls.
- ``logistics``: packages moved by trucks inside cities and airplanes between
  airports, with a type hierarchy.  Size = cities (2 locations each, one an airport;
  one truck per city, ``ceil(size/2)`` airplanes, ``2*size`` packages).
- ``tabletop``: our robot domain (``domains/tabletop/domain.pddl``): coloured blocks
  named ``<colour>_<n>`` in random towers to random goal towers.  Size = blocks.

Only the standard library is imported, so generating stays cheap.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

BLOCKSWORLD_DOMAIN = """\
; Blocksworld, 4 operators (IPC 2000 style).
(define (domain blocksworld)
  (:requirements :strips)
  (:predicates (on ?x ?y) (ontable ?x) (clear ?x) (handempty) (holding ?x))
  (:action pick-up
    :parameters (?x)
    :precondition (and (clear ?x) (ontable ?x) (handempty))
    :effect (and (holding ?x) (not (ontable ?x)) (not (clear ?x)) (not (handempty))))
  (:action put-down
    :parameters (?x)
    :precondition (holding ?x)
    :effect (and (ontable ?x) (clear ?x) (handempty) (not (holding ?x))))
  (:action stack
    :parameters (?x ?y)
    :precondition (and (holding ?x) (clear ?y))
    :effect (and (on ?x ?y) (clear ?x) (handempty) (not (holding ?x)) (not (clear ?y))))
  (:action unstack
    :parameters (?x ?y)
    :precondition (and (on ?x ?y) (clear ?x) (handempty))
    :effect (and (holding ?x) (clear ?y) (not (on ?x ?y)) (not (clear ?x)) (not (handempty)))))
"""

GRIPPER_DOMAIN = """\
; Gripper (typed): one robot with two grippers carries balls between rooms.
(define (domain gripper)
  (:requirements :strips :typing)
  (:types room ball gripper)
  (:predicates (at-robby ?r - room) (at ?b - ball ?r - room) (free ?g - gripper)
               (carry ?b - ball ?g - gripper))
  (:action move
    :parameters (?from - room ?to - room)
    :precondition (at-robby ?from)
    :effect (and (at-robby ?to) (not (at-robby ?from))))
  (:action pick
    :parameters (?b - ball ?r - room ?g - gripper)
    :precondition (and (at ?b ?r) (at-robby ?r) (free ?g))
    :effect (and (carry ?b ?g) (not (at ?b ?r)) (not (free ?g))))
  (:action drop
    :parameters (?b - ball ?r - room ?g - gripper)
    :precondition (and (carry ?b ?g) (at-robby ?r))
    :effect (and (at ?b ?r) (free ?g) (not (carry ?b ?g)))))
"""

LOGISTICS_DOMAIN = """\
; Logistics (typed, with a type hierarchy): trucks within cities, airplanes between airports.
(define (domain logistics)
  (:requirements :strips :typing)
  (:types truck airplane - vehicle
          package vehicle - physobj
          airport location - place
          city place physobj - object)
  (:predicates (in-city ?loc - place ?city - city) (at ?obj - physobj ?loc - place)
               (in ?pkg - package ?veh - vehicle))
  (:action load-truck
    :parameters (?pkg - package ?truck - truck ?loc - place)
    :precondition (and (at ?truck ?loc) (at ?pkg ?loc))
    :effect (and (not (at ?pkg ?loc)) (in ?pkg ?truck)))
  (:action load-airplane
    :parameters (?pkg - package ?airplane - airplane ?loc - place)
    :precondition (and (at ?pkg ?loc) (at ?airplane ?loc))
    :effect (and (not (at ?pkg ?loc)) (in ?pkg ?airplane)))
  (:action unload-truck
    :parameters (?pkg - package ?truck - truck ?loc - place)
    :precondition (and (at ?truck ?loc) (in ?pkg ?truck))
    :effect (and (not (in ?pkg ?truck)) (at ?pkg ?loc)))
  (:action unload-airplane
    :parameters (?pkg - package ?airplane - airplane ?loc - place)
    :precondition (and (in ?pkg ?airplane) (at ?airplane ?loc))
    :effect (and (not (in ?pkg ?airplane)) (at ?pkg ?loc)))
  (:action drive-truck
    :parameters (?truck - truck ?loc-from - place ?loc-to - place ?city - city)
    :precondition (and (at ?truck ?loc-from) (in-city ?loc-from ?city) (in-city ?loc-to ?city))
    :effect (and (not (at ?truck ?loc-from)) (at ?truck ?loc-to)))
  (:action fly-airplane
    :parameters (?airplane - airplane ?loc-from - airport ?loc-to - airport)
    :precondition (at ?airplane ?loc-from)
    :effect (and (not (at ?airplane ?loc-from)) (at ?airplane ?loc-to))))
"""

COLOURS = ("red", "green", "blue", "yellow", "orange", "purple", "white", "black")

# Sizes of the benchmark suite per domain (the issue: 4..40 blocks, 2..60 balls).
DEFAULT_SIZES: dict[str, tuple[int, ...]] = {
    "blocksworld": (4, 6, 8, 10, 15, 20, 25, 30, 40),
    "gripper": (2, 5, 10, 20, 30, 40, 60),
    "logistics": (2, 3, 4, 5, 6, 8),
    "tabletop": (4, 8, 12, 16, 20, 30),
}
QUICK_SIZES: dict[str, tuple[int, ...]] = {
    "blocksworld": (4, 5),
    "gripper": (2, 3),
    "logistics": (2,),
    "tabletop": (4, 5),
}


def _rng(domain: str, size: int, seed: int) -> random.Random:
    # str seeds are hashed with SHA-512, independent of PYTHONHASHSEED.
    return random.Random(f"{domain}/{size}/{seed}")


def _check_size(size: int, least: int, what: str) -> None:
    if not isinstance(size, int) or size < least:
        raise ValueError(f"{what} needs size >= {least}, got {size!r}")


def random_towers(names: list[str], rng: random.Random) -> list[list[str]]:
    """Split ``names`` into towers (bottom first) at random; every block is in one tower."""
    order = list(names)
    rng.shuffle(order)
    towers: list[list[str]] = [[order[0]]]
    for name in order[1:]:
        # Start a new tower with probability ~1/3 so towers of several blocks are common.
        if rng.random() < 1 / 3:
            towers.append([name])
        else:
            towers[rng.randrange(len(towers))].append(name)
    return towers


def _tower_atoms(towers: list[list[str]], on: str, table: str) -> list[str]:
    atoms = []
    for tower in towers:
        atoms.append(f"({table} {tower[0]})")
        atoms.extend(f"({on} {upper} {lower})" for lower, upper in zip(tower, tower[1:]))
    return atoms


def _blocks_problem(domain: str, problem: str, names: list[str], rng: random.Random,
                    on: str, table: str, hand: str, typed: str) -> str:
    start = random_towers(names, rng)
    goal = random_towers(names, rng)
    while {tuple(t) for t in goal} == {tuple(t) for t in start}:  # goal must not hold at start
        goal = random_towers(names, rng)
    init = _tower_atoms(start, on, table) + [f"(clear {t[-1]})" for t in start] + [f"({hand})"]
    # Goal: the "on" relations of the goal towers (IPC style), plus "on the table" for
    # bottoms of towers so single-block towers are part of the goal too.
    goal_atoms = _tower_atoms(goal, on, table)
    objects = " ".join(names) + typed
    return _problem_text(problem, domain, objects, init, goal_atoms)


def _problem_text(name: str, domain: str, objects: str, init: Iterable[str],
                  goal: Iterable[str]) -> str:
    init_text = "\n    ".join(init)
    goal_text = "\n      ".join(goal)
    return (f"(define (problem {name})\n  (:domain {domain})\n  (:objects {objects})\n"
            f"  (:init\n    {init_text})\n  (:goal (and\n      {goal_text})))\n")


def blocksworld(n: int, seed: int = 0) -> tuple[str, str]:
    """``n`` blocks ``b1..bn`` in random towers, to be rebuilt into random goal towers."""
    _check_size(n, 2, "blocksworld")
    names = [f"b{i}" for i in range(1, n + 1)]
    problem = _blocks_problem("blocksworld", f"blocksworld-{n}-s{seed}", names,
                              _rng("blocksworld", n, seed), "on", "ontable", "handempty", "")
    return BLOCKSWORLD_DOMAIN, problem


def gripper(n: int, seed: int = 0) -> tuple[str, str]:
    """``n`` balls in random rooms (of two); each must end in the other room."""
    _check_size(n, 1, "gripper")
    rng = _rng("gripper", n, seed)
    rooms = ("rooma", "roomb")
    balls = [f"ball{i}" for i in range(1, n + 1)]
    starts = [rng.randrange(2) for _ in balls]
    init = [f"(at-robby {rooms[rng.randrange(2)]})", "(free left)", "(free right)"]
    init += [f"(at {b} {rooms[s]})" for b, s in zip(balls, starts)]
    goal = [f"(at {b} {rooms[1 - s]})" for b, s in zip(balls, starts)]
    objects = f"rooma roomb - room {' '.join(balls)} - ball left right - gripper"
    return GRIPPER_DOMAIN, _problem_text(f"gripper-{n}-s{seed}", "gripper", objects, init, goal)


def logistics(n: int, seed: int = 0) -> tuple[str, str]:
    """``n`` cities with 2 locations each (one airport), ``2n`` packages to deliver."""
    _check_size(n, 1, "logistics")
    rng = _rng("logistics", n, seed)
    cities = [f"city{i}" for i in range(1, n + 1)]
    airports = [f"apt{i}" for i in range(1, n + 1)]
    locations = [f"pos{i}" for i in range(1, n + 1)]
    trucks = [f"truck{i}" for i in range(1, n + 1)]
    planes = [f"plane{i}" for i in range(1, (n + 1) // 2 + 1)]
    packages = [f"obj{i}" for i in range(1, 2 * n + 1)]
    places = airports + locations
    init = [f"(in-city {apt} {c})" for apt, c in zip(airports, cities)]
    init += [f"(in-city {loc} {c})" for loc, c in zip(locations, cities)]
    init += [f"(at {t} {rng.choice((apt, loc))})"
             for t, apt, loc in zip(trucks, airports, locations)]
    init += [f"(at {p} {rng.choice(airports)})" for p in planes]
    goal = []
    for pkg in packages:
        start = rng.choice(places)
        end = rng.choice([p for p in places if p != start])
        init.append(f"(at {pkg} {start})")
        goal.append(f"(at {pkg} {end})")
    objects = (f"{' '.join(cities)} - city {' '.join(airports)} - airport "
               f"{' '.join(locations)} - location {' '.join(trucks)} - truck "
               f"{' '.join(planes)} - airplane {' '.join(packages)} - package")
    return LOGISTICS_DOMAIN, _problem_text(f"logistics-{n}-s{seed}", "logistics", objects,
                                           init, goal)


def tabletop_domain_text() -> str:
    """The bundled tabletop domain (``domains/tabletop/domain.pddl``)."""
    # planner/ and domains/ are siblings both in the source tree and once installed
    # as vlaplan/planner and vlaplan/domains; reading the file imports nothing.
    path = Path(__file__).resolve().parent.parent / "domains" / "tabletop" / "domain.pddl"
    return path.read_text()


def coloured_names(n: int, rng: random.Random) -> list[str]:
    """``n`` block names ``<colour>_<k>`` with random colours, ``k`` counting per colour."""
    counts: dict[str, int] = {}
    names = []
    for _ in range(n):
        colour = rng.choice(COLOURS)
        counts[colour] = counts.get(colour, 0) + 1
        names.append(f"{colour}_{counts[colour]}")
    return names


def tabletop(n: int, seed: int = 0) -> tuple[str, str]:
    """``n`` coloured blocks (``red_1``, ``blue_2``...) from random towers to goal towers."""
    _check_size(n, 2, "tabletop")
    rng = _rng("tabletop", n, seed)
    names = coloured_names(n, rng)
    problem = _blocks_problem("tabletop", f"tabletop-{n}-s{seed}", names, rng,
                              "on", "on-table", "hand-empty", " - block")
    return tabletop_domain_text(), problem


GENERATORS: dict[str, Callable[[int, int], tuple[str, str]]] = {
    "blocksworld": blocksworld,
    "gripper": gripper,
    "logistics": logistics,
    "tabletop": tabletop,
}


def generate(domain_name: str, size: int, seed: int = 0) -> tuple[str, str]:
    """``(domain_text, problem_text)`` of the named generator at ``size``."""
    try:
        generator = GENERATORS[domain_name]
    except KeyError:
        raise ValueError(f"unknown benchmark domain {domain_name!r}; "
                         f"known: {', '.join(GENERATORS)}") from None
    return generator(size, seed)


def count_objects(domain_name: str, size: int) -> int:
    """Number of objects in a problem of ``domain_name`` at ``size``."""
    if domain_name == "gripper":
        return size + 4  # balls, two rooms, two grippers
    if domain_name == "logistics":
        return 6 * size + (size + 1) // 2  # city, 2 places, truck, 2 packages each; planes
    if domain_name in GENERATORS:
        return size
    raise ValueError(f"unknown benchmark domain {domain_name!r}")


@dataclass(frozen=True)
class SuiteProblem:
    """One generated problem written to disk."""

    domain: str
    size: int
    seed: int
    objects: int
    domain_file: Path
    problem_file: Path


def write_suite(out_dir: str | Path, sizes: dict[str, Iterable[int]] | None = None,
                seeds: Iterable[int] = (0,)) -> list[SuiteProblem]:
    """Write ``<out>/<domain>/domain.pddl`` and ``p<size>-s<seed>.pddl`` files.

    ``sizes`` maps domain names to sizes (default :data:`DEFAULT_SIZES`).
    Returns the problems in domain, size, seed order.
    """
    out = Path(out_dir)
    written = []
    for name, domain_sizes in (DEFAULT_SIZES if sizes is None else sizes).items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        domain_file = folder / "domain.pddl"
        for size in domain_sizes:
            for seed in seeds:
                domain_text, problem_text = generate(name, size, seed)
                if not domain_file.exists() or domain_file.read_text() != domain_text:
                    domain_file.write_text(domain_text)
                problem_file = folder / f"p{size:03d}-s{seed}.pddl"
                problem_file.write_text(problem_text)
                written.append(SuiteProblem(name, size, seed, count_objects(name, size),
                                            domain_file, problem_file))
    return written
