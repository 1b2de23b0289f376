"""Our own PDDL reader: a recursive-descent front end for the subset we plan for.

It reads text into nested lists (parentheses) with :func:`vlaplan.planner.tokens.scan`,
then walks them along pddlpy's grammar, building the same :class:`Domain` and
:class:`Problem` as the pddlpy path (:mod:`vlaplan.planner.reference` +
:mod:`vlaplan.planner.convert`) with the same semantic checks.  It has no error messages
of its own: whatever it does not take - a syntax error, a semantic error, a feature it
does not know, anything unusual - raises :class:`NotTaken`, and the loader hands the text
to the pddlpy path, which accepts it or raises our located errors.  So the reader can
only be right or step aside; ``tests/planner/test_pddl_reader.py`` checks that both
front ends agree on every bundled file, generator output and fuzz mutant.
"""
from __future__ import annotations

from vlaplan.planner.atoms import Atom
from vlaplan.planner.derived import head_problem, negative_cycle
from vlaplan.planner.formulas import TRUE, Formula, FunctionTerm, Parameter
from vlaplan.planner.model import Action, DerivedRule, Domain, PredicateDef, Problem
from vlaplan.planner.reader_forms import (
    NotTaken, Reader, form, function_head, name, number, tree_of, unique,
)
from vlaplan.planner.scope_check import FormulaChecker
from vlaplan.planner.tokens import NUMBER, REQUIRE_KEY, kind

__all__ = ["NotTaken", "read_domain", "read_problem"]


class _NoLocator:
    """Stands in for the token locator: the checker's errors become NotTaken."""

    tokens = ()

    def find(self, words, lo=0, hi=None):
        return None

    def error(self, message, at):
        return NotTaken(message)


class _Sections:
    """The sections of a ``define``, taken in the grammar's fixed order."""

    def __init__(self, items: list) -> None:
        self.items, self.i = items, 0

    def take(self, key: str) -> list | None:
        if self.i < len(self.items):
            x = self.items[self.i]
            if isinstance(x, list) and x and x[0] == key:
                self.i += 1
                return x
        return None

    def rest(self) -> list:
        out, self.i = self.items[self.i:], len(self.items)
        return out


def _requirements(sec: list | None) -> frozenset[str]:
    if sec is None:
        return frozenset()
    if len(sec) < 2 or any(not isinstance(k, str) or kind(k) != REQUIRE_KEY for k in sec[1:]):
        raise NotTaken(":requirements")
    return frozenset(sec[1:])


def _simple(pairs: list) -> list[tuple[str, str]]:
    """Typed names without either-types (the reference refuses those here)."""
    if any(isinstance(t, tuple) for _, t in pairs):
        raise NotTaken("either-type")
    return [(n, t or "object") for n, t in pairs]


# --------------------------------------------------------------------------- domain

def read_domain(text: str, file: str = "<string>") -> Domain:
    """Our Domain from domain text, or NotTaken."""
    top = form(tree_of(text), "define", at_least=2)
    dname = name(form(top[1], "domain", size=2)[1])
    r = Reader()
    sec = _Sections(top[2:])
    requirements = _requirements(sec.take(":requirements"))

    types: dict[str, str] = {}
    found = sec.take(":types")
    declared = _simple(r.typed(found[1:], name)) if found is not None else []
    unique([n for n, _ in declared])
    for tname, parent in declared:
        if tname != "object":
            types[tname] = parent
    for tname, parent in declared:
        if parent not in types and parent != "object":
            types[parent] = "object"
        seen, p = {tname}, types.get(tname)
        while p is not None and p != "object":
            if p in seen:
                raise NotTaken("type cycle")
            seen.add(p)
            p = types.get(p)

    def check_types(params: list[Parameter]) -> list[Parameter]:
        unique([p.name for p in params])
        for p in params:
            for t in p.types:
                if t != "object" and t not in types:
                    raise NotTaken("undefined type")
        return params

    found = sec.take(":constants")
    consts = _simple(r.typed(found[1:], name)) if found is not None else []
    unique([n for n, _ in consts])
    constants: dict[str, str] = {}
    for cname, ctype in consts:
        if ctype != "object" and ctype not in types:
            raise NotTaken("undefined type")
        constants[cname] = ctype

    predicates: dict[str, PredicateDef] = {}
    found = sec.take(":predicates")
    if found is not None:
        for sk in form(found, at_least=2)[1:]:
            pname = name(form(sk)[0])
            if pname in predicates:
                raise NotTaken("duplicate predicate")
            predicates[pname] = PredicateDef(pname, tuple(check_types(r.params(sk[1:]))))

    functions: dict[str, PredicateDef] = {}
    found = sec.take(":functions")
    if found is not None:
        items, i, run = found[1:], 0, 0
        while i < len(items):
            if items[i] == "-":  # ('-' 'number') after one or more skeletons
                if not run or i + 1 >= len(items) or items[i + 1] != "number":
                    raise NotTaken(":functions")
                run, i = 0, i + 2
                continue
            sk = form(items[i])
            fname = name(sk[0])
            if fname in functions:
                raise NotTaken("duplicate function")
            functions[fname] = PredicateDef(fname, tuple(r.params(sk[1:])))
            run, i = run + 1, i + 1

    base = Domain(dname, requirements, types, constants, predicates, functions, {}, file)
    structures = sec.rest()
    derived = frozenset(x[1][0] for x in structures if isinstance(x, list) and len(x) == 3
                        and x[0] == ":derived" and isinstance(x[1], list) and x[1]
                        and isinstance(x[1][0], str))
    checker = FormulaChecker(base, set(constants), _NoLocator(), derived)
    actions: dict[str, Action] = {}
    rules: list[DerivedRule] = []
    for ad in structures:
        if isinstance(ad, list) and ad and ad[0] == ":derived":
            rules.append(_rule(ad, r, base, checker, check_types))
            continue
        form(ad, ":action", at_least=4)
        aname = name(ad[1])
        if aname in actions or ad[2] != ":parameters":
            raise NotTaken(":action")
        params = check_types(r.params(form(ad[3], at_least=0)))
        body = ad[4:]
        pre: Formula = TRUE
        eff: Formula = TRUE
        if body and body[0] == ":precondition":
            if len(body) < 2:
                raise NotTaken(":precondition")
            if body[1] != []:
                pre = r.condition(body[1])
            body = body[2:]
        if body and body[0] == ":effect":
            if len(body) < 2:
                raise NotTaken(":effect")
            if body[1] != []:
                eff = r.effect(body[1])
            body = body[2:]
        if body:
            raise NotTaken("action body")
        scope = {p.name: p.types for p in params}
        checker.check(pre, scope, (0, 0), effect=False, where=f"action {aname!r}")
        checker.check(eff, scope, (0, 0), effect=True, where=f"action {aname!r}")
        actions[aname] = Action(aname, tuple(params), pre, eff)
    if rules and negative_cycle(rules) is not None:
        raise NotTaken("not stratified")
    return Domain(dname, requirements, types, constants, predicates, functions, actions, file,
                  tuple(rules))


