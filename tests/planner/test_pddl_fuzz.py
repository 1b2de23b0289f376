"""Fuzzing the loader and planner with mutants of the bundled PDDL files.

Every mutant must either plan correctly (the plan validates) or raise one of our errors,
never a raw exception; PDDL errors must name the file and a line.
"""
import random
import re
from pathlib import Path

import pytest

from vlaplan.planner import PlanStatus, load_domain, load_problem, solve, validate
from vlaplan.planner.errors import PDDLError, VlaplanError

ROOT = Path(__file__).resolve().parents[2]
PAIRS = [(p.parent.parent / "domain.pddl", p) for p in sorted(ROOT.glob("domains/*/problems/*.pddl"))]
DATA = Path(__file__).resolve().parent / "data"
# The feature test domains too (typing hierarchy, ADL, costs), for the ADL code paths.
ADL_PAIRS = [(DATA / f"{name}_domain.pddl", DATA / f"{name}_p1.pddl")
             for name in ("logistics", "briefcase", "switches", "roads", "gripper")]
TOKEN = re.compile(rb"\(|\)|[^\s()]+")
N_MUTANTS = 240  # of the bundled domains/*/domain.pddl and problems
N_ADL_MUTANTS = 100  # of the feature test domains


def _tokens(data: bytes) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in TOKEN.finditer(data)]


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One random mutation of ``data``; returns (description, mutant)."""
    toks = _tokens(data)
    kind = rng.choice(["delete-token", "duplicate-token", "delete-paren", "duplicate-paren",
                       "rename-symbol", "rename-one", "swap-tokens", "truncate", "garbage"])
    if kind in ("delete-paren", "duplicate-paren"):
        parens = [t for t in toks if data[t[0]:t[1]] in (b"(", b")")]
        s, e = rng.choice(parens)
        piece = b"" if kind == "delete-paren" else data[s:e] * 2
        return kind, data[:s] + piece + data[e:]
    if kind in ("delete-token", "duplicate-token"):
        s, e = rng.choice(toks)
        piece = b"" if kind == "delete-token" else data[s:e] + b" " + data[s:e]
        return kind, data[:s] + piece + data[e:]
    if kind in ("rename-symbol", "rename-one"):
        names = sorted({data[s:e] for s, e in toks if data[s:e] not in (b"(", b")")})
        old = rng.choice(names)
        new = rng.choice([b"zz" + old, old[:-1] or b"x", rng.choice(names), b"?q", b":and"])
        pattern = re.compile(rb"(?<![\w?:-])" + re.escape(old) + rb"(?![\w-])")
        count = 0 if kind == "rename-symbol" else 1
        return f"{kind} {old!r}->{new!r}", pattern.sub(new.replace(b"\\", b"\\\\"), data,
                                                     count=count)
    if kind == "swap-tokens":
        (s1, e1), (s2, e2) = sorted(rng.sample(toks, 2))
        return kind, data[:s1] + data[s2:e2] + data[e1:s2] + data[s1:e1] + data[e2:]
    if kind == "truncate":
        return kind, data[:rng.randrange(len(data))]
    pos = rng.randrange(len(data) + 1)
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return kind, data[:pos] + junk + data[pos:]


def _check_mutant(domain_path: Path, problem_path: Path) -> str:
    try:
        domain = load_domain(domain_path)
        problem = load_problem(problem_path, domain)
    except PDDLError as err:
        assert err.file in (str(domain_path), str(problem_path)), err
        assert err.line is not None and err.line >= 1, err
        assert len(str(err).splitlines()) <= 2
        return type(err).__name__
    except VlaplanError as err:
        return type(err).__name__
    result = solve(domain, problem, timeout=5, max_nodes=3000)
    if result.status is PlanStatus.SOLVED:
        assert validate(domain, problem, result.plan) == []
    else:
        assert result.status in (PlanStatus.UNSOLVABLE, PlanStatus.TIMEOUT,
                                 PlanStatus.INVALID_INPUT)
    return result.status.value


@pytest.mark.parametrize("seed", range(N_MUTANTS + N_ADL_MUTANTS))
def test_mutant_plans_correctly_or_raises_our_error(seed, tmp_path):
    rng = random.Random(seed)
    pairs = PAIRS if seed < N_MUTANTS else ADL_PAIRS
    domain_src, problem_src = pairs[seed % len(pairs)]
    files = {"domain": domain_src.read_bytes(), "problem": problem_src.read_bytes()}
    target = "domain" if rng.random() < 0.5 else "problem"
    what, files[target] = mutate(files[target], rng)
    domain_path = tmp_path / "domain.pddl"
    problem_path = tmp_path / "problem.pddl"
    domain_path.write_bytes(files["domain"])
    problem_path.write_bytes(files["problem"])
    try:
        _check_mutant(domain_path, problem_path)
    except VlaplanError:
        raise
    except AssertionError:
        raise
    except Exception as exc:  # any other exception is a bug in our boundary
        pytest.fail(f"{target} mutant ({what}) raised {type(exc).__name__}: {exc}")


def test_mutants_cover_both_outcomes(tmp_path):
    """The fuzzing is not vacuous: some mutants still plan, others are rejected."""
    outcomes = set()
    for seed in range(60):
        rng = random.Random(seed)
        domain_src, problem_src = PAIRS[seed % len(PAIRS)]
        files = {"domain": domain_src.read_bytes(), "problem": problem_src.read_bytes()}
        target = "domain" if rng.random() < 0.5 else "problem"
        _, files[target] = mutate(files[target], rng)
        (tmp_path / "d.pddl").write_bytes(files["domain"])
        (tmp_path / "p.pddl").write_bytes(files["problem"])
        try:
            outcomes.add(_check_mutant(tmp_path / "d.pddl", tmp_path / "p.pddl"))
        except VlaplanError as err:
            outcomes.add(type(err).__name__)
    assert "solved" in outcomes
    assert {"PDDLSyntaxError", "PDDLSemanticError"} <= outcomes
