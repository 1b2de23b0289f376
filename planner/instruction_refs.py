"""Noun phrases (:mod:`instruction_phrases`) resolved against the observed scene.

"the red block" must denote exactly one object; "all red blocks", "the cubes" and
"everything" denote every match (at least one); "both" exactly two; "the two red blocks"
exactly two.  A reference that matches nothing names what the scene does hold; one that
matches several lists the candidates.  Pronouns ("it", "them") take the most recent
mention that fits, preferring the subjects of earlier clauses.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from vlaplan.planner.errors import InstructionNotUnderstood
from vlaplan.planner.instruction_goal import SceneObject
from vlaplan.planner.instruction_phrases import NounPhrase
from vlaplan.planner.lexicon import Lexicon


class Mentions:
    """Objects mentioned so far, for pronouns: (objects, was a subject, stage) in order."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple[SceneObject, ...], bool, int]] = []
        self.stage = 0
        self.mass: list[tuple[SceneObject, ...]] = []   # "everything" as a subject: "it" too

    def add(self, objects: Sequence[SceneObject], subject: bool, mass: bool = False) -> None:
        if objects:
            self.items.append((tuple(objects), subject, self.stage))
            if mass and subject:
                self.mass.append(tuple(objects))

    def narrow(self, objects: Sequence[SceneObject]) -> None:
        """The latest subject mention that holds ``objects`` turns out to mean just them
        ("take everything out of the drawer": what is in it)."""
        kept = set(objects)
        for k in range(len(self.items) - 1, -1, -1):
            objs, subject, stage = self.items[k]
            if subject and kept <= set(objs):
                self.items[k] = (tuple(o for o in objs if o in kept), subject, stage)
                self.mass = [tuple(o for o in m if o in kept) if m == objs else m for m in self.mass]
                return

    def names(self) -> set[str]:
        return {o.name for objs, _, _ in self.items for o in objs}


