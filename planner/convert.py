"""Build our :class:`Domain` / :class:`Problem` from a pddlpy parse, checking semantics.

Declarations (types, constants, predicates, parameters, objects, init) are read from the
parse tree, where positions are exact.  Preconditions, effects and goals come from
pddlpy's own condition/effect trees (``precondition_tree``/``effect_tree``; never its
lossy flat sets) and are converted into :mod:`vlaplan.planner.formulas`; their errors
are located by searching the offending tokens inside the enclosing construct.
"""
from __future__ import annotations

from typing import Any

import pddlpy.pddl as pp
from antlr4 import ParseTreeWalker

from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import PDDLSyntaxError, UnsupportedFeature
from vlaplan.planner.formulas import (
    TRUE, And, Eq, Exists, Forall, Formula, FunctionTerm, Increase, Not, Or, Parameter, Pred, When,
)
from vlaplan.planner.convert_derived import build_rules
from vlaplan.planner.loader import Locator, Token
from vlaplan.planner.reference import Parsed
from vlaplan.planner.reference import quiet as _quiet
from vlaplan.planner.model import Action, Domain, PredicateDef, Problem
from vlaplan.planner.scope_check import FormulaChecker


def _name(ctx: Any) -> str:
    return ctx.getText().lower()


def _typed_names(ctx: Any, parsed: Parsed, what: str) -> list[tuple[str, str, Token]]:
    """``(name, type, token)`` for a typedNameList (types, constants, objects)."""
    out: list[tuple[str, str, Token]] = []
    if ctx is None:
        return out
    loc = parsed.locator
    for group in ctx.singleTypeNameList():
        rtype = group.r_type()
        if rtype.getChildCount() > 1:
            raise UnsupportedFeature(f"either-types for {what}", f"{parsed.file}:{rtype.start.line}")
        for n in group.name():
            out.append((_name(n), _name(rtype), loc.at(n)))
    for n in ctx.name():
        out.append((_name(n), "object", loc.at(n)))
    return out


def _params(ctx: Any, parsed: Parsed) -> list[tuple[Parameter, Token]]:
    """Typed variables of a typedVariableList, in declaration order."""
    out: list[tuple[Parameter, Token]] = []
    if ctx is None:
        return out
    for group in ctx.singleTypeVarList():
        types = _types(group.r_type())
        for v in group.VARIABLE():
            out.append((Parameter(v.getText().lower(), types), _tok(v)))
    for v in ctx.VARIABLE():
        out.append((Parameter(v.getText().lower(), ("object",)), _tok(v)))
    return out


def _tok(terminal: Any) -> Token:
    s = terminal.getSymbol()
    return Token(s.text.lower(), s.line, s.column + 1, s.tokenIndex)


def _types(rtype: Any) -> tuple[str, ...]:
    if rtype.getChildCount() > 1:
        return tuple(p.getText().lower() for p in rtype.primType())
    return (rtype.getText().lower(),)


def _unique(items: list[tuple[Any, Token]], key: Any, what: str, loc: Locator) -> None:
    seen: set[str] = set()
    for item, tok in items:
        k = key(item)
        if k in seen:
            raise loc.error(f"duplicate {what} {k!r}", tok)
        seen.add(k)


def _ancestors(t: str, types: dict[str, str], stop: str) -> set[str]:
    """The supertypes of ``t`` through ``types`` (child -> parent), not passing ``stop``."""
    out: set[str] = set()
    p = types.get(t)
    while p is not None and p not in out and p != stop:
        out.add(p)
        p = types.get(p)
    return out | {"object"}


# --------------------------------------------------------------------------- domain

