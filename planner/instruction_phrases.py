"""Noun phrases of an instruction: what "all red or blue blocks", "the block that is red",
"the tower" or "what you are holding" say, read from the tokens before anything is
resolved against the scene (that is :mod:`instruction_refs`)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vlaplan.planner.instruction_lexer import Token


@dataclass
class NounPhrase:
    """What a noun phrase says, before it is resolved."""

    words: list[str] = field(default_factory=list)
    quant: str | None = None        # all | both | none
    det: str | None = None          # the | a
    count: int | None = None        # "the two ..."
    colours: list[str] = field(default_factory=list)
    noun: str | None = None         # noun class
    plural: bool = False
    other: bool = False             # "the other blocks", "everything else"
    match: bool = False             # "its bin", "the matching bin"
    everything: bool = False
    nothing: bool = False
    pronoun: str | None = None      # it | them | self
    name: str | None = None         # an object name said verbatim ("red_1")
    index: int | None = None        # "red block 2" -> red_2
    table: bool = False
    tower: bool = False             # "the tower", "every stack": blocks stacked in ``init``
    extreme: str | None = None      # "the tallest tower" (max) / "the shortest tower" (min)
    part: str | None = None         # "the top block of the tower": top | bottom
    part_of: NounPhrase | None = None   # ... and the tower it is of
    tower_with: NounPhrase | None = None   # "the tower with the blue block", "the blue tower"
    where: tuple[str, NounPhrase] | None = None   # "the block that is on green": (rel, place)
    states: list[str] = field(default_factory=list)   # "the open drawer"
    excluded: list[NounPhrase] = field(default_factory=list)   # "every block except red"

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def group(self) -> bool:
        """Names several objects at once: a collective, "them", or "(any) three blocks"."""
        return self.collective or self.pronoun == "them" or (self.det == "a" and (self.count or 0) > 1)

    @property
    def collective(self) -> bool:
        """Denotes every match rather than exactly one."""
        return (self.quant == "all" or self.everything or self.plural) and self.det != "a"


def _modifies(tok: Token | None) -> bool:
    return tok is not None and tok.has("colour", "noun", "other", "match")


def _bare_colour(np: NounPhrase) -> bool:
    """Only a colour so far ("red"): a colour right after it starts the next item of a
    list said without commas ("stack red green and blue"), since an object has one colour."""
    return (len(np.colours) == 1 and not (np.det or np.quant or np.count or np.other
                                          or np.match or np.states))


def parse_noun_phrase(toks: Sequence[Token], i: int) -> tuple[NounPhrase | None, int]:
    """Read one noun phrase starting at ``toks[i]``; (None, i) when there is none."""
    def at(j: int) -> Token | None:
        return toks[j] if j < len(toks) else None

    np, start = NounPhrase(), i
    while (t := at(i)) is not None:                           # quantifier, determiner, count
        if t.has("quant") and np.quant is None and np.det is None and np.count is None:
            np.quant = t.get("quant")
            np.nothing = np.quant == "none"
        elif t.has("det") and np.det is None and np.count is None:
            np.det = t.get("det")
            np.other = np.other or t.has("other")             # "another red block"
        elif t.has("ordinal") and np.det == "the" and np.index is None:
            np.index = t.get("ordinal")                       # "the second red block"
        elif t.has("number") and np.count is None and _modifies(at(i + 1)):
            np.count = t.get("number")
            if np.det is None and np.quant is None:           # "two blocks": any two ("the
                np.det = "a"                                  # two blocks": those two)
                np.count = None if np.count == 1 else np.count
        else:
            break
        np.words.extend(t.words)
        i += 1
    while (t := at(i)) is not None:                           # adjectives
        if t.has("colour"):
            if _bare_colour(np) and at(i - 1).has("colour"):
                break                                         # "red green and blue": a list
            np.colours.append(t.get("colour"))
        elif t.has("or") and np.colours and at(i + 1) is not None and at(i + 1).has("colour"):
            pass                                              # "red or blue blocks"
        elif t.has("other"):
            np.other = True
        elif t.has("match"):
            np.match = True
        elif t.has("det") and np.other:                       # "the rest of the blocks"
            pass
        elif t.has("tower_part") and np.part is None and at(i + 1) is not None \
                and at(i + 1).has("noun"):
            np.part = t.get("tower_part")                     # "the top block of ..."
        elif t.has("extreme") and np.extreme is None and at(i + 1) is not None \
                and at(i + 1).has("tower"):
            np.extreme = t.get("extreme")                     # "the tallest tower"
        elif t.has("state") and at(i + 1) is not None and at(i + 1).has("noun", "colour"):
            np.states.append(t.get("state"))                  # "the open drawer"
        else:
            break
        np.words.extend(t.words)
        i += 1
    head = at(i)
    if head is not None:
        if head.has("noun"):
            np.noun, np.plural = head.get("noun")
        elif head.has("everything") and not np.colours:
            np.everything = True
        elif head.has("nothing") and not np.colours:
            np.nothing = True
        elif head.has("pron") and not np.colours:
            np.pronoun = head.get("pron")
        elif head.has("table") and not np.colours:
            np.table = True
        elif head.has("tower") and (np.det or np.quant or np.count) and not np.colours:
            np.tower, np.plural = True, head.words[-1].endswith("s")   # "the tower", "all stacks"
        elif head.has("tower") and np.det == "the" and np.colours and not np.count:
            np.tower = True                                   # "the blue tower": blue's
            np.tower_with = NounPhrase(words=list(np.words[1:]), det="the", colours=np.colours)
            np.colours = []
        elif head.has("others") and not np.colours:         # "the rest", "the others"
            np.other = np.plural = True
        elif head.has("name"):
            np.name = head.get("name")
        elif head.has("what") and not np.colours and at(i + 1) is not None \
                and at(i + 1).has("held"):                   # "what you are holding"
            np.det = "the"
        else:
            head = None
        if head is not None:
            np.words.extend(head.words)
            i += 1
            if at(i) is not None and at(i).has("held"):      # "the block you are holding"
                np.states.append("hold")
                np.words.extend(at(i).words)
                i += 1
            if np.tower and np.det == "the" and not np.plural and np.tower_with is None \
                    and at(i) is not None and at(i).has("with", "tower_with"):
                i = _tower_with(toks, i, np)                  # "the tower with the blue block"
            if np.part and at(i) is not None and at(i).has("of"):   # "... of the tower"
                of, k = parse_noun_phrase(toks, i + 1)
                if of is not None and of.tower:
                    np.part_of = of
                    np.words.extend(w for t in toks[i:k] for w in t.words)
                    i = k
            elif np.plural and np.noun and not np.colours and at(i) is not None and at(i).has("of"):
                of, k = parse_noun_phrase(toks, i + 1)
                if of is not None and of.tower:          # "the blocks of the tower": as the
                    of.words = np.words + [w for t in toks[i:k] for w in t.words]   # tower
                    np, i = of, k
            i = _relative_clause(toks, i, np)
            i = _object_clause(toks, i, np)
            if np.det == "the" and np.noun and not np.plural and not np.tower \
                    and at(i) is not None and at(i).has("tower") \
                    and not at(i).words[-1].endswith("s"):    # "the blue block's tower"
                owner, np = np, NounPhrase(det="the", tower=True, tower_with=np)
                np.words = owner.words + list(at(i).words)
                i += 1
    if head is not None and (np.noun or np.name) or (head is None and np.colours):  # "red block 2"
        j = i + 1 if at(i) is not None and at(i).has("index") else i
        if at(j) is not None and at(j).has("number") and not _modifies(at(j + 1)):
            np.index = at(j).get("number")
            np.words.extend(w for t in toks[i:j + 1] for w in t.words)
            i = j + 1
        while at(i) is not None and at(i).has("match"):        # "the bin of its colour"
            np.match = True                                   # (", as the object")
            np.words.extend(at(i).words)
            i += 1
    if (np.everything or np.plural) and not np.colours:      # "everything (that is) red"
        while at(i) is not None and at(i).has("colour"):
            np.colours.append(at(i).get("colour"))
            np.words.extend(at(i).words)
            i += 1
    if np.everything and at(i) is not None and at(i).has("else"):   # "everything else"
        np.other = True
        np.words.extend(at(i).words)
        i += 1
    if np.pronoun and at(i) is not None and at(i).get("quant") == "all":   # "them all"
        np.words.extend(at(i).words)
        i += 1
    said = list(np.words)                                     # before any exception
    if np.collective and at(i) is not None and (
            at(i).has("except") or at(i).has("and") and at(i).text == "but"):
        excluded, k = parse_noun_phrases(toks, i + 1)          # "all blocks but the red one"
        if excluded:
            for ex in excluded:                   # a bare colour leaves out all of it
                if ex.det is None and ex.noun is None and ex.colours and ex.count is None:
                    ex.plural = True
            np.excluded = excluded
            np.words.extend(w for t in toks[i:k] for w in t.words)
            i = k
    if head is None:
        bare_all = (said == ["all"] and not (at(i) is not None and not at(i).has(
            "rel", "down", "away", "and", "comma", "stop", "seq")))
        if bare_all:
            np.everything = True                              # "unstack all", "put all away"
        elif not (np.colours or np.nothing):
            return None, start
    return np, i


def _tower_with(toks: Sequence[Token], i: int, np: NounPhrase) -> int:
    """"the tower with (containing, that has) the blue block": the observed tower that
    holds it (``np.tower_with``).  Not when a tower end follows ("with red at the bottom":
    how a tower is built).  Returns the new index."""
    inner, k = parse_noun_phrase(toks, i + 1)
    if inner is None or inner.tower or (k < len(toks) and toks[k].has("end")):
        return i
    if k < len(toks) and toks[k].text in ("in", "on") and k + 1 < len(toks) \
            and toks[k + 1].has("pron"):
        k += 2                                            # "... with the blue block in it"
    np.tower_with = inner
    np.words.extend(w for t in toks[i:k] for w in t.words)
    return k


def _relative_clause(toks: Sequence[Token], i: int, np: NounPhrase) -> int:
    """"the block that is red", "the drawer which is open": colours and states after
    "that is"/"which is" describe the head as if said before it; "the block that is on
    green" names where it stands (``np.where``, checked against the observed state).  Returns the new index
    (``i`` when no such clause, or nothing it can read, follows)."""
    if np.pronoun or np.table or np.tower or i >= len(toks) or not toks[i].has("relcl"):
        return i
    if i + 1 < len(toks) and toks[i + 1].get("rel") in ("on", "in", "under"):
        place, k = parse_noun_phrase(toks, i + 2)     # "the block that is on green"
        if place is None:
            return i
        np.where = (toks[i + 1].get("rel"), place)
        np.words.extend(w for t in toks[i:k] for w in t.words)
        return k
    j, colours, states = i + 1, [], []
    while j < len(toks):
        t = toks[j]
        if t.has("colour"):
            colours.append(t.get("colour"))
        elif t.has("state"):
            states.append(t.get("state"))
        elif not (t.has("and", "comma", "or") and colours + states):
            break
        j += 1
    while j > i + 1 and toks[j - 1].has("and", "comma", "or"):
        j -= 1
    if not colours + states or (colours and np.colours):
        return i
    np.colours += colours
    np.states += states
    np.words.extend(w for t in toks[i:j] for w in t.words)
    return j


def _object_clause(toks: Sequence[Token], i: int, np: NounPhrase) -> int:
    """"the block (that) red is on", "the drawer the cube is in": a relative clause whose
    subject is another object, at the end of a clause; it names where that object stands
    (``np.where`` = ("under", red) / ("holds", cube)).  Returns the new index."""
    if np.noun is None or np.where is not None or i >= len(toks) or np.pronoun:
        return i
    if not toks[i].has("det", "colour", "name"):
        return i
    inner, k = parse_noun_phrase(toks, i)
    if inner is None or inner.collective or k >= len(toks) or toks[k].get("rel") not in ("on", "in"):
        return i
    if k + 1 < len(toks) and not toks[k + 1].has("and", "comma", "stop", "seq", "rel"):
        return i
    np.where = ("under" if toks[k].get("rel") == "on" else "holds", inner)
    np.words.extend(w for t in toks[i:k + 1] for w in t.words)
    return k + 1


def parse_noun_phrases(toks: Sequence[Token], i: int) -> tuple[list[NounPhrase] | None, int]:
    """A list "red, green and the blue block"; a bare colour takes the noun of the last item."""
    first, i = parse_noun_phrase(toks, i)
    if first is None:
        return None, i
    both = first.quant == "both" and not first.plural     # "both red and green"
    items = [first]
    while i < len(toks) and (toks[i].has("and", "comma")
                             or _bare_colour(items[-1]) and toks[i].has("colour")):
        j = i
        while j < len(toks) and toks[j].has("and", "comma"):
            j += 1
        nxt, k = parse_noun_phrase(toks, j)
        if nxt is None or nxt.nothing or (k < len(toks) and toks[k].has("end")):
            break                                 # "..., green at the top" is a tower end
        items.append(nxt)
        i = k
    if both and len(items) == 2:
        first.quant = None
    last = items[-1]
    for np in items[:-1]:
        if np.noun is None and np.colours and not np.other and last.noun is not None:
            np.noun, np.plural = last.noun, last.plural
        if items[0].quant == "all" and np.quant is None and np.det is None:
            np.quant = "all"
    if items[0].quant == "all" and last.quant is None and last.det is None:
        last.quant = "all"
    return items, i
