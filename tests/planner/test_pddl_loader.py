"""Loading PDDL: the supported features, and bad input located by file and line."""
import pytest

from planner_oracle import DATA, ROOT
from vlaplan.planner import (
    And, Atom, Domain, Eq, Exists, Forall, FunctionTerm, Increase, Not, Or, PDDLSemanticError,
    PDDLSyntaxError, Pred, Problem, UnsupportedFeature, When, load_domain, load_problem,
    parse_domain, parse_problem,
)
from vlaplan.planner.errors import PDDLError, VlaplanError
from vlaplan.planner.formulas import walk

# ---------------------------------------------------------------- features


def test_bundled_domains_load():
    for name in ("tabletop", "kitchen", "sorting"):
        domain = load_domain(ROOT / "domains" / name / "domain.pddl")
        assert isinstance(domain, Domain) and domain.name == name
        assert "pick" in domain.actions and domain.predicates["holding"].arity == 1


def test_type_hierarchy_and_either():
    domain = load_domain(DATA / "logistics_domain.pddl")
    assert domain.types["truck"] == "vehicle" and domain.types["vehicle"] == "physobj"
    assert domain.types["airport"] == "place" and domain.types["city"] == "object"
    assert domain.is_subtype("airplane", "physobj") and not domain.is_subtype("city", "place")
    load = domain.actions["load"]
    assert [p.types for p in load.params] == [("package",), ("truck", "airplane"), ("place",)]
    assert domain.predicates["at"].params[0].types == ("physobj",)


def test_constants_negative_preconditions_equality_conditional_forall_effects():
    domain = load_domain(DATA / "briefcase_domain.pddl")
    assert domain.constants == {"briefcase": "portable"}
    move = domain.actions["move"]
    assert Not(Eq("?m", "?l")) in move.precondition.parts
    universal = [n for n in walk(move.effect) if isinstance(n, Forall)]
    assert len(universal) == 1 and isinstance(universal[0].body, When)
    when = universal[0].body
    assert Pred("in", ("?x",)) in when.condition.parts
    assert Not(Pred("at", ("?x", "?m"))) in when.effect.parts
    put_in = domain.actions["put-in"]
    assert Not(Pred("in", ("?x",))) in put_in.precondition.parts


def test_quantified_and_disjunctive_conditions():
    domain = load_domain(DATA / "switches_domain.pddl")
    pre = domain.actions["mark-dark"].precondition
    kinds = {type(n) for n in walk(pre)}
    assert {Forall, Exists, Or, Not} <= kinds  # imply arrives as (or (not a) b)
    assert any(isinstance(n, Or) for n in walk(domain.actions["move"].precondition))
    problem = load_problem(DATA / "switches_p1.pddl", domain)
    goal_kinds = {type(n) for n in walk(problem.goal)}
    assert {Forall, Exists, Or, Not} <= goal_kinds


def test_action_costs_fixed_and_function_valued():
    domain = load_domain(DATA / "roads_domain.pddl")
    assert set(domain.functions) == {"total-cost", "road-length"}
    drive_costs = [n for n in walk(domain.actions["drive"].effect) if isinstance(n, Increase)]
    assert drive_costs == [Increase(FunctionTerm("total-cost"),
                                    FunctionTerm("road-length", ("?a", "?b")))]
    tele = [n for n in walk(domain.actions["teleport"].effect) if isinstance(n, Increase)]
    assert tele[0].value == 10
    problem = load_problem(DATA / "roads_p1.pddl", domain)
    assert problem.numeric_init[FunctionTerm("road-length", ("a", "c"))] == 7
    assert problem.uses_costs and problem.metric[0] == "minimize"


def test_untyped_domain_and_problem():
    domain = load_domain(DATA / "gripper_domain.pddl")
    problem = load_problem(DATA / "gripper_p1.pddl", domain)
    assert domain.types == {} and set(problem.objects.values()) == {"object"}
    assert Atom("free", ("left",)) in problem.init
    assert [p.types for p in domain.actions["pick"].params] == [("object",)] * 3