def build_domain(parsed: Parsed, rule_texts: list = ()) -> Domain:
    """Our Domain from a parsed domain file, with semantic checks; ``rule_texts`` are its
    derived-predicate rules (:func:`vlaplan.planner.convert_derived.parse_rules`)."""
    tree, loc = parsed.tree, parsed.locator
    name = _name(tree.domainName().name())
    requirements = frozenset(t.getText().lower() for t in tree.requireDef().REQUIRE_KEY()) \
        if tree.requireDef() else frozenset()

    types: dict[str, str] = {}
    declared = _typed_names(tree.typesDef().typedNameList() if tree.typesDef() else None,
                            parsed, "types")
    parents: dict[str, list[tuple[str, Token]]] = {}
    for tname, parent, tok in declared:
        if tname != "object":
            parents.setdefault(tname, []).append((parent, tok))
            types.setdefault(tname, parent)
    for tname, listed in parents.items():
        # a type listed twice ("area - object", then "area - surface"): its parent is the
        # more specific one when they lie on one chain; unrelated parents are refused
        distinct = list(dict.fromkeys(p for p, _ in listed))
        if len(distinct) > 1:
            best = [p for p in distinct
                    if all(q == p or q in _ancestors(p, types, tname) for q in distinct)]
            if not best:
                raise loc.error(f"type {tname!r} is declared under {distinct[0]!r} and "
                                f"{distinct[1]!r}, which are unrelated; a type has one "
                                f"parent", listed[1][1])
            types[tname] = best[0]
    for tname, parent, tok in declared:
        if parent not in types and parent != "object":
            types[parent] = "object"  # a parent used but not listed is implicitly declared
        seen = {tname}
        p = types.get(tname)
        while p is not None and p != "object":
            if p in seen:
                raise loc.error(f"type {tname!r} is its own supertype", tok)
            seen.add(p)
            p = types.get(p)

    def check_type(t: str, tok: Token) -> None:
        if t != "object" and t not in types:
            raise loc.error(f"undefined type {t!r}", tok)

    def checked_params(ctx: Any, what: str, named_once: bool = True) -> list[tuple[Parameter, Token]]:
        """The typed variables of ``ctx``, each of a declared type (and each named once
        when ``named_once``: a predicate's parameter names mean nothing, an action's do)."""
        params = _params(ctx, parsed)
        if named_once:
            _unique(params, lambda p: p.name, what, loc)
        for p, tok in params:
            for t in p.types:
                check_type(t, tok)
        return params

    constants: dict[str, str] = {}
    consts = _typed_names(tree.constantsDef().typedNameList() if tree.constantsDef() else None,
                          parsed, "constants")
    _unique([(n, t) for n, _, t in consts], lambda n: n, "constant", loc)
    for cname, ctype, tok in consts:
        check_type(ctype, tok)
        constants[cname] = ctype

    predicates: dict[str, PredicateDef] = {}
    if tree.predicatesDef():
        for sk in tree.predicatesDef().atomicFormulaSkeleton():
            pname = _name(sk.predicate())
            if pname in predicates:
                raise loc.error(f"duplicate predicate {pname!r}", loc.at(sk.predicate()))
            params = checked_params(sk.typedVariableList(), f"parameter in predicate {pname!r}:",
                                    named_once=False)   # IPC logistics declares (in ?obj ?obj)
            predicates[pname] = PredicateDef(pname, tuple(p for p, _ in params))

    functions: dict[str, PredicateDef] = {}
    if tree.functionsDef():
        for sk in tree.functionsDef().functionList().atomicFunctionSkeleton():
            fname = _name(sk.functionSymbol())
            if fname in functions:
                raise loc.error(f"duplicate function {fname!r}", loc.at(sk))
            params = _params(sk.typedVariableList(), parsed)
            functions[fname] = PredicateDef(fname, tuple(p for p, _ in params))

    listener = pp.DomainListener()
    try:
        with _quiet():
            ParseTreeWalker().walk(listener, tree)
    except Exception as exc:  # pddlpy's listener on a tree it did not expect
        raise PDDLSyntaxError(f"pddlpy could not read the domain ({type(exc).__name__})",
                              parsed.file, tree.start.line) from exc

    base = Domain(name, requirements, types, constants, predicates, functions, {}, parsed.file)
    derived = frozenset(rt.head.tree.predicate().getText().lower() for rt in rule_texts)
    checker = FormulaChecker(base, set(constants), loc, derived)
    actions: dict[str, Action] = {}
    for sd in tree.structureDef():
        ad = sd.actionDef()
        if ad is None:
            raise UnsupportedFeature("durative actions", f"{parsed.file}:{sd.start.line}")
        aname = _name(ad.actionSymbol())
        if aname in actions:
            raise loc.error(f"duplicate action {aname!r}", loc.at(ad.actionSymbol()))
        params = checked_params(ad.typedVariableList(), f"parameter in action {aname!r}:")
        op = listener.operators.get(ad.actionSymbol().getText())
        span = loc.span(ad)
        pre = to_condition(op.precondition_tree, parsed, span) if op and op.precondition_tree else TRUE
        eff = to_effect(op.effect_tree, parsed, span) if op and op.effect_tree else TRUE
        scope = {p.name: p.types for p, _ in params}
        checker.check(pre, scope, span, effect=False, where=f"action {aname!r}")
        checker.check(eff, scope, span, effect=True, where=f"action {aname!r}")
        actions[aname] = Action(aname, tuple(p for p, _ in params), pre, eff)
    rules = build_rules(rule_texts, base, set(constants)) if rule_texts else ()
    return Domain(name, requirements, types, constants, predicates, functions, actions,
                  parsed.file, rules)


