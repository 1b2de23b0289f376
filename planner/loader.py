"""Reading PDDL text through pddlpy's ANTLR grammar.

``load_domain``/``parse_domain`` and ``load_problem``/``parse_problem`` are the public
entry points.  This module owns the pddlpy boundary on the syntax side: it checks the
raw text (empty, binary), lexes and parses with pddlpy's generated lexer/parser while an
error listener turns the first ANTLR complaint into :class:`PDDLSyntaxError` (pddlpy
itself only prints to stderr and carries on), and refuses features we do not plan for.
:mod:`vlaplan.planner.convert` then builds our own model from the parse tree.
"""
from __future__ import annotations

import bisect
import contextlib
import io
import os
from dataclasses import dataclass
from typing import Any

from antlr4 import CommonTokenStream, InputStream
from antlr4.atn.PredictionMode import PredictionMode
from antlr4.error.ErrorListener import ErrorListener
from antlr4.error.ErrorStrategy import BailErrorStrategy
from antlr4.error.Errors import ParseCancellationException, RecognitionException
from pddlpy.pddlLexer import pddlLexer
from pddlpy.pddlParser import pddlParser

from vlaplan.planner.errors import PDDLError, PDDLSemanticError, PDDLSyntaxError, UnsupportedFeature
from vlaplan.planner.model import Domain, Problem
from vlaplan.planner.tokens import fast_token_stream

# Keywords of PDDL parts we refuse, with the feature name we report.
UNSUPPORTED_KEYWORDS = {
    ":derived": "derived predicates (:derived)",
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
class Token:
    """A significant token: lower-cased text and its 1-based position."""

    text: str
    line: int
    column: int
    index: int  # position in the ANTLR token stream


class Locator:
    """Finds where a name occurs in a token list, to attach lines to semantic errors."""

    def __init__(self, file: str, tokens: list[Token]) -> None:
        self.file = file
        self.tokens = tokens
        self._indexes = [t.index for t in tokens]

    def span(self, ctx: Any) -> tuple[int, int]:
        """The range of our token list covered by a parse-tree context."""
        lo_index = ctx.start.tokenIndex
        hi_index = ctx.stop.tokenIndex if ctx.stop is not None else lo_index
        return (bisect.bisect_left(self._indexes, lo_index),
                bisect.bisect_right(self._indexes, hi_index))

    def at(self, ctx: Any) -> Token:
        """The first token of a parse-tree context."""
        return Token(ctx.start.text.lower(), ctx.start.line, ctx.start.column + 1,
                     ctx.start.tokenIndex)

    def find(self, words: list[str], lo: int = 0, hi: int | None = None) -> Token | None:
        """First token starting the sequence ``words`` within ``[lo, hi)``."""
        hi = len(self.tokens) if hi is None else hi
        n = len(words)
        for i in range(lo, max(lo, hi - n + 1)):
            if all(self.tokens[i + k].text == words[k] for k in range(n)):
                return self.tokens[i]
        return None

    def error(self, message: str, at: Token | None) -> PDDLSemanticError:
        if at is None:
            return PDDLSemanticError(message, self.file)
        return PDDLSemanticError(message, self.file, at.line, at.column)


@dataclass
class Parsed:
    """A parse tree plus what the converter needs to locate and decode it."""

    tree: Any
    locator: Locator
    either: dict[str, tuple[str, ...]]
    file: str


def read_file(path: str | os.PathLike) -> tuple[str, str]:
    """Read ``path`` as PDDL text; returns ``(text, file name)``."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise PDDLError(f"cannot read file: {exc.strerror or exc}", name) from exc
    return decode(data, name), name


def decode(data: bytes, file: str) -> str:
    """Decode bytes as UTF-8 PDDL text, refusing binary content (NUL bytes, not UTF-8)."""
    bad = data.find(b"\x00")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start if bad < 0 else min(bad, exc.start)
        text = ""
    if bad >= 0:
        line = data[:bad].count(b"\n") + 1
        raise PDDLSemanticError("binary data, not PDDL text", file, line)
    return text


def check_text(text: str, file: str) -> None:
    """Refuse text with control characters (binary data)."""
    for i, ch in enumerate(text):
        if ord(ch) < 32 and ch not in "\t\n\r\f\v":
            raise PDDLSemanticError("binary data, not PDDL text", file, text.count("\n", 0, i) + 1)


def parse(text: str, file: str, rule: str) -> Parsed:
    """Lex and parse ``text`` with pddlpy's grammar (``rule`` is 'domain' or 'problem')."""
    if not isinstance(text, str):
        raise TypeError("PDDL text must be str")
    check_text(text, file)
    listener = _RaisingListener(file)
    stream = fast_token_stream(text)
    if stream is None:  # unusual text: pddlpy's own lexer decides (and reports errors)
        lexer = pddlLexer(InputStream(text))
        lexer.removeErrorListeners()
        lexer.addErrorListener(listener)
        stream = CommonTokenStream(lexer)
        with _quiet():
            stream.fill()
    tokens = [Token(t.text.lower(), t.line, t.column + 1, t.tokenIndex) for t in stream.tokens
              if t.channel == 0 and t.type != -1]
    if not tokens:
        raise PDDLSemanticError(f"empty file: expected (define ({rule} ...))", file, 1)
    for tok in tokens:
        feature = UNSUPPORTED_KEYWORDS.get(tok.text)
        if feature:
            raise UnsupportedFeature(feature, f"{file}:{tok.line}")
    with _quiet():
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
def _quiet():
    """Swallow anything pddlpy/ANTLR print on stdout/stderr."""
    sink = io.StringIO()
    with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
        yield


def parse_domain(text: str, file: str = "<string>") -> Domain:
    """Parse domain text; raises PDDLSyntaxError / PDDLSemanticError / UnsupportedFeature."""
    from vlaplan.planner.convert import build_domain

    return build_domain(parse(text, file, "domain"))


def parse_problem(text: str, domain: Domain, file: str = "<string>") -> Problem:
    """Parse problem text against ``domain``."""
    from vlaplan.planner.convert import build_problem

    return build_problem(parse(text, file, "problem"), domain)


def load_domain(path: str | os.PathLike) -> Domain:
    """Load a domain file."""
    text, name = read_file(path)
    return parse_domain(text, name)


def load_problem(path: str | os.PathLike, domain: Domain) -> Problem:
    """Load a problem file for ``domain``."""
    text, name = read_file(path)
    return parse_problem(text, domain, name)