class Resolver:
    """Resolves noun phrases of one instruction against the scene's objects."""

    def __init__(self, instruction: str, objects: Sequence[SceneObject], lexicon: Lexicon,
                 in_state: Callable[[str, SceneObject], bool | None] | None = None,
                 towers: Callable[[], list[list[SceneObject]] | None] | None = None,
                 located: Callable[[str, SceneObject, NounPhrase], bool] | None = None) -> None:
        self.in_state = in_state or (lambda state, obj: None)
        self.located = located or (lambda rel, obj, place: True)
        self.towers = towers or (lambda: None)
        self.instruction = instruction
        self.objects = tuple(objects)
        self.by_name = {o.name: o for o in self.objects}
        self.lexicon = lexicon
        self.mentions = Mentions()
        self.seen_in = "the observed scene"  # where states and towers are read (see the parser)
        self.notes: list[str] = []           # how the instruction was read (the goal's notes)
        self.prefer: list[SceneObject] = []  # chosen first for "a"/"any" (see several)
        # set by the parser while a clause's subjects are read: whether what the clause asks
        # for already holds of an object ("a" then prefers the others; see several)
        self.done: Callable[[SceneObject], bool] | None = None

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
        if np.table and subject:
            raise self.fail(f"{self.phrase(np)} is where things are put, not something to move")
        found = (self._tower(np, subject) if np.tower else self._part(np) if np.part
                 else self._resolve(np, types, exclude, subject))
        if np.det == "a" and len(found) > (np.count or 1) and not np.tower:
            found = self.several(np, found, np.count or 1)   # "a red block", "any two blocks"
        if record:
            self.mentions.add(found, subject, mass=np.everything)
        return found

    def _resolve(self, np: NounPhrase, types: Collection[str] | None,
                 exclude: Collection[str], subject: bool = True) -> list[SceneObject]:
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
        if np.where is not None:       # "the block that is on green"
            described = [o for o in described if self.located(np.where[0], o, np.where[1])]
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
            if np.words[-1:] == ["one"] and not np.colours:   # "the other one": of the kind
                candidates = self._like_last(candidates, subject)   # just named
        if np.index is not None and np.words[-1:] == ["one"] and not np.colours:
            # "the second red block on the third one": the third of the kind just named
            candidates = self._like_last(candidates, subject) or candidates
        for ex in np.excluded:                # each exception must name something there
            left_out = {o.name for o in self._resolve(ex, None, ())}
            candidates = [o for o in candidates if o.name not in left_out]
        self._check_count(np, candidates, types)
        return candidates

    def _like_last(self, candidates: list[SceneObject], subject: bool) -> list[SceneObject]:
        """Those of ``candidates`` with the colour and shape of the latest mention in the same
        role, a subject or a place ("put a red block on green and the other one on blue": the
        other red block; "put red in one drawer and blue in the other": the other drawer); the
        latest subject when nothing in that role was named yet."""
        same_role = [objs for objs, was_subject, _ in self.mentions.items if was_subject == subject]
        subjects = [objs for objs, was_subject, _ in self.mentions.items if was_subject]
        for objs in (same_role or subjects)[-1:]:
            for attribute in ("colour", "shape", "type"):
                values = {getattr(o, attribute) for o in objs}
                if len(values) == 1 and None not in values:
                    candidates = [o for o in candidates if getattr(o, attribute) in values]
        return candidates

    def _tower(self, np: NounPhrase, subject: bool) -> list[SceneObject]:
        """The blocks of the tower(s) ``np`` names in the observed state, top first and
        without the bottom one, which stays ("knock the tower down"); as a place ("put red
        on the tower") the top block of each."""
        towers = self.select_towers(np)
        return [o for t in towers for o in (t[:-1] if subject else t[:1])]

    def _part(self, np: NounPhrase) -> list[SceneObject]:
        """"the top block of the tower", "the bottom block of the tallest stack"."""
        stacked = self.lexicon.goals.get("on")        # what can stand on another, if anything
        noun = self.lexicon.nouns.get(np.noun) if np.noun else None
        if stacked is None or noun is not None and not any(
                noun.denotes(o) and o.type in stacked.args[0] for o in self.objects):
            raise self.fail(f"{self.phrase(np)}: {np.part!r} picks an object by where it stands, "
                            f"and instructions cannot say that; name it by colour, shape or "
                            f"name (`vlaplan goal` lists the scene's objects)")
        if np.part_of is None:                          # "the top block": of the one tower
            towers = self.towers()
            if towers is None or len(towers) != 1:
                standing = ("no observed scene" if towers is None else
                            f"{len(towers)} towers stand" if towers else "no tower stands")
                raise self.fail(f"{self.phrase(np)}: the {np.part} of which tower? "
                                f"({standing}) say 'the {np.part} block of the tower'")
        else:
            towers = self.select_towers(np.part_of)
        if len(towers) != 1:
            raise self.fail(f"{self.phrase(np)} must name one block; name one tower")
        return [towers[0][0] if np.part == "top" else towers[0][-1]]

    def select_towers(self, np: NounPhrase) -> list[list[SceneObject]]:
        """The observed towers (each top first, bottom included) that ``np`` names ("the
        tower", "both towers", "the tallest stack"); refused when they do not fit."""
        towers = self.towers()
        if towers is None:
            raise self.fail(f"{self.phrase(np)} means blocks stacked in the observed scene, "
                            f"and there is none to look at; name the blocks instead")
        if not towers:
            raise self.fail(f"there is no tower in {self.seen_in}: no block is on another")
        if np.tower_with is not None:                     # "the tower with the blue block"
            members = self.resolve(np.tower_with, None, subject=False, record=False)
            towers = [t for t in towers if any(o in t for o in members)]
            if not towers:
                raise self.fail(f"{self.phrase(np)}: {self.listing(members)} is in no tower in "
                                f"{self.seen_in} (nothing is on it and it is on nothing)")
        if np.extreme is not None:                        # "the tallest tower"
            if np.collective:
                raise self.fail(f"{self.phrase(np)}: a tallest or shortest tower is one tower; "
                                f"say 'the {np.words[-1].rstrip('s')}' or 'every tower'")
            height = (max if np.extreme == "max" else min)(len(t) for t in towers)
            best = [t for t in towers if len(t) == height]
            if len(best) > 1:
                raise self.fail(f"{self.phrase(np)} is ambiguous: {len(best)} towers are "
                                f"{height} blocks high ("
                                f"{' | '.join(self.tower_text(t) for t in best)}); name the blocks")
            towers = best
        said = " | ".join(self.tower_text(t) for t in towers)
        wanted = 2 if np.quant == "both" else np.count
        if wanted is not None and len(towers) != wanted:
            raise self.fail(f"{self.phrase(np)} needs exactly {wanted} towers but the scene "
                            f"has {len(towers)}: {said}")
        if wanted is None and not np.collective and len(towers) > 1:
            raise self.fail(f"{self.phrase(np)} is ambiguous: the scene has {len(towers)} "
                            f"towers ({said}); name the blocks, say which (e.g. 'the tower "
                            f"with {towers[0][-1].name}'), or say 'every tower'")
        return towers

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
                                f"{states} in {self.seen_in}; it has {self.listing(pool)}")
            if np.where is not None:
                rel, place = np.where
                raise self.fail(f"{self.phrase(np)}: no {self.described(np, types)} is {rel} "
                                f"{place.text} in {self.seen_in}; it has {self.listing(pool)}")
            raise self.fail(f"there is no {self.described(np, types)} in the scene; "
                            f"it has {self.listing(pool)}")
        wanted = 2 if np.quant == "both" else np.count
        if wanted is not None:
            if len(candidates) != wanted and not (np.det == "a" and len(candidates) > wanted):
                raise self.fail(
                    f"{self.phrase(np)} needs exactly {wanted} objects but the scene has "
                    f"{len(candidates)}: {self.listing(candidates)}",
                    {np.text: [o.name for o in candidates]} if len(candidates) > wanted else None)
            return
        if not np.collective and len(candidates) > 1 and np.det != "a":
            err = self.fail(f"{self.phrase(np)} is ambiguous: it could be "
                            f"{' or '.join(self.lexicon.describe(o) for o in candidates)}; "
                            f"say which (e.g. by name)", {np.text: [o.name for o in candidates]})
            err.candidates = [o.name for o in candidates]  # type: ignore[attr-defined]
            raise err

    def several(self, np: NounPhrase, candidates: list[SceneObject], n: int) -> list[SceneObject]:
        """``n`` different objects of ``candidates``, any of which ``np`` allows ("a red
        block", "any two blocks", "one of the drawers", a place each: "on a plate"): first those
        the clause's request does not already hold of (``done``: "put any block on the table"
        takes one that is not on it), then those not named elsewhere in the instruction, then
        those clear of other objects in the state read, then in the scene's order (``prefer``,
        set by the parser, goes before all: "a tower of four blocks" takes blocks already
        stacked).  The choice goes to the notes."""
        if len(candidates) < n:
            raise self.fail(f"{self.phrase(np)} must be a different one for each of {n} objects, "
                            f"but the scene has {len(candidates)}: {self.listing(candidates)}")
        mentioned = self.mentions.names()
        order = {o.name: k for k, o in enumerate(self.objects)}
        first = {o.name: k for k, o in enumerate(self.prefer)}
        done = self.done or (lambda obj: False)
        chosen = sorted(candidates, key=lambda o: (first.get(o.name, len(first)),
                                                   done(o),
                                                   o.name in mentioned,
                                                   self.in_state("clear", o) is False,
                                                   order[o.name]))[:n]
        note = (f"{self.phrase(np)} could be any of {', '.join(o.name for o in candidates)}; "
                f"chose {', '.join(o.name for o in chosen)}")
        if note not in self.notes:
            self.notes.append(note)
        return chosen

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
        elif self.mentions.mass and all(fits((o,)) for o in self.mentions.mass[-1]):
            return list(self.mentions.mass[-1])   # "take everything out and put it on the table"
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