def _rule(x: list, r: Reader, base: Domain, checker: FormulaChecker, check_types) -> DerivedRule:
    """``(:derived (p ?x - t ...) condition)``."""
    form(x, ":derived", size=3)
    head = form(x[1])
    pname = name(head[0])
    params = tuple(check_types(r.params(head[1:])))
    if head_problem(base, base.predicates.get(pname), pname, params) is not None:
        raise NotTaken("derived head")
    condition = r.condition(x[2])
    checker.check(condition, {p.name: p.types for p in params}, (0, 0), effect=False,
                  where=f"derived predicate {pname!r}")
    return DerivedRule(pname, params, condition)


# --------------------------------------------------------------------------- problem

def read_problem(text: str, domain: Domain, file: str = "<string>") -> Problem:
    """Our Problem from problem text for ``domain``, or NotTaken."""
    top = form(tree_of(text), "define", at_least=5)
    pname = name(form(top[1], "problem", size=2)[1])
    if name(form(top[2], ":domain", size=2)[1]) != domain.name:
        raise NotTaken("domain name")
    r = Reader()
    sec = _Sections(top[3:])
    _requirements(sec.take(":requirements"))
    objects: dict[str, str] = {}
    found = sec.take(":objects")
    for oname, otype in _simple(r.typed(found[1:], name)) if found is not None else ():
        if oname in objects or domain.constants.get(oname, otype) != otype:
            raise NotTaken("object")
        if otype != "object" and otype not in domain.types:
            raise NotTaken("undefined type")
        objects[oname] = otype
    names = set(objects) | set(domain.constants)

    derived = domain.derived_predicates

    def atom(x) -> Atom:
        pred = name(form(x)[0])
        args = tuple(name(a) for a in x[1:])
        pdef = domain.predicates.get(pred)
        if pdef is None or pdef.arity != len(args) or not names.issuperset(args):
            raise NotTaken("initial atom")
        if pred in derived:
            raise NotTaken("derived atom in :init")
        return Atom(pred, args)

    init_sec, goal_sec = sec.take(":init"), sec.take(":goal")
    if init_sec is None or goal_sec is None or len(goal_sec) != 2:
        raise NotTaken(":init/:goal")
    init: set[Atom] = set()
    negative: set[Atom] = set()
    numeric: dict[FunctionTerm, float] = {}
    for el in init_sec[1:]:
        head = form(el)[0]
        if head == "=":
            form(el, size=3)
            fterm = function_head(el[1])
            fdef = domain.functions.get(fterm.name)
            if fdef is None or fdef.arity != len(fterm.args) or not names.issuperset(fterm.args):
                raise NotTaken("initial value")
            numeric[fterm] = number(el[2])
        elif head == "not":
            negative.add(atom(form(el, size=2)[1]))
        elif head == "at" and len(el) > 1 and isinstance(el[1], str) and kind(el[1]) == NUMBER:
            raise NotTaken("timed initial literal")
        else:
            init.add(atom(el))
    if negative & init:
        raise NotTaken("contradicting initial literals")
    goal = r.condition(goal_sec[1])
    FormulaChecker(domain, names, _NoLocator()).check(goal, {}, (0, 0), effect=False,
                                                       where=":goal")
    metric = None
    found = sec.take(":metric")
    if found is not None:
        form(found, size=3)
        if found[1] not in ("minimize", "maximize") or found[2] not in ("total-cost",
                                                                        ["total-cost"]):
            raise NotTaken(":metric")
        metric = (found[1], FunctionTerm("total-cost"))
    if sec.rest():
        raise NotTaken("problem sections")
    return Problem(pname, domain.name, objects, frozenset(init), numeric, goal, metric, file)
