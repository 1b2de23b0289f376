"""PDDL 2.2 derived predicates: reading, checks, semantics, search, heuristics, validation.

Data: ``derived_blocks_*`` (hand-written: a recursive ``above``, ``covered`` read
negatively in preconditions, ``free`` one stratum above it); ``psr_*`` (IPC-4 psr-middle
domain with its p02 and psr-large's p01), ``protocol_domain.pddl`` with ``philosophers_p01``
and ``optical_p01`` (IPC-4 philosophers and optical-telegraphs share that domain file),
copied unchanged from the IPC benchmark collection.
"""
import random

import pytest

from planner_oracle import DATA, load, naive_closure, optimal_cost
from vlaplan.planner import Atom, PlanStatus, parse_domain, parse_problem, solve, validate
from vlaplan.planner.derived import closure
from vlaplan.planner.errors import PDDLSemanticError, PDDLSyntaxError
from vlaplan.planner.grounding import ground
from vlaplan.planner.heuristics import Relaxation
from vlaplan.planner.lmcut import LMCut
from vlaplan.planner.model import objects_by_type
from vlaplan.planner.reader import NotTaken, read_domain
from vlaplan.planner.task import Task

BLOCKS = [("derived_blocks_domain.pddl", "derived_blocks_p1.pddl"),
          ("derived_blocks_domain.pddl", "derived_blocks_p2.pddl")]
IPC = [("psr_domain.pddl", "psr_p02.pddl"), ("psr_domain.pddl", "psr_large_p01.pddl"),
       ("protocol_domain.pddl", "philosophers_p01.pddl"),
       ("protocol_domain.pddl", "optical_p01.pddl")]


def A(text):
    return Atom.parse(text)


# ---------------------------------------------------------------- reading

def test_rules_and_strata_are_read_the_same_by_both_front_ends():
    text = (DATA / "derived_blocks_domain.pddl").read_text()
    fast = read_domain(text, "d.pddl")
    reference = parse_domain(text, "d.pddl", parser="pddlpy")
    assert fast.derived == reference.derived and fast.actions == reference.actions
    assert [r.predicate for r in fast.derived] == ["covered", "free", "above", "above"]
    assert fast.derived_predicates == {"covered", "free", "above"}
    assert fast.strata == {"covered": 0, "above": 0, "free": 1}
    for name in ("psr_domain.pddl", "protocol_domain.pddl"):
        text = (DATA / name).read_text()
        assert read_domain(text, name).derived == parse_domain(text, name, parser="pddlpy").derived


HEAD = "(define (domain d) (:types t) (:predicates (p ?x - t) (q ?x - t) (r ?x - t))\n"


@pytest.mark.parametrize("rules,line,words", [
    ("(:derived (p ?x - t) (not (q ?x)))\n(:derived (q ?x - t) (p ?x))", 2,
     "not stratified: 'p' is defined through (not (q ...)), which depends on 'p' again"),
    ("(:derived (p ?x - t) (and (r ?x) (not (p ?x))))", 2, "'p' is defined through (not (p"),
    ("(:derived (s ?x - t) (q ?x))", 2, "derived predicate 's' is not declared in :predicates"),
    ("(:derived (p ?x - t ?y - t) (q ?x))", 2, "'p' takes 1 arguments, not 2"),
    ("(:derived (p ?x - u) (q ?x))", 2, "not within its declared type t"),
    ("(:derived (p ?x - v) (q ?x))", 2, "undefined type 'v' in the head of derived predicate"),
    ("(:derived (p ?x - t) (q ?y))", 2, "undefined variable '?y' in derived predicate 'p'"),
    ("(:derived (p ?x - t) (q ?x))\n(:action a :parameters (?x - t) :precondition (r ?x)\n"
     "  :effect (p ?x))", 4, "derived predicate 'p' in an effect of action 'a'"),
    ("(:action a :parameters (?x - t) :precondition (r ?x)\n"
     "  :effect (and (r ?x) (not (p ?x))))\n(:derived (p ?x - t) (q ?x))", 3,
     "derived predicate 'p' in an effect of action 'a'"),
])
def test_bad_rules_are_located_errors(rules, line, words):
    text = HEAD.replace("(:types t)", "(:types t u)") if "- u" in rules else HEAD
    with pytest.raises(PDDLSemanticError) as info:
        parse_domain(text + rules + ")", "bad.pddl")
    err = info.value
    assert (err.file, err.line) == ("bad.pddl", line), err
    assert words in err.message, err.message
    with pytest.raises(NotTaken):  # the fast reader steps aside, the reference reports
        read_domain(text + rules + ")", "bad.pddl")


