"""A domain's vocabulary for instructions, loaded from its ``lexicon.yaml``.

The file names the domain's nouns (which objects each denotes, by PDDL type and shape),
colours and their synonyms, extra words, the goal *templates* each kind of request
produces (``on``, ``in``, ``on_table``, ``open``, ...), which literals exclude each other
(*slots*), how sorting matches objects to containers, and example instructions.  English
function words shared by all domains live in ``instruction_words.yaml`` next to this file;
a domain adds to them under ``words:``.  See docs/instructions.md for the format.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vlaplan.planner.errors import PlannerError
from vlaplan.planner.instruction_goal import Literal, SceneObject

BASE_WORDS = Path(__file__).with_name("instruction_words.yaml")
MAX_PHRASE = 7
GOAL_KINDS = ("on", "in", "on_table", "hold", "open", "close", "remove", "clear", "empty")
"""The request kinds the grammar produces; a lexicon's ``goals`` maps some of them to literals.
A domain may add kinds of its own: a goal whose kind is the value of a verb or a state in
its ``words`` ("turn on the lamp", "the lamp is lit"; see docs/instructions.md), other than
a verb of the shared words (``Lexicon.builtin_verbs``)."""


class LexiconError(PlannerError):
    """A lexicon file that is missing or malformed."""


@dataclass(frozen=True)
class Noun:
    """A noun class: its words and the objects it denotes (``None`` = any)."""

    name: str
    words: tuple[str, ...]
    types: tuple[str, ...] | None = None
    shape: str | None = None

    def denotes(self, obj: SceneObject) -> bool:
        if self.types is not None and obj.type not in self.types:
            return False
        return self.shape is None or obj.shape == self.shape


@dataclass(frozen=True)
class GoalTemplate:
    """What one kind of request means: literal patterns over ``{x}``, ``{y}``, ``{each}``."""

    kind: str
    args: tuple[tuple[str, ...], ...]
    literals: tuple[str, ...]
    negatable: bool = False
    for_each: tuple[str, ...] | None = None

    def accepts(self, position: int, obj: SceneObject) -> bool:
        return position >= len(self.args) or obj.type in self.args[position]

    def instantiate(self, x: str, y: str | None = None, each: str | None = None) -> list[Literal]:
        out = []
        for pattern in self.literals:
            text = pattern.format(x=x, y=y or "", each=each or "")
            out.append(Literal.parse(text))
        return out


def plural_forms(word: str) -> set[str]:
    """Regular English plurals of the last word of ``word``."""
    head, _, last = word.rpartition(" ")
    prefix = head + " " if head else ""
    forms = {last + "s"}
    if last.endswith(("s", "x", "ch", "sh", "z")):
        forms = {last + "es"}
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        forms = {last[:-1] + "ies"}
    return {prefix + f for f in forms}


def _as_mapping(kind: str, entry: Any) -> dict[str, list[str]]:
    if isinstance(entry, list):
        return {kind: [str(w) for w in entry]}
    if isinstance(entry, dict):
        return {str(k): [str(w) for w in (v if isinstance(v, list) else [v])]
                for k, v in entry.items()}
    raise LexiconError(f"words for {kind!r} must be a list or a mapping, not {type(entry).__name__}")


@dataclass
class Lexicon:
    """Words -> readings for one domain, plus its goal templates; see the module docstring."""

    domain: str
    nouns: dict[str, Noun]
    colours: dict[str, tuple[str, ...]]
    goals: dict[str, GoalTemplate]
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    movable: tuple[str, ...] = ()
    sort: dict[str, Any] = field(default_factory=dict)
    away: str | None = None
    examples: tuple[dict[str, str], ...] = ()
    description: str = ""
    words: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    builtin_verbs: frozenset[str] = frozenset()   # the verbs of the shared English words
    phrases: dict[tuple[str, ...], list[tuple[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.phrases = {}
        for kind, mapping in self.words.items():
            for value, entries in mapping.items():
                for entry in entries:
                    self._add(entry, kind, _typed_value(kind, value))
        for noun in self.nouns.values():
            for word in noun.words:
                self._add(word, "noun", (noun.name, False))
                for plural in plural_forms(word):
                    self._add(plural, "noun", (noun.name, True))
        for colour, synonyms in self.colours.items():
            for word in (colour, *synonyms):
                self._add(word, "colour", colour)

    def _add(self, text: str, kind: str, value: Any) -> None:
        key = tuple(tokenize_words(text))
        if not key:
            return
        readings = self.phrases.setdefault(key, [])
        if (kind, value) not in readings:
            readings.append((kind, value))

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(cls, path: str | Path) -> "Lexicon":
        """Read a domain's ``lexicon.yaml`` (merged with the shared English words)."""
        path = Path(path)
        if path.is_dir():
            path = path / "lexicon.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            base = yaml.safe_load(BASE_WORDS.read_text(encoding="utf-8")) or {}
            _refuse_booleans(base, str(BASE_WORDS))
        except OSError as exc:
            raise LexiconError(f"cannot read lexicon {path}: {exc}") from exc
        except yaml.YAMLError as exc:
            raise LexiconError(f"lexicon {path} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise LexiconError(f"lexicon {path} must be a mapping")
        _refuse_booleans(data, str(path))
        return cls.from_dict(data, base, source=str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base: Mapping[str, Any] | None = None,
                  source: str = "<dict>") -> "Lexicon":
        if base is None:
            base = yaml.safe_load(BASE_WORDS.read_text(encoding="utf-8")) or {}
        words: dict[str, dict[str, list[str]]] = {}
        for section in (base, data.get("words") or {}):
            for kind, entry in section.items():
                for value, entries in _as_mapping(kind, entry).items():
                    words.setdefault(kind, {}).setdefault(value, []).extend(entries)
        try:
            nouns = {name: Noun(name, tuple(spec.get("words", [name])),
                                _types(spec.get("type")), spec.get("shape"))
                     for name, spec in (data.get("nouns") or {}).items()}
            colours = {str(c): tuple(s or ()) for c, s in (data.get("colours") or {}).items()}
            goals = {kind: GoalTemplate(kind, tuple(_types(a) or () for a in spec.get("args", [])),
                                        tuple(spec["literals"]), bool(spec.get("negatable")),
                                        _types(spec.get("for_each")))
                     for kind, spec in (data.get("goals") or {}).items()}
            slots = {pred: tuple(v) for pred, v in (data.get("slots") or {}).items()}
        except (AttributeError, KeyError, TypeError) as exc:
            raise LexiconError(f"malformed lexicon {source}: {exc!r}") from exc
        own = {v for k in ("verb", "state") for v in (data.get("words") or {}).get(k) or {}}
        builtin = frozenset(_as_mapping("verb", base.get("verb") or {}))
        for kind, tpl in goals.items():
            _check_template(kind, tpl, source, own, builtin)
        if not nouns:
            raise LexiconError(f"lexicon {source} defines no nouns")
        return cls(domain=str(data.get("domain", "")), nouns=nouns, colours=colours, goals=goals,
                   slots=slots, movable=tuple(data.get("movable") or ()),
                   sort=dict(data.get("sort") or {}), away=data.get("away"),
                   examples=tuple(dict(e) for e in data.get("examples") or ()),
                   description=str(data.get("description", "")), words=words,
                   builtin_verbs=builtin)

    # ----------------------------------------------------------------- queries
    def readings(self, words: Sequence[str]) -> list[tuple[str, Any]]:
        return self.phrases.get(tuple(words), [])

    @property
    def vocabulary(self) -> list[str]:
        """Every single word the lexicon knows, sorted."""
        return sorted({w for key in self.phrases for w in key})

    def suggest(self, word: str, extra: Iterable[str] = (), n: int = 3) -> list[str]:
        """Close matches for an unknown word: the phrases it is part of ("after" -> "after
        that"), else similar words of the lexicon (and ``extra``, e.g. object names)."""
        phrases = sorted((" ".join(key) for key in self.phrases if len(key) > 1 and word in key),
                         key=lambda p: (len(p), p))
        if phrases:
            return phrases[:n]
        pool = sorted({key[0] for key in self.phrases if len(key) == 1} | set(extra))
        swapped = [w for w in pool if _one_swap(word, w)]   # "teh" -> "the", "opne" -> "open"
        close = difflib.get_close_matches(word, pool, n=n, cutoff=0.72)
        return list(dict.fromkeys([*swapped, *close]))[:n]

    def noun_for(self, obj: SceneObject) -> str:
        """The first noun word that denotes ``obj`` (``object`` when none does)."""
        for noun in self.nouns.values():
            if noun.types is not None and noun.denotes(obj):
                return noun.words[0]
        return "object"

    def describe(self, obj: SceneObject) -> str:
        """``red_1 (red block)``."""
        words = " ".join(w for w in (obj.colour, self.noun_for(obj)) if w)
        return f"{obj.name} ({words})"

    def slots_of(self, lit: Literal) -> tuple[str, ...]:
        """The slots a literal fills (two positive literals sharing one cannot both hold)."""
        patterns = self.slots.get(lit.atom.predicate, ())
        try:
            return tuple(p.format(*lit.atom.args) for p in patterns)
        except IndexError:
            return ()


def _one_swap(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with two neighbouring letters swapped (a common typo)."""
    if len(a) != len(b) or a == b:
        return False
    diff = [k for k in range(len(a)) if a[k] != b[k]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] \
        and a[diff[1]] == b[diff[0]]


def _check_template(kind: str, tpl: GoalTemplate, source: str, own: set[str],
                    builtin: frozenset[str]) -> None:
    if kind not in GOAL_KINDS and kind not in own:
        raise LexiconError(f"{source}: unknown goal kind {kind!r}; known: {', '.join(GOAL_KINDS)}, "
                           f"or a verb or state the lexicon's words define")
    if kind not in GOAL_KINDS and kind in builtin:
        raise LexiconError(f"{source}: goal kind {kind!r} is a built-in verb; name the "
                           f"domain's own verb differently")
    try:
        tpl.instantiate("x", "y", "each")
    except (KeyError, IndexError, ValueError) as exc:
        raise LexiconError(f"{source}: goal {kind!r} has a bad literal pattern "
                           f"(use {{x}}, {{y}}, {{each}} inside '(pred ...)'): {exc}") from exc


def _refuse_booleans(data: Any, source: str) -> None:
    """YAML 1.1 reads bare on/off/yes/no as booleans: demand quotes instead of misreading."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, bool):
                raise LexiconError(f"{source}: key {key!r} is a YAML boolean; quote it (\"on\", \"no\")")
            _refuse_booleans(value, source)
    elif isinstance(data, list):
        for value in data:
            if isinstance(value, bool):
                raise LexiconError(f"{source}: {value!r} in a list is a YAML boolean; quote it")
            _refuse_booleans(value, source)


def _types(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _typed_value(kind: str, value: str) -> Any:
    return int(value) if kind in ("number", "height") else value


def tokenize_words(text: str) -> list[str]:
    """Lower-case words and punctuation marks of ``text`` (contractions expanded)."""
    import re

    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"n't\b", " not", text).replace("can not", "can not")
    text = re.sub(r"\b(it|that|there|what)'s\b", r"\1 is", text)
    text = re.sub(r"'(re|ll|d|ve|m)\b", " ", text).replace("'s", "")
    return re.findall(r"[a-z0-9_]+(?:-[a-z0-9_]+)*|no\.|[,;.!?:#&]", text)
