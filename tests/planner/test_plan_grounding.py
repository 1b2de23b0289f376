"""Grounding: the same applicable actions and successors as the lifted semantics,
relaxed-reachability pruning, and static predicates compiled away."""
import random

import pytest

from planner_oracle import ROOT, SOLVABLE, lifted_successors, load
from vlaplan.planner import Atom, ground, load_domain, parse_problem
from vlaplan.planner.formulas import And, Eq, Not, Or, Pred, bindings, substitute, walk
from vlaplan.planner.grounding import GOAL_ACTION
from vlaplan.planner.model import objects_by_type

CASES = SOLVABLE + [("gripper_domain.pddl", "gripper_unsolvable.pddl"),
                    ("briefcase_domain.pddl", "briefcase_unsolvable.pddl")]


@pytest.mark.parametrize("domain_file,problem_file", CASES)
def test_ground_task_matches_lifted_semantics_along_random_walks(domain_file, problem_file):
    domain, problem = load(domain_file, problem_file)
    task = ground(domain, problem)
    static = frozenset(problem.init) - task.atoms(task.init)
    assert not any(a in task.fact_id for a in static)
    rng = random.Random(problem_file)
    for _walk in range(3):
        state, lifted_state = task.init, frozenset(problem.init)
        for _step in range(12):
            assert task.atoms(state) | static == lifted_state
            lifted = {step: nxt for step, nxt, _ in lifted_successors(domain, problem, lifted_state)}
            ours = {}
            for a in task.applicable(state):
                if task.aux[a]:
                    continue
                act = task.actions[a]
                ours.setdefault((act.name, act.args), set()).add(task.successor(state, a))
            assert set(ours) == set(lifted)
            for step, succs in ours.items():
                assert {task.atoms(s) | static for s in succs} == {lifted[step]}
            if not ours:
                break
            step = rng.choice(sorted(ours))
            state, lifted_state = next(iter(ours[step])), lifted[step]


def _relaxed_reachable_actions(domain, problem):
    """Naive relaxed reachability over every typed tuple (conjunctive STRIPS domains only)."""
    objects_of = objects_by_type(domain, problem)
    changed = {p for a in domain.actions.values() for p in _effect_preds(a.effect)}
    reached = set(problem.init)
    found = set()
    while True:
        new = set()
        for action in domain.actions.values():
            for b in bindings(action.params, objects_of):
                pre = substitute(action.precondition, b)
                parts = pre.parts if isinstance(pre, And) else (pre,)
                ok = True
                for lit in parts:
                    if isinstance(lit, Pred):
                        ok = Atom(lit.predicate, lit.args) in reached
                    elif isinstance(lit, Not) and isinstance(lit.part, Pred):
                        atom = Atom(lit.part.predicate, lit.part.args)
                        ok = lit.part.predicate in changed or atom not in problem.init
                    elif isinstance(lit, Not) and isinstance(lit.part, Eq):
                        ok = lit.part.left != lit.part.right
                    elif isinstance(lit, Eq):
                        ok = lit.left == lit.right
                    if not ok:
                        break
                if ok:
                    found.add((action.name, tuple(b[p.name] for p in action.params)))
                    eff = substitute(action.effect, b)
                    for e in (eff.parts if isinstance(eff, And) else (eff,)):
                        if isinstance(e, Pred):
                            new.add(Atom(e.predicate, e.args))
        if new <= reached:
            return found
        reached |= new


def _effect_preds(effect):
    return {n.predicate for n in walk(effect) if isinstance(n, Pred)}


@pytest.mark.parametrize("domain_file,problem_file", [
    ("logistics_domain.pddl", "logistics_p1.pddl"), ("logistics_domain.pddl", "logistics_p2.pddl"),
    ("gripper_domain.pddl", "gripper_p1.pddl"), ("gripper_domain.pddl", "gripper_unsolvable.pddl"),
])
def test_exactly_the_relaxed_reachable_actions_are_instantiated(domain_file, problem_file):
    domain, problem = load(domain_file, problem_file)
    task = ground(domain, problem)
    ours = {(a.name, a.args) for a in task.actions if a.name != GOAL_ACTION}
    assert ours == _relaxed_reachable_actions(domain, problem)


def test_static_predicates_are_compiled_away():
    domain, problem = load("gripper_domain.pddl", "gripper_p1.pddl")
    task = ground(domain, problem)
    assert {f.predicate for f in task.facts} == {"at-robby", "at", "free", "carry"}
    picks = [a for a in task.actions if a.name == "pick"]
    assert len(picks) == 3 * 2 * 2  # balls x rooms x grippers, nothing else
    assert all(p.predicate not in ("ball", "room", "gripper") for a in picks for p in a.pre)


def test_types_and_reachability_prune_instances():
    domain, problem = load("logistics_domain.pddl", "logistics_p1.pddl")
    task = ground(domain, problem)
    flights = {a.args for a in task.actions if a.name == "fly-airplane"}
    assert flights == {("p1", x, y) for x in ("a1", "a2") for y in ("a1", "a2")}
    drives = {a.args for a in task.actions if a.name == "drive-truck"}
    assert all(("c1" in d) == (d[0] == "t1") for d in drives)  # trucks stay in their city
    loads = {a.args[1] for a in task.actions if a.name == "load"}
    assert loads == {"t1", "t2", "p1"}  # the either-typed parameter admits trucks and planes


