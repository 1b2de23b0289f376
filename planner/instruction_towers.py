"""The instruction parser's towers: the ones to build ("build a tower of A, B and C with C
at the bottom", "red on top, green in the middle and blue at the bottom", "build two
towers: A on B, and C on D") and the ones standing in the observed state ("knock the
tower down", "put yellow on top of the tower").

A mixin of the parser in :mod:`vlaplan.planner.instruction`; it uses the parser's cursor
(``take``, ``at``, ``noun_phrase``) and goal helpers (``instantiate``, ``single``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from vlaplan.planner.instruction_goal import Literal, SceneObject
from vlaplan.planner.instruction_lexer import Token
from vlaplan.planner.instruction_phrases import NounPhrase

NAMING = ("det", "quant", "colour", "noun", "name", "number", "ordinal", "index", "and", "comma")


def tower_lists(segments: list[list[Token]]) -> list[list[Token]]:
    """Steps that only name blocks after a tower position go on with that tower's list:
    "build a tower with blue at the bottom, then green, then red" is one step."""
    out: list[list[Token]] = []
    for segment in segments:
        if out and _names_blocks(segment, closing=True) and _after_position(out[-1]):
            out[-1] = [*out[-1], Token((",",), {"comma": ","}), *segment]
        else:
            out.append(segment)
    return out


def _after_position(tokens: list[Token]) -> bool:
    """Whether ``tokens`` end with a tower position and block names after it."""
    ends = [k for k, t in enumerate(tokens) if t.has("end")]
    return bool(ends) and _names_blocks(tokens[ends[-1] + 1:], closing=False)


def _names_blocks(tokens: list[Token], closing: bool) -> bool:
    """Only words that name blocks (and, with ``closing``, a last tower position)."""
    body = tokens[:-1] if closing and tokens and tokens[-1].has("end") else tokens
    return (bool(body) or not closing) and all(
        t.has(*NAMING) and not t.has("verb", "rel") for t in body)


if TYPE_CHECKING:  # pragma: no cover
    from vlaplan.planner.instruction import _Parser as _Base
else:
    _Base = object


class TowerForms(_Base):
    """Towers to build, and the towers of the observed state."""

    def towers(self) -> list[list[SceneObject]] | None:
        """The towers of the observed state as the earlier steps leave it (two or more
        blocks, each top first), read with the lexicon's "on" goal; None without an
        observed state."""
        if not self.init:
            return None
        self.template("on")
        head = self.relation_of("on")
        if head is None:
            raise self.fail(f"the {self.lexicon.domain} domain has no towers to name")
        x, y = head.args.index("?x"), head.args.index("?y")
        below = {a.args[x]: a.args[y] for a in self.state()
                 if a.predicate == head.predicate and len(a.args) == len(head.args)
                 and {a.args[x], a.args[y]} <= set(self.refs.by_name)}
        above = {lower: upper for upper, lower in below.items()}
        towers = []
        for bottom in sorted(set(above) - set(below)):
            tower = [self.refs.by_name[bottom]]
            while tower[-1].name in above and len(tower) <= len(above):
                tower.append(self.refs.by_name[above[tower[-1].name]])
            towers.append(tower[::-1])
        return towers

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
        if not ends and self.take("listed_order") is not None:   # "... from bottom to top in
            return self.in_listed_order(subjects, order)        # the order red, green, blue"
        listed = len(ends) == 1 and ends[0][0] in ("top", "bottom") and self.at(
            "comma", "and", "colour", "noun", "det", "name")     # (the loop took a comma)
        free = not listed and order is None and len(subjects) == 1 and subjects[0].group
        fixed = [(end, self.single(np, "on", 0, subject=False)) for end, np in ends] if free else []
        if free and subjects[0].det == "a":   # "a tower of four blocks": any four, so the
            # blocks said to be at its ends and those already stacked first
            self.refs.prefer = [o for _, o in fixed] + self.standing_run(None)
        try:
            blocks = self.tower_blocks(subjects, ordered=listed or free)
        finally:
            self.refs.prefer = []
        if len(blocks) < 2:
            raise self.fail("a tower needs at least two blocks")
        if listed:
            return self.from_one_end(blocks, ends[0], on_table)
        if free and fixed:                  # "stack all the blocks with red at the bottom"
            return self.stacked(self.around_ends(blocks, fixed), on_table)
        if free:                            # "stack all the blocks into one tower"
            return self.stacked(self.any_order(blocks), on_table)
        return self.stacked(self.tower_order(blocks, order, ends), on_table)

    def standing_run(self, names: set[str] | None,
                     bottom: SceneObject | None = None) -> list[SceneObject]:
        """The longest run of blocks (of ``names``; None: any) standing as a tower from the
        table up in the state read (from ``bottom`` up when given), bottom first."""
        base: list[SceneObject] = []
        for standing in (self.towers() if self.init else None) or []:   # each top first
            run = []
            for obj in reversed(standing):
                if names is not None and obj.name not in names:
                    break
                run.append(obj)
            if bottom is not None and run[:1] != [bottom]:
                continue
            if len(run) > len(base):
                base = run
        return base

    def any_order(self, blocks: list[SceneObject], note: bool = True) -> list[SceneObject]:
        """A tower of ``blocks`` whose order nobody said ("stack all the blocks"), top
        first: any order meets the instruction, so the longest run of them already
        standing on the table as a tower stays at the bottom and the others follow in the
        scene's order.  The choice is written in the goal's notes."""
        base = self.standing_run({o.name for o in blocks})
        bottom_up = base + [o for o in blocks if o not in base]
        top_first = bottom_up[::-1]
        kept = (f", keeping {' on '.join(o.name for o in base[::-1])} as it stands"
                if len(base) > 1 else "")
        if note:
            self.notes.append(f"no order was said for the tower of {', '.join(o.name for o in blocks)}; "
                              f"chose {' on '.join(o.name for o in top_first)} (top first){kept}")
        return top_first

    def around_ends(self, blocks: list[SceneObject],
                    fixed: list[tuple[str, SceneObject]]) -> list[SceneObject]:
        """A tower of several blocks named at once with only its ends said ("stack all four
        blocks with red at the bottom", "... with blue on top and red at the bottom"), top
        first: each block said at an end goes there, the others between them in an order
        of the parser's choosing (written in the goal's notes).  With the bottom said, the
        blocks already standing on it stay there; without, as :meth:`any_order`."""
        at: dict[str, SceneObject] = {}
        for end, obj in fixed:
            if obj not in blocks:
                raise self.fail(f"{self.lexicon.describe(obj)} is said to be at the {end}, but it "
                                f"is not one of the tower's blocks "
                                f"({', '.join(o.name for o in blocks)})")
            if end in at or obj in at.values():
                raise self.fail("the tower's order is stated in two contradicting ways")
            at[end] = obj
        if "middle" in at and (len(blocks) != 3 or len(at) < 2):
            raise self.fail("'in the middle' fits a tower of three blocks with a block said at "
                            "its top or bottom too")
        rest = [o for o in blocks if o not in at.values()]
        kept: list[SceneObject] = []
        if "middle" in at:                  # three blocks: at most one left to place
            top_first = [at.get("top", rest[0] if rest else None), at["middle"],
                         at.get("bottom", rest[0] if rest else None)]
        else:
            if "bottom" in at:              # those standing on it stay, then the scene's order
                kept = self.standing_run({o.name for o in blocks}, at["bottom"])[1:]
                inner = (kept + [o for o in rest if o not in kept])[::-1]
            else:
                inner = self.any_order(rest, note=False)
            top_first = ([at["top"]] if "top" in at else []) + inner + (
                [at["bottom"]] if "bottom" in at else [])
        if rest:
            said = " and ".join(e for e in ("top", "middle", "bottom") if e in at)
            keeping = (f", keeping {' on '.join(o.name for o in kept[::-1])} on "
                       f"{at['bottom'].name} as it stands" if kept else "")
            self.notes.append(f"only the {said} of the tower of {', '.join(o.name for o in blocks)} "
                              f"was said; chose {' on '.join(o.name for o in top_first)} "
                              f"(top first){keeping}")
        return top_first

    def from_one_end(self, blocks: list[SceneObject], end: tuple[str, NounPhrase],
                     on_table: bool) -> list[Literal]:
        """"put the blocks in one stack with red at the bottom, then green, then blue":
        the blocks after the one at an end follow it, in order, and must be the tower's."""
        items = self.more_items(bare_first=True)
        far = {"top": "bottom", "bottom": "top"}[end[0]]
        for k, (said, _) in enumerate(items):      # "..., and yellow on top": the far end
            if said is not None and (said != far or k != len(items) - 1):
                raise self.fail("list the blocks from one end of the tower to the other, "
                                "e.g. 'red at the bottom, then green, then blue'")
        listed = [self.single(np, "on", 0, subject=True) for np in [end[1]] + [n for _, n in items]]
        self.same_blocks(blocks, listed)
        return self.stacked(listed if end[0] == "top" else listed[::-1], on_table)

    def in_listed_order(self, subjects: list[NounPhrase],
                        said: str | None = None) -> list[Literal]:
        """"stack the blocks in the order red, green, blue from bottom to top": a tower of
        the blocks listed, in the direction said, after the list or before it (``said``);
        the blocks named first must be them."""
        listed = self.noun_phrases()
        while self.at("comma"):
            self.i += 1
        direction = self.take("order")
        if said is not None and direction not in (None, said):
            raise self.fail("the tower's order is stated in two contradicting ways")
        direction = direction or said
        if not listed or direction not in ("bottom_up", "top_down"):
            raise self.fail("say the order and its direction, e.g. 'in the order red, green, "
                            "blue from bottom to top'")
        named = self.tower_blocks(subjects, ordered=True)
        blocks = self.tower_blocks(listed)
        self.same_blocks(named, blocks)
        return self.stacked(blocks if direction == "top_down" else blocks[::-1], on_table=True)

    def same_blocks(self, tower: list[SceneObject], listed: list[SceneObject]) -> None:
        """Refuse an order that does not list exactly the tower's blocks."""
        if sorted(o.name for o in listed) != sorted(o.name for o in tower):
            raise self.fail(f"the tower is {', '.join(o.name for o in tower)}, but the order "
                            f"lists {', '.join(o.name for o in listed)}")

    def more_items(self, bare_first: bool = False) -> list[tuple[str | None, NounPhrase]]:
        """The further ", (and) <block> [position]" items of a tower's list (the first
        without a comma too when ``bare_first``)."""
        items: list[tuple[str | None, NounPhrase]] = []
        while self.at("and", "comma") or (bare_first and not items):
            save = self.i
            while self.at("and", "comma"):
                self.i += 1
            np = self.noun_phrase()
            if np is None:
                self.i = save
                break
            items.append((self.take("end"), np))
        return items

    def positioned(self, before: list[NounPhrase], ends: list[tuple[str, NounPhrase]],
                   on_table: bool) -> list[Literal]:
        """A tower said by the place of each block: "red on top, green in the middle and
        blue at the bottom", or from one end on: "blue at the bottom, then green, then red"
        (``ends`` holds the first pair; the rest follow)."""
        if before:
            raise self.fail(f"say where {before[0].text!r} goes in the tower too, or list "
                            f"the blocks from top to bottom")
        items: list[tuple[str | None, NounPhrase]] = list(ends) + self.more_items()
        blocks = [self.single(np, "on", 0, subject=True) for _, np in items]
        if len(set(blocks)) != len(blocks):
            raise self.fail("a block appears twice in the tower")
        if [end for end, _ in items] == ["top"] and self.init:   # "put yellow on top": of
            standing = self.towers() or []                       # the one observed tower
            if len(standing) == 1 and blocks[0] not in standing[0]:
                return self.stacked([blocks[0], standing[0][0]], on_table=False)
        if any(end is None for end, _ in items):       # from one end on
            first, last = items[0][0], items[-1][0]
            inner = [end for end, _ in items[1:-1] if end is not None]
            if first == "middle" or inner or last not in (None, {"top": "bottom"}.get(first, "top")):
                raise self.fail("list the blocks from one end of the tower to the other, "
                                "e.g. 'blue at the bottom, then green, then red'")
            return self.stacked(blocks if first == "top" else blocks[::-1], on_table)
        at: dict[str, SceneObject] = {}
        for (end, _), obj in zip(items, blocks):
            if end in at:
                raise self.fail(f"two blocks are said to be {'in the' if end == 'middle' else 'at the'} "
                                f"{end} of the tower")
            at[end] = obj
        if "top" not in at or "bottom" not in at:
            raise self.fail("say the block at the top and the one at the bottom (and in the "
                            "middle of three), or list the blocks from top to bottom")
        return self.stacked([at[end] for end in ("top", "middle", "bottom") if end in at], on_table)

    def reversed_towers(self) -> list[Literal]:
        """"reverse the tower", "turn the stack upside down": each named observed tower
        is built again in the opposite order, its top block at the bottom."""
        subjects = self.noun_phrases()
        upside = self.take("upside") is not None
        if self.verb_word == "turn" and not upside:
            raise self.fail("turn it how? say 'turn the tower upside down'")
        if not subjects or not all(np.tower for np in subjects):
            raise self.fail("reversing works on the towers of the observed scene: 'reverse "
                            "the tower', 'turn every stack upside down'")
        literals: list[Literal] = []
        for np in subjects:
            for tower in self.refs.select_towers(np):
                literals += self.stacked(tower[::-1], on_table=True)
        return literals

    def stacked(self, top_first: list[SceneObject], on_table: bool) -> list[Literal]:
        """``(on A B) (on B C) ... [(on-table Z)]`` for blocks listed top first."""
        literals = []
        for upper, lower in zip(top_first, top_first[1:]):
            literals += self.instantiate(self.template("on"), upper, lower, False)
        if on_table and top_first:
            literals += self.instantiate(self.template("on_table"), top_first[-1], None, False)
        return literals

    def tower_blocks(self, subjects: list[NounPhrase], ordered: bool = False) -> list[SceneObject]:
        """The blocks ``subjects`` name; several behind one phrase ("all the blocks") only
        when ``ordered`` (the order follows: "... with red at the bottom, then green")."""
        blocks: list[SceneObject] = []
        for np in subjects:
            found = self.refs.resolve(np, self.arg_types("on", 0), subject=True)
            if len(found) > 1 and len(subjects) > 1:
                raise self.fail(f"{np.text!r} is several blocks in no stated order; name each block")
            if len(found) > 1 and not np.pronoun and not ordered:
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
