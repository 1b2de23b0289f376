"""Noun phrases of an instruction and their resolution against the observed scene.

"the red block" must denote exactly one object; "all red blocks", "the cubes" and
"everything" denote every match (at least one); "both" exactly two; "the two red blocks"
exactly two.  A reference that matches nothing names what the scene does hold; one that
matches several lists the candidates.  Pronouns ("it", "them") take the most recent
mention that fits, preferring the subjects of earlier clauses.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from vlaplan.planner.errors import InstructionNotUnderstood
from vlaplan.planner.instruction_goal import SceneObject
from vlaplan.planner.instruction_lexer import Token
from vlaplan.planner.lexicon import Lexicon


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
    states: list[str] = field(default_factory=list)   # "the open drawer"
    excluded: list[NounPhrase] = field(default_factory=list)   # "every block except red"

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def collective(self) -> bool:
        """Denotes every match rather than exactly one."""
        return self.quant == "all" or self.everything or self.plural


class Mentions:
    """Objects mentioned so far, for pronouns: (objects, was a subject, stage) in order."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple[SceneObject, ...], bool, int]] = []
        self.stage = 0

    def add(self, objects: Sequence[SceneObject], subject: bool) -> None:
        if objects:
            self.items.append((tuple(objects), subject, self.stage))

    def names(self) -> set[str]:
        return {o.name for objs, _, _ in self.items for o in objs}


