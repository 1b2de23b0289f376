"""The instruction parser's taking off and out, and exceptions after a clause: "take red
off green", "take the black box out (of the drawer)", "take everything off the green block",
"move red off green and onto blue", "put every block on the table except green".

A mixin of the parser in :mod:`vlaplan.planner.instruction`; it uses the parser's cursor
and goal helpers like :mod:`instruction_forms` does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from vlaplan.planner.errors import InstructionNotUnderstood
from vlaplan.planner.instruction_goal import Literal
from vlaplan.planner.instruction_phrases import NounPhrase

if TYPE_CHECKING:  # pragma: no cover
    from vlaplan.planner.instruction import _Parser as _Base
else:
    _Base = object


class RemovalForms(_Base):
    """What is taken off or out of a place, where it goes next, and what an exception
    leaves out."""

    def taken_from(self, verb: str | None, rel: str, subjects: list[NounPhrase],
                   neg: bool) -> list[Literal]:
        """After "off", "out (of)" or "from": the place things are taken from.  Off the
        table is only "not on the table" ("take everything off the table")."""
        if verb not in ("take", "put", "unstack"):
            raise self.fail(f"say what to do: e.g. 'take ... {rel} ...'")
        if neg:
            raise self.fail("'not' cannot be used with taking something out")
        if self.at("rel") and self.peek().get("rel") in ("of", "from"):
            self.i += 1
        ref = self.noun_phrase()
        self.taken_off = subjects                    # "... off green and onto blue"
        if ref is not None and ref.table:
            return self.apply_each("on_table", subjects, True)
        return self.removed(subjects, ref)

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
        moved = {lit.atom.args[0] for lit in literals if lit.atom.args}
        for ex in excluded:
            if ex.det is None and ex.noun is None and ex.colours and ex.count is None:
                ex.plural = True                  # a bare colour leaves out all of it
            names |= self.excepted_names(ex, moved)
        kept = [lit for lit in literals if not lit.atom.args or lit.atom.args[0] not in names]
        if len(kept) == len(literals):
            raise self.fail(f"the exception ({', '.join(sorted(names))}) is not among the "
                            f"objects the instruction moves")
        if not kept:
            raise self.fail(f"the exception ({', '.join(sorted(names))}) leaves out every "
                            f"object the instruction moves: nothing is left to do")
        return kept

    def excepted_names(self, ex: NounPhrase, moved: set[str]) -> set[str]:
        """What an exception names; "every yellow object ... except the box" with a red box
        elsewhere in the scene means the yellow one: an exception that is ambiguous in the
        scene but names exactly one of the objects moved is that one."""
        try:
            return {o.name for o in self.refs.resolve(ex, None, subject=False, record=False)}
        except InstructionNotUnderstood as err:
            among = [n for n in getattr(err, "candidates", None) or () if n in moved]
            if len(among) != 1:
                raise
            return set(among)

    def removed(self, subjects: list[NounPhrase], ref: NounPhrase | None) -> list[Literal]:
        tpl = self.template("remove")
        for np in subjects:
            if np.part and np.part_of is None and ref is not None and ref.tower:
                np.part_of = ref                 # "take the top block off the tower"
            self.narrow_to_source(np, ref)
        objs = self.subjects(subjects, "remove")
        if ref is not None and ref.tower:
            # "take the red and green blocks off the tower": of the tower's blocks above its
            # bottom (as observed), each off what it stands on
            above = {o.name for o in self.refs.resolve(ref, None, subject=True, record=False)}
            objs = [o for o in objs if o.name in above]
            if not objs:
                raise self.fail(f"nothing of that is in {self.refs.phrase(ref)} above its "
                                f"bottom block in the observed scene")
            self.refs.mentions.narrow(objs)
        elif ref is not None and any(np.collective for np in subjects):
            # "take everything off green": what is on (in) it, as observed, not green itself
            source = self.single(ref, "remove", 1, subject=False)
            objs = [o for o in objs if o.name != source.name]
            if self.init:
                there = {a.args[0] for a in self.state() if len(a.args) == 2
                         and a.args[1] == source.name}
                objs = [o for o in objs if o.name in there]
                if not objs:
                    raise self.fail(f"nothing of that is on or in "
                                    f"{self.lexicon.describe(source)} in the observed scene")
            self.refs.mentions.narrow(objs)          # "... and put it (them) on the table"
        return [lit for obj in objs for lit in self.instantiate(
            tpl, obj, self.source_of(obj, tpl) if ref is None or ref.tower
            else self.single(ref, "remove", 1, subject=False), False)]

    def narrow_to_source(self, np: NounPhrase, ref: NounPhrase | None) -> None:
        """"take the black box out of the drawer" with two black boxes, one of them in the
        drawer: the one the observed state has there ("take the black box out": the one that
        is in or on something it can be taken out of).  ``np`` is narrowed only when it is
        ambiguous without it and exactly one object fits; otherwise resolving it refuses it
        as ambiguous, as before."""
        types = self.arg_types("remove", 0)
        candidates = self.ambiguous_alone(np, types)
        if not candidates:
            return
        if ref is not None:
            self.narrow_where(np, types, [("on", ref), ("in", ref)])
            return
        tpl = self.template("remove")
        held = {a.args[0] for a in self.state() if len(a.args) == 2
                and a.args[1] in self.refs.by_name and tpl.accepts(1, self.refs.by_name[a.args[1]])}
        inside = [n for n in candidates if n in held]
        if len(inside) == 1:
            np.name = inside[0]