# --------------------------------------------------------------------------- formulas

def _var_params(varlist: dict, parsed: Parsed) -> tuple[Parameter, ...]:
    out = []
    for v, t in varlist.items():
        if t is None:
            types: tuple[str, ...] = ("object",)
        else:
            types = parsed.either.get(t) or (t.lower(),)
        out.append(Parameter(v.lower(), types))
    return tuple(out)


def _where(parsed: Parsed, span: tuple[int, int]) -> str:
    toks = parsed.locator.tokens
    line = toks[span[0]].line if span[0] < len(toks) else "?"
    return f"{parsed.file}:{line}"


def to_condition(c: Any, parsed: Parsed, span: tuple[int, int]) -> Formula:
    """Our condition from a pddlpy Condition tree."""
    if isinstance(c, pp.Lit):
        words = [str(w).lower() for w in c.atom.predicate]
        return Pred(words[0], tuple(words[1:]))
    if isinstance(c, pp.Not):
        return Not(to_condition(c.child, parsed, span))
    if isinstance(c, pp.And):
        return And(tuple(to_condition(x, parsed, span) for x in c.children))
    if isinstance(c, pp.Or):
        return Or(tuple(to_condition(x, parsed, span) for x in c.children))
    if isinstance(c, pp.Equality):
        return Eq(c.left.lower(), c.right.lower())
    if isinstance(c, pp.Forall):
        return Forall(_var_params(c.varlist, parsed), to_condition(c.body, parsed, span))
    if isinstance(c, pp.Exists):
        return Exists(_var_params(c.varlist, parsed), to_condition(c.body, parsed, span))
    if isinstance(c, pp.NumericCond):
        raise UnsupportedFeature("numeric conditions (:numeric-fluents)", _where(parsed, span))
    raise UnsupportedFeature(f"condition {type(c).__name__}", _where(parsed, span))


def _fterm(head: tuple) -> FunctionTerm:
    return FunctionTerm(str(head[0]).lower(), tuple(str(a).lower() for a in head[1:]))


def to_effect(e: Any, parsed: Parsed, span: tuple[int, int]) -> Formula:
    """Our effect from a pddlpy Effect tree."""
    if isinstance(e, pp.AddDel):
        words = [str(w).lower() for w in e.atom.predicate]
        pred = Pred(words[0], tuple(words[1:]))
        return pred if e.add else Not(pred)
    if isinstance(e, pp.EffAnd):
        return And(tuple(to_effect(x, parsed, span) for x in e.children))
    if isinstance(e, pp.When):
        return When(to_condition(e.condition, parsed, span), to_effect(e.effect, parsed, span))
    if isinstance(e, pp.Universal):
        return Forall(_var_params(e.varlist, parsed), to_effect(e.effect, parsed, span))
    if isinstance(e, pp.NumEff):
        ne = e.effect
        if ne.op != "increase":
            raise UnsupportedFeature(f"numeric effect {ne.op!r} (:numeric-fluents)",
                                     _where(parsed, span))
        expr = ne.expr
        if isinstance(expr, pp.Num):
            value: float | FunctionTerm = expr.num
        elif isinstance(expr, pp.Fluent):
            value = _fterm(expr.head)
        else:
            raise UnsupportedFeature("arithmetic in cost effects (:numeric-fluents)",
                                     _where(parsed, span))
        return Increase(_fterm(ne.head.head), value)
    raise UnsupportedFeature(f"effect {type(e).__name__}", _where(parsed, span))


# --------------------------------------------------------------------------- problem

def _lit(atom: Atom) -> str:
    return "(" + " ".join((atom.predicate, *atom.args)) + ")"


