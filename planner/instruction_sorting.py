"""The instruction parser's sorting: "sort the objects by colour (into the bins)", "put
every item in its bin", "the bin of the same colour as the object", "tidy up" (in a domain
whose lexicon has a ``sort`` section; where it has only a place things go ``away``, tidying
puts them there).

A mixin of the parser in :mod:`vlaplan.planner.instruction`; it uses the parser's cursor
and goal helpers like :mod:`instruction_forms` does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vlaplan.planner.instruction_goal import Literal
from vlaplan.planner.instruction_phrases import NounPhrase

if TYPE_CHECKING:  # pragma: no cover
    from vlaplan.planner.instruction import _Parser as _Base
else:
    _Base = object


class SortForms(_Base):
    """Each object into the container sharing its colour (or another attribute)."""

    def sort(self) -> list[Literal]:
        self.subjects_at = self.i
        subjects = self.noun_phrases() or [NounPhrase(words=["everything"], everything=True)]
        self.complement_at = self.i
        literals = self.sorted_clause(subjects)
        self.remember_clause(self.neg, bare=True)   # "sort the red items, then the yellow ones"
        return literals

    def sorted_clause(self, subjects: list[NounPhrase]) -> list[Literal]:
        if self.take("self_tower") is not None:  # "arrange the blocks into a tower": no sort
            return self.tower(subjects, on_table=True)
        if len(subjects) == 1 and subjects[0].table:     # "clean up the table": what is on it
            subjects = [NounPhrase(words=["everything"], everything=True)]
        if not self.lexicon.sort and self.lexicon.away and not self.at("by", "rel"):
            return self.placed("in", subjects, None, self.neg)   # "tidy up the cube": away
        attribute = self.sorted_by() if self.at("by") else None   # "sort X by colour into ..."
        ref = None
        if self.at("rel") and self.peek().get("rel") in ("in", "to"):
            self.take("rel")
            ref = self.noun_phrase()
            if ref is None:
                raise self.fail("sort into what? e.g. 'sort the objects into the bins'")
        return self.excepted(subjects, self.sorted_into(subjects, ref, attribute))

    def sorted_by(self) -> str:
        """The attribute after "by" ("by colour", "by their shape")."""
        self.take("by")
        self.take("match")                                # "by their colour"
        attribute = self.take("attr")
        if attribute is None:
            raise self.fail("sort by what? say 'by colour' or 'by shape'")
        return attribute

    def sorted_into(self, subjects: list[NounPhrase], ref: NounPhrase | None,
                    attribute: str | None = None) -> list[Literal]:
        spec: dict[str, Any] = self.lexicon.sort
        if not spec:
            raise self.fail(f"the {self.lexicon.domain} domain has no sorting goal")
        if attribute is None:
            attribute = self.sorted_by() if self.at("by") else spec.get("default", "colour")
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
