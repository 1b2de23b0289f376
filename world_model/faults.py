"""Fault injection on the plant: drop, displace, slip, block, remove, occlude.

:class:`FaultInjector` acts on a :class:`~vlaplan.world_model.robot.SimRobot` between or
during skills.  Every fault is physical (the fingers open, an object is teleported and
settles under gravity, a new body appears) and seeded: the injector owns a
``random.Random(seed)`` and draws one sub-seed per fault, so the same seed and the same
calls give the same faults.  Each call returns a :class:`FaultRecord` (also kept in
``injector.records``); a fault that cannot apply (``drop`` with an empty hand) is
recorded with ``applied=False`` and the reason, and changes nothing.

    injector = FaultInjector(robot, seed=3)
    record = injector.inject("drop")                  # the held object falls
    record = injector.inject("block", "blue_1")       # a new block sits on blue_1
    record = injector.inject("displace", "red_1", position=(0.86, 0.0))  # out of reach

``occlude`` hangs a visual-only dark plate (no collision, invisible to the privileged
ground truth) just above an object, so the cameras lose it while the physics and the
scripted experts do not.  ``block`` and ``remove`` change ``robot.scene`` (and
``robot.handles``) so observations list the new object / no longer list the removed one;
``injector.original_scene`` keeps the scene the robot had before the first fault.  The
grammar of fault specifications (``"drop@2,random:1"``) lives in
:mod:`vlaplan.world_model.fault_spec`.
"""
from __future__ import annotations

import math
import random
import re
from typing import Any

import numpy as np
import pybullet as pb

from vlaplan.planner.errors import WorldModelError
from vlaplan.world_model import predicates as P
from vlaplan.world_model.build import OBJECT_FRICTION, add_object
from vlaplan.world_model.fault_spec import (
    CONCRETE_KINDS, FaultKind, FaultRecord, FaultSpec, FaultSpecError, RandomFaults,
    format_faults, parse_faults, schedule_faults)
from vlaplan.world_model.robot import SimRobot
from vlaplan.world_model.scene import MAX_REACH, ObjectSpec

__all__ = ["FaultInjector", "FaultKind", "FaultRecord", "FaultSpec", "FaultSpecError",
           "RandomFaults", "format_faults", "parse_faults", "schedule_faults"]

SETTLE_STEPS = 30  # control steps at most for a disturbed scene to come to rest
REST_SPEED = 0.01  # m/s below which an object counts as at rest
SLIP_FRICTION = 0.0  # lateral friction of a slipping object until it has left the fingers
DISPLACE_REACH = (0.35, 0.70)  # m from the base: where displaced objects land by default
FREE_CLEARANCE = 0.09  # m between a displaced object's centre and any other object's
FIXTURE_GAP = 0.01  # m between a displaced object's footprint and a fixture's (drawer
# cabinet with its full travel, bin): a teleport must not land inside a solid body, where
# the solver would eject the object against the fixture (not a disturbance a person or a
# knock could cause)
BLOCKER_SIZE = (0.04, 0.04, 0.04)
OCCLUDER_SIZE = (0.09, 0.09, 0.004)  # m, the plate hung over an occluded object
OCCLUDER_GAP = 0.03  # m between the object's top and the plate
XY = tuple[float, float]
Priv = dict[str, Any]
BLOCKER_COLOURS = ("black", "white", "purple", "orange", "yellow", "green", "blue", "red")


