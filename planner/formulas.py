"""The lifted formula language: conditions (preconditions, goals) and effects.

Conditions are built from :class:`Pred` (a predicate over terms; a term starting with
``?`` is a variable), :class:`Eq`, :class:`Not`, :class:`And`, :class:`Or`,
:class:`Imply`, :class:`Forall` and :class:`Exists`.  Effects are :class:`And` of
:class:`Pred` (add), ``Not(Pred)`` (delete), :class:`When` (conditional),
:class:`Forall` (universal) and :class:`Increase` (``total-cost`` only).
All nodes are frozen dataclasses: hashable and comparable.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Union

from vlaplan.planner.atoms import Atom


@dataclass(frozen=True)
class Parameter:
    """A typed variable ``?x - block``; ``types`` holds several names for ``either``."""

    name: str
    types: tuple[str, ...] = ("object",)

    def __str__(self) -> str:
        t = self.types[0] if len(self.types) == 1 else "(either " + " ".join(self.types) + ")"
        return f"{self.name} - {t}"


@dataclass(frozen=True)
class Pred:
    """A (possibly lifted) atom ``(on ?x b)``."""

    predicate: str
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "(" + " ".join((self.predicate, *self.args)) + ")"


@dataclass(frozen=True)
class Eq:
    """Object equality ``(= t1 t2)``."""

    left: str
    right: str

    def __str__(self) -> str:
        return f"(= {self.left} {self.right})"


@dataclass(frozen=True)
class Not:
    """Negation of a condition; in an effect, ``Not(Pred)`` is a delete."""

    part: "Formula"

    def __str__(self) -> str:
        return f"(not {self.part})"


@dataclass(frozen=True)
class And:
    """Conjunction (true when empty)."""

    parts: tuple["Formula", ...] = ()

    def __str__(self) -> str:
        return "(and " + " ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class Or:
    """Disjunction (false when empty)."""

    parts: tuple["Formula", ...] = ()

    def __str__(self) -> str:
        return "(or " + " ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class Imply:
    """``(imply a b)``."""

    left: "Formula"
    right: "Formula"

    def __str__(self) -> str:
        return f"(imply {self.left} {self.right})"


@dataclass(frozen=True)
class Forall:
    """Universal quantifier: a condition, or a universal effect."""

    params: tuple[Parameter, ...]
    body: "Formula"

    def __str__(self) -> str:
        return "(forall (" + " ".join(map(str, self.params)) + f") {self.body})"


@dataclass(frozen=True)
class Exists:
    """Existential quantifier (conditions only)."""

    params: tuple[Parameter, ...]
    body: "Formula"

    def __str__(self) -> str:
        return "(exists (" + " ".join(map(str, self.params)) + f") {self.body})"


@dataclass(frozen=True)
class When:
    """Conditional effect ``(when condition effect)``."""

    condition: "Formula"
    effect: "Formula"

    def __str__(self) -> str:
        return f"(when {self.condition} {self.effect})"


@dataclass(frozen=True)
class FunctionTerm:
    """A function application ``(road-length ?a ?b)``."""

    name: str
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "(" + " ".join((self.name, *self.args)) + ")"


@dataclass(frozen=True)
class Increase:
    """``(increase (total-cost) value)``: value is a number or a static function term."""

    fluent: FunctionTerm
    value: Union[float, FunctionTerm]

    def __str__(self) -> str:
        v = self.value if isinstance(self.value, FunctionTerm) else _num(self.value)
        return f"(increase {self.fluent} {v})"


Formula = Union[Pred, Eq, Not, And, Or, Imply, Forall, Exists, When, Increase]
TRUE = And(())


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def conjunction(literals: Iterable[Atom | Pred | Not | tuple]) -> Formula:
    """A goal from atoms and negated atoms (``Not(atom)``), e.g. ``[Atom("on", ("a", "b"))]``."""
    parts: list[Formula] = []
    for lit in literals:
        negated = isinstance(lit, Not)
        inner = lit.part if negated else lit
        if isinstance(inner, Pred):
            pred = inner
        elif isinstance(inner, tuple) and len(inner) == 2 and isinstance(inner[1], tuple):
            pred = Pred(str(inner[0]), tuple(inner[1]))
        else:
            raise TypeError(f"not an atom or negated atom: {lit!r}")
        parts.append(Not(pred) if negated else pred)
    return parts[0] if len(parts) == 1 else And(tuple(parts))  # And(()) is true


def substitute(f: Formula, binding: Mapping[str, str]) -> Formula:
    """Replace variables by objects (or other variables) throughout ``f``."""
    if isinstance(f, Pred):
        return Pred(f.predicate, tuple(binding.get(a, a) for a in f.args))
    if isinstance(f, Eq):
        return Eq(binding.get(f.left, f.left), binding.get(f.right, f.right))
    if isinstance(f, Not):
        return Not(substitute(f.part, binding))
    if isinstance(f, (And, Or)):
        return type(f)(tuple(substitute(p, binding) for p in f.parts))
    if isinstance(f, Imply):
        return Imply(substitute(f.left, binding), substitute(f.right, binding))
    if isinstance(f, (Forall, Exists)):
        inner = {k: v for k, v in binding.items() if k not in {p.name for p in f.params}}
        return type(f)(f.params, substitute(f.body, inner))
    if isinstance(f, When):
        return When(substitute(f.condition, binding), substitute(f.effect, binding))
    if isinstance(f, Increase):
        v = f.value
        if isinstance(v, FunctionTerm):
            v = FunctionTerm(v.name, tuple(binding.get(a, a) for a in v.args))
        return Increase(f.fluent, v)
    raise TypeError(f"not a formula: {f!r}")


def walk(f: Formula) -> Iterator[Formula]:
    """Every node of ``f``, depth first."""
    yield f
    if isinstance(f, Not):
        yield from walk(f.part)
    elif isinstance(f, (And, Or)):
        for p in f.parts:
            yield from walk(p)
    elif isinstance(f, Imply):
        yield from walk(f.left)
        yield from walk(f.right)
    elif isinstance(f, (Forall, Exists)):
        yield from walk(f.body)
    elif isinstance(f, When):
        yield from walk(f.condition)
        yield from walk(f.effect)


def holds(f: Formula, state: frozenset | set, objects_of: Mapping[str, Iterable[str]]) -> bool:
    """Evaluate a ground condition in a closed-world state of :class:`Atom`.

    ``objects_of`` maps a type name to the objects of that type (for quantifiers).
    """
    if isinstance(f, Pred):
        return Atom(f.predicate, f.args) in state
    if isinstance(f, Eq):
        return f.left == f.right
    if isinstance(f, Not):
        return not holds(f.part, state, objects_of)
    if isinstance(f, And):
        return all(holds(p, state, objects_of) for p in f.parts)
    if isinstance(f, Or):
        return any(holds(p, state, objects_of) for p in f.parts)
    if isinstance(f, Imply):
        return (not holds(f.left, state, objects_of)) or holds(f.right, state, objects_of)
    if isinstance(f, (Forall, Exists)):
        test = all if isinstance(f, Forall) else any
        return test(holds(substitute(f.body, b), state, objects_of)
                    for b in bindings(f.params, objects_of))
    raise TypeError(f"not a condition: {f}")


def bindings(params: tuple[Parameter, ...],
             objects_of: Mapping[str, Iterable[str]]) -> Iterator[dict[str, str]]:
    """All assignments of objects to typed parameters."""
    if not params:
        yield {}
        return
    first, rest = params[0], params[1:]
    candidates: list[str] = []
    for t in first.types:
        candidates.extend(o for o in objects_of.get(t, ()) if o not in candidates)
    for obj in candidates:
        for b in bindings(rest, objects_of):
            b[first.name] = obj
            yield b
