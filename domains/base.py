"""What a domain is: a PDDL file, a scene generator, predicate classifiers, skill bindings
and a lexicon, bound together in a :class:`DomainSpec`.

A domain's package (``vlaplan.domains.<name>``) exposes ``DOMAIN: DomainSpec``; the
registry in :mod:`vlaplan.domains` has one line per domain.  Nothing here imports
pybullet: scene generation returns a :class:`SceneSpec`, abstraction reads the
privileged part of an observation.
"""
from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import UnknownObjectError, VlaplanError, WorldModelError
from vlaplan.skills.contract import PRIVILEGED_KEY, Skill, SkillCall
from vlaplan.skills.library import builtin_registry
from vlaplan.world_model.scene import SceneSpec


@dataclass(frozen=True)
class GeneratedScene:
    """A generated scene: the spec to build, PDDL objects (name -> type), initial atoms."""

    spec: SceneSpec
    objects: dict[str, str]
    init: frozenset[Atom]

    def describe(self) -> dict[str, str]:
        """Words for each object in prompts: "red block", "drawer", "blue bin"."""
        words: dict[str, str] = {}
        for obj in self.spec.objects:
            noun = "block" if obj.shape == "cube" else obj.shape
            words[obj.name] = f"{obj.colour} {noun}"
        for fix in self.spec.fixtures:
            words[fix.name] = fix.name.replace("_", " ")
        return words


@dataclass(frozen=True)
class GroundCall:
    """An action instance's preconditions and effects (what the planner predicts)."""

    name: str
    args: tuple[str, ...]
    pre: frozenset[Atom]
    add: frozenset[Atom]
    delete: frozenset[Atom]

    def applicable(self, state: Iterable[Any]) -> bool:
        return self.pre <= {Atom(a[0], tuple(a[1])) for a in state}

    def apply(self, state: Iterable[Any]) -> frozenset[Atom]:
        facts = {Atom(a[0], tuple(a[1])) for a in state}
        return frozenset((facts - self.delete) | self.add)


def scene_options(items: Iterable[str] | None) -> dict[str, Any]:
    """``KEY=VALUE`` words from a command line as scene-generator options; each value is
    read as YAML (``n_objects=7``, ``spacing=[0.06,0.1]``)."""
    import yaml

    options: dict[str, Any] = {}
    for item in items or ():
        key, sep, text = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise WorldModelError(f"a scene option is KEY=VALUE (e.g. spacing=[0.06,0.1]), "
                                  f"got {item!r}")
        try:
            options[key.strip()] = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise WorldModelError(f"scene option {key.strip()}: {text!r} is not a value "
                                  f"({exc.__class__.__name__})") from None
    return options


Abstraction = Callable[[Mapping[str, Any]], frozenset[Atom]]
Generator = Callable[..., GeneratedScene]


@dataclass
class DomainSpec:
    """A domain: PDDL, scene generator, classifiers, skill bindings, lexicon, examples.

    ``examples`` (instructions ``vlaplan domains`` lists) default to the ``examples:``
    of the domain's ``lexicon.yaml``; ``bindings`` to the built-in skills of ``actions``.
    """

    name: str
    folder: Path
    generator: Generator
    abstraction: Abstraction
    actions: tuple[str, ...]
    examples: tuple[str, ...] | None = None
    bindings: dict[str, Skill] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.bindings:
            registry = builtin_registry()
            self.bindings = {a: registry[a] for a in self.actions}
        if self.examples is None:
            self.examples = lexicon_examples(self.lexicon_path)

    @property
    def pddl_path(self) -> Path:
        return self.folder / "domain.pddl"

    @property
    def lexicon_path(self) -> Path:
        return self.folder / "lexicon.yaml"

    def generate_scene(self, seed: int, **kw: Any) -> GeneratedScene:
        """A seeded random scene (same seed and options, same scene).  An option the
        generator does not take is a :class:`WorldModelError` naming the ones it does."""
        params = inspect.signature(self.generator).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            unknown = sorted(set(kw) - set(params))
            if unknown:
                known = [n for n in params if n != "seed"]
                raise WorldModelError(f"the {self.name} scene generator has no option "
                                      f"{', '.join(unknown)}; options: {', '.join(known)}")
        return self.generator(seed, **kw)

    def abstract(self, observation: Mapping[str, Any]) -> frozenset[Atom]:
        """Atoms true in an observation (or in its privileged part given directly)."""
        priv = observation.get(PRIVILEGED_KEY, observation)
        return self.abstraction(priv)

    def skill(self, action: str) -> Skill:
        try:
            return self.bindings[action]
        except KeyError:
            raise VlaplanError(f"domain {self.name!r} has no skill for action {action!r}; "
                               f"actions: {', '.join(self.actions)}") from None

    def call(self, action: str, args: Iterable[str], describe: Mapping[str, str] | None = None,
             variant: int = 0) -> SkillCall:
        """A skill call with its language prompt."""
        args = tuple(args)
        return SkillCall(action, args, self.skill(action).instruction(args, describe, variant))

    # -- action semantics from the PDDL file -----------------------------------------------
    @cached_property
    def _schemas(self) -> dict[str, tuple[tuple[str, ...], list, list, list]]:
        return _strips_schemas(self.pddl_path)

    def ground(self, action: str, args: Iterable[str]) -> GroundCall:
        """Preconditions and effects of ``(action args...)`` from ``domain.pddl``."""
        args = tuple(args)
        if action not in self._schemas:
            raise VlaplanError(f"domain {self.name!r} has no action {action!r}")
        params, pre, add, delete = self._schemas[action]
        if len(params) != len(args):
            raise VlaplanError(f"{action} takes {len(params)} arguments, got {len(args)}")
        bind = dict(zip(params, args))

        def inst(atoms: list) -> frozenset[Atom]:
            return frozenset(Atom(p, tuple(bind.get(a, a) for a in xs)) for p, xs in atoms)

        return GroundCall(action, args, inst(pre), inst(add), inst(delete))

    def applicable_calls(self, state: Iterable[Any], objects: Mapping[str, str],
                         action: str | None = None) -> list[GroundCall]:
        """Every ground call (of ``action``, or of all actions) applicable in ``state``."""
        state = frozenset(Atom(a[0], tuple(a[1])) for a in state)
        names = sorted(objects)
        out: list[GroundCall] = []
        for act in ([action] if action else self.actions):
            params = self._schemas[act][0]
            typed = self._typed_names(act, objects)
            for combo in _tuples(names, len(params)):
                if typed and not all(n in ok for n, ok in zip(combo, typed)):
                    continue  # an argument of the wrong PDDL type
                call = self.ground(act, combo)
                if call.applicable(state):
                    out.append(call)
        return out

    def _typed_names(self, action: str, objects: Mapping[str, str]) -> list[set[str]]:
        """Per parameter of ``action``, the objects whose type fits it ([] if unknown)."""
        try:
            from vlaplan.planner.loader import load_domain
        except ModuleNotFoundError:
            return []
        domain = self.__dict__.get("_typed_domain")
        if domain is None:
            domain = self.__dict__["_typed_domain"] = load_domain(self.pddl_path)
        return [{n for n, t in objects.items() if any(domain.is_subtype(t, pt) for pt in p.types)}
                for p in domain.actions[action].params]

    def check_objects(self, args: Iterable[str], objects: Mapping[str, str]) -> None:
        for a in args:
            if a not in objects:
                raise UnknownObjectError(a, list(objects))


