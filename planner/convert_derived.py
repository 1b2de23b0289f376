"""Derived-predicate rules on the pddlpy reference path (the located errors).

pddlpy's grammar reads ``(:derived <typed variables> <goal>)``, not PDDL 2.2's
``(:derived (p ?x - t ...) <goal>)``, so a domain with rules does not parse.
:func:`cut_derived` blanks the rules out of the domain text (every character but line
breaks becomes a space, so the rest keeps its lines and columns for pddlpy); the head and
the condition of each rule are then parsed on their own with the grammar's
``atomicFormulaSkeleton`` and ``goalDesc`` rules, from text where everything else is
blanked, so their tokens carry their real positions too.  :func:`build_rules` checks the
rules against the domain (:mod:`vlaplan.planner.derived`) with errors at file:line:column.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pddlpy.pddl as pp

from vlaplan.planner.derived import cycle_message, head_problem, negative_cycle
from vlaplan.planner.errors import PDDLSemanticError, PDDLSyntaxError
from vlaplan.planner.model import DerivedRule, Domain
from vlaplan.planner.reference import Parsed, parse, quiet, token_stream
from vlaplan.planner.scope_check import FormulaChecker

if TYPE_CHECKING:  # pragma: no cover
    from vlaplan.planner.loader import Token


@dataclass
class RuleText:
    """One ``(:derived ...)`` form: its head and condition, parsed separately."""

    head: Parsed
    body: Parsed


def _blank(text: str, spans: list[tuple[int, int]], inside: bool = False) -> str:
    """``text`` with the characters outside the ``spans`` (inclusive ranges) blanked, or
    those inside them when ``inside``; line breaks stay, so positions do not move."""
    blank = "".join(c if c in "\r\n" else " " for c in text)
    out, source = (list(text), blank) if inside else (list(blank), text)
    for lo, hi in spans:
        out[lo:hi + 1] = source[lo:hi + 1]
    return "".join(out)


def _significant(text: str, file: str) -> list:
    return [t for t in token_stream(text, file).tokens if t.channel == 0 and t.type != -1]


def _closing(tokens: list, i: int) -> int | None:
    """Index of the parenthesis closing the one at ``tokens[i]``, or None."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].text == "(":
            depth += 1
        elif tokens[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


def cut_derived(text: str, file: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with its top-level ``(:derived ...)`` forms blanked, and their character
    ranges.  Unbalanced forms stay (pddlpy then reports the syntax error)."""
    if ":derived" not in text.lower():
        return text, []
    tokens = _significant(text, file)
    spans: list[tuple[int, int]] = []
    depth, i = 0, 0
    while i < len(tokens):
        t = tokens[i]
        if (t.text == "(" and depth == 1 and i + 1 < len(tokens)
                and tokens[i + 1].text.lower() == ":derived"):
            j = _closing(tokens, i)
            if j is None:
                break
            spans.append((t.start, tokens[j].stop))
            i = j + 1
            continue
        depth += {"(": 1, ")": -1}.get(t.text, 0)
        i += 1
    return _blank(text, spans, inside=True), spans


def _syntax_error(tokens: list, k: int, message: str, file: str) -> PDDLSyntaxError:
    tok = tokens[min(k, len(tokens) - 1)]
    return PDDLSyntaxError(message, file, tok.line, tok.column + 1)


def parse_rules(text: str, spans: list[tuple[int, int]], file: str) -> list[RuleText]:
    """Parse the head and the condition of each cut-out rule."""
    rules = []
    for lo, hi in spans:
        # the tokens of one rule: ( :derived <head form> <condition form> )
        tokens = _significant(_blank(text, [(lo, hi)]), file)
        if len(tokens) < 3 or tokens[2].text != "(":
            raise _syntax_error(tokens, 2, "expected the head (predicate ?x - type ...) after "
                                           ":derived", file)
        head_end = _closing(tokens, 2)
        body_at = head_end + 1
        if tokens[body_at].text != "(":
            raise _syntax_error(tokens, body_at, "expected the condition of the derived "
                                                 "predicate after its head", file)
        body_end = _closing(tokens, body_at)
        if body_end != len(tokens) - 2:
            raise _syntax_error(tokens, body_end + 1,
                                f"unexpected {tokens[body_end + 1].text!r}: a :derived rule "
                                f"has one head and one condition", file)
        head = parse(_blank(text, [(tokens[2].start, tokens[head_end].stop)]), file,
                     "atomicFormulaSkeleton")
        body = parse(_blank(text, [(tokens[body_at].start, tokens[body_end].stop)]), file,
                     "goalDesc")
        rules.append(RuleText(head, body))
    return rules


def build_rules(texts: list[RuleText], base: Domain, names: set[str]) -> tuple[DerivedRule, ...]:
    """Our rules from the parsed texts, checked against ``base`` (declarations, head
    types, the condition's names) and for stratified negation."""
    from vlaplan.planner.convert import _params, to_condition

    rules: list[DerivedRule] = []
    heads: dict[str, Token] = {}
    for rt in texts:
        sk, loc = rt.head.tree, rt.head.locator
        pname = sk.predicate().getText().lower()
        at = loc.at(sk.predicate())
        params = tuple(p for p, _ in _params(sk.typedVariableList(), rt.head))
        problem = head_problem(base, base.predicates.get(pname), pname, params)
        if problem is not None:
            raise loc.error(problem, at)
        span = (0, len(rt.body.locator.tokens))
        try:
            with quiet():
                tree = pp._build_condition(rt.body.tree)
        except Exception as exc:  # pddlpy on a tree it did not expect
            raise PDDLSyntaxError(f"pddlpy could not read the condition of derived predicate "
                                  f"{pname!r}", rt.body.file,
                                  rt.body.locator.tokens[0].line) from exc
        condition = to_condition(tree, rt.body, span)
        FormulaChecker(base, names, rt.body.locator).check(
            condition, {p.name: p.types for p in params}, span, effect=False,
            where=f"derived predicate {pname!r}")
        rules.append(DerivedRule(pname, params, condition))
        heads.setdefault(pname, at)
    cycle = negative_cycle(rules)
    if cycle is not None:
        at = heads[cycle[0]]
        raise PDDLSemanticError(cycle_message(cycle), base.file, at.line, at.column)
    return tuple(rules)
