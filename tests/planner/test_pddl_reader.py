"""Our PDDL reader against the pddlpy reference path: the same Domain and Problem.

The loader reads with our reader (``parser="fast"``, the default) and hands anything the
reader does not take to pddlpy (``parser="pddlpy"``).  These tests check that whenever
the reader takes a text its result equals the reference's, field by field (dict order
included), on every bundled PDDL file, generator output and fuzz mutants; and that the
loader gives the reference's result or the reference's error on everything else.
"""
import random

import pytest

from planner_oracle import DATA, ROOT
from test_pddl_fuzz import mutate
from vlaplan.planner.errors import PDDLSemanticError, UnsupportedFeature, VlaplanError
from vlaplan.planner.generators import GENERATORS, generate
from vlaplan.planner.loader import parse_domain, parse_problem
from vlaplan.planner.reader import NotTaken, read_domain, read_problem

DOMAINS = sorted(ROOT.glob("domains/*/domain.pddl")) + sorted(ROOT.glob("examples/**/*.pddl"))
PAIRS = [(p.parent.parent / "domain.pddl", p) for p in sorted(ROOT.glob("domains/*/problems/*.pddl"))]
PAIRS += [(DATA / "protocol_domain.pddl", DATA / f"{n}_p01.pddl")
          for n in ("philosophers", "optical")]
PAIRS += [(DATA / f"{n}_domain.pddl", p) for n in
          ("logistics", "briefcase", "switches", "roads", "gripper", "derived_blocks", "psr")
          for p in sorted(DATA.glob(f"{n}_*.pddl")) if not p.name.endswith("_domain.pddl")]


def dkey(d):
    return (d.name, d.requirements, list(d.types.items()), list(d.constants.items()),
            list(d.predicates.items()), list(d.functions.items()), list(d.actions.items()), d.file,
            d.derived)


def pkey(p):
    return (p.name, p.domain_name, list(p.objects.items()), p.init,
            list(p.numeric_init.items()), p.goal, p.metric, p.file)


def outcome(fn, *args, **kw):
    """('ok', key) or ('error', type, message)."""
    try:
        result = fn(*args, **kw)
    except VlaplanError as exc:
        return ("error", type(exc).__name__, str(exc))
    return ("ok", dkey(result) if hasattr(result, "actions") else pkey(result))


def taken_domain(text, file="<string>"):
    """The reader's domain, or None when it steps aside; if taken, equal to the reference."""
    try:
        mine = read_domain(text, file)
    except NotTaken:
        return None
    assert outcome(parse_domain, text, file, parser="pddlpy") == ("ok", dkey(mine)), text
    return mine


def taken_problem(text, domain, file="<string>"):
    try:
        mine = read_problem(text, domain, file)
    except NotTaken:
        return None
    assert outcome(parse_problem, text, domain, file, parser="pddlpy") == ("ok", pkey(mine)), text
    return mine


def test_reader_takes_every_bundled_file_and_agrees():
    for path in DOMAINS + sorted({d for d, _ in PAIRS}):
        assert taken_domain(path.read_text(), str(path)) is not None, path
    for dpath, ppath in PAIRS:
        domain = parse_domain(dpath.read_text(), str(dpath), parser="pddlpy")
        assert taken_problem(ppath.read_text(), domain, str(ppath)) is not None, ppath


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_reader_takes_generator_output_and_agrees(name):
    for size in (2, 3, 5, 8, 13):
        for seed in (0, 1):
            dtext, ptext = generate(name, size, seed)
            domain = taken_domain(dtext)
            assert domain is not None
            assert taken_problem(ptext, domain) is not None, (name, size, seed)


def _mutants(n: int):
    files = [(d, None) for d in sorted({d for d, _ in PAIRS})] + PAIRS
    for seed in range(n):
        rng = random.Random(1000 + seed)
        dpath, ppath = files[seed % len(files)]
        target = dpath if ppath is None else ppath
        desc, data = mutate(target.read_bytes(), rng)
        yield dpath, ppath, desc, data


def test_mutants_give_the_reference_answer():
    """On 400 mutants: when the reader takes one, the reference gives the same result;
    the loader's default path always gives the reference's result or error."""
    taken = stepped_aside = 0
    for dpath, ppath, desc, data in _mutants(400):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if ppath is None:
            got = taken_domain(text, str(dpath))
            assert outcome(parse_domain, text, str(dpath)) == \
                outcome(parse_domain, text, str(dpath), parser="pddlpy"), desc
        else:
            domain = parse_domain(dpath.read_text(), str(dpath))
            got = taken_problem(text, domain, str(ppath))
            assert outcome(parse_problem, text, domain, str(ppath)) == \
                outcome(parse_problem, text, domain, str(ppath), parser="pddlpy"), desc
        taken += got is not None
        stepped_aside += got is None
    assert taken > 20 and stepped_aside > 200, (taken, stepped_aside)


