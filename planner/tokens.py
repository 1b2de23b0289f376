"""PDDL tokens as pddlpy's ANTLR lexer sees them, without ANTLR where possible.

ANTLR's Python lexer spends about 10 ms warming its DFA in every process, more than
grounding and searching a small problem.  For ordinary PDDL text this module gives the
same tokens with one regular expression:

- :func:`scan` (no ANTLR import): the significant chunks, lower-cased, for our own
  reader (:mod:`vlaplan.planner.reader`); :func:`kind` classifies a chunk;
- :func:`fast_token_stream`: an ANTLR token stream (types, texts, lines, columns) equal
  to pddlpy's lexer's, for the pddlpy reference path.

Any chunk the regular expression is not certain about (``a.b``, ``1a``, non-ASCII, ...)
makes :func:`fast_token_stream` return None (pddlpy's lexer then decides and reports
lexical errors) and makes :func:`kind` return None (our reader then hands the text to
the pddlpy path).  ``tests/planner/test_pddl_tokens.py`` checks both against pddlpy.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# pddlpy's lexer's literal tokens (``pddlLexer.literalNames[1:]``, in order: the ANTLR
# token type of LITERAL_NAMES[i] is i + 1).  Keywords match case-insensitively.
LITERAL_NAMES = (
    "(", "define", ")", "domain", ":context", "-", ":requirements", ":types", "either",
    ":functions", "number", ":constants", ":predicates", ":constraints", ":action",
    ":parameters", ":precondition", ":effect", "and", "or", "not", "imply", "exists", "forall",
    "=", ":durative-action", ":duration", ":condition", "preference", "at", "over", "start",
    "end", "all", ":derived", "when", "*", "+", "/", ">", "<", ">=", "<=", "assign", "scale-up",
    "scale-down", "increase", "decrease", "?duration", "problem", ":domain", ":objects", ":init",
    ":goal", ":metric", "minimize", "maximize", "total-time", "is-violated", "always",
    "sometime", "within", "at-most-once", "sometime-after", "sometime-before", "always-within",
    "hold-during", "hold-after")
LITERALS = {name: i + 1 for i, name in enumerate(LITERAL_NAMES)}
REQUIRE_KEYS = frozenset(
    ":strips :typing :negative-preconditions :disjunctive-preconditions :equality "
    ":existential-preconditions :universal-preconditions :quantified-preconditions "
    ":conditional-effects :fluents :numeric-fluents :action-costs :adl :durative-actions "
    ":derived-predicates :timed-initial-literals :preferences :constraints :semantics".split())
# Keywords of the grammar only after the word given ('(at start ...)', '(over all ...)');
# elsewhere both front ends read them as names (an object named 'start').
CONTEXT_KEYWORDS = {"start": "at", "end": "at", "all": "over"}
# Token types of pddlpy's lexer for the non-literal tokens (checked by the tests).
REQUIRE_KEY, NAME, VARIABLE, NUMBER = 69, 70, 72, 73

# A chunk starting with a letter runs to whitespace or a parenthesis, as ANTLR's URI
# rule would (so "a;b" is one chunk); other chunks also stop at a comment.
_CHUNK = re.compile(r"[ \t\r\n]+|[()]|[a-zA-Z][^ \t\r\n()]*|;[^\n\r]*|[^ \t\r\n();]+")
# The same chunks, with whitespace and comments giving an empty group.
_SIGNIFICANT = re.compile(r"[ \t\r\n]+|;[^\n\r]*|([()]|[a-zA-Z][^ \t\r\n()]*|[^ \t\r\n();]+)")
_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")
_VARIABLE = re.compile(r"\?[a-z][a-z0-9_-]*\Z")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?\Z")
# Characters check_text refuses as binary data (control characters but \t\n\v\f\r).
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


@lru_cache(maxsize=4096)
def kind(chunk: str) -> int | None:
    """pddlpy's token type of a whole chunk, or None when only ANTLR's lexer can tell."""
    if not chunk.isascii():
        return None
    low = chunk.lower()
    literal = LITERALS.get(low)
    if literal is not None:
        return literal
    if low in REQUIRE_KEYS:
        return REQUIRE_KEY
    if _VARIABLE.match(low):
        return VARIABLE
    if _NAME.match(low):
        return NAME
    if _NUMBER.match(chunk):
        return NUMBER
    return None


def scan(text: str) -> list[str] | None:
    """The significant chunks of ``text`` (parentheses and words), lower-cased, or None
    when the text has something only ANTLR's lexer can tell (every chunk returned has a
    :func:`kind`)."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # a lone CR cannot end ANTLR's comment rule: let its lexer decide
    chunks = [c for c in _SIGNIFICANT.findall(text) if c]
    for c in set(chunks):
        if kind(c) is None:
            return None
    return [c.lower() for c in chunks]


def fast_token_stream(text: str) -> Any:
    """pddlpy's ANTLR token stream for ``text``, or None when the ANTLR lexer must decide."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # a lone CR cannot end ANTLR's comment rule: let its lexer decide
    from antlr4.CommonTokenStream import CommonTokenStream
    from antlr4.InputStream import InputStream
    from antlr4.ListTokenSource import ListTokenSource
    from antlr4.Token import CommonToken, Token

    source = (None, InputStream(text))
    tokens: list[CommonToken] = []
    line, column = 1, 0
    for m in _CHUNK.finditer(text):
        chunk = m.group()
        first = chunk[0]
        if first in " \t\r\n":
            newlines = chunk.count("\n")
            if newlines:
                line += newlines
                column = len(chunk) - chunk.rfind("\n") - 1
            else:
                column += len(chunk)
            continue
        if first == ";":
            column += len(chunk)
            continue
        token_type = kind(chunk)
        if token_type is None:
            return None
        start = m.start()
        tok = CommonToken(source, token_type, Token.DEFAULT_CHANNEL, start, start + len(chunk) - 1)
        tok.text, tok.line, tok.column = chunk, line, column
        tokens.append(tok)
        column += len(chunk)
    eof = CommonToken(source, Token.EOF, Token.DEFAULT_CHANNEL, len(text), len(text) - 1)
    eof.text, eof.line, eof.column = "<EOF>", line, column
    tokens.append(eof)
    stream = CommonTokenStream(ListTokenSource(tokens))
    stream.fill()
    return stream