def test_problem_contents_and_copies():
    domain = load_domain(ROOT / "domains/tabletop/domain.pddl")
    problem = load_problem(ROOT / "domains/tabletop/problems/tower3.pddl", domain)
    assert isinstance(problem, Problem) and problem.domain_name == "tabletop"
    assert problem.objects == {"red_1": "block", "green_1": "block", "blue_1": "block"}
    assert Atom("hand-empty") in problem.init and len(problem.init) == 7
    assert problem.goal == And((Pred("on", ("red_1", "green_1")), Pred("on", ("green_1", "blue_1"))))
    other = problem.with_state([("on-table", ("red_1",))])
    assert other.init == frozenset({Atom("on-table", ("red_1",))}) and other.goal == problem.goal
    assert problem.with_goal(Pred("hand-empty")).init == problem.init


def test_case_insensitive_and_string_source():
    text = """(DEFINE (DOMAIN Tiny) (:REQUIREMENTS :STRIPS)
      (:PREDICATES (Lit ?X))
      (:ACTION Light :PARAMETERS (?X) :PRECONDITION (NOT (Lit ?X)) :EFFECT (Lit ?X)))"""
    domain = parse_domain(text)
    assert domain.name == "tiny" and "light" in domain.actions
    assert domain.actions["light"].precondition == Not(Pred("lit", ("?x",)))
    assert domain.file == "<string>"


def test_pddlpy_prints_nothing(capfd):
    with pytest.raises(PDDLSyntaxError):
        parse_domain("(define (domain d) (:predicates (p)) (:action a :parameters ( :effect (p)))")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# ---------------------------------------------------------------- unsupported features

@pytest.mark.parametrize("text,feature", [
    ("(define (domain d) (:predicates (p)) (:durative-action a :parameters () "
     ":duration (= ?duration 1) :condition (at start (p)) :effect (at end (p))))",
     ":durative-action"),
    ("(define (domain d) (:predicates (p)) (:functions (f)) (:action a :parameters () "
     ":precondition (> (f) 1) :effect (p)))", "numeric"),
    ("(define (domain d) (:predicates (p)) (:functions (f)) (:action a :parameters () "
     ":precondition (p) :effect (increase (f) 1)))", "numeric"),
])
def test_unsupported_features_are_named(text, feature):
    with pytest.raises(UnsupportedFeature, match=feature):
        parse_domain(text, "d.pddl")


# ---------------------------------------------------------------- bad input

DOMAIN = """; line 1
(define (domain shop)
  (:requirements :strips :typing)
  (:types item place)
  (:constants store - place)
  (:predicates (at ?i - item ?p - place)
               (held ?i - item)
               (free))
  (:action take
    :parameters (?i - item ?p - place)
    :precondition (and (at ?i ?p) (free))
    :effect (and (held ?i) (not (at ?i ?p)) (not (free))))
  (:action drop
    :parameters (?i - item)
    :precondition (held ?i)
    :effect (and (at ?i store) (free) (not (held ?i)))))
"""

PROBLEM = """; line 1
(define (problem p1)
  (:domain shop)
  (:objects apple pear - item
            home - place)
  (:init (free) (at apple home)
         (at pear home))
  (:goal (and (at apple store)
              (at pear store))))
"""


def _err(exc_type, text, parse, line):
    with pytest.raises(exc_type) as info:
        parse(text)
    err = info.value
    assert err.file == "bad.pddl", err
    assert err.line == line, err
    assert str(err).startswith(f"bad.pddl:{line}")
    assert "\n" not in str(err)
    return err


def _dom(text):
    return parse_domain(text, "bad.pddl")


def _prob(text):
    return parse_problem(text, parse_domain(DOMAIN, "domain.pddl"), "bad.pddl")


def test_the_fixtures_are_valid():
    assert _prob(PROBLEM).objects["pear"] == "item"