DOMAIN = """; edge cases of the grammar
(DEFINE (DOMAIN Edge)
  (:requirements :typing :equality :adl :action-costs)
  (:types b c - a  d)
  (:constants k - b over - d)
  (:predicates (at ?x - a ?y) (p ?x - (either b d)) (q) (r ?x ?y))
  (:functions (total-cost) (w ?x - a) - number (u))
  (:action one :parameters (?x - b ?y)
    :precondition (and (= ?x k) (not (= ?y ?x)) (imply (q) (at ?x ?y))
                       (forall (?z - b ?v - (either b d) ?w) (or (r ?z ?w) (p ?v)))
                       (exists () (q)))
    :effect (and (when (and (q) (p ?x)) (and (not (q)) (r ?x ?y)))
                 (forall (?z - d) (when (p ?z) (r ?z ?x)))
                 (increase (total-cost) (w ?x)) (increase total-cost 2.5)))
  (:action two :parameters () :precondition () :effect ())
  (:action three :parameters (?x) :effect (q)))
"""
PROBLEM = """(define (problem e1) (:domain EDGE)
  (:objects b1 b2 - b d1 - d x)
  (:init (at b1 x) (not (q)) (= (w b1) 3) (= u 1) (= (total-cost) 0) (p over))
  (:goal (and (r b1 x) (not (at b2 x)) (= b1 b1)))
  (:metric minimize total-cost))
"""


def test_grammar_edge_cases_agree():
    domain = taken_domain(DOMAIN)
    assert domain is not None
    assert set(domain.actions) == {"one", "two", "three"} and domain.name == "edge"
    assert taken_problem(PROBLEM, domain) is not None
    # Each of these variants is refused by pddlpy; the reader must step aside.
    for old, new in [("(:types b c - a  d)", "(:types b - (either a d))"),
                     ("(q) (r ?x ?y)", "(q) (r ?x ?y) (always)"),
                     (":precondition ()", ":precondition (and (> (u) 1))"),
                     ("(increase total-cost 2.5)", "(decrease total-cost 2.5)"),
                     ("(:constants k - b over - d)", "(:constants k - b over - d) (:types e)"),
                     ("(when (and (q) (p ?x)) (and", "(when (q) (and (and (q))")]:
        assert old in DOMAIN
        assert taken_domain(DOMAIN.replace(old, new)) is None, new
    # 'start', 'end' and 'all' are keywords only after 'at' / 'over': names elsewhere
    assert taken_domain(DOMAIN.replace("(q) (r ?x ?y)", "(q) (r ?x ?y) (end)")) is not None
    for old, new in [("(p over)", "(at 5 (q))"), ("(not (q))", "(not (q) (q))"),
                     ("minimize total-cost", "minimize (+ (total-cost) 1)"), ("x)\n", "x - (either b d))\n")]:
        assert old in PROBLEM
        assert taken_problem(PROBLEM.replace(old, new), domain) is None, new


def test_negative_initial_literals():
    domain = parse_domain(DOMAIN)
    ok = PROBLEM.replace("(not (q))", "(not (q)) (not (at b2 x))")
    assert (domain, ok) and parse_problem(ok, domain).init == parse_problem(PROBLEM, domain).init
    for parser in ("fast", "pddlpy"):
        bad = PROBLEM.replace("(not (q))", "(not (at b1 x))")
        with pytest.raises(PDDLSemanticError, match=r"both \(at b1 x\) and \(not \(at b1 x\)\)"):
            parse_problem(bad, domain, "p.pddl", parser=parser)
        with pytest.raises(PDDLSemanticError, match="undefined predicate 'nope'"):
            parse_problem(PROBLEM.replace("(not (q))", "(not (nope))"), domain, parser=parser)
        with pytest.raises(UnsupportedFeature, match="timed initial literals"):
            parse_problem(PROBLEM.replace("(p over)", "(at 5 (q))"), domain, parser=parser)


def test_unknown_parser_is_refused():
    with pytest.raises(ValueError, match="unknown parser"):
        parse_domain(DOMAIN, parser="antlr")