class Resolver:
    """Resolves noun phrases of one instruction against the scene's objects."""

    def __init__(self, instruction: str, objects: Sequence[SceneObject], lexicon: Lexicon,
                 in_state: Callable[[str, SceneObject], bool | None] | None = None,
                 towers: Callable[[], list[list[SceneObject]] | None] | None = None) -> None:
        self.in_state = in_state or (lambda state, obj: None)
        self.towers = towers or (lambda: None)
        self.instruction = instruction
        self.objects = tuple(objects)
        self.by_name = {o.name: o for o in self.objects}
        self.lexicon = lexicon
        self.mentions = Mentions()

    def fail(self, reason: str, suggestions: dict[str, list[str]] | None = None) -> InstructionNotUnderstood:
        return InstructionNotUnderstood(self.instruction, reason, (), suggestions)

    def listing(self, objects: Sequence[SceneObject]) -> str:
        return ", ".join(self.lexicon.describe(o) for o in objects) or "nothing"

    def phrase(self, np: NounPhrase) -> str:
        return repr(np.text) if np.text else "that"

    def resolve(self, np: NounPhrase, types: Collection[str] | None, *, subject: bool,
                exclude: Collection[str] = (), record: bool = True) -> list[SceneObject]:
        """The objects ``np`` denotes among those of ``types`` (None: any type).

        ``exclude`` names objects a pronoun may not take ("put blue on it": not blue).
        """
        found = self._tower(np, subject) if np.tower else self._resolve(np, types, exclude)
        if record:
            self.mentions.add(found, subject)
        return found

    def _resolve(self, np: NounPhrase, types: Collection[str] | None,
                 exclude: Collection[str]) -> list[SceneObject]:
        if np.pronoun:
            return self._pronoun(np, types, exclude)
        if np.name is not None:
            obj = self.by_name[np.name]
            if types is not None and obj.type not in types:
                raise self.fail(f"{self.lexicon.describe(obj)} cannot be used there "
                                f"(type {obj.type}; expected {' or '.join(sorted(types))})")
            return [obj]
        described = list(self.objects)
        if np.noun is not None:
            noun = self.lexicon.nouns[np.noun]
            described = [o for o in described if noun.denotes(o)]
        if np.colours:
            described = [o for o in described if o.colour in np.colours]
        if np.index is not None:
            described = [o for o in described if o.name.rsplit("_", 1)[-1] == str(np.index)]
        for state in np.states:        # checked against the observed state when there is one
            described = [o for o in described if self.in_state(state, o) is not False]
        if not np.noun and not np.colours and types is None:
            types = self.lexicon.movable or None
        candidates = described if types is None else [o for o in described if o.type in types]
        if described and not candidates:
            kinds = sorted({o.type for o in described})
            kind = "/".join(kinds)
            article = "an" if kind[:1] in "aeiou" else "a"
            raise self.fail(f"{self.phrase(np)} is {article} {kind}, which cannot be used there "
                            f"(expected {' or '.join(sorted(types or ()))})")
        if np.other:
            mentioned = self.mentions.names()
            candidates = [o for o in candidates if o.name not in mentioned]
        for ex in np.excluded:                # each exception must name something there
            left_out = {o.name for o in self._resolve(ex, None, ())}
            candidates = [o for o in candidates if o.name not in left_out]
        self._check_count(np, candidates, types)
        return candidates

    def _tower(self, np: NounPhrase, subject: bool) -> list[SceneObject]:
        """The blocks of the tower(s) ``np`` names in the observed state, top first; as a
        place ("put red on the tower") the top block of each."""
        towers = self.towers()
        if towers is None:
            raise self.fail(f"{self.phrase(np)} means blocks stacked in the observed scene, "
                            f"and there is none to look at; name the blocks instead")
        if not towers:
            raise self.fail(f"there is no tower in the observed scene: no block is on another")
        said = " | ".join(self.tower_text(t) for t in towers)
        wanted = 2 if np.quant == "both" else np.count
        if wanted is not None and len(towers) != wanted:
            raise self.fail(f"{self.phrase(np)} needs exactly {wanted} towers but the scene "
                            f"has {len(towers)}: {said}")
        if wanted is None and not np.collective and len(towers) > 1:
            raise self.fail(f"{self.phrase(np)} is ambiguous: the scene has {len(towers)} "
                            f"towers ({said}); name the blocks, or say 'every tower'")
        return [o for t in towers for o in (t if subject else t[:1])]

    def tower_text(self, tower: Sequence[SceneObject]) -> str:
        return " on ".join(o.name for o in tower)

    def _check_count(self, np: NounPhrase, candidates: list[SceneObject],
                     types: Collection[str] | None) -> None:
        if not candidates:
            pool = [o for o in self.objects if types is None or o.type in types]
            if np.noun is not None:
                noun = self.lexicon.nouns[np.noun]
                pool = [o for o in pool if noun.denotes(o)] or pool
            if np.other:
                raise self.fail(f"{self.phrase(np)} leaves nothing: every matching object "
                                f"is already mentioned")
            if np.states:
                said = {"hold": "held", "close": "closed"}
                states = " and ".join(said.get(s, s) for s in np.states)
                raise self.fail(f"{self.phrase(np)}: no {self.described(np, types)} is "
                                f"{states} in the observed scene; it has {self.listing(pool)}")
            raise self.fail(f"there is no {self.described(np, types)} in the scene; "
                            f"it has {self.listing(pool)}")
        wanted = 2 if np.quant == "both" else np.count
        if wanted is not None:
            if len(candidates) != wanted:
                raise self.fail(
                    f"{self.phrase(np)} needs exactly {wanted} objects but the scene has "
                    f"{len(candidates)}: {self.listing(candidates)}",
                    {np.text: [o.name for o in candidates]} if len(candidates) > wanted else None)
            return
        if not np.collective and len(candidates) > 1:
            err = self.fail(f"{self.phrase(np)} is ambiguous: it could be "
                            f"{' or '.join(self.lexicon.describe(o) for o in candidates)}; "
                            f"say which (e.g. by name)", {np.text: [o.name for o in candidates]})
            err.candidates = [o.name for o in candidates]  # type: ignore[attr-defined]
            raise err

    def described(self, np: NounPhrase, types: Collection[str] | None = None) -> str:
        noun = self.lexicon.nouns[np.noun].words[0] if np.noun else self.noun_of_types(types)
        words = [" or ".join(np.colours)] if np.colours else []
        words.append(noun)
        if np.index is not None:
            words.append(str(np.index))
        return " ".join(words)

    def noun_of_types(self, types: Collection[str] | None) -> str:
        """The word for objects of ``types`` ("block", "bin"), else "object"."""
        for noun in self.lexicon.nouns.values():
            if types and noun.types and noun.shape is None and set(noun.types) <= set(types):
                return noun.words[0]
        return "object"

    def _pronoun(self, np: NounPhrase, types: Collection[str] | None,
                 exclude: Collection[str]) -> list[SceneObject]:
        if np.pronoun == "self":
            raise self.fail("an object cannot be placed on or in itself")
        single = np.pronoun == "it"

        def fits(objs: tuple[SceneObject, ...]) -> bool:
            if single and len(objs) != 1:
                return False
            return all((types is None or o.type in types) and o.name not in exclude for o in objs)

        for want_subject in (True, False):
            for objs, was_subject, _ in reversed(self.mentions.items):
                if was_subject == want_subject and fits(objs) and (single or len(objs) > 1):
                    return list(objs)
        if not single:  # "them": every fitting object mentioned in the latest stage naming two
            for stage in sorted({st for _, _, st in self.mentions.items}, reverse=True):
                found = list(dict.fromkeys(o for objs, _, st in self.mentions.items if st == stage
                                           for o in objs if fits((o,))))
                if len(found) > 1:
                    return found
            err = self.fail(f"'{np.text}' does not refer to several objects mentioned before")
        else:
            err = self.fail(f"'{np.text}' does not refer to anything mentioned before that "
                            f"fits there")
        err.unresolved_pronoun = True  # type: ignore[attr-defined]
        raise err

    def matching(self, subject: SceneObject, np: NounPhrase, types: Collection[str] | None,
                 attribute: str = "colour", optional: bool = False) -> SceneObject | None:
        """The one container of ``types`` sharing ``subject``'s attribute ("its bin");
        None when there is none and ``optional``."""
        value = getattr(subject, attribute)
        pool = [o for o in self.objects if (types is None or o.type in types)
                and (np.noun is None or self.lexicon.nouns[np.noun].denotes(o))]
        hits = [o for o in pool if value is not None and getattr(o, attribute) == value]
        if not hits and optional:
            return None
        if len(hits) != 1:
            what = "no" if not hits else "more than one"
            raise self.fail(f"{what} {self.described(np, types)} has the {attribute} of "
                            f"{self.lexicon.describe(subject)}; the scene has {self.listing(pool)}; "
                            f"name only objects that have one")
        self.mentions.add(hits, False)
        return hits[0]