class FaultInjector:
    """Seeded faults on a plant (see the module docstring)."""

    def __init__(self, robot: SimRobot, seed: int | None = None) -> None:
        self.robot = robot
        self.seed = seed
        self.rng = random.Random(seed)
        self.records: list[FaultRecord] = []
        self.original_scene = robot.scene
        self.occluders: dict[str, int] = {}  # occluded object -> visual-only body

    # -- public API ------------------------------------------------------------------
    def inject(self, kind: FaultKind | str, target: str | None = None, *,
               position: tuple[float, float] | None = None, at_step: int | None = None,
               frame: int | None = None, choices: tuple[FaultKind, ...] = ()) -> FaultRecord:
        """Cause one fault now; ``position`` (x, y) is where displace/block put things;
        ``choices`` restricts what ``random`` draws from (default: the physical kinds)."""
        try:
            requested = FaultKind(kind)
        except ValueError:
            raise WorldModelError(f"unknown fault kind {kind!r}; known: "
                                  + ", ".join(k.value for k in FaultKind)) from None
        sub_seed = self.rng.randrange(2**31)
        rng = random.Random(sub_seed)
        try:
            priv = self.robot.privileged()
        except pb.error as exc:
            raise WorldModelError(f"cannot inject a fault: the plant is gone ({exc})") from exc
        concrete = requested
        if requested is FaultKind.RANDOM:
            options = [k for k in (choices or CONCRETE_KINDS) if self._applies(k, priv)]
            concrete = rng.choice(options) if options else (choices or CONCRETE_KINDS)[0]
        if target is not None and target not in priv["objects"]:
            record = self._record(concrete, requested, target, False,
                                  f"{target!r} is not an object of the scene (objects: "
                                  f"{', '.join(sorted(priv['objects']))})", sub_seed)
        else:
            handler = getattr(self, f"_{concrete.value}")
            try:
                record = handler(requested, target, position, rng, sub_seed, priv)
            except pb.error as exc:
                raise WorldModelError(f"fault {concrete.value} on {target or 'the scene'} "
                                      f"failed in the simulator: {exc}") from exc
        record = record.model_copy(update={"at_step": at_step, "frame": frame,
                                           "index": len(self.records)})
        self.records.append(record)
        return record

    def apply(self, spec: FaultSpec | str) -> FaultRecord:
        """Inject a :class:`FaultSpec` (or one item of the string form)."""
        if isinstance(spec, str):
            items = parse_faults(spec)
            if len(items) != 1 or not isinstance(items[0], FaultSpec):
                raise FaultSpecError(spec, spec, "apply() takes exactly one KIND@STEP item")
            spec = items[0]
        return self.inject(spec.kind, spec.target, at_step=spec.at_step, frame=spec.frame,
                           choices=spec.choices)

    # -- helpers ---------------------------------------------------------------------
    @property
    def client(self) -> int:
        return self.robot.client

    def _record(self, kind: FaultKind, requested: FaultKind, target: str | None, applied: bool,
                detail: str, seed: int, **extra: Any) -> FaultRecord:
        return FaultRecord(kind=kind, requested=requested, target=target, applied=applied,
                           detail=detail, seed=seed, **extra)

    def _applies(self, kind: FaultKind, priv: dict[str, Any]) -> bool:
        held = P.held_objects(priv)
        if kind in (FaultKind.DROP, FaultKind.SLIP):
            return bool(held)
        if kind is FaultKind.OCCLUDE:
            return bool(priv["objects"])
        return bool(self._free_objects(priv))

    def _free_objects(self, priv: dict[str, Any]) -> list[str]:
        """Objects that are not held and have nothing resting on them."""
        objects = priv["objects"]
        covered = {b for a, oa in objects.items() for b, ob in objects.items()
                   if a != b and P.is_on(oa, ob)}
        return sorted(n for n, o in objects.items() if not P.held(o) and n not in covered)

    def _pose(self, name: str) -> dict[str, Any]:
        pos, quat = pb.getBasePositionAndOrientation(self.robot.handles.objects[name],
                                                     physicsClientId=self.client)
        return {"pos": [round(v, 5) for v in pos], "quat": [round(v, 5) for v in quat]}

    def _hold_action(self, gripper: float | None = None) -> np.ndarray:
        cmd = self.robot.privileged()["ee"]["gripper_cmd"] if gripper is None else gripper
        return np.array([0.0, 0.0, 0.0, 0.0, cmd], dtype=np.float32)

    def _settle(self, gripper: float | None = None, min_steps: int = 2) -> int:
        """Hold the arm still until every object rests; returns the control steps used."""
        action = self._hold_action(gripper)
        for step in range(1, SETTLE_STEPS + 1):
            self.robot.apply(action)
            if step >= min_steps and all(
                    np.linalg.norm(pb.getBaseVelocity(b, physicsClientId=self.client)[0])
                    < REST_SPEED for b in self.robot.handles.objects.values()):
                return step
        return SETTLE_STEPS

    def _free_spot(self, rng: random.Random, priv: dict[str, Any], exclude: str | None
                   ) -> tuple[float, float] | None:
        """A table spot within :data:`DISPLACE_REACH` of the base, clear of the other
        objects, the hand and (by the object's half-diagonal plus :data:`FIXTURE_GAP`) of
        every fixture's footprint."""
        table = self.robot.scene.table
        base = self.robot.scene.robot.base_pos
        others = [np.asarray(o["pos"][:2]) for n, o in priv["objects"].items() if n != exclude]
        others.append(np.asarray(priv["ee"]["pos"][:2]))
        size = priv["objects"][exclude]["size"] if exclude in priv["objects"] else (0.05, 0.05)
        gap = 0.5 * math.hypot(float(size[0]), float(size[1])) + FIXTURE_GAP
        fixtures = list(priv.get("fixtures", {}).values())
        for _ in range(200):
            r = rng.uniform(*DISPLACE_REACH)
            a = rng.uniform(-math.pi / 3, math.pi / 3)
            xy = np.array([base[0] + r * math.cos(a), base[1] + r * math.sin(a)])
            if table.contains(xy[0], xy[1], margin=0.05) and all(
                    np.linalg.norm(xy - o) >= FREE_CLEARANCE for o in others) and not any(
                    _in_footprint(xy, f, gap) for f in fixtures):
                return float(xy[0]), float(xy[1])
        return None

    def _refresh_contacts(self, body: int) -> None:
        """Drop the cached contacts of ``body`` so a friction change takes effect now
        (Bullet keeps the friction a contact had when it was made)."""
        c, handles = self.client, self.robot.handles
        pairs = [(handles.panda, link) for link in range(
            pb.getNumJoints(handles.panda, physicsClientId=c))]
        pairs += [(b, -1) for b in (handles.table, *handles.objects.values()) if b != body]
        for enable in (0, 1):
            for other, link in pairs:
                pb.setCollisionFilterPair(other, body, link, -1, enable, physicsClientId=c)
            if not enable:
                pb.performCollisionDetection(physicsClientId=c)

    def _teleport(self, name: str, xy: tuple[float, float], z: float, yaw: float) -> None:
        body = self.robot.handles.objects[name]
        pb.resetBasePositionAndOrientation(body, (xy[0], xy[1], z),
                                           pb.getQuaternionFromEuler((0.0, 0.0, yaw)),
                                           physicsClientId=self.client)
        pb.resetBaseVelocity(body, (0, 0, 0), (0, 0, 0), physicsClientId=self.client)

    def _pick_target(self, rng: random.Random, priv: dict[str, Any], target: str | None
                     ) -> str | None:
        if target is not None:
            return target
        free = self._free_objects(priv)
        return rng.choice(free) if free else None

    def _held_target(self, kind: FaultKind, requested: FaultKind, target: str | None,
                     seed: int, priv: Priv, nothing: str) -> tuple[str, FaultRecord | None]:
        """The held object a drop/slip acts on (``target`` or the first held one), or the
        record of a fault that cannot apply (nothing held, ``target`` not held)."""
        held = P.held_objects(priv)
        name = target or (held[0] if held else None)
        if name is None or name not in held:
            return name or "", self._record(
                kind, requested, name, False,
                f"{nothing}: the gripper holds no object" if name is None
                else f"{name} is not held", seed)
        return name, None

    # -- the faults ------------------------------------------------------------------
    def _drop(self, requested: FaultKind, target: str | None, position: XY | None,
             rng: random.Random, seed: int, priv: Priv) -> FaultRecord:
        name, refused = self._held_target(FaultKind.DROP, requested, target, seed, priv,
                                          "nothing to drop")
        if refused is not None:
            return refused
        before = self._pose(name)
        steps = self._settle(gripper=1.0, min_steps=6)
        after = self._pose(name)
        return self._record(FaultKind.DROP, requested, name, True,
                            f"opened the gripper: {name} fell from z={before['pos'][2]:.3f} to "
                            f"z={after['pos'][2]:.3f} ({steps} control steps)", seed,
                            before=before, after=after)

    def _slip(self, requested: FaultKind, target: str | None, position: XY | None,
             rng: random.Random, seed: int, priv: Priv) -> FaultRecord:
        name, refused = self._held_target(FaultKind.SLIP, requested, target, seed, priv,
                                          "nothing can slip")
        if refused is not None:
            return refused
        body = self.robot.handles.objects[name]
        friction = pb.getDynamicsInfo(body, -1, physicsClientId=self.client)[1]
        before = self._pose(name)
        pb.changeDynamics(body, -1, lateralFriction=SLIP_FRICTION, physicsClientId=self.client)
        self._refresh_contacts(body)
        try:
            self._settle(gripper=-1.0, min_steps=6)
        finally:
            pb.changeDynamics(body, -1, lateralFriction=friction or OBJECT_FRICTION,
                              physicsClientId=self.client)
            self._refresh_contacts(body)
        after = self._pose(name)
        return self._record(FaultKind.SLIP, requested, name, True,
                            f"{name} slipped out of the closed gripper: z {before['pos'][2]:.3f}"
                            f" -> {after['pos'][2]:.3f}", seed, before=before, after=after)

    def _displace(self, requested: FaultKind, target: str | None, position: XY | None,
                 rng: random.Random, seed: int, priv: Priv) -> FaultRecord:
        name = self._pick_target(rng, priv, target)
        if name is None:
            return self._record(FaultKind.DISPLACE, requested, None, False,
                                "no free object to displace", seed)
        xy = position or self._free_spot(rng, priv, name)
        if xy is None:
            return self._record(FaultKind.DISPLACE, requested, name, False,
                                "no free spot on the table", seed)
        size = priv["objects"][name]["size"]
        before = self._pose(name)
        self._teleport(name, xy, self.robot.scene.table.height + size[2] / 2 + 0.002,
                       rng.uniform(-math.pi / 4, math.pi / 4))
        self._settle()
        after = self._pose(name)
        dist = math.hypot(*(np.asarray(after["pos"][:2]) - self.robot.scene.robot.base_pos[:2]))
        reach = "" if dist <= MAX_REACH else " (out of reach)"
        return self._record(FaultKind.DISPLACE, requested, name, True,
                            f"moved {name} from ({before['pos'][0]:.3f}, {before['pos'][1]:.3f}) "
                            f"to ({after['pos'][0]:.3f}, {after['pos'][1]:.3f}){reach}", seed,
                            before=before, after=after)

    def _new_name(self, rng: random.Random) -> tuple[str, str]:
        objects = self.robot.scene.objects
        used = {o.colour for o in objects}
        colour = next((c for c in BLOCKER_COLOURS if c not in used), "black")
        style3 = any(re.fullmatch(r"[a-z]+_(cube|cylinder|box)_\d+", o.name) for o in objects)
        stem = f"{colour}_cube" if style3 else colour
        names = {o.name for o in objects}
        n = 1
        while f"{stem}_{n}" in names:
            n += 1
        return f"{stem}_{n}", colour

    def _block(self, requested: FaultKind, target: str | None, position: XY | None,
              rng: random.Random, seed: int, priv: Priv) -> FaultRecord:
        name, colour = self._new_name(rng)
        if position is not None:
            x, y = position
            z = self.robot.scene.table.height + BLOCKER_SIZE[2] / 2 + 0.002
            where = f"on the table at ({x:.3f}, {y:.3f})"
        else:
            below = self._pick_target(rng, priv, target)
            if below is None:
                return self._record(FaultKind.BLOCK, requested, None, False,
                                    "no free object or position to block", seed)
            if P.held(priv["objects"][below]):
                return self._record(FaultKind.BLOCK, requested, below, False,
                                    f"{below} is held; cannot put a block on it", seed)
            x, y = priv["objects"][below]["pos"][:2]
            # On top of whatever rests on ``below`` (the tower's top), so the block lands.
            tops = [P.top(o) for o in priv["objects"].values()
                    if not P.held(o) and P.within_footprint((x, y, 0.0), o)]
            z = max(tops) + BLOCKER_SIZE[2] / 2 + 0.002
            where, target = f"on {below}'s stack", below
        spec = ObjectSpec.model_construct(name=name, shape="cube", colour=colour,
                                          size=BLOCKER_SIZE, mass=0.05, pos=(x, y, z), yaw=0.0)
        self.robot.handles.objects[name] = add_object(self.client, spec)
        self.robot.scene = self.robot.scene.model_copy(
            update={"objects": [*self.robot.scene.objects, spec]})
        self._settle()
        return self._record(FaultKind.BLOCK, requested, target, True,
                            f"added {name} ({colour} cube) {where}", seed,
                            after={"added": name, **self._pose(name)})

    def _remove(self, requested: FaultKind, target: str | None, position: XY | None,
               rng: random.Random, seed: int, priv: Priv) -> FaultRecord:
        name = self._pick_target(rng, priv, target)
        if name is None:
            return self._record(FaultKind.REMOVE, requested, None, False,
                                "no free object to remove", seed)
        before = self._pose(name)
        pb.removeBody(self.robot.handles.objects.pop(name), physicsClientId=self.client)
        self.robot.scene = self.robot.scene.model_copy(
            update={"objects": [o for o in self.robot.scene.objects if o.name != name]})
        self._settle()
        return self._record(FaultKind.REMOVE, requested, name, True,
                            f"removed {name} from the scene", seed, before=before,
                            after={"removed": name})

    def _occlude(self, requested: FaultKind, target: str | None, position: XY | None,
                rng: random.Random, seed: int, priv: Priv) -> FaultRecord:
        name = target or (rng.choice(sorted(priv["objects"])) if priv["objects"] else None)
        if name is None:
            return self._record(FaultKind.OCCLUDE, requested, None, False,
                                "no object to occlude", seed)
        obj = priv["objects"][name]
        pos = (obj["pos"][0], obj["pos"][1], P.top(obj) + OCCLUDER_GAP)
        visual = pb.createVisualShape(pb.GEOM_BOX, halfExtents=[s / 2 for s in OCCLUDER_SIZE],
                                      rgbaColor=(0.05, 0.05, 0.05, 1.0),
                                      physicsClientId=self.client)
        body = pb.createMultiBody(0, -1, visual, pos, physicsClientId=self.client)
        self.occluders[name] = body
        # Listed with the fixture bodies so that the robot's reset removes it too.
        self.robot.handles.fixtures[f"occluder_{name}_{body}"] = body
        return self._record(FaultKind.OCCLUDE, requested, name, True,
                            f"hid {name} from the cameras under a plate at z={pos[2]:.3f}",
                            seed, after={"occluder": [round(v, 5) for v in pos]})


def _in_footprint(xy: np.ndarray, fixture: dict[str, Any], margin: float) -> bool:
    """Is ``xy`` within ``margin`` of a fixture's footprint (privileged entry with pos,
    size, yaw; a drawer's covers the cabinet and the drawer's full travel)?"""
    if "pos" not in fixture or "size" not in fixture:
        return False
    yaw = float(fixture.get("yaw", 0.0))
    dx, dy = float(xy[0] - fixture["pos"][0]), float(xy[1] - fixture["pos"][1])
    lx = math.cos(yaw) * dx + math.sin(yaw) * dy
    ly = -math.sin(yaw) * dx + math.cos(yaw) * dy
    return (abs(lx) < float(fixture["size"][0]) / 2 + margin
            and abs(ly) < float(fixture["size"][1]) / 2 + margin)
