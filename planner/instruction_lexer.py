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
    names = set(names)
    raw = _unhyphenated(tokenize_words(text), lexicon, names)
    words = [_base_form(w, lexicon) if w not in names else w for w in raw]
    tokens: list[Token] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        for length in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            # a phrase as written first ("stacked on" is a relation), then with its verb
            # forms read as the verb ("stacked red" -> "stack red")
            for key in (raw[i:i + length], words[i:i + length]):
                readings = _readings(lexicon, key)
                if readings:
                    break
            if length == 1 and key[0] in names:
                readings.setdefault("name", key[0])
            if readings:
                if set(readings) != {"filler"}:
                    tokens.append(Token(tuple(key), readings))
                elif tuple(key) in (("that",), ("those",)):
                    tokens.append(Token(tuple(key), {"demonstrative": key[0]}))  # decided below
                elif key == ["so"] and words[i + 1:i + 2] in (["it"], ["they"]):
                    tokens.append(Token(("so",), {"so_that": "so_that"}))  # "so it is on green"
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
    tokens = _tops(_tower_parts(_step_numbers(_demonstratives(_bare_other(tokens, lexicon)))))
    tokens = _ends_after_so_that(tokens)
    spatial = [t.text for t in tokens if set(t.readings) == {"position"}]   # unless a domain word
    if spatial:
        raise InstructionNotUnderstood(
            text, f"{spatial[0]!r} picks an object by where it stands, and instructions "
                  f"cannot say that; name it by colour, shape or name (`vlaplan goal` lists "
                  f"the scene's objects)")
    # a comma that ends the instruction or a sentence ("put red on green, please") joins nothing
    return [t for k, t in enumerate(tokens)
            if not (t.has("comma") and (k + 1 == len(tokens) or tokens[k + 1].has("stop")))]


def _unhyphenated(words: list[str], lexicon: Lexicon, names: set[str]) -> list[str]:
    """"red-block" as "red block" when the lexicon does not know the hyphenated word but
    knows each part ("two-block" stays one word)."""
    out: list[str] = []
    for w in words:
        parts = w.split("-")
        if (len(parts) > 1 and w not in names and not lexicon.readings((w,))
                and all(p and (lexicon.readings((p,)) or p in names) for p in parts)):
            out.extend(parts)
        else:
            out.append(w)
    return out


def _readings(lexicon: Lexicon, key: Sequence[str]) -> dict[str, Any]:
    """What the words ``key`` are in ``lexicon``, by kind (the first listed value of a
    kind wins)."""
    readings: dict[str, Any] = {}
    for kind, value in lexicon.readings(key):
        readings.setdefault(kind, value)
    return readings


def _bare_other(tokens: list[Token], lexicon: Lexicon) -> list[Token]:
    """"the other" with no noun after it is "the other one" ("put one red block on green
    and the other on blue"), when the lexicon has "one" as a noun."""
    one = _readings(lexicon, ("one",))
    if "noun" not in one:
        return tokens
    out: list[Token] = []
    for k, tok in enumerate(tokens):
        out.append(tok)
        after = tokens[k + 1] if k + 1 < len(tokens) else None
        if (tok.words == ("other",) and k and tokens[k - 1].get("det") == "the"
                and (after is None or not after.has("noun", "colour", "others", "name"))):
            out.append(Token(("one",), dict(one)))
    return out


def _ends_after_so_that(tokens: list[Token]) -> list[Token]:
    """"so that" before a block and its end of the tower is "with" ("stack the blocks so that
    red is at the bottom (and yellow is on top)": with red at the bottom ...; "is" is a filler)."""
    out = list(tokens)
    for k, tok in enumerate(tokens):
        if not tok.has("so_that"):
            continue
        j = k + 1
        while j < len(tokens) and tokens[j].has("det", "colour", "noun", "name", "ordinal",
                                                "number", "index") \
                and not tokens[j].has("end"):
            j += 1
        if k + 1 < j < len(tokens) and tokens[j].has("end"):
            out[k] = Token(("with",), {"with": "with"})
    return out


def _demonstratives(tokens: list[Token]) -> list[Token]:
    """"that"/"this"/"those" right after a relation word and ending the clause ("put blue on
    top of that") is a pronoun; anywhere else "that" is a filler ("make sure that ...")."""
    out: list[Token] = []
    for k, tok in enumerate(tokens):
        word = tok.get("demonstrative") or (tok.text if tok.text in ("this", "these")
                                             and tok.has("det") else None)
        if word is not None:
            after = tokens[k + 1] if k + 1 < len(tokens) else None
            ends = after is None or after.has("and", "comma", "stop", "seq", "temporal")
            if out and out[-1].has("rel") and ends:
                plural = word in ("those", "these")
                out.append(Token(tok.words, {"pron": "them" if plural else "it"}))
                continue
            if tok.has("demonstrative"):
                continue
        out.append(tok)
    return out