@pytest.mark.parametrize("rules,line,column", [
    ("(:derived (p ?x - t))", 2, 21),
    ("(:derived (p ?x - t) (q ?x) (r ?x))", 2, 29),
    ("(:derived p (q ?x))", 2, 11),
])
def test_malformed_rules_are_syntax_errors(rules, line, column):
    with pytest.raises(PDDLSyntaxError) as info:
        parse_domain(HEAD + rules + ")", "bad.pddl")
    assert (info.value.line, info.value.column) == (line, column), info.value


def test_derived_atom_in_init_is_an_error():
    domain = parse_domain(HEAD + "(:derived (p ?x - t) (q ?x)))")
    text = "(define (problem x) (:domain d) (:objects o - t)\n (:init (q o) (p o)) (:goal (p o)))"
    with pytest.raises(PDDLSemanticError, match="derived predicate 'p' in :init") as info:
        parse_problem(text, domain, "p.pddl")
    assert info.value.line == 2
    ok = text.replace("(p o))", "(not (p o)))")  # closed world: a negative one says nothing
    assert parse_problem(ok, domain).init == {A("(q o)")}


def test_start_end_all_are_names_where_they_are_not_keywords():
    domain = parse_domain("(define (domain d) (:predicates (at ?x ?y) (near ?x)))")
    text = "(define (problem x) (:domain d) (:objects start end all)\n" \
           " (:init (near all) (near end)) (:goal (near start)))"
    fast = parse_problem(text, domain)
    reference = parse_problem(text, domain, parser="pddlpy")
    assert fast.init == reference.init == {A("(near all)"), A("(near end)")}
    # after 'at' they are the grammar's keywords: '(at start end)' does not parse
    with pytest.raises(PDDLSyntaxError) as info:
        parse_problem(text.replace("(near end)", "(at start end)"), domain)
    assert info.value.line == 2


# ---------------------------------------------------------------- semantics

def test_closure_is_the_stratified_fixpoint():
    domain, problem = load(*BLOCKS[0])
    objects_of = objects_by_type(domain, problem)
    tower = {A("(on a b)"), A("(on b c)"), A("(on c d)"), A("(ontable d)"), A("(above d a)")}
    state = closure(domain, tower, objects_of)
    derived = {a for a in state if a.predicate in domain.derived_predicates}
    assert derived == {A("(above a b)"), A("(above b c)"), A("(above c d)"), A("(above a c)"),
                       A("(above b d)"), A("(above a d)"), A("(covered b)"), A("(covered c)"),
                       A("(covered d)"), A("(free a)")}  # the given (above d a) is dropped
    assert state == naive_closure(domain, tower, objects_of)


@pytest.mark.parametrize("domain_file,problem_file", BLOCKS + IPC)
def test_ground_rules_agree_with_the_lifted_rules_along_random_walks(domain_file, problem_file):
    domain, problem = load(domain_file, problem_file)
    task = ground(domain, problem)
    objects_of = objects_by_type(domain, problem)
    rng = random.Random(7)
    static = problem.init - set(task.facts)
    state = task.init
    for _ in range(25):
        lifted = closure(domain, task.atoms(state) | static, objects_of)
        kept = {f for f in task.facts if f.predicate in domain.derived_predicates}
        assert task.atoms(state & task.derived) == lifted & kept
        if domain_file.startswith("derived_blocks"):
            assert lifted == naive_closure(domain, lifted, objects_of)
        choices = task.applicable(state)
        if not choices:
            break
        state = task.successor(state, rng.choice(choices))


def test_tasks_without_rules_keep_the_plain_successor():
    task = ground(*load("gripper_domain.pddl", "gripper_p1.pddl"))
    assert task.rules == [] and task.axioms is None and task.derived == 0
    assert task.successor.__func__ is Task.successor
    derived = ground(*load(*BLOCKS[0]))
    assert derived.successor.__func__ is Task._closed_successor


def test_only_rules_that_matter_are_grounded():
    # psr reads (upstream ?y ...) only for breakers ?y: other devices' upstream atoms go
    task = ground(*load("psr_domain.pddl", "psr_p02.pddl"))
    heads = {r.head for r in task.rules}
    assert heads and all(h.args[0] in ("cb1", "cb2") for h in heads if h.predicate == "upstream")


