"""The syntax half of our PDDL reader: text to nested lists, and the grammar's forms.

:func:`tree_of` reads text into nested lists of lower-cased chunks
(:func:`vlaplan.planner.tokens.scan`); :class:`Reader` walks typed lists, goal
descriptions and effects along pddlpy's grammar and builds our formulas exactly as the
pddlpy path does (:mod:`vlaplan.planner.convert`).  Anything else raises
:class:`NotTaken` (see :mod:`vlaplan.planner.reader`).
"""
from __future__ import annotations

from vlaplan.planner.formulas import (
    And, Eq, Exists, Forall, Formula, FunctionTerm, Increase, Not, Or, Parameter, Pred, When,
)
from vlaplan.planner.tokens import CONTEXT_KEYWORDS, CONTROL, NAME, NUMBER, VARIABLE, kind, scan

Tree = list  # nested lists of lower-cased chunks


class NotTaken(Exception):
    """The reader does not take this text; the pddlpy path decides."""

    file = None  # read by FormulaChecker when it locates an unsupported cost effect
    line = None


def tree_of(text: str) -> Tree:
    """The single top-level form of ``text`` as nested lists of lower-cased chunks."""
    if not isinstance(text, str) or CONTROL.search(text):
        raise NotTaken("not plain text")
    chunks = scan(text)
    if chunks is None:
        raise NotTaken("needs ANTLR's lexer")
    low = text.lower()  # a quick test first (2 us): 'start', 'end', 'all' are rare
    if "start" in low or "end" in low or "all" in low:
        for i in range(1, len(chunks)):
            if CONTEXT_KEYWORDS.get(chunks[i]) == chunks[i - 1]:
                raise NotTaken("'at start', 'at end' or 'over all'")
    stack: list[list] = [[]]
    for c in chunks:
        if c == "(":
            new: list = []
            stack[-1].append(new)
            stack.append(new)
        elif c == ")":
            if len(stack) == 1:
                raise NotTaken("unbalanced")
            stack.pop()
        else:
            stack[-1].append(c)
    top = stack[0]
    if len(stack) != 1 or len(top) != 1 or not isinstance(top[0], list):
        raise NotTaken("not one form")
    return top[0]


# --------------------------------------------------------------------------- leaves

_NAME_WORDS = frozenset(("at", "over", *CONTEXT_KEYWORDS))


def name(x) -> str:
    """A ``name`` of the grammar: a NAME token, or the keywords 'at' / 'over' (and
    'start' / 'end' / 'all', names wherever they are not keywords)."""
    if isinstance(x, str) and (kind(x) == NAME or x in _NAME_WORDS):
        return x
    raise NotTaken("name")


def variable(x) -> str:
    if isinstance(x, str) and kind(x) == VARIABLE:
        return x
    raise NotTaken("variable")


def term(x) -> str:
    if isinstance(x, str) and (kind(x) in (NAME, VARIABLE) or x in _NAME_WORDS):
        return x
    raise NotTaken("term")


def number(x) -> float:
    if isinstance(x, str) and kind(x) == NUMBER:
        return float(x)
    raise NotTaken("number")


def form(x, head: str | None = None, size: int | None = None, at_least: int = 1) -> list:
    """``x`` as a list (with keyword ``head`` first, ``size`` items or ``at_least``)."""
    if not isinstance(x, list) or len(x) < at_least or (size is not None and len(x) != size):
        raise NotTaken("form")
    if head is not None and x[0] != head:
        raise NotTaken(head)
    return x


# --------------------------------------------------------------------------- typed lists

