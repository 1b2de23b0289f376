"""Language to goal: ``parse_instruction(text, objects, lexicon) -> Goal``.

The instruction is tokenised against the domain's :class:`Lexicon`, cut into ordered
stages ("first ..., then ...", "and then", ";"), and each stage is parsed into clauses:
``[not] [verb] noun-phrases complement`` where the complement is a relation and a
reference ("on the green block", "into the drawer", "on the table"), a state ("open",
"clear", "empty"), a tower order ("with blue at the bottom") or "by colour".  Noun
phrases are resolved against the observed scene (see :mod:`instruction_refs`); the goal
literals come from the lexicon's templates, so the parser holds no domain knowledge.
Anything it cannot read exactly raises :class:`InstructionNotUnderstood`; it never guesses
what the text means.  Where the text itself leaves a choice open ("a red block", a tower
whose order is not said) one is made and written in ``Goal.notes``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import InstructionNotUnderstood
from vlaplan.planner.instruction_goal import (Goal, Literal, SceneObject, checkpoints_of,
                                              goal_to_formula, stage_text)
from vlaplan.planner.instruction_build import BuildForms
from vlaplan.planner.instruction_forms import InstructionForms
from vlaplan.planner.instruction_lexer import Token, lex, split_stages
from vlaplan.planner.instruction_phrases import (NounPhrase, parse_noun_phrase,
                                                 parse_noun_phrases)
from vlaplan.planner.instruction_refs import Resolver
from vlaplan.planner.instruction_removal import RemovalForms
from vlaplan.planner.instruction_sorting import SortForms
from vlaplan.planner.instruction_state import StateForms
from vlaplan.planner.instruction_towers import TowerForms, tower_lists
from vlaplan.planner.lexicon import GoalTemplate, Lexicon, tokenize_words

__all__ = ["Goal", "Lexicon", "Literal", "SceneObject", "goal_to_formula", "parse_instruction",
           "stage_text"]

QUESTIONS = ("is", "are", "was", "were", "isn't", "aren't")  # "is the drawer open?"
DESCRIBE = {"on": "putting something on something", "in": "putting something into a container",
            "on_table": "putting something on the table", "hold": "holding something",
            "open": "opening", "close": "closing", "remove": "taking something out or off",
            "clear": "keeping something clear", "empty": "emptying a container"}


def parse_instruction(text: str, objects: Sequence[SceneObject], lexicon: Lexicon,
                      init: frozenset[Atom] | None = None) -> Goal:
    """The goal ``text`` means in a scene of ``objects``; raises InstructionNotUnderstood.

    Two steps joined by "after"/"before" are read in the order they are written, so that
    "before closing the drawer, put the cube in it" finds its drawer; when a pronoun then
    points forward ("put blue on it after putting red on green"), they are read again in
    the order they happen."""
    try:
        return _Parser(text, objects, lexicon, init).parse()
    except InstructionNotUnderstood as err:
        if not getattr(err, "unresolved_pronoun", False):
            raise
        try:
            return _Parser(text, objects, lexicon, init, time_order=True).parse()
        except InstructionNotUnderstood:
            raise err from None


class _Parser(InstructionForms, RemovalForms, SortForms, BuildForms, TowerForms, StateForms):
    def __init__(self, text: str, objects: Sequence[SceneObject], lexicon: Lexicon,
                 init: frozenset[Atom] | None, time_order: bool = False) -> None:
        self.text = text
        self.time_order = time_order  # read "Y after X" as X, then Y (see parse_instruction)
        self.lexicon = lexicon
        self.init = frozenset(init or ())
        self.refs = Resolver(text, objects, lexicon, self.in_state, self.towers, self.located)
        self.objects = tuple(objects)
        self.toks: list[Token] = []
        self.i = 0
        self.so_far: tuple[Literal, ...] = ()
        self.backwards = False
        self.now: tuple[tuple[Literal, ...], frozenset[Atom]] | None = None  # state()'s cache
        self.taken_off: list[NounPhrase] | None = None  # subjects of the clause's "off"/"out"
        self.verb_tok: Token | None = None
        self.complement_at = 0
        self.last: tuple[Token, tuple[Token, ...]] | None = None  # the latest verb and place
        self.place_here: tuple[Token, ...] = ()        # the place of this clause, for gapping
        self.subjects_at = 0                            # where this clause's objects start
        self.last_objects: tuple[Token, ...] | None = ()  # the latest clause's objects (None:
        #                                                 several clauses, so not one set)
        self.notes: list[str] = self.refs.notes

    # ------------------------------------------------------------------ helpers
    def fail(self, reason: str, suggestions: dict[str, list[str]] | None = None) -> InstructionNotUnderstood:
        return InstructionNotUnderstood(self.text, reason, (), suggestions)

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def at(self, *kinds: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok is not None and tok.has(*kinds)

    def take(self, kind: str) -> object | None:
        tok = self.peek()
        if tok is not None and tok.has(kind):
            self.i += 1
            return tok.get(kind)
        return None

    def noun_phrase(self) -> NounPhrase | None:
        np, self.i = parse_noun_phrase(self.toks, self.i)
        return np

    def noun_phrases(self) -> list[NounPhrase] | None:
        nps, self.i = parse_noun_phrases(self.toks, self.i)
        return nps

    def template(self, kind: str) -> GoalTemplate:
        tpl = self.lexicon.goals.get(kind)
        if tpl is None:
            raise self.fail(f"the {self.lexicon.domain} domain has no goal for "
                            f"{DESCRIBE.get(kind, kind)}")
        return tpl

    def arg_types(self, kind: str, position: int) -> tuple[str, ...] | None:
        tpl = self.lexicon.goals.get(kind)
        if tpl is None or position >= len(tpl.args):
            return None
        return tpl.args[position]

    # ------------------------------------------------------------------ top level
    def parse(self) -> Goal:
        if not self.text or not self.text.strip():
            raise self.fail("the instruction is empty")
        tokens = lex(self.text, self.lexicon, self.refs.by_name)
        if (self.text.rstrip().endswith("?") and tokenize_words(self.text)[0] in QUESTIONS
                and not any(t.has("verb") and not t.has("state") for t in tokens)):
            raise self.fail("that is a question about the scene, not something to do; say "
                            "what should be done (e.g. 'open the drawer')")
        stages = []
        segments, reverse = split_stages(tokens, self.text)
        if not reverse:
            segments = tower_lists(segments)
        if reverse and self.time_order:
            segments, reverse = segments[::-1], False
        for number, segment in enumerate(segments):
            segment, elided = self.elided(segment)
            self.toks, self.i, self.refs.mentions.stage = segment, 0, number
            self.backwards = reverse               # text order is not time order here
            self.refs.seen_in = ("the scene as the earlier steps leave it" if self.earlier()
                                 else "the observed scene")
            literals = self.stage()
            if self.i < len(self.toks):
                rest = " ".join(t.text for t in self.toks[self.i:])
                if self.at("or"):
                    raise self.fail(f"{rest!r} leaves a choice open, and a goal must say what "
                                    f"holds; name one ('or' is read only between the colours "
                                    f"of several objects: 'all red or blue blocks')")
                raise self.fail(f"could not make sense of {rest!r}")
            if elided == "objects":
                self.check_elided(literals, stages[-1])
            if not literals:
                raise self.fail(f"{' '.join(t.text for t in segment)!r} asks for nothing: no "
                                f"object in {self.refs.seen_in} fits it")
            stages.append(self.consistent(literals))
            self.so_far = checkpoints_of(stages, self.lexicon.slots_of)[-1]
        if not stages:
            raise self.fail("it asks for nothing to be done")
        if reverse:                                # "Y after X": read in text order, done X first
            stages.reverse()
        checkpoints = checkpoints_of(stages, self.lexicon.slots_of)
        return Goal(tuple(stages), self.text, checkpoints, tuple(self.notes))

    def stage(self) -> list[Literal]:
        literals = self.clause()
        if self.taken_off and self.at("rel"):   # "move red from the table into the drawer"
            literals = self.redirected(literals)
        while self.at("and", "comma"):   # gapped clause: "... and blue on yellow"
            save, contrast = self.i, False
            while self.at("and", "comma"):
                contrast |= self.peek().text == "but"    # "not red on green but on blue"
                self.i += 1
            if self.taken_off and self.at("rel"):
                literals = self.redirected(literals)
                continue
            more = self.gapped(contrast)
            if more is None:
                self.i = save
                break
            literals += more
            self.last_objects = None    # "... and blue on yellow, then on the table": whose?
        how = self.peek().get("without") if self.at("without") else None
        if how == "move" or (how and self.at("verb", offset=1)):  # "... without moving blue"
            self.toks[self.i:self.i + 1] = [Token(("not",), {"neg": "not"})] + (
                [Token(("move",), {"verb": "put"})] if how == "move" else [])
            literals += self.clause()                             # (the same step)
        if self.at("comma") and self.at("order", offset=1):
            self.i += 1
        if self.at("order") and self.peek().text == "in that order" and self.clause_ends(1):
            self.i += 1                 # "stack green on blue and red on green, in that order"
        return literals

    # ------------------------------------------------------------------ clauses
    def clause(self) -> list[Literal]:
        while self.at("rel") and self.peek().get("rel") == "to":
            self.i += 1                                  # "I want you to put ..."
        neg = self.take("neg") is not None
        verb, self.verb_word, self.taken_off, self.verb_tok = None, "", None, None
        self.place_here = ()
        tok = self.peek()
        if tok is not None and tok.has("verb") and not tok.has("colour", "noun", "name"):
            verb, self.verb_word, self.verb_tok = tok.get("verb"), tok.text, tok
            self.i += 1
        elif tok is not None and tok.get("det") == "a" and self.at("tower", offset=1):
            verb, self.verb_word = "build", ""              # "(I'd like) a stack of A on B"
        elif (tok is not None and tok.get("state") in ("open", "close")
              and self.at("det", "noun", "colour", "name", "pron", offset=1)):
            verb, self.verb_word = tok.get("state"), tok.text   # "(once you have) opened the drawer"
            self.i += 1
        save = self.i
        named = self.noun_phrases() if verb is not None else None
        split = (dict(self.lexicon.readings((*self.verb_word.split(), self.peek().text))).get("verb")
                 if named and self.peek() is not None and self.clause_ends(1) else None)
        if split is not None:                        # "turn the lamp on", "pick the cube up"
            verb, self.verb_word = split, f"{self.verb_word} {self.toks.pop(self.i).text}"
        if (named is not None or verb == "sort") and self.take("so_that") is not None:
            verb, self.verb_tok = "leave", None      # "arrange the blocks so that red is on green"
            for np in named or ():                   # what "it" may then take
                try:
                    self.refs.resolve(np, None, subject=True)
                except InstructionNotUnderstood:
                    pass
        else:
            self.i = save
        self.verb, self.neg = verb, neg
        if verb == "build":
            return self.build()
        if verb == "sort":
            return self.sort()
        if verb == "swap":
            return self.swap()
        if verb == "reverse":
            return self.reversed_towers()
        return self.body(verb, neg)

    def gapped(self, contrast: bool = False) -> list[Literal] | None:
        """The clause after "and"/a comma that shares the verb (and negation, unless
        ``contrast``: after "but" a negated clause's partner is positive)."""
        if self.verb in ("build", "sort", "swap", "reverse"):
            return None
        save = self.i
        if self.noun_phrases() is None:
            return None
        if self.place_here and (self.peek() is None or self.at("and", "comma")):
            self.toks[self.i:self.i] = self.place_here   # "... and the box (too)": same place
        self.i = save
        return self.body(self.verb, self.neg and not contrast)

    def body(self, verb: str | None, neg: bool) -> list[Literal]:
        literals = self.clause_body(verb, neg)
        self.remember_clause(neg)
        return literals

    def remember_clause(self, neg: bool, bare: bool = False) -> None:
        """This clause's place (the tokens from ``complement_at`` to the cursor) for gapping,
        and its verb, objects and place for a later step that leaves some out (``elided``).
        ``bare``: a verb that says where by itself ("sort the red items") counts without a
        place."""
        place = tuple(self.toks[self.complement_at:self.i])
        self.place_here = place if not neg else ()
        if self.verb_tok is not None and (place or bare) and not neg:
            self.last = (self.verb_tok, place)
            self.last_objects = tuple(self.toks[self.subjects_at:self.complement_at])

    def clause_body(self, verb: str | None, neg: bool) -> list[Literal]:
        self.subjects_at = self.i
        flags = self.particles()
        if self.take("neg") is not None:          # "make sure there is not anything on red"
            neg = True
        subjects = self.noun_phrases()
        flags |= self.particles()
        if "apart" in flags and verb in ("take", "unstack"):   # "take the tower apart"
            verb, flags = "unstack", flags - {"apart"}
        if verb == "unstack":                  # "knock the tower down", "knock it over"
            flags -= {"down"}
            if self.at("rel") and self.peek().text == "over" and (
                    self.peek(1) is None or self.peek(1).has("and", "comma", "stop", "seq")):
                self.i += 1
        if flags and verb not in ("put", "take"):
            raise self.fail(f"'{' '.join(sorted(flags))}' needs a verb such as 'put'")
        if self.take("neg") is not None:
            neg = True
        self.complement_at = self.i
        neg = self.anything(subjects, neg)
        if subjects is None:
            if verb is None:
                raise self.fail("no verb and no object: say what to do with what")
            raise self.fail(f"{verb!r} what? name the object(s)")
        if any(np.nothing for np in subjects):
            return self.nothing(subjects, verb)
        if verb == "hold" and self.at("rel"):          # "lift the red block onto the blue one"
            verb = "put"
        if verb in ("open", "close") and self.at("state") and self.peek().get("state") == verb:
            self.i += 1                                 # "close the drawer shut"
        if verb in ("open", "close", "clear", "empty", "hold"):
            return self.apply_each(verb, subjects, neg)
        if verb is not None and verb not in self.lexicon.builtin_verbs:  # a domain verb
            return self.own_verb(verb, subjects, neg)
        if verb == "unstack" and not self.at("rel"):
            return self.excepted(subjects, self.apply_each("on_table", subjects, neg))
        return self.excepted(subjects, self.complement(verb, subjects, neg, flags))

    def clause_has(self, kind: str) -> bool:
        """Whether a ``kind`` token comes before this clause's step ends (a stop or a seq)."""
        for tok in self.toks[self.i:]:
            if tok.has("stop", "seq"):
                return False
            if tok.has(kind):
                return True
        return False

    def clause_ends(self, offset: int = 0) -> bool:
        """Whether the clause ends ``offset`` tokens ahead."""
        tok = self.peek(offset)
        return tok is None or tok.has("and", "comma", "stop", "seq")

    def place_examples(self) -> str:
        """'on the table', 'on the block', 'in the drawer': what this domain's goals allow."""
        out = ["'on the table'"] if "on_table" in self.lexicon.goals else []
        for kind, rel in (("on", "on"), ("in", "in")):
            if kind in self.lexicon.goals:
                out.append(f"'{rel} the {self.refs.noun_of_types(self.arg_types(kind, 1))}'")
        return ", ".join(out)

    def apply_each(self, kind: str, subjects: list[NounPhrase], neg: bool) -> list[Literal]:
        tpl = self.template(kind)
        # "put any block on the table": a choice falls on one for which it is not done yet
        choose = not neg and self.init and tpl.for_each is None
        objs = self.subjects(subjects, kind,
                             (lambda obj: self.observed(tpl, obj.name)) if choose else None)
        return [lit for obj in objs for lit in self.instantiate(tpl, obj, None, neg)]

    def instantiate(self, tpl: GoalTemplate, x: SceneObject, y: SceneObject | None,
                    neg: bool) -> list[Literal]:
        if y is not None and x.name == y.name:
            raise self.fail(f"{self.lexicon.describe(x)} cannot be put on or in itself")
        for pos, obj in enumerate((x, y)):
            if obj is not None and not tpl.accepts(pos, obj):
                raise self.fail(f"{self.lexicon.describe(obj)} cannot be used for "
                                f"{DESCRIBE.get(tpl.kind, tpl.kind)}")
        if tpl.for_each is not None:
            literals = [lit for o in self.objects if o.type in tpl.for_each and o.name != x.name
                        for lit in tpl.instantiate(x.name, y.name if y else None, o.name)]
        else:
            literals = tpl.instantiate(x.name, y.name if y else None)
        if neg:
            if not tpl.negatable or len(literals) != 1:
                raise self.fail(f"'not' cannot be used with {DESCRIBE.get(tpl.kind, tpl.kind)}; "
                                f"say what should hold instead")
            literals = [literals[0].negated()]
        return literals

    def subjects(self, subjects: list[NounPhrase], kind: str,
                 done: Callable[[SceneObject], bool] | None = None) -> list[SceneObject]:
        """The objects the subjects name; a choice among them ("any block") goes last to
        those ``done`` is true of."""
        types = self.arg_types(kind, 0)
        out: list[SceneObject] = []
        self.refs.done = done
        try:
            for np in subjects:
                for obj in self.refs.resolve(np, types, subject=True):
                    if obj not in out:
                        out.append(obj)
        finally:
            self.refs.done = None
        return out

    def single(self, np: NounPhrase, kind: str, position: int, *, subject: bool,
               record: bool = True) -> SceneObject:
        found = self.refs.resolve(np, self.arg_types(kind, position), subject=subject, record=record)
        if len(found) != 1:
            raise self.fail(f"{np.text!r} must name one object, not {len(found)}")
        return found[0]
