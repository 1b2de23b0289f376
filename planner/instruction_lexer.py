"""Instruction text -> tokens with readings, and tokens -> ordered stages.

A token is a word or a lexicon phrase (longest match first) with every *reading* the
lexicon gives it (``("verb", "open")`` and ``("state", "open")`` for "open"); the parser
picks the reading that fits where the token stands.  Words with no reading are collected
and reported together with close matches from the lexicon.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vlaplan.planner.errors import InstructionNotUnderstood
from vlaplan.planner.lexicon import MAX_PHRASE, Lexicon, tokenize_words


@dataclass(frozen=True)
class Token:
    """One word or phrase of the instruction and its readings (kind -> value)."""

    words: tuple[str, ...]
    readings: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def has(self, *kinds: str) -> bool:
        return any(k in self.readings for k in kinds)

    def get(self, kind: str) -> Any:
        return self.readings.get(kind)


def lex(text: str, lexicon: Lexicon, names: Iterable[str] = ()) -> list[Token]:
    """Tokens of ``text``; raises :class:`InstructionNotUnderstood` on unknown words."""
    words = tokenize_words(text)
    names = set(names)
    tokens: list[Token] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        for length in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            key = words[i:i + length]
            readings: dict[str, Any] = {}
            for kind, value in lexicon.readings(key):
                readings.setdefault(kind, value)  # the first listed value of a kind wins
            if length == 1 and key[0] in names:
                readings.setdefault("name", key[0])
            if readings:
                if set(readings) != {"filler"}:
                    tokens.append(Token(tuple(key), readings))
                i += length
                break
        else:
            if words[i] not in unknown:
                unknown.append(words[i])
            i += 1
    if unknown:
        suggestions = {w: lexicon.suggest(w, names) for w in unknown}
        listed = ", ".join(repr(w) for w in unknown)
        raise InstructionNotUnderstood(
            text, f"unknown word{'s' if len(unknown) > 1 else ''} {listed} "
                  f"(not in the {lexicon.domain or 'domain'} lexicon)", unknown, suggestions)
    return tokens


def split_stages(tokens: Sequence[Token]) -> list[list[Token]]:
    """Cut the token stream into ordered stages.

    A stage ends at a sequence word ("then", "after that", "first", "finally"), at
    ``;``, ``.`` or ``:`` (not right after "tower": "build a tower: A on B on C"), and
    where "and" or a comma is followed by a new verb or a negation ("open the drawer and
    put ..."); "and" between noun phrases stays inside a clause.
    """
    stages: list[list[Token]] = [[]]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.text == ":" and stages[-1] and stages[-1][-1].has("tower"):
            i += 1                                # "build a tower: red on green on blue"
            continue
        if tok.has("ordinal") and stages[-1] and stages[-1][-1].has("det"):
            stages[-1].append(tok)                # "the first red block", not "first, ..."
            i += 1
            continue
        if tok.has("seq", "stop"):
            stages.append([])
            i += 1
            continue
        if tok.has("and", "comma"):
            j = i
            while j < len(tokens) and tokens[j].has("and", "comma"):
                j += 1
            if j < len(tokens) and _starts_clause(tokens[j]):
                stages.append([])
                i = j
                continue
        stages[-1].append(tok)
        i += 1
    return [stage for stage in stages if stage]


def _starts_clause(tok: Token) -> bool:
    if tok.has("seq", "neg"):
        return True
    return tok.has("verb") and not tok.has("colour", "noun", "name")