# ---------------------------------------------------------------- search and heuristics

@pytest.mark.parametrize("domain_file,problem_file", BLOCKS)
@pytest.mark.parametrize("search", ["gbfs-ff", "wastar", "wastar-hadd", "astar", "astar-hmax",
                                    "astar-blind"])
def test_every_search_solves_the_derived_blocks(domain_file, problem_file, search):
    domain, problem = load(domain_file, problem_file)
    result = solve(domain, problem, search)
    assert result.status is PlanStatus.SOLVED, result.message
    assert validate(domain, problem, result.plan) == []
    if search.startswith("astar"):
        assert result.plan.cost == optimal_cost(domain, problem) == 6


@pytest.mark.parametrize("domain_file,problem_file", BLOCKS + IPC[:1])
def test_lmcut_and_hmax_are_admissible(domain_file, problem_file):
    domain, problem = load(domain_file, problem_file)
    task = ground(domain, problem)
    optimum = solve(domain, problem, "astar-blind").plan.cost
    # hmax sees negated derived facts (complement facts), LM-cut only positive ones
    assert 0 < Relaxation(task).hmax(task.init) <= optimum
    assert 0 <= LMCut(task).value(task.init) <= optimum
    if domain_file.startswith("derived_blocks"):
        assert LMCut(task).value(task.init) >= 2
    assert solve(domain, problem, "astar-lmcut").plan.cost == optimum


@pytest.mark.parametrize("domain_file,problem_file", BLOCKS + IPC)
def test_rules_never_reach_plans_or_preferred_operators(domain_file, problem_file):
    task = ground(*load(domain_file, problem_file))
    relax = Relaxation(task)
    h, preferred, applicable = relax.ff_layered(task.init)
    assert 0 < h < float("inf")
    real = set(range(len(task.actions)))
    assert preferred <= real and set(relax.relaxed_plan()) <= real
    assert sorted(applicable) == task.applicable(task.init)  # negated derived ones filtered
    cost, preferred = relax.ff_cost(task.init)
    assert 0 < cost < float("inf") and preferred <= real


@pytest.mark.parametrize("domain_file,problem_file", IPC)
def test_ipc_domains_are_solved_and_the_plans_validate(domain_file, problem_file):
    domain, problem = load(domain_file, problem_file)
    result = solve(domain, problem, timeout=60)
    assert result.status is PlanStatus.SOLVED, result.message
    assert validate(domain, problem, result.plan) == []
    assert len(result.plan) >= 3  # none of them holds at the start


# ---------------------------------------------------------------- validation

def test_validator_reads_derived_facts():
    domain, problem = load(*BLOCKS[0])
    good = "(pick-up b)\n(stack b c)\n(unstack d a)\n(put-down d)\n(pick-up a)\n(stack a b)\n"
    assert validate(domain, problem, good) == []
    covered = "(pick-up a)\n"  # d stands on a
    assert validate(domain, problem, covered) == [
        "step 1 (pick-up a): precondition not satisfied: (not (covered a))"]
    onto_covered = "(pick-up b)\n(stack b a)\n"  # a is not free
    assert validate(domain, problem, onto_covered) == [
        "step 2 (stack b a): precondition not satisfied: (free a)"]
    short = "(unstack d a)\n(put-down d)\n(pick-up a)\n(stack a b)\n"
    assert validate(domain, problem, short) == ["goal not satisfied: (above b c)"]


def test_validator_reads_derived_goals_negated():
    domain, problem = load(*BLOCKS[1])
    through_b = "(unstack a b)\n(put-down a)\n(unstack b c)\n(stack b a)\n(pick-up c)\n(stack c b)\n"
    assert validate(domain, problem, through_b) == ["goal not satisfied: (not (covered b))"]


def test_cli_plans_and_validates_a_derived_domain(tmp_path, capsys):
    from vlaplan.cli import main

    domain, problem = (str(DATA / f) for f in BLOCKS[0])
    plan = tmp_path / "plan.txt"
    assert main(["plan", domain, problem, "--out", str(plan)]) == 0
    assert main(["validate", domain, problem, str(plan)]) == 0
    plan.write_text("(pick-up a)\n")
    capsys.readouterr()
    assert main(["validate", domain, problem, str(plan)]) == 1
    assert "(not (covered a))" in capsys.readouterr().out
