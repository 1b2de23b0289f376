"""Loading PDDL domain and problem files or strings into our own types.

``load_domain``/``parse_domain`` and ``load_problem``/``parse_problem`` are the public
entry points.  Two front ends build the same :class:`Domain` / :class:`Problem`:

- ``parser="fast"`` (the default): our own recursive-descent reader
  (:mod:`vlaplan.planner.reader`) for the PDDL subset we plan for.  Whatever it does not
  take - bad input, a feature it does not know, anything unusual - goes to the
  reference path below, so it can only give the reference's answer or step aside.
- ``parser="pddlpy"``: pddlpy's ANTLR grammar (:mod:`vlaplan.planner.reference` +
  :mod:`vlaplan.planner.convert`).  It is the reference the reader is tested against
  (``tests/planner/test_pddl_reader.py``: equal results on every bundled file, all
  generator output and the fuzz mutants), and the error path: every
  PDDLSyntaxError / PDDLSemanticError / UnsupportedFeature (file, line, one-line reason)
  comes from it.

Departure from DESIGN.md ("load through pddlpy"), for speed, measured on this project's
machine (CPU time, benchmarks/README.md): importing antlr4 + pddlpy costs about 22 ms per
process and reading a blocksworld-4 or logistics-4 domain + problem through pddlpy's
Python ANTLR parser 15-21 ms, while pyperplan solves such problems in 2-30 ms in all and
Fast Downward answers in about 0.12 s of CPU end to end; our reader takes 0.5-0.7 ms and
imports neither.  pddlpy stays a dependency, as the reference and the error path.
"""
from __future__ import annotations

import bisect
import os
from dataclasses import dataclass
from typing import Any

from vlaplan.planner.errors import PDDLError, PDDLSemanticError
from vlaplan.planner.model import Domain, Problem
from vlaplan.planner.reader import read_domain, read_problem
from vlaplan.planner.tokens import CONTROL

PARSERS = ("fast", "pddlpy")


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
    m = CONTROL.search(text)
    if m is not None:
        raise PDDLSemanticError("binary data, not PDDL text", file,
                                text.count("\n", 0, m.start()) + 1)


def _check_parser(parser: str) -> None:
    if parser not in PARSERS:
        raise ValueError(f"unknown parser {parser!r}; choose one of {', '.join(PARSERS)}")


def parse_domain(text: str, file: str = "<string>", *, parser: str = "fast") -> Domain:
    """Parse domain text; raises PDDLSyntaxError / PDDLSemanticError / UnsupportedFeature.

    ``parser="pddlpy"`` forces the pddlpy reference path (see the module docstring).
    """
    _check_parser(parser)
    if parser == "fast":
        try:
            return read_domain(text, file)
        except Exception:  # noqa: BLE001 - not taken: the reference decides, errors included
            pass
    from vlaplan.planner.reference import reference_domain

    return reference_domain(text, file)


def parse_problem(text: str, domain: Domain, file: str = "<string>", *,
                  parser: str = "fast") -> Problem:
    """Parse problem text against ``domain``."""
    _check_parser(parser)
    if parser == "fast":
        try:
            return read_problem(text, domain, file)
        except Exception:  # noqa: BLE001 - not taken: the reference decides, errors included
            pass
    from vlaplan.planner.reference import reference_problem

    return reference_problem(text, domain, file)


def load_domain(path: str | os.PathLike, *, parser: str = "fast") -> Domain:
    """Load a domain file."""
    text, name = read_file(path)
    return parse_domain(text, name, parser=parser)


def load_problem(path: str | os.PathLike, domain: Domain, *, parser: str = "fast") -> Problem:
    """Load a problem file for ``domain``."""
    text, name = read_file(path)
    return parse_problem(text, domain, name, parser=parser)