def test_thirty_blocks_ground_without_enumerating_every_tuple():
    domain = load_domain(ROOT / "domains/tabletop/domain.pddl")
    names = [f"b{i}" for i in range(30)]
    text = (f"(define (problem b30) (:domain tabletop) (:objects {' '.join(names)} - block) "
            f"(:init (hand-empty) {' '.join(f'(on-table {n}) (clear {n})' for n in names)}) "
            f"(:goal (on b0 b1)))")
    task = ground(domain, parse_problem(text, domain))
    counts = {}
    for a in task.actions:
        counts[a.name] = counts.get(a.name, 0) + 1
    assert counts == {"pick": 30, "place": 30, "stack": 900, "unstack": 900}
    assert len(task.facts) == 1 + 3 * 30 + 900


def test_conditional_effects_are_grounded_per_object():
    domain, problem = load("briefcase_domain.pddl", "briefcase_p1.pddl")
    task = ground(domain, problem)
    move = next(a for a in task.actions if a.name == "move" and a.args == ("home", "office"))
    moved = {next(iter(c.add)).args[0] for c in move.conditional}
    assert moved == {"paycheck", "dictionary"}  # not the briefcase itself (equality pruned)
    assert all(c.pre == {Atom("in", (next(iter(c.add)).args[0],))} for c in move.conditional)


def test_disjunctive_goal_is_compiled_into_goal_actions():
    domain, problem = load("switches_domain.pddl", "switches_p2.pddl")
    # (dark r1) cannot be reached (no switch in r1): that disjunct is pruned
    task = ground(domain, problem)
    assert not any(task.aux) and task.goal
    second = And((Pred("on", ("s1",)), Not(Pred("at", ("r2",)))))
    either = problem.with_goal(Or((Pred("at", ("r2",)), second)))
    task = ground(domain, either)
    goal_actions = [a for a, aux in zip(task.actions, task.aux) if aux]
    assert len(goal_actions) == 2 and all(a.name == GOAL_ACTION for a in goal_actions)
    assert {a.pre_neg for a in goal_actions} == {frozenset(), frozenset({Atom("at", ("r2",))})}


GUARDED = """
(define (domain guarded)
  (:requirements :adl)
  (:types robot config loc)
  (:predicates (guards ?c - config ?l - loc) (guarded ?l - loc) (done ?c - config)
               (at ?r - robot ?l - loc) (seen ?l - loc))
  (:action guard
    :parameters (?r - robot ?l - loc)
    :precondition (at ?r ?l)
    :effect (guarded ?l))
  (:action finish
    :parameters (?c - config)
    :precondition (forall (?l - loc) (imply (guards ?c ?l) (guarded ?l)))
    :effect (and (done ?c)
                 (forall (?l - loc) (when (guards ?c ?l) (seen ?l))))))
"""


def _guarded_problem(domain, n):
    locs = " ".join(f"l{i}" for i in range(n))
    at = " ".join(f"(at r l{i})" for i in range(n))
    text = (f"(define (problem g) (:domain guarded) (:objects r - robot c1 c2 - config {locs} - loc) "
            f"(:init {at} (guards c1 l0) (guards c1 l3) (guards c2 l1)) (:goal (done c1)))")
    return parse_problem(text, domain)


def test_quantified_static_conditions_ground_parameter_first():
    """forall ?l: (guards ?c ?l) -> (guarded ?l) has 2^|loc| DNF disjuncts while ?c is open
    (Fast Downward compiles it into axioms); bound first, the static atoms decide it."""
    from vlaplan.planner import parse_domain
    from vlaplan.planner.normalize import MAX_DISJUNCTS
    domain = parse_domain(GUARDED)
    n = 12                                   # 2^12 > MAX_DISJUNCTS
    assert 2 ** n > MAX_DISJUNCTS
    task = ground(domain, _guarded_problem(domain, n))
    finish = {a.args: a for a in task.actions if a.name == "finish"}
    assert set(finish) == {("c1",), ("c2",)}
    assert finish[("c1",)].pre == {Atom("guarded", ("l0",)), Atom("guarded", ("l3",))}
    assert finish[("c2",)].pre == {Atom("guarded", ("l1",))}


def test_a_predicate_read_only_in_an_effect_condition_is_static():
    from vlaplan.planner import parse_domain
    from vlaplan.planner.grounding import _static_predicates
    from vlaplan.planner.normalize import flatten_effect
    domain = parse_domain(GUARDED)
    objects_of = objects_by_type(domain, _guarded_problem(domain, 4))
    effects = {a.name: flatten_effect(a.effect, objects_of) for a in domain.actions.values()}
    assert "guards" in _static_predicates(domain, effects)
    assert "seen" not in _static_predicates(domain, effects)