def _step_numbers(tokens: list[Token]) -> list[Token]:
    """A number with a full stop after it and a verb next is a step's number inside the
    text ("1. put red on green 2. put blue on red"), not a block's ("green 2"); so is one
    that starts the text or a sentence with a verb right after it ("1) put red on green;
    2) put blue on red": the parentheses are gone by now)."""
    return [t for k, t in enumerate(tokens)
            if not (t.has("number") and k + 2 < len(tokens) and tokens[k + 1].text == "."
                    and _is_verb(tokens[k + 2]))
            and not (t.has("number") and k + 1 < len(tokens) and _is_verb(tokens[k + 1])
                     and (k == 0 or tokens[k - 1].has("stop")))]


def _tower_parts(tokens: list[Token]) -> list[Token]:
    """"on the bottom block of the tower": a relation and a part of a tower, not the tower
    end "on the bottom" ("with red on the bottom") that the longest phrase took."""
    out: list[Token] = []
    for k, tok in enumerate(tokens):
        after = tokens[k + 1] if k + 1 < len(tokens) else None
        if (tok.get("end") in ("top", "bottom") and len(tok.words) == 3 and tok.words[0] == "on"
                and after is not None and after.has("noun")):
            out += [Token(tok.words[:1], {"rel": "on"}), Token(tok.words[1:2], {"det": "the"}),
                    Token(tok.words[2:], {"tower_part": tok.get("end")})]
            continue
        out.append(tok)
    return out


def _tops(tokens: list[Token]) -> list[Token]:
    """"the top of the yellow block is empty", "the yellow block's top is clear" (the "'s"
    is gone by now): the block is clear.  "top of" before, or "top" right after a noun,
    is dropped when the clause then says the place is empty, clear or free; after a noun
    and ending the clause ("on the green block's top") it is dropped too."""
    out: list[Token] = []
    clearing = False                      # a top was dropped in this clause: "empty" = clear
    for k, tok in enumerate(tokens):
        after = tokens[k + 1] if k + 1 < len(tokens) else None
        ends = after is None or after.has("and", "comma", "stop", "seq")
        clears = _says_clear(tokens[k + 1:])
        if tok.has("top_of") and clears:
            clearing = True
            continue
        if tok.get("tower_part") == "top" and out and out[-1].has("noun") and (ends or clears):
            clearing = clearing or clears
            continue
        if tok.has("and", "comma", "stop", "seq"):
            clearing = False
        if clearing and tok.get("state") == "empty":
            tok = Token(tok.words, {"state": "clear"})
        out.append(tok)
    return out


def _says_clear(tokens: Sequence[Token]) -> bool:
    """Whether the clause in ``tokens`` says a place is empty, clear or free."""
    for t in tokens:
        if t.has("and", "comma", "stop", "seq"):
            return False
        if t.get("state") in ("empty", "clear"):
            return True
    return False


def _base_form(word: str, lexicon: Lexicon) -> str:
    """A verb's -ing or -ed form as the verb the lexicon knows ("putting" -> "put",
    "placing" -> "place", "stacked" -> "stack", "dropped" -> "drop"); any other word
    (and any the lexicon knows as it is: "opened", "closed") as it is."""
    if len(word) < 5 or lexicon.readings((word,)):
        return word
    if word.endswith("ing"):
        stem = word[:-3]
        candidates = [stem, stem + "e"]
    elif word.endswith("ed"):
        stem = word[:-2]
        candidates = [stem, word[:-1]]
    else:
        return word
    if len(stem) > 2 and stem[-1] == stem[-2]:
        candidates.append(stem[:-1])
    for c in candidates:
        if any(kind == "verb" for kind, _ in lexicon.readings((c,))):
            return c
    return word


