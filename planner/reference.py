"""The pddlpy reference front end: lex and parse PDDL with pddlpy's ANTLR grammar.

This is the path DESIGN.md names ("load through pddlpy").  It is no longer the default
(see :mod:`vlaplan.planner.loader`), but it stays the reference our own reader is tested
against, and it is the error path: every text our reader does not take comes here, so
error messages (file, line, column, one-line reason) come from this module and
:mod:`vlaplan.planner.convert`.  An error listener turns the first ANTLR complaint into
:class:`PDDLSyntaxError` (pddlpy itself only prints to stderr and carries on), and
features we do not plan for are refused by keyword.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Any

from antlr4 import CommonTokenStream, InputStream
from antlr4.atn.PredictionMode import PredictionMode
from antlr4.error.ErrorListener import ErrorListener
from antlr4.error.ErrorStrategy import BailErrorStrategy
from antlr4.error.Errors import ParseCancellationException, RecognitionException
from pddlpy.pddlLexer import pddlLexer
from pddlpy.pddlParser import pddlParser

from vlaplan.planner.errors import PDDLSemanticError, PDDLSyntaxError, UnsupportedFeature
from vlaplan.planner.loader import Locator, Token, check_text
from vlaplan.planner.tokens import CONTEXT_KEYWORDS, NAME, fast_token_stream

# Keywords of PDDL parts we refuse, with the feature name we report.
UNSUPPORTED_KEYWORDS = {
    ":durative-action": "durative actions (:durative-action)",
    ":constraints": "state-trajectory constraints (:constraints)",
    "preference": "preferences",
}


class _RaisingListener(ErrorListener):
    """Turns the first ANTLR lexer/parser error into a PDDLSyntaxError."""

    def __init__(self, file: str) -> None:
        self.file = file

    def syntaxError(self, recognizer: Any, offendingSymbol: Any, line: int, column: int,
                    msg: str, e: Any) -> None:
        text = getattr(offendingSymbol, "text", None)
        if text == "<EOF>":
            reason = "unexpected end of file (unbalanced parentheses?)"
        elif text is not None:
            reason = f"unexpected {text!r} ({_short(msg)})"
        else:
            reason = _short(msg)
        raise PDDLSyntaxError(reason, self.file, line, column + 1)


def _short(msg: str) -> str:
    msg = " ".join(msg.split())
    return msg if len(msg) <= 100 else msg[:97] + "..."


@dataclass
class Parsed:
    """A parse tree plus what the converter needs to locate and decode it."""

    tree: Any
    locator: Locator
    either: dict[str, tuple[str, ...]]
    file: str


def token_stream(text: str, file: str) -> Any:
    """pddlpy's ANTLR token stream of ``text`` (lexical errors raise PDDLSyntaxError)."""
    if not isinstance(text, str):
        raise TypeError("PDDL text must be str")
    check_text(text, file)
    stream = fast_token_stream(text)
    if stream is None:  # unusual text: pddlpy's own lexer decides (and reports errors)
        lexer = pddlLexer(InputStream(text))
        lexer.removeErrorListeners()
        lexer.addErrorListener(_RaisingListener(file))
        stream = CommonTokenStream(lexer)
        with quiet():
            stream.fill()
    return stream


def _keywords_as_names(stream: Any) -> None:
    """Retype 'start', 'end' and 'all' as names where they are not keywords.

    The grammar knows them only after 'at' / 'over' (durative conditions and effects,
    which we refuse anyway), but its lexer makes them keywords everywhere, so an IPC
    problem with an object named ``start`` (optical-telegraphs) did not parse."""
    prev = None
    for t in stream.tokens:
        if t.channel != 0:
            continue
        low = t.text.lower()
        if CONTEXT_KEYWORDS.get(low, prev) != prev:
            t.type = NAME
        prev = low


def parse(text: str, file: str, rule: str) -> Parsed:
    """Lex and parse ``text`` with pddlpy's grammar (``rule`` is 'domain' or 'problem', or
    another rule of the grammar for a piece of a file)."""
    stream = token_stream(text, file)
    _keywords_as_names(stream)
    listener = _RaisingListener(file)
    tokens = [Token(t.text.lower(), t.line, t.column + 1, t.tokenIndex) for t in stream.tokens
              if t.channel == 0 and t.type != -1]
    if not tokens:
        raise PDDLSemanticError(f"empty file: expected (define ({rule} ...))", file, 1)
    for tok in tokens:
        feature = UNSUPPORTED_KEYWORDS.get(tok.text)
        if feature:
            raise UnsupportedFeature(feature, f"{file}:{tok.line}")
    with quiet():
        try:
            tree = _parse_tokens(stream, rule, listener)
        except RecursionError as exc:
            raise PDDLSyntaxError("formula nested too deeply", file, tokens[0].line) from exc
    last = stream.LT(1)
    if last is not None and last.type != -1:
        raise PDDLSyntaxError(f"unexpected {last.text!r} after the end of the {rule}",
                              file, last.line, last.column + 1)
    either: dict[str, tuple[str, ...]] = {}
    _collect_either(tree, either)
    return Parsed(tree, Locator(file, tokens), either, file)


def _parse_tokens(stream: CommonTokenStream, rule: str, listener: ErrorListener) -> Any:
    """Parse in ANTLR's fast SLL mode; on any error re-parse in full LL mode, whose first
    error ``listener`` turns into our PDDLSyntaxError (the usual two-stage strategy)."""
    parser = pddlParser(stream)
    parser.removeErrorListeners()
    parser._interp.predictionMode = PredictionMode.SLL
    parser._errHandler = BailErrorStrategy()
    try:
        return getattr(parser, rule)()
    except (ParseCancellationException, RecognitionException):
        pass
    stream.seek(0)
    parser = pddlParser(stream)
    parser.removeErrorListeners()
    parser.addErrorListener(listener)
    return getattr(parser, rule)()


def _collect_either(node: Any, out: dict[str, tuple[str, ...]]) -> None:
    """Map the flattened text of every ``(either a b)`` (as pddlpy stores it) to its types."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, pddlParser.R_typeContext) and n.getChildCount() > 1:
            out[n.getText()] = tuple(p.getText().lower() for p in n.primType())
        for i in range(getattr(n, "getChildCount", lambda: 0)()):
            stack.append(n.getChild(i))


@contextlib.contextmanager
def quiet():
    """Swallow anything pddlpy/ANTLR print on stdout/stderr."""
    sink = io.StringIO()
    with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
        yield


def reference_domain(text: str, file: str):
    """A Domain through pddlpy (the reference path; raises our errors).

    pddlpy's grammar has ``:derived`` wrong (a variable list where the head
    ``(p ?x - t)`` goes), so the ``(:derived ...)`` forms are cut out first, blanked in
    place so every other token keeps its line and column, and read on their own
    (:mod:`vlaplan.planner.convert_derived`)."""
    from vlaplan.planner.convert import build_domain
    from vlaplan.planner.convert_derived import cut_derived, parse_rules

    rest, spans = cut_derived(text, file)
    parsed = parse(rest, file, "domain")
    return build_domain(parsed, parse_rules(text, spans, file))


def reference_problem(text: str, domain, file: str):
    """A Problem through pddlpy (the reference path; raises our errors)."""
    from vlaplan.planner.convert import build_problem

    return build_problem(parse(text, file, "problem"), domain)
