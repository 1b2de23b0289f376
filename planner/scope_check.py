"""Semantic checks of lifted formulas: declared predicates, arities, names in scope.

pddlpy checks none of this; :class:`FormulaChecker` raises
:class:`~vlaplan.planner.errors.PDDLSemanticError` located at the offending token.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from vlaplan.planner.errors import UnsupportedFeature
from vlaplan.planner.formulas import (
    And, Eq, Exists, Forall, Formula, FunctionTerm, Imply, Increase, Not, Or, Pred, When,
)
from vlaplan.planner.model import Domain

if TYPE_CHECKING:  # pragma: no cover
    from vlaplan.planner.loader import Locator


class FormulaChecker:
    """Checks formulas of one file against a domain and the names (constants/objects) in scope."""

    def __init__(self, domain: Domain, names: set[str], locator: Locator,
                 derived: frozenset[str] = frozenset()) -> None:
        self.domain = domain
        self.names = names
        self.loc = locator
        self.derived = derived  # derived predicates: no effect may change them

    def check(self, f: Formula, scope: Mapping[str, tuple[str, ...]], span: tuple[int, int],
              *, effect: bool, where: str) -> None:
        """Raise PDDLSemanticError for the first problem in ``f``."""
        self._check(f, dict(scope), span, effect, where)

    def _fail(self, message: str, words: list[str], span: tuple[int, int]):
        tok = None
        for n in range(len(words), 0, -1):
            tok = self.loc.find(words[:n], *span)
            if tok is not None:
                break
        if tok is None and span[0] < len(self.loc.tokens):
            tok = self.loc.tokens[span[0]]
        return self.loc.error(message, tok)

    def _term(self, t: str, scope: Mapping, span: tuple[int, int], words: list[str],
              where: str) -> None:
        if t.startswith("?"):
            if t not in scope:
                raise self._fail(f"undefined variable {t!r} in {where}", [t], span)
        elif t not in self.names:
            kind = "constant" if where.startswith("action") else "object"
            raise self._fail(f"undeclared {kind} {t!r} in {where}", [t], span)

    def _types(self, params, span, where) -> None:
        for p in params:
            for t in p.types:
                if t != "object" and t not in self.domain.types:
                    raise self._fail(f"undefined type {t!r} in {where}", [t], span)

    def _check(self, f: Formula, scope: dict, span: tuple[int, int], effect: bool,
               where: str) -> None:
        if isinstance(f, Pred):
            words = ["(", f.predicate, *f.args]
            pdef = self.domain.predicates.get(f.predicate)
            if pdef is None:
                raise self._fail(f"undefined predicate {f.predicate!r} in {where}", words, span)
            if pdef.arity != len(f.args):
                raise self._fail(f"predicate {f.predicate!r} takes {pdef.arity} arguments, "
                                 f"not {len(f.args)} (in {where})", words, span)
            for a in f.args:
                self._term(a, scope, span, words, where)
            if effect and f.predicate in self.derived:
                raise self._fail(f"derived predicate {f.predicate!r} in an effect of {where}: "
                                 f"its rules compute it, no action may change it", words, span)
        elif isinstance(f, Eq):
            for a in (f.left, f.right):
                self._term(a, scope, span, ["(", "=", f.left, f.right], where)
        elif isinstance(f, Not):
            if effect and not isinstance(f.part, Pred):
                raise self._fail(f"only atoms can be negated in an effect ({where})", ["not"], span)
            self._check(f.part, scope, span, effect, where)
        elif isinstance(f, (And, Or)):
            for p in f.parts:
                self._check(p, scope, span, effect, where)
        elif isinstance(f, Imply):
            self._check(f.left, scope, span, effect, where)
            self._check(f.right, scope, span, effect, where)
        elif isinstance(f, (Forall, Exists)):
            self._types(f.params, span, where)
            inner = dict(scope)
            inner.update({p.name: p.types for p in f.params})
            self._check(f.body, inner, span, effect, where)
        elif isinstance(f, When):
            self._check(f.condition, scope, span, False, where)
            self._check(f.effect, scope, span, True, where)
        elif isinstance(f, Increase):
            if f.fluent.name != "total-cost" or f.fluent.args:
                err = self._fail("", ["increase"], span)
                raise UnsupportedFeature(f"numeric fluent {f.fluent} (:numeric-fluents)",
                                         f"{where} at {err.file}:{err.line}")
            if isinstance(f.value, FunctionTerm):
                fdef = self.domain.functions.get(f.value.name)
                words = ["(", f.value.name, *f.value.args]
                if fdef is None:
                    raise self._fail(f"undefined function {f.value.name!r} in {where}", words, span)
                if fdef.arity != len(f.value.args):
                    raise self._fail(f"function {f.value.name!r} takes {fdef.arity} arguments, "
                                     f"not {len(f.value.args)} (in {where})", words, span)
                for a in f.value.args:
                    self._term(a, scope, span, words, where)
            elif f.value < 0:
                raise self._fail(f"negative action cost in {where}", ["increase"], span)