def build_problem(parsed: Parsed, domain: Domain) -> Problem:
    """Our Problem from a parsed problem file, checked against ``domain``."""
    tree, loc = parsed.tree, parsed.locator
    name = _name(tree.problemDecl().name())
    dname_ctx = tree.problemDomain().name()
    if _name(dname_ctx) != domain.name:
        raise loc.error(f"problem is for domain {_name(dname_ctx)!r}, not {domain.name!r}",
                        loc.at(dname_ctx))
    objects: dict[str, str] = {}
    decls = _typed_names(tree.objectDecl().typedNameList() if tree.objectDecl() else None,
                         parsed, "objects")
    for oname, otype, tok in decls:
        if oname in objects:
            raise loc.error(f"duplicate object {oname!r}", tok)
        if oname in domain.constants and domain.constants[oname] != otype:
            raise loc.error(f"object {oname!r} redeclares a constant of the domain", tok)
        if otype != "object" and otype not in domain.types:
            raise loc.error(f"undefined type {otype!r}", tok)
        objects[oname] = otype
    names = set(objects) | set(domain.constants)
    checker = FormulaChecker(domain, names, loc)

    init: set[Atom] = set()
    numeric: dict[FunctionTerm, float] = {}
    negative: list[tuple[Atom, Token]] = []
    for el in tree.init().initEl() if tree.init() else ():
        if el.fHead() is not None:
            head = el.fHead()
            fname = _name(head.functionSymbol())
            args = tuple(_name(t) for t in head.term())
            fdef = domain.functions.get(fname)
            if fdef is None:
                raise loc.error(f"undefined function {fname!r}", loc.at(head))
            if fdef.arity != len(args):
                raise loc.error(f"function {fname!r} takes {fdef.arity} arguments, "
                                f"not {len(args)}", loc.at(head))
            for a, t in zip(args, head.term()):
                if a not in names:
                    raise loc.error(f"undeclared object {a!r} in :init", loc.at(t))
            numeric[FunctionTerm(fname, args)] = float(el.NUMBER().getText())
            continue
        lit = el.nameLiteral()
        if lit is None:
            continue
        if el.NUMBER() is not None:  # (at 10 (p a))
            raise UnsupportedFeature("timed initial literals", f"{parsed.file}:{el.start.line}")
        af = lit.atomicNameFormula()
        pname = _name(af.predicate())
        args = tuple(_name(n) for n in af.name())
        pdef = domain.predicates.get(pname)
        if pdef is None:
            raise loc.error(f"undefined predicate {pname!r} in :init", loc.at(af.predicate()))
        if pdef.arity != len(args):
            raise loc.error(f"predicate {pname!r} takes {pdef.arity} arguments, not {len(args)}",
                            loc.at(af))
        for a, n in zip(args, af.name()):
            if a not in names:
                raise loc.error(f"undeclared object {a!r} in :init", loc.at(n))
        negated = lit.getChildCount() > 1 and lit.getChild(1).getText().lower() == "not"
        if pname in domain.derived_predicates and not negated:
            raise loc.error(f"derived predicate {pname!r} in :init: its rules compute it "
                            f"from the other facts", loc.at(af.predicate()))
        if negated:
            # Closed world: a negative initial literal says nothing new, unless it
            # contradicts a positive one (checked below).
            negative.append((Atom(pname, args), loc.at(lit)))
        else:
            init.add(Atom(pname, args))
    for atom, tok in negative:
        if atom in init:
            raise loc.error(f"initial state has both {_lit(atom)} and (not {_lit(atom)})", tok)

    goal: Formula = TRUE
    if tree.goal() is not None:
        span = loc.span(tree.goal())
        try:
            tree_goal = pp._build_condition(tree.goal().goalDesc())
        except Exception as exc:
            raise PDDLSyntaxError("pddlpy could not read the goal", parsed.file,
                                  tree.goal().start.line) from exc
        goal = to_condition(tree_goal, parsed, span)
        checker.check(goal, {}, span, effect=False, where=":goal")

    metric = None
    if tree.metricSpec() is not None:
        ms = tree.metricSpec()
        fexp = ms.metricFExp()
        sym = fexp.functionSymbol() if fexp is not None else None
        if sym is None or fexp.metricFExp() or fexp.name():
            raise UnsupportedFeature("metrics other than (total-cost)",
                                     f"{parsed.file}:{ms.start.line}")
        fname = _name(sym)
        if fname != "total-cost":
            raise UnsupportedFeature(f"metric over {fname!r}", f"{parsed.file}:{ms.start.line}")
        metric = (ms.optimization().getText().lower(), FunctionTerm(fname))
    return Problem(name, domain.name, objects, frozenset(init), numeric, goal, metric, parsed.file)
