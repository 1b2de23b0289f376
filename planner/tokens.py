"""A fast tokenizer producing exactly the tokens of pddlpy's ANTLR lexer, or nothing.

ANTLR's Python lexer spends about 10 ms warming its DFA in every process, more than
grounding and searching a small problem.  For ordinary PDDL text this module produces
the same token stream (types, texts, lines, columns) with one regular expression; any
chunk it is not certain about (``a.b``, ``1a``, non-ASCII, ...) makes it return None,
and the caller uses pddlpy's lexer, which also reports lexical errors.  The parser that
consumes the tokens is always pddlpy's.
"""
from __future__ import annotations

import re

from antlr4.CommonTokenStream import CommonTokenStream
from antlr4.InputStream import InputStream
from antlr4.ListTokenSource import ListTokenSource
from antlr4.Token import CommonToken, Token
from pddlpy.pddlLexer import pddlLexer

LITERALS = {name[1:-1].lower(): i for i, name in enumerate(pddlLexer.literalNames) if i}
REQUIRE_KEYS = frozenset(
    ":strips :typing :negative-preconditions :disjunctive-preconditions :equality "
    ":existential-preconditions :universal-preconditions :quantified-preconditions "
    ":conditional-effects :fluents :numeric-fluents :action-costs :adl :durative-actions "
    ":derived-predicates :timed-initial-literals :preferences :constraints :semantics".split())
# A chunk starting with a letter runs to whitespace or a parenthesis, as ANTLR's URI
# rule would (so "a;b" is one chunk); other chunks also stop at a comment.
_CHUNK = re.compile(r"[ \t\r\n]+|[()]|[a-zA-Z][^ \t\r\n()]*|;[^\n\r]*|[^ \t\r\n();]+")
_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")
_VARIABLE = re.compile(r"\?[a-z][a-z0-9_-]*\Z")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?\Z")


def _type_of(chunk: str) -> int | None:
    low = chunk.lower()
    kind = LITERALS.get(low)
    if kind is not None:
        return kind
    if low in REQUIRE_KEYS:
        return pddlLexer.REQUIRE_KEY
    if _VARIABLE.match(low):
        return pddlLexer.VARIABLE
    if _NAME.match(low):
        return pddlLexer.NAME
    if _NUMBER.match(chunk):
        return pddlLexer.NUMBER
    return None


def fast_token_stream(text: str) -> CommonTokenStream | None:
    """pddlpy's token stream for ``text``, or None when the ANTLR lexer must decide."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # a lone CR cannot end ANTLR's comment rule: let its lexer decide
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
        kind = _type_of(chunk)
        if kind is None:
            return None
        start = m.start()
        tok = CommonToken(source, kind, Token.DEFAULT_CHANNEL, start, start + len(chunk) - 1)
        tok.text, tok.line, tok.column = chunk, line, column
        tokens.append(tok)
        column += len(chunk)
    eof = CommonToken(source, Token.EOF, Token.DEFAULT_CHANNEL, len(text), len(text) - 1)
    eof.text, eof.line, eof.column = "<EOF>", line, column
    tokens.append(eof)
    stream = CommonTokenStream(ListTokenSource(tokens))
    stream.fill()
    return stream