def split_stages(tokens: Sequence[Token], text: str = "") -> tuple[list[list[Token]], bool]:
    """Cut the token stream into stages, in the order of the text, and say whether two
    steps joined by "after"/"before" happen in the other order (then the parser, having
    read them in text order for its pronouns, swaps them).

    A stage ends at a sequence word ("then", "after that", "first", "finally"), at
    ``;``, ``.`` or ``:`` (not right after "tower": "build a tower: A on B on C"), and
    where "and" or a comma is followed by a new verb or a negation ("open the drawer and
    put ..."); "and" between noun phrases stays inside a clause.
    """
    stages: list[list[Token]] = [[]]
    temporal: list[tuple[str, int]] = []          # ("after" | "before", index of its stage)
    ordered: list[tuple[int, Token]] = []         # an order said before a colon, for its stage
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        later_first = (tok.text in ("first", "firstly") and stages[-1] and i + 1 < len(tokens)
                       and _is_verb(tokens[i + 1]))        # "put blue on red, first put ..."
        if tok.has("temporal") or later_first:    # "... after putting X", "before you ..., "
            while stages[-1] and stages[-1][-1].has("comma", "and"):
                stages[-1].pop()                  # "put blue on red, after putting ..."
            if stages[-1]:
                stages.append([])
            temporal.append(("after" if later_first else tok.get("temporal"), len(stages) - 1))
            i += 1
            continue
        if tok.text == ":" and stages[-1] and (stages[-1][-1].has("tower", "listed_order")
                                               or _sized(stages[-1])):
            i += 1                                # "build a tower (of four blocks): A on B",
                                                  # "put the blocks in order: A, B, C, ..."
            continue
        if tok.text == ":" and _announces(stages[-1]):
            stages[-1] = []                       # "stack them all: red on green on blue"
            i += 1
            continue
        if (tok.text == ":" and stages[-1] and stages[-1][-1].has("order")
                and _announces(stages[-1][:-1], bare=True)):
            ordered.append((len(stages) - 1, stages[-1][-1]))   # "stack them from bottom to
            stages[-1] = stages[-1][:1]                          # top: A, B, C" = "stack A,
            i += 1                                               # B, C from bottom to top"
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
            if j < len(tokens) and tokens[j].text in ("first", "firstly"):
                i = j                             # "..., first put ...": decided there
                continue
            if j < len(tokens) and _starts_clause(tokens[j]) and not _second_state(
                    stages[-1], tokens[j:]):
                stages.append([])
                i = j
                continue
        stages[-1].append(tok)
        i += 1
    for k, order in ordered:
        stages[k].append(order)
    # a stage of one number is a list marker: "1. put red on green. 2. put blue on red."
    stages = [stage for stage in stages if stage and not (len(stage) == 1 and stage[0].has("number"))]
    for stage in stages:                          # "in the end, red on green": a filler's comma
        while len(stage) > 1 and stage[0].has("comma"):
            del stage[0]
    return stages, _reversed_in_time(stages, temporal, text or " ".join(t.text for t in tokens))


def _reversed_in_time(stages: list[list[Token]], temporal: list[tuple[str, int]],
                      text: str) -> bool:
    """Whether two steps joined by "after"/"before" happen in the other order than said:
    "Y after X" and "before Y, X" do X first; "after X, Y" and "X before Y" are in order."""
    if not temporal:
        return False
    if len(stages) < 2:
        raise InstructionNotUnderstood(
            text, "say both steps and where the first ends, e.g. 'after putting red on green, "
                  "put blue on red'")
    if len(temporal) > 1 or len(stages) != 2:
        raise InstructionNotUnderstood(
            text, "'after', 'before' and a later 'first' join exactly two steps; for more "
                  "say 'first ..., then ..., then ...'")
    word, sub = temporal[0]
    return (word == "after") == (sub == 1)        # the step after "after" happens first


def _announces(stage: list[Token], bare: bool = False) -> bool:
    """Whether ``stage`` is a verb and "them (all)" / "everything" before a colon that lists
    the steps: "stack them all: ...", "do everything: ...".  With ``bare`` (an order said
    before the colon: "stack (the blocks) from bottom to top: A, B, C") the verb may stand
    alone or with "the blocks"."""
    words = ("pron", "everything", "quant") + (("det", "noun") if bare else ())
    return (len(stage) >= (1 if bare else 2) and _is_verb(stage[0])
            and all(t.has(*words) for t in stage[1:]))


def _sized(stage: list[Token]) -> bool:
    """Whether ``stage`` ends "tower of <number> <noun>" ("a tower of four blocks")."""
    return (len(stage) >= 4 and stage[-4].has("tower") and stage[-3].has("of")
            and stage[-2].has("number") and stage[-1].has("noun"))


def _second_state(stage: list[Token], rest: Sequence[Token]) -> bool:
    """"(the drawer should be) closed and empty": a state word that is also a verb, right
    after another state and ending the clause, is that object's second state."""
    ends = len(rest) == 1 or rest[1].has("and", "comma", "stop", "seq")
    return bool(stage) and stage[-1].has("state") and rest[0].has("state") and ends


def _starts_clause(tok: Token) -> bool:
    return tok.has("seq", "neg") or _is_verb(tok)


def _is_verb(tok: Token) -> bool:
    """A verb, not a word that also names an object ("stack", not "red")."""
    return tok.has("verb") and not tok.has("colour", "noun", "name")
