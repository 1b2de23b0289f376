"""The instruction parser's special forms: towers, sorting, their order phrases, and
taking things off or out.

A mixin of the parser in :mod:`vlaplan.planner.instruction`; it uses the parser's cursor
(``take``, ``at``, ``noun_phrase``) and goal helpers (``placed_objects``, ``apply_each``).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vlaplan.planner.instruction_goal import Literal, SceneObject
from vlaplan.planner.instruction_refs import NounPhrase
from vlaplan.planner.lexicon import GoalTemplate

if TYPE_CHECKING:  # pragma: no cover
    from vlaplan.planner.instruction import _Parser as _Base
else:
    _Base = object


class InstructionForms(_Base):
    """Towers ("build a tower of A, B and C with C at the bottom"), sorting, "nothing on
    X" / "not anything on X", and taking things off or out ("take everything off green")."""

    def build(self) -> list[Literal]:
        self.template("on")
        self.take("det")
        count = self.take("number")                  # "build two towers: A on B, and C on D"
        if self.take("tower") is None:
            raise self.fail("what should be built? only towers are known ('build a tower of ...')")
        if (self.take("of") is None and self.take("with") is None and self.at("rel")
                and self.peek().get("rel") in ("from", "out")):
            self.i += 1                     # "a tower of / with / from / out of ..." (a colon
                                            # after "tower" never reaches here: split_stages)
        subjects = self.noun_phrases()
        if subjects and self.at("end"):     # "a tower with red on top and blue at the bottom"
            return self.tower(subjects, on_table=True)
        if subjects and (chain := self.on_chain(subjects)) is not None:
            literals = self.tower(chain, on_table=True, order="top_down")   # "a tower: A on B on C"
            built = 1
            while self.i < len(self.toks):     # (the tower may have taken the "and")
                save = self.i
                while self.at("and", "comma"):
                    self.i += 1
                more = self.noun_phrases()
                chain = self.on_chain(more) if more else None
                if chain is None:
                    self.i = save
                    break
                literals += self.tower(chain, on_table=True, order="top_down")
                built += 1
            if count is not None and count != built:
                raise self.fail(f"{count} towers are announced but {built} are described")
            return literals
        if count not in (None, 1):
            raise self.fail(f"say the blocks of each of the {count} towers, e.g. 'build two "
                            f"towers: red on green, and blue on yellow'")
        if not subjects:
            raise self.fail("a tower of which blocks? e.g. 'build a tower of red, green and blue'")
        return self.tower(subjects, on_table=True)

    def on_chain(self, first: list[NounPhrase]) -> list[NounPhrase] | None:
        """The blocks of "A on B on C" after a tower noun, top first (None, and nothing
        taken, when no such chain follows); a last "on the table" is implied anyway."""
        if len(first) != 1 or not (self.at("rel") and self.peek().get("rel") == "on"):
            return None
        chain = list(first)
        while self.at("rel") and self.peek().get("rel") == "on":
            save = self.i
            self.i += 1
            np = self.noun_phrase()
            if np is None:
                self.i = save
                break
            if np.table:
                break
            chain.append(np)
        return chain

    def tower(self, subjects: list[NounPhrase], *, on_table: bool,
              order: str | None = None) -> list[Literal]:
        ends: list[tuple[str, NounPhrase]] = []
        if self.at("end"):                  # "red on top, green in the middle and blue at ..."
            *subjects, first = subjects
            ends.append((self.take("end"), first))
            return self.positioned(subjects, ends, on_table)
        while True:
            self.take("self_tower")
            if self.at("comma", "and") and self.at("order", "with", "end", "colour", "noun", "det",
                                                   offset=1):
                self.i += 1
            if (value := self.take("order")) is not None:
                if order is not None and value != order:
                    raise self.fail("the tower's order is stated in two contradicting ways")
                order = value
                continue
            save = self.i
            self.take("with")
            np = self.noun_phrase()
            end = self.take("end") if np is not None else None
            if end is None:
                self.i = save
                break
            ends.append((end, np))
        blocks = self.tower_blocks(subjects)
        if len(blocks) < 2:
            raise self.fail("a tower needs at least two blocks")
        return self.stacked(self.tower_order(blocks, order, ends), on_table)

    def positioned(self, before: list[NounPhrase], ends: list[tuple[str, NounPhrase]],
                   on_table: bool) -> list[Literal]:
        """A tower said by the place of each block: "red on top, green in the middle and
        blue at the bottom" (``ends`` holds the first pair; the rest follow)."""
        if before:
            raise self.fail(f"say where {before[0].text!r} goes in the tower too, or list "
                            f"the blocks from top to bottom")
        while self.at("and", "comma"):
            save = self.i
            while self.at("and", "comma"):
                self.i += 1
            np = self.noun_phrase()
            end = self.take("end") if np is not None else None
            if end is None:
                self.i = save
                break
            ends.append((end, np))
        at = {}
        for end, np in ends:
            if end in at:
                raise self.fail(f"two blocks are said to be {'in the' if end == 'middle' else 'at the'} "
                                f"{end} of the tower")
            at[end] = self.single(np, "on", 0, subject=True)
        if "top" not in at or "bottom" not in at or len(at) != len(ends):
            raise self.fail("say the block at the top and the one at the bottom (and in the "
                            "middle of three), or list the blocks from top to bottom")
        top_first = [at[end] for end in ("top", "middle", "bottom") if end in at]
        if len(set(top_first)) != len(top_first):
            raise self.fail("a block appears twice in the tower")
        return self.stacked(top_first, on_table)

    def stacked(self, top_first: list[SceneObject], on_table: bool) -> list[Literal]:
        """``(on A B) (on B C) ... [(on-table Z)]`` for blocks listed top first."""
        literals = []
        for upper, lower in zip(top_first, top_first[1:]):
            literals += self.instantiate(self.template("on"), upper, lower, False)
        if on_table and top_first:
            literals += self.instantiate(self.template("on_table"), top_first[-1], None, False)
        return literals

    def tower_blocks(self, subjects: list[NounPhrase]) -> list[SceneObject]:
        blocks: list[SceneObject] = []
        for np in subjects:
            found = self.refs.resolve(np, self.arg_types("on", 0), subject=True)
            if len(found) > 1 and len(subjects) > 1:
                raise self.fail(f"{np.text!r} is several blocks in no stated order; name each block")
            if len(found) > 1 and not np.pronoun:
                raise self.fail("say the order of the tower, e.g. 'stack red on green on blue'")
            for obj in found:
                if obj in blocks:
                    raise self.fail(f"{self.lexicon.describe(obj)} appears twice in the tower")
                blocks.append(obj)
        return blocks

    def tower_order(self, blocks: list[SceneObject], order: str | None,
                    ends: list[tuple[str, NounPhrase]]) -> list[SceneObject]:
        """The blocks top first, from an order phrase or a named top/bottom block."""
        if len(blocks) < 2:
            return blocks
        candidates = []
        if order == "bottom_up":
            candidates.append(blocks[::-1])
        elif order == "top_down":
            candidates.append(list(blocks))
        for end, np in ends:
            obj = self.single(np, "on", 0, subject=False)
            if end == "middle":              # says nothing of the order, but must fit it
                if len(blocks) != 3 or obj != blocks[1]:
                    raise self.fail(f"{self.lexicon.describe(obj)} in the middle fits only the "
                                    f"middle of three listed blocks; name the blocks from top "
                                    f"to bottom")
                continue
            first_is_end = obj == blocks[0]
            if obj not in (blocks[0], blocks[-1]):
                raise self.fail(f"{self.lexicon.describe(obj)} at the {end} is not at either end "
                                f"of the list; name the blocks from top to bottom")
            top_first = (end == "top") == first_is_end
            candidates.append(list(blocks) if top_first else blocks[::-1])
        if not candidates:
            names = ", ".join(o.name for o in blocks)
            raise self.fail(f"the order of the tower of {names} is not said; add e.g. "
                            f"'with {blocks[-1].colour or blocks[-1].name} at the bottom' or "
                            f"'from bottom to top'")
        if any(c != candidates[0] for c in candidates):
            raise self.fail("the tower's order is stated in two contradicting ways")
        return candidates[0]

    # ------------------------------------------------------------------ sorting
    def sort(self) -> list[Literal]:
        subjects = self.noun_phrases() or [NounPhrase(words=["everything"], everything=True)]
        ref = None
        if self.at("rel") and self.peek().get("rel") in ("in", "to"):
            self.take("rel")
            ref = self.noun_phrase()
            if ref is None:
                raise self.fail("sort into what? e.g. 'sort the objects into the bins'")
        return self.sorted_into(subjects, ref)

    def sorted_into(self, subjects: list[NounPhrase], ref: NounPhrase | None) -> list[Literal]:
        spec: dict[str, Any] = self.lexicon.sort
        if not spec:
            raise self.fail(f"the {self.lexicon.domain} domain has no sorting goal")
        attribute = spec.get("default", "colour")
        if self.take("by") is not None:
            self.take("match")                            # "by their colour"
            attribute = self.take("attr")
            if attribute is None:
                raise self.fail("sort by what? say 'by colour' or 'by shape'")
        kind = spec.get("goal", "in")
        into = tuple(spec.get("into") or self.arg_types(kind, 1) or ())
        tpl = self.template(kind)
        ref = ref or NounPhrase(words=["the", "containers"], plural=True)
        return self.matched(subjects, ref, into, attribute, tpl, False)

    def matched(self, subjects: list[NounPhrase], ref: NounPhrase, types: Any, attribute: str,
                tpl: Any, neg: bool) -> list[Literal]:
        """Each object into the container sharing its attribute ("its bin", "sort by colour").

        An object named alone must have such a container.  Of a collective ("every object",
        "sort the objects") those without one are left out, with a note on the goal.
        """
        lenient = all(np.collective for np in subjects)
        literals, skipped = [], []
        for obj in self.subjects(subjects, tpl.kind):
            target = self.refs.matching(obj, ref, types, attribute, optional=lenient)
            if target is None:
                skipped.append(obj)
                continue
            literals += self.instantiate(tpl, obj, target, neg)
        if skipped and not literals:
            self.refs.matching(skipped[0], ref, types, attribute)   # raises, naming what exists
        if skipped:
            self.notes.append(f"left out {self.refs.listing(skipped)}: no "
                              f"{self.refs.described(ref, types)} has the same {attribute}")
        return literals

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

    def redirected(self, literals: list[Literal]) -> list[Literal]:
        """Where things taken off or out go next ("move red off green and onto blue"): the
        new place replaces the table the taking-off alone would put them on."""
        subjects, self.taken_off = self.taken_off or [], None
        if self.peek().get("rel") in ("off", "out", "from", "beside"):
            raise self.fail("say where it goes after it is taken off: e.g. '... and onto ...'")
        names = {o.name for np in subjects
                 for o in self.refs.resolve(np, None, subject=True, record=False)}
        kept = [lit for lit in literals if not lit.atom.args or lit.atom.args[0] not in names]
        return kept + self.relation(self.verb, subjects, self.neg)

    def excepted(self, subjects: list[NounPhrase], literals: list[Literal]) -> list[Literal]:
        """An exception after the whole clause ("put every block on the table except green"):
        the literals about the excepted objects are dropped."""
        comma = self.at("comma") and self.at("except", offset=1)      # "..., except X"
        if not (self.at("except") or comma) or not any(np.collective for np in subjects):
            return literals
        self.i += 2 if comma else 1
        excluded = self.noun_phrases()
        if not excluded:
            raise self.fail("except what? name the object(s) to leave out")
        names: set[str] = set()
        for ex in excluded:
            if ex.det is None and ex.noun is None and ex.colours and ex.count is None:
                ex.plural = True                  # a bare colour leaves out all of it
            names |= {o.name for o in self.refs.resolve(ex, None, subject=False, record=False)}
        kept = [lit for lit in literals if not lit.atom.args or lit.atom.args[0] not in names]
        if len(kept) == len(literals):
            raise self.fail(f"the exception ({', '.join(sorted(names))}) is not among the "
                            f"objects the instruction moves")
        return kept

    def removed(self, subjects: list[NounPhrase], ref: NounPhrase | None) -> list[Literal]:
        tpl = self.template("remove")
        objs = self.subjects(subjects, "remove")
        if ref is not None and any(np.collective for np in subjects):
            # "take everything off green": what is on (in) it, as observed, not green itself
            source = self.single(ref, "remove", 1, subject=False)
            objs = [o for o in objs if o.name != source.name]
            if self.init:
                there = {a.args[0] for a in self.init if len(a.args) == 2
                         and a.args[1] == source.name}
                objs = [o for o in objs if o.name in there]
                if not objs:
                    raise self.fail(f"nothing of that is on or in "
                                    f"{self.lexicon.describe(source)} in the observed scene")
        return [lit for obj in objs for lit in self.instantiate(
            tpl, obj, self.source_of(obj, tpl) if ref is None
            else self.single(ref, "remove", 1, subject=False), False)]

    def source_of(self, obj: SceneObject, tpl: GoalTemplate) -> SceneObject:
        """Where ``obj`` is taken out of when the instruction does not say."""
        earlier = [lit.atom for lit in self.so_far if lit.positive]
        for atom in [*reversed(earlier), *sorted(self.init)]:
            if len(atom.args) == 2 and atom.args[0] == obj.name and atom.args[1] in self.refs.by_name:
                holder = self.refs.by_name[atom.args[1]]
                if tpl.accepts(1, holder):
                    return holder
        return self.single(NounPhrase(words=["the", self.away_noun(tpl.args[1])], det="the"),
                           "remove", 1, subject=False)

    def away_noun(self, types: Sequence[str] | None = None) -> str:
        types = types or self.arg_types("in", 1) or ()
        for noun in self.lexicon.nouns.values():
            if noun.types and set(noun.types) <= set(types):
                return noun.words[0]
        raise self.fail("say where to put it")
