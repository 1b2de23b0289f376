"""The benchmark problem generators: deterministic, well-formed, parseable, solvable."""
from __future__ import annotations

import re

import pytest
from pddlpy import DomainProblem

from vlaplan.planner import generators as gen

SMALL = [(d, s) for d, sizes in gen.QUICK_SIZES.items() for s in sizes]
LARGEST = [(d, sizes[-1]) for d, sizes in gen.DEFAULT_SIZES.items()]
TABLE = {"blocksworld": ("on", "ontable", "handempty"),
         "tabletop": ("on", "on-table", "hand-empty")}


def _parse(tmp_path, domain_text: str, problem_text: str, capfd) -> DomainProblem:
    (tmp_path / "d.pddl").write_text(domain_text)
    (tmp_path / "p.pddl").write_text(problem_text)
    dp = DomainProblem(str(tmp_path / "d.pddl"), str(tmp_path / "p.pddl"))
    # pddlpy reports syntax errors on stderr instead of raising.
    assert capfd.readouterr().err == ""
    return dp


def _atoms(items) -> set[tuple[str, ...]]:
    return {tuple(a.predicate) if hasattr(a, "predicate") else tuple(a) for a in items}


def _towers(atoms: set[tuple[str, ...]], blocks: set[str], on: str, table: str) -> list[list[str]]:
    """Rebuild towers from on/table atoms, asserting every block has exactly one support."""
    below = {a[1]: a[2] for a in atoms if a[0] == on}
    bottoms = {a[1] for a in atoms if a[0] == table}
    assert set(below) | bottoms == blocks and not set(below) & bottoms
    above = {v: k for k, v in below.items()}
    assert len(above) == len(below), "two blocks on one block"
    towers = []
    for bottom in sorted(bottoms):
        tower = [bottom]
        while tower[-1] in above:
            tower.append(above[tower[-1]])
        towers.append(tower)
    assert sum(map(len, towers)) == len(blocks), "a cycle of 'on' atoms"
    return towers


@pytest.mark.parametrize("domain,size", SMALL + LARGEST)
def test_generated_problem_parses_with_pddlpy(domain, size, tmp_path, capfd):
    domain_text, problem_text = gen.generate(domain, size, seed=3)
    dp = _parse(tmp_path, domain_text, problem_text, capfd)
    objects = dp.worldobjects()
    assert len(objects) == gen.count_objects(domain, size)
    init, goal = _atoms(dp.initialstate()), _atoms(dp.goals())
    assert goal and not goal <= init, "the goal must not hold initially"
    if domain in TABLE:
        on, table, hand = TABLE[domain]
        blocks = set(objects)
        towers = _towers(init, blocks, on, table)
        assert {a[1] for a in init if a[0] == "clear"} == {t[-1] for t in towers}
        assert (hand,) in init
        _towers(goal, blocks, on, table)  # the goal describes complete towers too
    elif domain == "gripper":
        balls = {o for o, t in objects.items() if t == "ball"}
        assert len(balls) == size
        start = {a[1]: a[2] for a in init if a[0] == "at"}
        end = {a[1]: a[2] for a in goal if a[0] == "at"}
        assert set(start) == set(end) == balls and all(start[b] != end[b] for b in balls)
    else:
        packages = {o for o, t in objects.items() if t == "package"}
        assert len(packages) == 2 * size
        assert {a[1] for a in goal} == packages


@pytest.mark.parametrize("domain", list(gen.GENERATORS))
def test_same_seed_same_text_other_seed_other_problem(domain):
    assert gen.generate(domain, 6, 1) == gen.generate(domain, 6, 1)
    others = {gen.generate(domain, 6, seed)[1].split("\n", 2)[2] for seed in range(4)}
    assert len(others) > 1


def test_tabletop_uses_the_bundled_domain_and_coloured_names():
    domain_text, problem_text = gen.tabletop(12, seed=0)
    assert domain_text == gen.tabletop_domain_text()
    assert "(define (domain tabletop)" in domain_text
    names = re.search(r"\(:objects (.*?) - block\)", problem_text).group(1).split()
    assert len(names) == 12
    per_colour: dict[str, list[int]] = {}
    for name in names:
        colour, number = name.rsplit("_", 1)
        assert colour in gen.COLOURS
        per_colour.setdefault(colour, []).append(int(number))
    for numbers in per_colour.values():
        assert numbers == list(range(1, len(numbers) + 1))


def test_logistics_grows_in_every_kind_of_object():
    def kinds(size):
        text = gen.logistics(size, 0)[1]
        return {t: len(re.findall(rf"\b{t}\d+\b", text.split("(:init")[0]))
                for t in ("city", "truck", "plane", "obj", "apt", "pos")}
    small, large = kinds(2), kinds(6)
    assert all(large[k] > small[k] for k in small)


def test_write_suite_writes_domain_and_problems(tmp_path):
    suite = gen.write_suite(tmp_path, {"gripper": (2, 4), "tabletop": (4,)}, seeds=(0, 1))
    assert [(p.domain, p.size, p.seed) for p in suite] == [
        ("gripper", 2, 0), ("gripper", 2, 1), ("gripper", 4, 0), ("gripper", 4, 1),
        ("tabletop", 4, 0), ("tabletop", 4, 1)]
    for p in suite:
        assert p.problem_file.read_text() == gen.generate(p.domain, p.size, p.seed)[1]
        assert p.domain_file.read_text() == gen.generate(p.domain, p.size, p.seed)[0]


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="unknown benchmark domain"):
        gen.generate("sokoban", 4)
    with pytest.raises(ValueError, match="size"):
        gen.blocksworld(1)


@pytest.mark.parametrize("domain,size", SMALL + [("blocksworld", 8), ("gripper", 6),
                                                 ("logistics", 3), ("tabletop", 8)])
def test_our_loader_reads_it_and_our_planner_solves_it(domain, size):
    from vlaplan.planner import parse_domain, parse_problem, solve, validate
    domain_text, problem_text = gen.generate(domain, size, seed=1)
    dom = parse_domain(domain_text)
    prob = parse_problem(problem_text, dom)
    assert len(prob.objects) == gen.count_objects(domain, size)
    result = solve(dom, prob, search="gbfs-ff", timeout=30)
    assert result.status.name == "SOLVED"
    assert validate(dom, prob, result.plan) == []
    assert validate(dom, prob, list(result.plan)[:-1]) != []  # the goal needs the last step


@pytest.mark.parametrize("domain", list(gen.GENERATORS))
def test_largest_size_loads_with_our_loader(domain):
    from vlaplan.planner import parse_domain, parse_problem
    size = gen.DEFAULT_SIZES[domain][-1]
    domain_text, problem_text = gen.generate(domain, size, seed=0)
    assert len(parse_problem(problem_text, parse_domain(domain_text)).objects) == \
        gen.count_objects(domain, size)