def lexicon_examples(path: Path) -> tuple[str, ...]:
    """The texts of the ``examples:`` a lexicon file lists (none if there is no file)."""
    if not path.exists():
        return ()
    from vlaplan.planner.lexicon import Lexicon

    return tuple(str(e["text"]) for e in Lexicon.load(path).examples)


def _tuples(names: list[str], n: int) -> Iterable[tuple[str, ...]]:
    if n == 0:
        yield ()
        return
    for name in names:
        for rest in _tuples(names, n - 1):
            yield (name, *rest)


def _strips_schemas(path: Path) -> dict[str, tuple[tuple[str, ...], list, list, list]]:
    """Parameters, preconditions, adds and deletes of each action of a STRIPS domain.

    Uses the planner's loader when it is installed; the built-in domains are plain
    conjunctions, so a minimal reader of ``:parameters``/``:precondition``/``:effect``
    serves otherwise.
    """
    try:
        from vlaplan.planner.formulas import And, Not, Pred
        from vlaplan.planner.loader import load_domain
    except ModuleNotFoundError:
        return _read_strips(path.read_text())
    domain = load_domain(path)
    out = {}
    for name, act in domain.actions.items():
        pos = []
        for part in _parts(act.precondition, And):
            if isinstance(part, Pred):
                pos.append((part.predicate, part.args))
        adds, dels = [], []
        for part in _parts(act.effect, And):
            if isinstance(part, Pred):
                adds.append((part.predicate, part.args))
            elif isinstance(part, Not) and isinstance(part.part, Pred):
                dels.append((part.part.predicate, part.part.args))
        out[name] = (tuple(p.name for p in act.params), pos, adds, dels)
    return out


def _parts(formula: Any, and_type: type) -> list:
    return list(formula.parts) if isinstance(formula, and_type) else [formula]


_ATOM = re.compile(r"\((not\s+)?\(?\s*([a-z][\w-]*)((?:\s+\?[\w-]+)*)\s*\)")


def _read_strips(text: str) -> dict[str, tuple[tuple[str, ...], list, list, list]]:
    text = re.sub(r";[^\n]*", "", text.lower())
    out = {}
    for block in re.split(r"\(:action\s+", text)[1:]:
        name = block.split()[0]
        params = tuple(re.findall(r"\?[\w-]+", block.split(":parameters", 1)[1]
                                  .split(")", 1)[0]))
        pre_text = block.split(":precondition", 1)[1].split(":effect", 1)[0]
        eff_text = block.split(":effect", 1)[1]
        pre = [(m.group(2), tuple(m.group(3).split())) for m in _ATOM.finditer(pre_text)
               if not m.group(1) and m.group(2) != "and"]
        adds, dels = [], []
        for m in _ATOM.finditer(eff_text):
            if m.group(2) == "and":
                continue
            (dels if m.group(1) else adds).append((m.group(2), tuple(m.group(3).split())))
        out[name] = (params, pre, adds, dels)
    return out
