"""The world side of an executor: a loaded domain, its scenes, robot and twin.

:class:`DomainRuntime` is the only place where the executor touches
``vlaplan.domains`` and ``vlaplan.world_model``; everything heavy (pybullet) is imported
when a scene is first built, not when the executor module is imported.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from vlaplan.executor.result import SceneObjectRecord
from vlaplan.planner.atoms import Atom
from vlaplan.planner.errors import ExecutionError

FIXTURE_TYPES = frozenset({"drawer", "bin", "container"})  # types that never move on their own


def available() -> list[str]:
    """Names of the installed domains."""
    from vlaplan.domains import available_domains

    return sorted(available_domains())


def _attr(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, Mapping) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


# With check_stages="auto", the physics look-ahead runs only for actions that put one thing
# onto or into another (a tower may topple, a container may be closed or full), and only
# when the synced geometry does not already settle its verdict (a straight level tower, a
# free slot of an open drawer: world_model.lookahead_screen); the cheap stages (symbolic,
# reachability, collision) run for every action.
LOOKAHEAD_ACTIONS = frozenset({"stack", "put-in"})


def stages_for(selection: Any, action_name: str) -> Any:
    """The twin's check stages for one action under the executor's ``check_stages``."""
    if selection not in ("auto", "auto-unscreened"):
        return selection
    return "all" if action_name in LOOKAHEAD_ACTIONS else "cheap"


class DomainRuntime:
    """A domain loaded once: its PDDL, lexicon, skill bindings and scene machinery."""

    def __init__(self, name: str) -> None:
        from vlaplan.domains import get_domain

        from vlaplan.planner import load_domain
        from vlaplan.planner.instruction import Lexicon

        self.name = name
        self.spec = get_domain(name)  # UnknownDomainError names the available ones
        self.pddl = load_domain(str(self.spec.pddl_path))
        self.lexicon = Lexicon.load(self.spec.lexicon_path)
        self._movable_type = "object"
        # predicate name -> number of parameters (the executor's loose support needs them)
        self.arity = {name: len(pred.params) for name, pred in self.pddl.predicates.items()}

    @property
    def places_known(self) -> bool:
        """Whether the lexicon's slots say where objects are (``at X``; see :meth:`locates`)."""
        return any(p.startswith("at ") for ps in self.lexicon.slots.values() for p in ps)

    @property
    def locator(self) -> Any:
        """:meth:`locates` when the lexicon says where objects are, else None."""
        return self.locates if self.places_known else None

    @cached_property
    def table_predicates(self) -> set[str]:
        """The predicates that say an object is on the table (the lexicon's ``on_table``
        goal; none without one)."""
        template = self.lexicon.goals.get("on_table")
        return {lit.atom.predicate for lit in template.instantiate("x")} if template else set()

    def locates(self, atom: Any) -> set[str]:
        """The objects whose place ``atom`` says, by the lexicon's ``at X`` slots: ``(on a
        b)`` places a, not b; ``(clear b)`` places nothing."""
        from vlaplan.planner.instruction_goal import Literal

        return {slot[3:] for slot in self.lexicon.slots_of(Literal(atom)) if slot.startswith("at ")}

    # -- scenes --------------------------------------------------------------------
    def generate(self, seed: int | None, **options: Any) -> Any:
        """A seeded scene (``GeneratedScene``: spec, objects, init)."""
        return self.spec.generate_scene(seed, **options)

    def load_scene(self, robot: Any, scene: Any, seed: int | None, render: bool = True,
                   image_size: int = 96, front_camera: str = "wide") -> Any:
        """The plant showing ``scene``: ``robot`` rebuilt in place, or a new ``SimRobot``
        (when there is none, or its cameras differ)."""
        spec = _attr(scene, "spec", default=scene)
        if (robot is None or getattr(robot, "image_size", image_size) != image_size
                or getattr(robot, "front_camera", front_camera) != front_camera):
            from vlaplan.world_model import SimRobot

            return SimRobot(spec, render=render, seed=seed, image_size=image_size,
                            front_camera=front_camera)
        robot.render = render
        robot.reset(seed, scene=spec)
        return robot

    def make_twin(self, scene: Any) -> Any:
        from vlaplan.world_model import PhysicsTwin

        return PhysicsTwin(_attr(scene, "spec", default=scene), abstract=self.spec.abstract)

    def check(self, twin: Any, observation: Any, action: Any, atoms: frozenset[Atom],
              selection: Any = "auto") -> Any:
        """The twin's ``CheckResult`` for ``action`` in the observed state, with the stages
        the executor's ``check_stages`` ``selection`` gives it (``"auto"``: skip the
        look-ahead where the synced geometry settles it)."""
        twin.sync(observation)
        return twin.check(action, atoms, stages=stages_for(selection, action.name),
                          screen=selection == "auto")

    def make_injector(self, robot: Any, seed: int | None) -> Any:
        from vlaplan.world_model import FaultInjector

        return FaultInjector(robot, seed=seed)

    def inject(self, injector: Any, spec: Any) -> Any:
        """Inject one ``FaultSpec``; returns the world model's ``FaultRecord``."""
        return injector.apply(spec)

    def type_of(self, name: str, observation: Any) -> str:
        """PDDL type of an object that appeared during the run (e.g. a blocking object)."""
        return self._movable_type or "object"

    def abstract(self, observation: Any) -> frozenset[Atom]:
        return frozenset(Atom(a[0], tuple(a[1])) for a in self.spec.abstract(observation))

    # -- objects -------------------------------------------------------------------
    def scene_objects(self, scene: Any) -> list[Any]:
        """``SceneObject`` list (name, type, colour, shape) for the instruction parser.

        ``scene`` is a ``GeneratedScene`` (types from its PDDL objects) or a bare
        ``SceneSpec`` (types from the domain's lexicon: movable type, fixture kind).
        """
        from vlaplan.planner.instruction import SceneObject

        spec = _attr(scene, "spec", default=scene)
        types = dict(_attr(scene, "objects", default={}) or {}) if spec is not scene else {}
        movable = (getattr(self.lexicon, "movable", None) or ["object"])
        movable = movable[0] if isinstance(movable, (list, tuple)) else movable
        out = [SceneObject(name=o.name, type=types.get(o.name, movable), colour=o.colour,
                           shape=o.shape) for o in spec.objects]
        for f in spec.fixtures:
            out.append(SceneObject(name=f.name, type=types.get(f.name, f.kind),
                                   colour=f.colour if f.kind == "bin" else None, shape=None))
        known = {o.name for o in out}
        for name, typ in types.items():  # PDDL objects without geometry, if any
            if name not in known:
                out.append(SceneObject(name=name, type=typ))
        return out

    def object_types(self, objects: Iterable[Any]) -> dict[str, str]:
        types = {o.name: o.type for o in objects}
        self._movable_type = next((t for t in types.values() if t not in FIXTURE_TYPES), "object")
        return types

    def describe(self, objects: Iterable[Any]) -> dict[str, str]:
        """Words for prompts, as the skills were trained: ``red_1`` -> ``"red block"``,
        ``red_cylinder_1`` -> ``"red cylinder"``, ``drawer`` -> ``"drawer"``.  A lexicon noun
        made for exactly one type and no shape names that type (``"blue plate"``)."""
        own = {}
        for noun in getattr(self.lexicon, "nouns", {}).values():
            if noun.types is not None and len(noun.types) == 1 and noun.shape is None:
                own.setdefault(noun.types[0], noun.words[0])
        out = {}
        for o in objects:
            noun = own.get(o.type) if o.shape != "cube" else None
            if noun is None and o.shape:
                noun = "block" if o.shape == "cube" else o.shape
            if noun and o.colour:
                out[o.name] = f"{o.colour} {noun}"
            else:
                out[o.name] = o.name.replace("_", " ")
        return out

    def skill(self, action_name: str) -> Any:
        try:
            return self.spec.bindings[action_name]
        except KeyError:
            raise ExecutionError(f"domain {self.name!r} binds no skill to action {action_name!r}") from None

    def records(self, objects: Iterable[Any], observation: Any) -> list[SceneObjectRecord]:
        """Scene objects with their observed poses, for the result."""
        poses = (observation or {}).get("observation.privileged", {}) if hasattr(observation, "get") else {}
        poses = _attr(poses, "objects", "poses", default=poses) or {}
        out = []
        for o in objects:
            pose = poses.get(o.name) if hasattr(poses, "get") else None
            flat = [float(x) for x in _flatten(pose)] if pose is not None else []
            out.append(SceneObjectRecord(name=o.name, type=o.type or "", colour=o.colour,
                                         shape=o.shape, pose=flat))
        return out


def _flatten(pose: Any) -> list[float]:
    if isinstance(pose, Mapping):
        vals = []
        for key in ("pos", "position", "quat", "orientation"):
            if key in pose:
                vals.extend(_flatten(pose[key]))
        return vals
    try:
        out = []
        for part in pose:
            out.extend(_flatten(part) if not isinstance(part, (int, float)) else [part])
        return out
    except TypeError:
        return [pose]


def domain_info(name: str) -> dict[str, Any]:
    """Name, description, PDDL actions and example instructions of a domain."""
    from vlaplan.domains import get_domain
    from vlaplan.planner import load_domain

    spec = get_domain(name)
    actions: list[str] = []
    try:
        actions = sorted(load_domain(str(spec.pddl_path)).actions)
    except Exception:  # listing must not fail on one broken domain
        pass
    examples = _attr(spec, "examples", "example_instructions", default=None) or []
    texts = [e if isinstance(e, str) else _attr(e, "text", default=str(e)) for e in examples]
    return {"name": name, "description": _attr(spec, "description", default="") or "",
            "actions": actions, "examples": texts}