def _modifies(tok: Token | None) -> bool:
    return tok is not None and tok.has("colour", "noun", "other", "match")


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
        elif t.has("ordinal") and np.det == "the" and np.index is None:
            np.index = t.get("ordinal")                       # "the second red block"
        elif t.has("number") and np.count is None and _modifies(at(i + 1)):
            np.count = t.get("number")
        else:
            break
        np.words.extend(t.words)
        i += 1
    while (t := at(i)) is not None:                           # adjectives
        if t.has("colour"):
            np.colours.append(t.get("colour"))
        elif t.has("or") and np.colours and at(i + 1) is not None and at(i + 1).has("colour"):
            pass                                              # "red or blue blocks"
        elif t.has("other"):
            np.other = True
        elif t.has("match"):
            np.match = True
        elif t.has("det") and np.other:                       # "the rest of the blocks"
            pass
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
            i = _relative_clause(toks, i, np)
    if head is not None and (np.noun or np.name) or (head is None and np.colours):  # "red block 2"
        j = i + 1 if at(i) is not None and at(i).has("index") else i
        if at(j) is not None and at(j).has("number") and not _modifies(at(j + 1)):
            np.index = at(j).get("number")
            np.words.extend(w for t in toks[i:j + 1] for w in t.words)
            i = j + 1
        if at(i) is not None and at(i).has("match"):           # "the bin of its colour"
            np.match = True
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
        bare_all = (np.words == ["all"] and not (at(i) is not None and not at(i).has(
            "rel", "down", "away", "and", "comma", "stop", "seq")))
        if bare_all:
            np.everything = True                              # "unstack all", "put all away"
        elif not (np.colours or np.nothing):
            return None, start
    return np, i


def _relative_clause(toks: Sequence[Token], i: int, np: NounPhrase) -> int:
    """"the block that is red", "the drawer which is open": colours and states after
    "that is"/"which is" describe the head as if said before it.  Returns the new index
    (``i`` when no such clause, or nothing it can read, follows)."""
    if np.pronoun or np.table or np.tower or i >= len(toks) or not toks[i].has("relcl"):
        return i
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


def parse_noun_phrases(toks: Sequence[Token], i: int) -> tuple[list[NounPhrase] | None, int]:
    """A list "red, green and the blue block"; a bare colour takes the noun of the last item."""
    first, i = parse_noun_phrase(toks, i)
    if first is None:
        return None, i
    both = first.quant == "both" and not first.plural     # "both red and green"
    items = [first]
    while i < len(toks) and toks[i].has("and", "comma"):
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