@pytest.mark.parametrize("old,new,line,words", [
    ("(held ?i) (not (at ?i ?p))", "(hold ?i) (not (at ?i ?p))", 12, "undefined predicate 'hold'"),
    ("(and (at ?i ?p) (free))", "(and (at ?i) (free))", 11, "takes 2 arguments, not 1"),
    ("(?i - item)\n", "(?i - itme)\n", 14, "undefined type 'itme'"),
    ("(at ?i store)", "(at ?i market)", 16, "undeclared constant 'market'"),
    ("(held ?i)\n    :effect", "(held ?j)\n    :effect", 15, "undefined variable '?j'"),
    ("(:action drop", "(:action take", 13, "duplicate action 'take'"),
    ("(free))", "(at ?x - item))", 8, "duplicate predicate 'at'"),
    ("(?i - item ?p - place)", "(?i - item ?i - place)", 10, "duplicate parameter"),
    ("(:types item place)", "(:types item place - object shelf - item shelf - place)", 4,
     "type 'shelf' is declared under 'item' and 'place', which are unrelated"),
    ("(:constants store - place)", "(:constants store - shelf)", 5, "undefined type 'shelf'"),
])
def test_domain_semantic_errors(old, new, line, words):
    assert old in DOMAIN
    err = _err(PDDLSemanticError, DOMAIN.replace(old, new, 1), _dom, line)
    assert words in err.message


@pytest.mark.parametrize("old,new,line,words", [
    ("(at pear home))", "(at pear attic))", 7, "undeclared object 'attic'"),
    ("(at pear store))))", "(at plum store))))", 9, "undeclared object 'plum'"),
    ("(at apple store)", "(sold apple store)", 8, "undefined predicate 'sold'"),
    ("(at apple home)", "(at apple)", 6, "takes 2 arguments, not 1"),
    ("apple pear - item", "apple pear apple - item", 4, "duplicate object 'apple'"),
    ("(:domain shop)", "(:domain kitchen)", 3, "for domain 'kitchen', not 'shop'"),
    ("home - place", "home - room", 5, "undefined type 'room'"),
    ("(at pear home))", "(ripe pear))", 7, "undefined predicate 'ripe'"),
])
def test_problem_semantic_errors(old, new, line, words):
    assert old in PROBLEM
    err = _err(PDDLSemanticError, PROBLEM.replace(old, new, 1), _prob, line)
    assert words in err.message


@pytest.mark.parametrize("text,line", [
    (DOMAIN.rstrip()[:-2], None),                      # unbalanced: missing closing parens
    (DOMAIN.replace("(and (at ?i ?p) (free))", "(and (at ?i ?p) (free)"), None),
    (DOMAIN + ")", 17),                                 # one parenthesis too many
    (DOMAIN.replace(":precondition (held ?i)", ":precondtion (held ?i)"), 15),
    (DOMAIN.replace("(domain shop)", "(domain)"), 2),
])
def test_syntax_errors_carry_file_and_line(text, line):
    with pytest.raises(PDDLSyntaxError) as info:
        _dom(text)
    err = info.value
    assert err.file == "bad.pddl" and err.line is not None and err.column is not None
    if line is not None:
        assert err.line == line
    assert len(str(err).splitlines()) == 1


@pytest.mark.parametrize("text", ["", "   \n\n", "; only a comment\n"])
def test_empty_file(text):
    _err(PDDLSemanticError, text, _dom, 1)


def test_binary_garbage(tmp_path):
    path = tmp_path / "bad.pddl"
    path.write_bytes(b"(define (domain d)\n\x00\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(PDDLSemanticError, match="binary") as info:
        load_domain(path)
    assert info.value.line == 2 and info.value.file == str(path)
    _err(PDDLSemanticError, "(define\n(domain \x07 d))", _dom, 2)


def test_missing_file_is_our_error(tmp_path):
    with pytest.raises(PDDLError, match="cannot read"):
        load_domain(tmp_path / "nope.pddl")


def test_errors_name_the_users_file(tmp_path):
    path = tmp_path / "mine.pddl"
    path.write_text(DOMAIN.replace("(free))", "(free)"))
    with pytest.raises(VlaplanError) as info:
        load_domain(path)
    assert str(path) in str(info.value)


def test_lenient_declarations_that_ipc_domains_use():
    """IPC logistics declares (in ?obj ?obj); IPC storage lists type area under object and
    again under surface (itself an object): both load, the type taking the narrower parent."""
    text = DOMAIN.replace("(:types item place)",
                          "(:types item place area - object item area - place area - item)")
    text = text.replace("(held ?i - item)", "(held ?i - item) (near ?x ?x)")
    domain = _dom(text)
    assert domain.types["area"] == "item" and domain.types["item"] == "place"
    assert domain.predicates["near"].params[0].name == "?x"
    again = _dom(DOMAIN.replace("(:types item place)", "(:types item place item)"))
    assert again.types["item"] == "object"
