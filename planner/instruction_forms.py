"""The instruction parser's complements and special forms: relations to a place ("on the
green block", "under", "to", "respectively", "instead of"), a later step that names only
its objects or only its place, "nothing"/"anything", exceptions after a clause, a verb
the domain defines (towers are in :mod:`instruction_towers` and :mod:`instruction_build`,
sorting in :mod:`instruction_sorting`, taking off or out and exceptions in
:mod:`instruction_removal`; where things stand now, swapping and "where it is" in
:mod:`instruction_state`).

A mixin of the parser in :mod:`vlaplan.planner.instruction`; it uses the parser's cursor
(``take``, ``at``, ``noun_phrase``) and goal helpers (``placed_objects``, ``apply_each``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from vlaplan.planner.errors import InstructionNotUnderstood
from vlaplan.planner.instruction_goal import Literal
from vlaplan.planner.instruction_lexer import Token
from vlaplan.planner.instruction_phrases import NounPhrase, parse_noun_phrases

if TYPE_CHECKING:  # pragma: no cover
    from vlaplan.planner.instruction import _Parser as _Base
else:
    _Base = object


class InstructionForms(_Base):
    """What follows a clause's objects (a relation, a state, a tower order, ...),
    relations to a place, ellipsis ("..., then the box"), "nothing on X" / "not
    anything on X"."""

    def complement(self, verb: str | None, subjects: list[NounPhrase], neg: bool,
                   flags: set[str]) -> list[Literal]:
        tok = self.peek()
        if ("away" in flags and tok is not None and tok.get("rel") == "on" and len(subjects) == 1
                and subjects[0].where is None and "in" in self.lexicon.goals):
            # "put away everything on the table": where they are now, not where they go
            self.i += 1
            place = self.noun_phrase()
            if place is None or not self.clause_ends():
                raise self.fail("things put away go in; say 'put away everything that is on ...'")
            subjects[0].where = ("on", place)
            return self.placed("in", subjects, None, neg)
        if tok is not None and tok.has("rel"):
            return self.relation(verb, subjects, neg)
        if tok is not None and tok.has("state") and verb in ("leave", "put", "take", None):
            # "leave the drawer open", "pull the drawer open", "push it shut"
            self.i += 1
            literals = self.apply_each(tok.get("state"), subjects, neg)
            while self.at("and") and self.at("state", offset=1) and self.clause_ends(2):
                self.i += 2                      # "the drawer should be closed and empty"
                literals += self.apply_each(self.peek(-1).get("state"), subjects, neg)
            return literals + self.holding_too(subjects)
        if tok is not None and tok.has("belong") and verb in ("put", None):
            self.i += 1                                  # "put everything where it belongs"
            return self.excepted(subjects, self.sorted_into(subjects, None))
        if tok is not None and tok.has("stay") and verb in ("leave", "put", None):
            self.i += 1                                  # "leave blue where it is"
            return self.stayed(subjects, neg)
        if neg and verb == "put" and not flags and (tok is None or tok.has("and", "comma")):
            return self.stayed(subjects, False)          # "don't move the blue block"
        if (tok is not None and tok.get("end") == "top" and verb == "put" and len(subjects) == 1
                and not subjects[0].collective and self.clause_ends(1)
                and not any(t.has("end") for t in self.toks[self.i + 1:])   # not a tower by ends
                and len(self.refs.mentions.items) > 1):   # something named before this object
            # "stack red on green, then stack blue on top": on top of what was just named
            self.toks[self.i:self.i + 1] = [Token(("on",), {"rel": "on"}),
                                            Token(("it",), {"pron": "it"})]
            return self.relation(verb, subjects, neg)
        if tok is not None and tok.has("listed_order") and verb in ("put", None):
            self.i += 1                   # "stack the blocks in the order red, green, blue ..."
            return self.in_listed_order(subjects)
        if tok is not None and tok.has("self_tower", "order", "end", "with") and verb in ("put", None):
            self.take("self_tower")
            return self.tower(subjects, on_table=True)
        if "down" in flags:
            return self.apply_each("on_table", subjects, neg)
        if "away" in flags or (verb == "put" and self.verb_tok is not None
                               and self.verb_tok.has("away")):   # "stow the box"
            return self.placed("in", subjects, None, neg)
        if "out" in flags:
            return self.removed(subjects, None)
        if verb in ("take", "hold") or (verb == "put" and self.verb_word == "get"):
            return self.apply_each("hold", subjects, neg)      # "get the red cube (and ...)"
        if verb == "put" and self.verb_word in ("stack", "pile") and len(subjects) == 1 and (
                subjects[0].group):
            return self.tower(subjects, on_table=True)   # "stack all the blocks": any order
        if (verb == "put" and self.verb_word in ("stack", "pile") and len(subjects) > 1
                and tok is not None and tok.has("comma") and self.clause_has("end")):
            return self.tower(subjects, on_table=True)   # "stack A, B and C, C at the bottom"
        if verb == "put" and self.verb_word in ("stack", "pile") and len(subjects) > 1:
            raise self.fail("say the order of the tower, e.g. 'stack red on green on blue' or "
                            "'... with blue at the bottom'")
        names = " and ".join(np.text for np in subjects)
        if verb is None:
            raise self.fail(f"what should happen to {names!r}? no verb or relation found")
        raise self.fail(f"where should {names!r} go? (e.g. {self.place_examples()})")

    # ------------------------------------------------------------------ particles
    def particles(self) -> set[str]:
        """"down", "away", "apart", and "out" before an object ("take out the cube")."""
        found = set()
        while True:
            if self.take("down") is not None:
                found.add("down")
            elif self.take("away") is not None:
                found.add("away")
            elif self.take("apart") is not None:
                found.add("apart")
            elif (self.at("rel") and self.peek().text == "out" and self.verb == "take"
                  and self.peek(1) is not None and not self.peek(1).has("rel")):
                self.i += 1
                found.add("out")
            else:
                return found

    def own_verb(self, verb: str, subjects: list[NounPhrase], neg: bool) -> list[Literal]:
        """A verb the domain defines ("turn on the lamp"); with a second argument, its place
        after a relation word ("pour the water into the cup")."""
        tpl = self.template(verb)
        if len(tpl.args) < 2:
            return self.apply_each(verb, subjects, neg)
        place = self.noun_phrase() if self.take("rel") else None
        if place is None:
            raise self.fail(f"{self.verb_word!r} needs a place too, e.g. "
                            f"'{self.verb_word} it into the {self.refs.noun_of_types(tpl.args[1])}'")
        return self.placed(verb, subjects, place, neg)

    # ------------------------------------------------------------------ relations
    def relation(self, verb: str | None, subjects: list[NounPhrase], neg: bool) -> list[Literal]:
        self.reduced_relative(subjects)
        rel = self.take("rel")
        if rel == "beside":
            raise self.fail("goals can only say on, in, or on the table; spatial relations "
                            "such as 'next to' or 'behind' are not goals here")
        if rel in ("out", "off", "from"):
            return self.taken_from(verb, rel, subjects, neg)
        if rel == "contains":                   # "the drawer should contain the red cube"
            contents = self.noun_phrases()
            if verb not in (None, "leave") or len(subjects) != 1 or not contents:
                raise self.fail("say it as 'X should contain Y' with one container, or "
                                "'put Y in X'")
            return self.placed("in", contents, subjects[0], neg)
        if verb in ("open", "close", "hold"):
            raise self.fail(f"{verb!r} does not take '{rel}'")
        if self.respectively_ahead():
            return self.respective(rel, subjects, neg)
        ref = self.noun_phrase()
        if ref is None and rel == "in" and self.clause_ends() and self.refs.mentions.items:
            ref = NounPhrase(words=["it"], pronoun="it")   # "the drawer open and the cube inside"
            save = list(self.refs.mentions.items)
            try:
                return self.placed("in", subjects, ref, neg)
            except InstructionNotUnderstood as err:
                if not getattr(err, "unresolved_pronoun", False):
                    raise
                self.refs.mentions.items, ref = save, None
        if ref is None:
            if rel == "in" and self.lexicon.away == "in" and verb in ("put", "take"):
                return self.placed("in", subjects, None, neg)
            raise self.fail(f"'{rel}' what? name the place")
        if ref.nothing:
            raise self.fail("'nothing' cannot be a place to put things")
        if self.at("by") and rel in ("in", "to"):          # "put the objects in the bins by colour"
            return self.sorted_into(subjects, ref)
        if ref.table:
            if rel not in ("on", "to"):
                raise self.fail(f"things go on the table, not {rel!r} it")
            literals = self.apply_each("on_table", subjects, neg)
        elif rel == "under":
            literals = self.under(subjects, ref, neg)
        else:
            kind = "in" if rel == "in" else "on" if rel == "on" else self.kind_for(ref)
            literals = self.placed(kind, subjects, ref, neg)
        while self.at("rel") and self.peek().get("rel") in ("on", "to"):   # "red on green on blue"
            self.i += 1
            below = self.noun_phrase()
            if below is None or neg or ref.table:
                raise self.fail("a tower is 'A on B on C' with each block named once")
            upper = self.single(ref, "on", 1, subject=False, record=False)
            lower = None if below.table else self.single(below, "on", 1, subject=False)
            if lower is not None and any(lower.name in lit.atom.args for lit in literals):
                raise self.fail(f"{self.lexicon.describe(lower)} appears twice in the tower")
            literals += (self.instantiate(self.template("on_table"), upper, None, False)
                         if lower is None else self.instantiate(self.template("on"), upper, lower, False))
            ref = below
        self.instead(ref)
        return literals

    def instead(self, ref: NounPhrase) -> None:
        """"put red on blue instead of (on) green": the other place must name something
        of the scene (else the instruction is misread) and differ from the place; the
        goal is the place alone, which already excludes the other."""
        if self.take("instead") is None:
            return
        self.take("rel")
        other = self.noun_phrase()
        if other is None:
            raise self.fail("instead of what? e.g. 'put red on blue instead of green'")
        if other.table or ref.table:
            if other.table and ref.table:
                raise self.fail("the place and the place it replaces are both the table")
            return
        mine = {o.name for o in self.refs.resolve(ref, None, subject=False, record=False)}
        theirs = {o.name for o in self.refs.resolve(other, None, subject=False, record=False)}
        if mine & theirs:
            raise self.fail(f"'{other.text}' is the place itself; say what it replaces")

    # ------------------------------------------------------------------ respectively

    def respectively_ahead(self) -> bool:
        """Whether "respectively" ends this clause's list of places."""
        for tok in self.toks[self.i:]:
            if tok.has("respectively"):
                return True
            if tok.has("stop", "seq", "rel") or (tok.has("verb") and not tok.has("colour", "noun", "name")):
                return False
        return False

    def respective(self, rel: str, subjects: list[NounPhrase], neg: bool) -> list[Literal]:
        """"put red and green on blue and yellow respectively": the n-th object named
        goes to the n-th place named."""
        places = self.noun_phrases()
        while self.at("comma"):
            self.i += 1
        if places is None or self.take("respectively") is None:
            raise self.fail("'respectively' pairs objects with places, each named: 'put red "
                            "and green on blue and yellow respectively'")
        if any(np.collective for np in subjects + places):
            raise self.fail("'respectively' needs each object and each place named one by "
                            "one, in order (not 'all the blocks')")
        objs = [o for np in subjects for o in self.refs.resolve(np, self.lexicon.movable or None,
                                                                 subject=True)]
        if len(objs) != len(places):
            raise self.fail(f"'respectively' pairs {len(objs)} object(s) with {len(places)} "
                            f"place(s); name as many places as objects")
        literals: list[Literal] = []
        for obj, place in zip(objs, places):
            if place.table:
                if rel not in ("on", "to"):
                    raise self.fail(f"things go on the table, not {rel!r} it")
                literals += self.instantiate(self.template("on_table"), obj, None, neg)
                continue
            kind = "in" if rel == "in" else "on" if rel == "on" else self.kind_for(place)
            where = self.single(place, kind, 1, subject=False)
            literals += self.instantiate(self.template(kind), obj, where, neg)
        return literals

    def kind_for(self, ref: NounPhrase) -> str:
        """'to X': into X when X is a container of the domain, onto X otherwise ("to its
        bin": a matching container, decided by its noun)."""
        if ref.match and ref.noun is not None:
            noun_types = set(self.lexicon.nouns[ref.noun].types or ())
            if noun_types and noun_types <= set(self.arg_types("in", 1) or ()):
                return "in"
        probe = self.refs.resolve(ref, None, subject=False, record=False)
        types = {o.type for o in probe}
        if (self.arg_types("in", 1) or ()) and types <= set(self.arg_types("in", 1)):
            return "in"
        return "on"

    def placed(self, kind: str, subjects: list[NounPhrase], ref: NounPhrase | None,
               neg: bool) -> list[Literal]:
        tpl = self.template(kind)
        objs = self.chosen_beside(subjects, kind, ref)
        if ref is not None and ref.match:
            return self.matched(subjects, ref, tpl.args[1], "colour", tpl, neg)
        away = ref is None                              # "put it away", "... inside"
        ref = ref or NounPhrase(words=["the", self.away_noun()], det="the")
        if ref.det == "a" and len(objs) > 1 and not neg:
            spread = self.spread(tpl, objs, ref, kind)
            if spread is not None:
                return spread
        try:
            target = self.refs.resolve(ref, self.arg_types(kind, 1), subject=False,
                                       exclude={o.name for o in objs})
        except InstructionNotUnderstood as err:
            places = getattr(err, "candidates", None)
            if not away or not places:
                raise
            # several places things go away ("throw the red box away" among three bins):
            # the reason names them, not the "the bin" the text never said
            unclear = self.fail(f"where it goes is ambiguous: it could be {' or '.join(places)}; "
                                f"say which, e.g. '... in {places[0]}'")
            unclear.candidates = list(places)  # type: ignore[attr-defined]
            raise unclear from None
        if len(target) != 1:
            raise self.fail(f"{ref.text!r} must be a single place, not {len(target)}")
        if any(np.collective for np in subjects):       # "put everything on red": not red
            objs = [o for o in objs if o.name != target[0].name]
        if (kind == "on" and len(objs) > 1 and not neg and self.verb_word in ("stack", "pile")
                and self.holds_one(tpl, objs[0], target[0])):
            # "stack everything on the blue block": a tower on it, in an order of our choosing
            self.notes.append(f"no order was said for the blocks stacked on {target[0].name}; "
                              f"chose {' on '.join(o.name for o in objs[::-1])} on {target[0].name}")
            return self.stacked([*objs[::-1], target[0]], on_table=False)
        return [lit for obj in objs for lit in self.instantiate(tpl, obj, target[0], neg)]

    def chosen_beside(self, subjects: list[NounPhrase], kind: str,
                      ref: NounPhrase | None) -> list[Any]:
        """The subjects; a choice among them ("stack three blocks on red") falls on
        objects other than a place named definitely, which is resolved first for that."""
        if ref is None or ref.det == "a" or ref.match or ref.table \
                or not any(np.det == "a" for np in subjects):
            return self.subjects(subjects, kind)
        try:
            place = {o.name for o in self.refs.resolve(ref, self.arg_types(kind, 1),
                                                        subject=False, record=False)}
        except InstructionNotUnderstood:
            return self.subjects(subjects, kind)      # resolved (and refused) below
        return self.subjects(subjects, kind, lambda obj: obj.name in place)

    def holds_one(self, tpl: Any, obj: Any, place: Any) -> bool:
        """Whether ``place`` holds one object of this kind (the lexicon's slots: ``(on x y)``
        fills ``top y``; ``(in x bin)`` fills nothing of the bin)."""
        return any(place.name in slot.split() for lit in self.instantiate(tpl, obj, place, False)
                   for slot in self.lexicon.slots_of(lit))

    def spread(self, tpl: Any, objs: list[Any], ref: NounPhrase, kind: str) -> list[Literal] | None:
        """"put every cube on a plate": when a place holds one object (the lexicon's slots
        say so), each object on a place of its own, chosen as for "a plate" (see
        ``Resolver.several``); None when one place holds them all ("in a bin")."""
        pool = self.refs.resolve(replace(ref, det=None, quant="all"), self.arg_types(kind, 1),
                                 subject=False, record=False)
        pool = [p for p in pool if p not in objs]
        if not pool or not self.holds_one(tpl, objs[0], pool[0]):
            return None
        places = self.refs.several(ref, pool, len(objs))
        self.refs.mentions.add(places, False)           # (the pool was read unrecorded)
        return [lit for obj, place in zip(objs, places)
                for lit in self.instantiate(tpl, obj, place, False)]

    def under(self, subjects: list[NounPhrase], ref: NounPhrase, neg: bool) -> list[Literal]:
        tpl = self.template("on")
        objs = self.subjects(subjects, "on")
        if len(objs) != 1:
            raise self.fail("only one object can go under another")
        top = self.single(ref, "on", 0, subject=False)
        return self.instantiate(tpl, top, objs[0], neg)

    # ------------------------------------------------------------------ ellipsis
    def elided(self, segment: list[Token]) -> tuple[list[Token], str | None]:
        """"put the cylinder in the drawer, then the box": a stage of noun phrases alone
        takes the verb and the place of the clause before it ("objects"); "put yellow on
        red and then on blue": a stage that is only a place takes the verb and the objects
        ("place").  Otherwise the segment as it is, and None."""
        if self.last is None or segment[0].has("verb", "neg"):
            return segment, None
        verb, place = self.last
        if segment[0].has("rel") and self.last_objects is None:
            raise self.fail(f"'{' '.join(t.text for t in segment)}' names only a place, and "
                            f"the step before moves several things in separate clauses; "
                            f"say what goes there")
        if segment[0].has("rel") and self.last_objects:
            return [verb, *self.last_objects, *segment], "place"
        nps, end = parse_noun_phrases(segment, 0)
        if nps is None or end != len(segment) or any(np.nothing for np in nps):
            return segment, None
        return [verb, *segment, *place], "objects"

    def check_elided(self, literals: list[Literal], before: Sequence[Literal]) -> None:
        """An elided stage may not take the very place the stage before filled ("put red
        on green, then blue": on green, where red is, or on red?): then say where."""
        taken = {slot for lit in before if lit.positive for slot in self.lexicon.slots_of(lit)}
        for lit in literals:
            if lit.positive and taken & set(self.lexicon.slots_of(lit)):
                raise self.fail(f"it is not clear where {lit.atom.args[0]} should go: the place "
                                f"of the step before is taken; say it, e.g. 'then put ... on ...'")

    # ------------------------------------------------------------------ nothing, anything
    def nothing(self, subjects: list[NounPhrase], verb: str | None) -> list[Literal]:
        if len(subjects) != 1 or verb not in (None, "leave", "put"):
            raise self.fail("'nothing' must stand alone, as in 'nothing on the yellow block'")
        rel = self.take("rel")
        ref = self.noun_phrase()
        if rel not in ("on", "in") or ref is None or ref.table:
            raise self.fail("say what must stay free, e.g. 'nothing on the yellow block'")
        kind = "clear" if rel == "on" else "empty"
        return self.apply_each(kind, [ref], False)

    def anything(self, subjects: list[NounPhrase] | None, neg: bool) -> bool:
        """Negated "anything" is "nothing" ("don't leave anything on red"); it is refused
        anywhere else.  Returns the clause's negation left after that."""
        if not any("anything" in np.words for np in subjects or ()):
            return neg
        if not subjects or not neg or len(subjects) != 1 or subjects[0].excluded:
            raise self.fail("'anything' only goes with a negation ('do not leave anything "
                            "on ...'); say 'every' or name the object")
        subjects[0].everything, subjects[0].nothing = False, True
        return False

    def away_noun(self, types: Sequence[str] | None = None) -> str:
        types = types or self.arg_types("in", 1) or ()
        for noun in self.lexicon.nouns.values():
            if noun.types and set(noun.types) <= set(types):
                return noun.words[0]
        raise self.fail("say where to put it")
