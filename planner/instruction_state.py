"""What the observed scene says, as the earlier steps of the instruction leave it, and
the forms that read it: objects in a state ("the open drawer"), where an object stands
("the block that is on green", "the cube in the drawer" before where it goes, "leave blue
where it is", "swap red and green", what a
thing is taken out of), and whether one step's literals can hold together at all.

A mixin of the parser in :mod:`vlaplan.planner.instruction`; it uses the parser's cursor,
goal helpers (``template``, ``instantiate``, ``single``) and ``init``/``so_far``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import combinations
from typing import TYPE_CHECKING

from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import InstructionNotUnderstood
from vlaplan.planner.instruction_goal import Literal, SceneObject
from vlaplan.planner.instruction_phrases import NounPhrase
from vlaplan.planner.lexicon import GoalTemplate

if TYPE_CHECKING:  # pragma: no cover
    from vlaplan.planner.instruction import _Parser as _Base
else:
    _Base = object


class StateForms(_Base):
    """The observed state as the earlier steps leave it, what reads it, and what a place
    holds said after its state ("closed with the red cube inside")."""

    def in_state(self, state: str, obj: SceneObject) -> bool | None:
        """Whether ``obj`` is ``state`` ("open") in the observed state; None if unknown."""
        tpl = self.lexicon.goals.get(state)
        if not self.init or tpl is None or tpl.for_each or not tpl.accepts(0, obj):
            return None if tpl is not None and tpl.accepts(0, obj) else False
        return self.observed(tpl, obj.name)

    def observed(self, tpl: GoalTemplate, x: str, y: str | None = None) -> bool:
        """Whether every literal of ``tpl`` over ``x`` (and ``y``) holds in :meth:`state`."""
        now = self.state()
        return all((lit.atom in now) == lit.positive for lit in tpl.instantiate(x, y))

    def state(self) -> frozenset[Atom]:
        """The observed state as the earlier steps leave it: each literal they made true
        replaces the atoms it excludes (the lexicon's slots: a block is at one place), and
        each they made false is gone.  References such as "the tower" or "the block that
        is on green" are read here, so they see what the steps before them did.  Made
        once per step (the earlier steps change only between steps)."""
        earlier = self.earlier()
        if self.now is not None and self.now[0] == earlier:
            return self.now[1]
        now = set(self.init)
        for lit in earlier:
            if lit.positive:
                taken = set(self.lexicon.slots_of(lit))
                now = {a for a in now if not taken & set(self.lexicon.slots_of(Literal(a)))}
                now.add(lit.atom)
            else:
                now.discard(lit.atom)
        self.now = (earlier, frozenset(now))
        return self.now[1]

    def earlier(self) -> tuple[Literal, ...]:
        """What the steps before this one make true; none while "Y after X" is read in text
        order (Y is read first, but happens later)."""
        return () if self.backwards else self.so_far

    def latest_first(self) -> list[Atom]:
        """The atoms of :meth:`state`, those the earlier steps made true first (the latest
        step first), so that a lexicon without slots still finds where a thing was put."""
        made = [lit.atom for lit in reversed(self.earlier()) if lit.positive]
        return list(dict.fromkeys([*made, *sorted(self.state())]))

    def relation_of(self, kind: str) -> Atom | None:
        """The one positive atom goal ``kind`` makes, over the placeholders ``?x`` (and
        ``?y``), to read that relation in ``init``; None when the lexicon has no such goal
        or it is not one positive literal."""
        tpl = self.lexicon.goals.get(kind)
        pattern = tpl.instantiate("?x", "?y") if tpl is not None else []
        return pattern[0].atom if len(pattern) == 1 and pattern[0].positive else None

    def located(self, rel: str, obj: SceneObject, place: NounPhrase) -> bool:
        """Whether ``obj`` stands ``rel`` ("on", "in", "under", or "holds": ``place`` is
        in it) ``place`` in the observed state ("the block that is on green")."""
        if not self.init:
            raise self.fail(f"'{rel} {place.text}' after 'that is' is read from the observed "
                            f"scene, and there is none; name the object instead")
        if place.table:
            kind, pairs = "on_table", [(obj, None)]
        elif place.tower and rel == "on":     # "the white block on top of the tower": its top
            return any(obj in tower[:-1] for tower in self.refs.select_towers(place))
        else:
            found = self.refs.resolve(place, None, subject=False, record=False)
            kind = "in" if rel in ("in", "holds") else "on"
            pairs = [(p, obj) if rel in ("under", "holds") else (obj, p) for p in found]
        tpl = self.lexicon.goals.get(kind)
        return tpl is not None and any(
            self.observed(tpl, x.name, y.name if y is not None else None)
            for x, y in pairs if x.name != (y.name if y is not None else None))

    # ------------------------------------------------------------------ what can hold
    def consistent(self, literals: list[Literal]) -> tuple[Literal, ...]:
        unique = tuple(dict.fromkeys(literals))
        for a, b in combinations(unique, 2):
            shared = (sorted(set(self.lexicon.slots_of(a)) & set(self.lexicon.slots_of(b)))
                      if a.positive and b.positive else [])
            if a.atom == b.atom or shared:
                why = f" (both fill '{shared[0]}', which holds one)" if shared else ""
                raise self.fail(f"{a} and {b} cannot both hold{why}")
        self.acyclic(unique)   # (across stages a later one may undo an earlier one: run() decides)
        return unique

    def acyclic(self, literals: Sequence[Literal]) -> None:
        """Refuse a loop of "on" (or "in") literals of one stage ("red on green, green on
        blue and blue on red"): no scene can hold it."""
        for kind in ("on", "in"):
            head = self.relation_of(kind)
            if head is None:
                continue
            x, y = head.args.index("?x"), head.args.index("?y")
            under = {lit.atom.args[x]: lit.atom.args[y] for lit in literals if lit.positive
                     and lit.atom.predicate == head.predicate and len(lit.atom.args) == len(head.args)}
            for start in under:
                chain, node = [start], under[start]
                while node in under and node not in chain:
                    chain.append(node)
                    node = under[node]
                if node == start:
                    loop = f" {'on' if kind == 'on' else 'in'} ".join([*chain, start])
                    raise self.fail(f"{loop} is a loop, and no scene can hold it")

    # ------------------------------------------------------------------ where things stand
    def swap(self) -> list[Literal]:
        """"swap red and green", "exchange red with green": each goes where the other
        stands in the observed state; of two stacked on each other, the lower one goes on
        top ("red on green on blue" -> green on red on blue).  Either may be named by
        where it stands: "swap the block on the green block with the blue one"."""
        subjects: list[NounPhrase] = []
        while nps := self.noun_phrases():
            self.standing_where(nps[-1], subjects + nps[:-1])
            subjects += nps
            if not (self.take("with") is not None or self.take("and") is not None):
                break
        if not subjects:
            raise self.fail("swap what? name the two objects")
        objs = self.movables(subjects)
        if len(objs) != 2:
            raise self.fail(f"swapping takes exactly two objects, not {len(objs)}")
        if not self.init:
            raise self.fail("swapping needs the observed scene, to know where the two stand now")
        (a, (ka, sa)), (b, (kb, sb)) = [(o, self.support(o)) for o in objs]
        if (ka, sa) == (kb, sb):
            where = "on the table" if sa is None else f"on or in {self.lexicon.describe(sa)}"
            raise self.fail(f"{a.name} and {b.name} both stand {where}; the place there is "
                            f"not part of a goal, so swapping them asks for nothing")
        if sa == b:                              # a on b on sb: b on a on sb
            moves = [(b, ka, a), (a, kb, sb)]
        elif sb == a:
            moves = [(a, kb, b), (b, ka, sa)]
        else:
            moves = [(a, kb, sb), (b, ka, sa)]
        return [lit for obj, kind, place in moves
                for lit in self.instantiate(self.template(kind), obj, place, False)]

    def stayed(self, subjects: list[NounPhrase], neg: bool) -> list[Literal]:
        """"leave blue where it is", "don't move the blue block": each object ends where
        it stands now (after the earlier steps, else as observed); a goal on the end
        state, so a plan may still move it and bring it back."""
        if neg:
            raise self.fail("'not' cannot go with leaving something where it is; say where "
                            "it should go instead")
        if not self.init:
            raise self.fail("leaving something where it is needs the observed scene, to know "
                            "where that is")
        return [lit for obj in self.movables(subjects) for kind, place in [self.support(obj)]
                for lit in self.instantiate(self.template(kind), obj, place, False)]

    def movables(self, subjects: list[NounPhrase]) -> list[SceneObject]:
        """The movable objects ``subjects`` name, each once, in the order named."""
        return list(dict.fromkeys(o for np in subjects for o in self.refs.resolve(
            np, self.lexicon.movable or None, subject=True)))

    def support(self, obj: SceneObject) -> tuple[str, SceneObject | None]:
        """What ``obj`` stands on or in (goal kind, the object, or None for the table),
        read through the lexicon's on / in / on_table goals: as earlier steps leave it,
        else as observed."""
        heads = [(kind, head) for kind in ("on", "in", "on_table")
                 if (head := self.relation_of(kind)) is not None]
        for atom in self.latest_first():
            for kind, head in heads:
                if (atom.predicate != head.predicate or len(atom.args) != len(head.args)
                        or atom.args[head.args.index("?x")] != obj.name):
                    continue
                if "?y" not in head.args:
                    return kind, None
                under = self.refs.by_name.get(atom.args[head.args.index("?y")])
                if under is not None:
                    return kind, under
        raise self.fail(f"{self.lexicon.describe(obj)} stands on nothing in the observed scene "
                        f"(held?); say where it should go")

    def source_of(self, obj: SceneObject, tpl: GoalTemplate) -> SceneObject:
        """Where ``obj`` is taken out of when the instruction does not say."""
        for atom in self.latest_first():
            if len(atom.args) == 2 and atom.args[0] == obj.name and atom.args[1] in self.refs.by_name:
                holder = self.refs.by_name[atom.args[1]]
                if tpl.accepts(1, holder):
                    return holder
        return self.single(NounPhrase(words=["the", self.away_noun(tpl.args[1])], det="the"),
                           "remove", 1, subject=False)

    def holding_too(self, places: list[NounPhrase]) -> list[Literal]:
        """"(the drawer closed) with the red cube inside (it)", "(green clear) ... with red
        on it": what the place holds, said after its state."""
        if not self.at("with") or not self.at("det", "colour", "noun", "name", offset=1):
            return []
        self.take("with")
        inner = self.noun_phrases()
        rel = self.take("rel")
        if inner is None or rel not in ("in", "on"):
            raise self.fail("say what is in or on it: e.g. '... closed with the red cube inside'")
        if self.at("pron"):
            self.i += 1                                  # "inside it", "on it"
        if len(places) != 1:
            raise self.fail("'with ... inside' needs one place")
        return self.placed("in" if rel == "in" else "on", inner, places[0], False)

    def reduced_relative(self, subjects: list[NounPhrase]) -> None:
        """"move the white block on the tower to the table", "put the cube in the drawer on
        the table": an object that is ambiguous alone, followed by where it stands and then
        by where it goes (another relation, or "to"), is the one that stands there.  Taken
        only when exactly one object fits and the clause ends after the second place; "put
        the red block on green on blue" (the same relation twice) stays a tower.  A
        collective ("put everything on the table into its bin") is narrowed to what stands
        there, when something does."""
        if len(subjects) != 1:
            return
        first = self.peek()
        if first is None or first.get("rel") not in ("on", "in"):
            return
        save = self.i
        self.i += 1
        place = self.noun_phrase()
        second = self.peek()
        ok = (place is not None and second is not None
              and second.get("rel") in ("on", "in", "to")
              and (second.get("rel") != first.get("rel") or second.get("rel") == "to"))
        if ok:
            self.i += 1
            ok = self.noun_phrase() is not None and (self.clause_ends() or self.at("except"))
        self.i = save
        np = subjects[0]
        if not ok:
            return
        where = (first.get("rel"), place)
        if np.collective and np.where is None and self.init:
            # "put everything on the table into its bin": what stands there, if anything
            if not self.narrow_where(np, None, [where], one=False):
                raise self.fail(f"nothing that {self.refs.phrase(np)} names is {first.text} "
                                f"{place.text} in {self.refs.seen_in}")
        elif not (self.ambiguous_alone(np, None) and self.narrow_where(np, None, [where])):
            return
        self.i += 1
        self.noun_phrase()                               # past "on the tower"

    def standing_where(self, np: NounPhrase, before: Sequence[NounPhrase]) -> None:
        """"the block on the green block", "the block on it": where an object stands, said
        right after it, narrows it ("it" is the object named ``before`` it).  The
        resolver then refuses the reference if nothing, or more than one, stands there."""
        first = self.peek()
        if first is None or first.get("rel") not in ("on", "in") or np.where is not None:
            return
        save = self.i
        self.i += 1
        place = self.noun_phrase()
        if place is not None and place.pronoun and before:
            place = before[-1]
        if place is None or place.pronoun:
            self.i = save
            return
        np.where = (first.get("rel"), place)

    def ambiguous_alone(self, np: NounPhrase, types: Sequence[str] | None) -> list[str]:
        """The candidates of a definite reference to one object ("the black box") that the
        observed scene leaves ambiguous; [] when it is not such a reference or not
        ambiguous.  Other refusals (no such object) are raised."""
        if (np.collective or np.where is not None or np.pronoun or np.name or np.det == "a"
                or not self.init):
            return []
        try:
            self.refs.resolve(np, types, subject=True, record=False)
            return []
        except InstructionNotUnderstood as err:
            if not getattr(err, "candidates", None):
                raise
            return list(err.candidates)  # type: ignore[attr-defined]

    def narrow_where(self, np: NounPhrase, types: Sequence[str] | None,
                     wheres: Sequence[tuple[str, NounPhrase]], one: bool = True) -> bool:
        """Gives ``np`` the first of ``wheres`` ((relation, place): where it stands in the
        observed state) with which exactly one object fits (``one=False``: any object, for
        a collective); whether one did."""
        for where in wheres:
            try:
                found = self.refs.resolve(replace(np, where=where), types, subject=True,
                                          record=False)
            except InstructionNotUnderstood:
                continue
            if len(found) == 1 if one else found:
                np.where = where
                return True
        return False