class Reader:
    """Walks the trees of one file; remembers every ``either`` it met."""

    def __init__(self) -> None:
        self.either: dict[str, tuple[str, ...]] = {}

    def rtype(self, x) -> str | tuple[str, ...]:
        """``name`` or ``(either name+)`` (a tuple)."""
        if isinstance(x, str):
            return name(x)
        form(x, "either", at_least=2)
        types = tuple(name(t) for t in x[1:])
        flat = "".join(types)  # pddlpy looks either-types up by their flattened text
        if self.either.setdefault(flat, types) != types:
            raise NotTaken("two either-types with the same text")
        return types

    def typed(self, items: list, leaf) -> list[tuple[str, str | tuple | None]]:
        """A typedNameList / typedVariableList: groups ``x y - t`` then untyped leaves
        (type None), in textual order."""
        out: list[tuple[str, str | tuple | None]] = []
        group: list[str] = []
        i, n = 0, len(items)
        while i < n:
            x = items[i]
            if x == "-":
                if not group or i + 1 >= n:
                    raise NotTaken("typed list")
                t = self.rtype(items[i + 1])
                out.extend((g, t) for g in group)
                group = []
                i += 2
            else:
                group.append(leaf(x))
                i += 1
        out.extend((g, None) for g in group)
        return out

    def params(self, items: list) -> list[Parameter]:
        """Action / predicate / function parameters, in declaration order."""
        out = []
        for v, t in self.typed(items, variable):
            types = ("object",) if t is None else (t if isinstance(t, tuple) else (t,))
            out.append(Parameter(v, types))
        return out

    def quantified(self, x) -> tuple[Parameter, ...]:
        """A quantifier's variables, in pddlpy's order: untyped ones first."""
        pairs = self.typed(form(x, at_least=0), variable)
        names = [v for v, _ in pairs]
        if len(set(names)) != len(names):
            raise NotTaken("repeated quantified variable")
        ordered = [p for p in pairs if p[1] is None] + [p for p in pairs if p[1] is not None]
        return tuple(Parameter(v, ("object",) if t is None else (t if isinstance(t, tuple)
                                                                  else (t,)))
                     for v, t in ordered)

    # ----------------------------------------------------------------------- formulas
    def condition(self, x) -> Formula:
        """A goalDesc, as pddlpy builds it (``imply`` becomes ``or``)."""
        form(x)
        head = x[0]
        if head == "and":
            return And(tuple(self.condition(c) for c in x[1:]))
        if head == "or":
            return Or(tuple(self.condition(c) for c in x[1:]))
        if head == "not":
            form(x, size=2)
            return Not(self.condition(x[1]))
        if head == "imply":
            form(x, size=3)
            return Or((Not(self.condition(x[1])), self.condition(x[2])))
        if head in ("exists", "forall"):
            form(x, size=3)
            params = self.quantified(x[1])
            body = self.condition(x[2])
            return Exists(params, body) if head == "exists" else Forall(params, body)
        if head == "=":
            form(x, size=3)
            return Eq(term(x[1]), term(x[2]))
        return self.atom(x)

    def atom(self, x) -> Pred:
        form(x)
        return Pred(name(x[0]), tuple(term(t) for t in x[1:]))

    def effect(self, x) -> Formula:
        """``(and cEffect*)`` or one cEffect."""
        if form(x)[0] == "and":
            return And(tuple(self.c_effect(c) for c in x[1:]))
        return self.c_effect(x)

    def c_effect(self, x) -> Formula:
        head = form(x)[0]
        if head == "forall":
            form(x, size=3)
            return Forall(self.quantified(x[1]), self.effect(x[2]))
        if head == "when":
            form(x, size=3)
            cond = self.condition(x[1])
            if form(x[2])[0] == "and":
                return When(cond, And(tuple(self.p_effect(p) for p in x[2][1:])))
            return When(cond, self.p_effect(x[2]))
        return self.p_effect(x)

    def p_effect(self, x) -> Formula:
        head = form(x)[0]
        if head == "not":
            form(x, size=2)
            return Not(self.atom(x[1]))
        if head == "increase":
            form(x, size=3)
            value = x[2]
            if isinstance(value, str) and kind(value) == NUMBER:
                amount: float | FunctionTerm = number(value)
            else:
                amount = function_head(value)
            return Increase(function_head(x[1]), amount)
        return self.atom(x)  # other assignments are keywords, not names: not taken


def function_head(x) -> FunctionTerm:
    """``(f t*)`` or a bare ``f``."""
    if isinstance(x, str):
        return FunctionTerm(name(x))
    form(x)
    return FunctionTerm(name(x[0]), tuple(term(t) for t in x[1:]))


def unique(names: list[str]) -> None:
    if len(set(names)) != len(names):
        raise NotTaken("duplicate")


