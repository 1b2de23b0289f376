"""The instruction parser's towers to build: "build a tower of A, B and C", "build two
towers: A on B, and C on D", "a five-block tower", "... and another (one) of D and E".
The blocks' order is read by :mod:`instruction_towers`.

A mixin of the parser in :mod:`vlaplan.planner.instruction`; it uses the parser's cursor
and goal helpers like :mod:`instruction_forms` does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from vlaplan.planner.instruction_goal import Literal
from vlaplan.planner.instruction_lexer import lex
from vlaplan.planner.instruction_phrases import NounPhrase

if TYPE_CHECKING:  # pragma: no cover
    from vlaplan.planner.instruction import _Parser as _Base
else:
    _Base = object


class BuildForms(_Base):
    """"build ..." and "make a tower ...": how many towers, their heights and blocks."""

    def build(self) -> list[Literal]:
        save = self.i
        said = self.noun_phrases()
        if said and not any(np.tower for np in said) and self.at("rel", "state"):
            self.i = save                            # "make red sit on green": no tower,
            return self.body(None, self.neg)         # a state to bring about
        self.i = save
        self.template("on")
        self.take("det")
        count = self.take("number")                  # "build two towers: A on B, and C on D"
        height = self.take("height")                 # "a five-block tower"
        if self.take("tower") is None:
            raise self.fail("what should be built? only towers are known ('build a tower of ...')")
        height = height if height is not None else self.take("height")   # "a tower 3 blocks high"
        ends = self.ends_ahead()
        if height is not None and self.at("with") and "middle" not in ends and len(ends) < height:
            # "a four-block tower with red at the bottom": a tower of four blocks with ...
            noun = self.refs.noun_of_types(self.template("on").args[0])
            self.toks[self.i:self.i] = lex(f"{height} {noun}s", self.lexicon)
        if (self.take("of") is None and self.take("with") is None and self.at("rel")
                and self.peek().get("rel") in ("from", "out")):
            self.i += 1                     # "a tower of / with / from / out of ..." (a colon
                                            # after "tower" never reaches here: split_stages)
        if (height is None and self.at("number") and self.at("noun", offset=1)
                and self.at("colour", "name", "det", offset=2)):
            height = self.take("number")    # "a tower of four blocks: red on green on ..."
            self.i += 1
        literals: list[Literal] = []
        announced, described = count, 1
        while (cut := self.another_tower()) is not None:   # "... and another (one) of D and E"
            whole, self.toks = self.toks, self.toks[:cut[0]]   # this tower's words alone
            count, described = None, described + 1
            try:
                literals += self.built(count, height)
                if self.i < len(self.toks):
                    raise self.fail(f"could not make sense of "
                                    f"{' '.join(t.text for t in self.toks[self.i:])!r}")
            finally:
                self.toks = whole
            self.i, height = cut[1], None
        if announced not in (None, 1) and described > 1 and announced != described:
            raise self.fail(f"{announced} towers are announced but {described} are described")
        return literals + self.built(count, height)

    def ends_ahead(self) -> list[str]:
        """The tower ends ("top", "middle", "bottom") the rest of this step places blocks at;
        "in the middle" places every block (it fits only a tower of three)."""
        ends = []
        for tok in self.toks[self.i:]:
            if tok.has("stop", "seq"):
                break
            if tok.has("end"):
                ends.append(tok.get("end"))
        return ends

    def another_tower(self) -> tuple[int, int] | None:
        """Where "and another (one / tower) of / with / out of ..." starts a second tower in
        this step: (the index of its "and", the index after "of"), or None."""
        for k in range(self.i + 1, len(self.toks) - 1):
            tok = self.toks[k]
            if tok.has("stop", "seq"):
                return None
            if tok.words != ("another",) or not self.toks[k - 1].has("and", "comma"):
                continue
            j = k + 1
            if self.toks[j].has("tower") or self.toks[j].words == ("one",):
                j += 1
            if j < len(self.toks) and (self.toks[j].has("of", "with")
                                       or self.toks[j].get("rel") in ("from", "out")):
                start = k - 1
                while start > self.i and self.toks[start - 1].has("and", "comma"):
                    start -= 1
                return start, j + 1
        return None

    def built(self, count: int | None, height: int | None) -> list[Literal]:
        """The towers after "build a tower of" / "build two towers:"."""
        subjects = self.noun_phrases()
        if subjects and self.at("end"):     # "a tower with red on top and blue at the bottom"
            return self.check_height(self.tower(subjects, on_table=True), height)
        if subjects and (chain := self.on_chain(subjects)) is not None:
            literals = self.check_height(self.tower(chain, on_table=True, order="top_down"),
                                         height)                # "a tower: A on B on C"
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
                literals += self.check_height(self.tower(chain, on_table=True, order="top_down"),
                                              height)
                built += 1
            if count is not None and count != built:
                raise self.fail(f"{count} towers are announced but {built} are described")
            return literals
        if count not in (None, 1):
            raise self.fail(f"say the blocks of each of the {count} towers, e.g. 'build two "
                            f"towers: red on green, and blue on yellow'")
        if not subjects:
            raise self.fail("a tower of which blocks? e.g. 'build a tower of red, green and blue'")
        return self.check_height(self.tower(subjects, on_table=True), height)

    def check_height(self, tower: list[Literal], height: int | None) -> list[Literal]:
        """One tower's literals, refused unless it has the ``height`` announced ("a
        five-block tower")."""
        named = len({name for lit in tower for name in lit.atom.args})
        if height is not None and named != height:
            raise self.fail(f"a tower of {height} blocks is announced, but {named} are named")
        return tower

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
