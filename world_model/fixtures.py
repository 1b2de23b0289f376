"""Fixtures the project builds itself: a drawer cabinet and open bins.

Both are written as URDF text by the functions here (boxes only, so they render
cheaply) and cached as files under :func:`asset_dir`; :func:`build_fixture` puts
one into a PyBullet client.  The geometry lives in frozen dataclasses so that
scene generators and predicate classifiers can reason about it without pybullet; they,
the link names and the slot tables are in :mod:`vlaplan.world_model.fixture_geometry`
and stay importable from here.

Frames.  A :class:`~vlaplan.world_model.scene.FixtureSpec` gives the centre of the
fixture's footprint on the table (for the cabinet: the area it sweeps when fully
open, handle included) and its yaw.  The URDFs have their origin on the table
surface, z up: a bin at its centre, the cabinet at the centre of its carcass
(:func:`cabinet_origin`).  The cabinet's front (the side the drawer slides out of, with the
handle) faces its local -x, so a cabinet with yaw 0 in front of a robot at the
origin opens towards the robot.  The drawer is a prismatic joint along local -x:
joint position 0 is closed, positive values pull it open, up to ``travel``.
"""
from __future__ import annotations

import hashlib
import math
import os
import tempfile
from pathlib import Path
from collections.abc import Sequence
from typing import Any

from vlaplan.planner.errors import WorldModelError
from vlaplan.world_model.panda import cache_dir
from vlaplan.world_model.fixture_geometry import (  # noqa: F401 (re-exported)
    BIN, BIN_SLOTS, DRAWER, DRAWER_JOINT_NAME, DRAWER_LINK_NAME, DRAWER_OPEN_TARGET,
    DRAWER_SLOTS, HANDLE_LINK_NAME, SLOT_EXPOSED_MARGIN, BinGeometry, DrawerGeometry)
from vlaplan.world_model.scene import RGBA, FixtureSpec


def _box(name: str, size: tuple[float, float, float], xyz: tuple[float, float, float],
         material: str) -> str:
    sx, sy, sz = (f"{v:.5f}" for v in size)
    x, y, z = (f"{v:.5f}" for v in xyz)
    geom = f'<geometry><box size="{sx} {sy} {sz}"/></geometry>'
    origin = f'<origin xyz="{x} {y} {z}" rpy="0 0 0"/>'
    return (f'    <visual name="{name}">{origin}{geom}<material name="{material}"/></visual>\n'
            f'    <collision name="{name}">{origin}{geom}</collision>\n')


def _material(name: str, rgba: tuple[float, float, float, float]) -> str:
    colour = " ".join(f"{c:.3f}" for c in rgba)
    return f'  <material name="{name}"><color rgba="{colour}"/></material>\n'


def _inertial(mass: float, xyz: tuple[float, float, float] = (0, 0, 0), i: float = 0.01) -> str:
    x, y, z = xyz
    return (f'    <inertial><origin xyz="{x:.4f} {y:.4f} {z:.4f}"/><mass value="{mass}"/>'
            f'<inertia ixx="{i}" ixy="0" ixz="0" iyy="{i}" iyz="0" izz="{i}"/></inertial>\n')


def drawer_urdf(g: DrawerGeometry = DRAWER, rgba: tuple[float, float, float, float] = (
        0.72, 0.55, 0.38, 1.0)) -> str:
    """URDF text of the cabinet: fixed carcass, prismatic drawer link, handle bar."""
    w, d, h, t = g.width, g.depth, g.height, g.wall
    carcass = "".join([
        _box("bottom", (d, w, t), (0, 0, t / 2), "wood"),
        _box("top", (d, w, t), (0, 0, h - t / 2), "wood"),
        _box("left", (d, t, h - 2 * t), (0, w / 2 - t / 2, h / 2), "wood"),
        _box("right", (d, t, h - 2 * t), (0, -w / 2 + t / 2, h / 2), "wood"),
        _box("back", (t, w - 2 * t, h - 2 * t), (d / 2 - t / 2, 0, h / 2), "wood"),
    ])
    # Drawer box, expressed in the carcass frame at joint position 0.
    dw = w - 2 * t - 2 * g.gap                      # outer width of the drawer box
    x0 = g.panel_back_x                             # back face of the panel
    x1 = x0 + g.drawer_depth                        # back of the drawer box
    z0 = t + g.gap                                  # underside of the drawer bottom
    zs = g.floor + g.side_height                    # side wall height incl. bottom
    drawer = "".join([
        _box("floor", (g.drawer_depth, dw, g.floor), ((x0 + x1) / 2, 0, z0 + g.floor / 2), "wood"),
        _box("dleft", (g.drawer_depth, t, zs), ((x0 + x1) / 2, dw / 2 - t / 2, z0 + zs / 2),
             "wood"),
        _box("dright", (g.drawer_depth, t, zs), ((x0 + x1) / 2, -dw / 2 + t / 2, z0 + zs / 2),
             "wood"),
        _box("dback", (t, dw - 2 * t, zs), (x1 - t / 2, 0, z0 + zs / 2), "wood"),
        _box("panel", (g.panel, w, h - 0.004), (x0 - g.panel / 2, 0, h / 2), "front"),
    ])
    bar_x = x0 - g.panel - g.handle_standoff
    post_len = g.handle_standoff - g.handle_bar / 2
    post_y = g.handle_length / 2 - 0.01
    handle = "".join([
        _box("bar", (g.handle_bar, g.handle_length, g.handle_bar), (bar_x, 0, g.handle_z), "metal"),
        _box("post_l", (post_len, 0.012, 0.012),
             (x0 - g.panel - post_len / 2, post_y, g.handle_z), "metal"),
        _box("post_r", (post_len, 0.012, 0.012),
             (x0 - g.panel - post_len / 2, -post_y, g.handle_z), "metal"),
    ])
    return (
        '<?xml version="1.0"?>\n<robot name="drawer_cabinet">\n'
        + _material("wood", rgba) + _material("front", (0.60, 0.42, 0.28, 1.0))
        + _material("metal", (0.75, 0.75, 0.78, 1.0))
        + '  <link name="carcass">\n' + _inertial(0.0) + carcass + '  </link>\n'
        + f'  <link name="{DRAWER_LINK_NAME}">\n'
        + _inertial(g.drawer_mass, ((x0 + x1) / 2, 0, z0 + 0.02))
        + drawer + '  </link>\n'
        + f'  <link name="{HANDLE_LINK_NAME}">\n' + _inertial(0.05, (bar_x, 0, g.handle_z), 1e-4)
        + handle + '  </link>\n'
        + f'  <joint name="{DRAWER_JOINT_NAME}" type="prismatic">\n'
        '    <parent link="carcass"/>\n'
        f'    <child link="{DRAWER_LINK_NAME}"/>\n'
        '    <origin xyz="0 0 0" rpy="0 0 0"/>\n    <axis xyz="-1 0 0"/>\n'
        f'    <limit lower="0" upper="{g.travel}" effort="200" velocity="1.0"/>\n'
        f'    <dynamics damping="{g.damping}" friction="{g.friction}"/>\n'
        '  </joint>\n'
        '  <joint name="handle_mount" type="fixed">\n'
        f'    <parent link="{DRAWER_LINK_NAME}"/>\n'
        f'    <child link="{HANDLE_LINK_NAME}"/>\n'
        '    <origin xyz="0 0 0" rpy="0 0 0"/>\n'
        '  </joint>\n'
        '</robot>\n')


def bin_urdf(rgba: tuple[float, float, float, float], g: BinGeometry = BIN) -> str:
    """URDF text of an open bin: a floor and four thin walls, one static link."""
    o, t, hw = g.outer, g.wall, g.wall_height
    zc = g.floor + hw / 2
    body = "".join([
        _box("floor", (o, o, g.floor), (0, 0, g.floor / 2), "paint"),
        _box("wall_px", (t, o, hw), (o / 2 - t / 2, 0, zc), "paint"),
        _box("wall_nx", (t, o, hw), (-o / 2 + t / 2, 0, zc), "paint"),
        _box("wall_py", (o - 2 * t, t, hw), (0, o / 2 - t / 2, zc), "paint"),
        _box("wall_ny", (o - 2 * t, t, hw), (0, -o / 2 + t / 2, zc), "paint"),
    ])
    return ('<?xml version="1.0"?>\n<robot name="bin">\n' + _material("paint", rgba)
            + '  <link name="bin">\n' + _inertial(0.0) + body + '  </link>\n</robot>\n')


def asset_dir() -> Path:
    """Where generated URDFs are cached (next to the fast Panda, under ``cache_dir()``)."""
    path = cache_dir() / "fixtures"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_urdf(text: str, stem: str) -> Path:
    """Write ``text`` to the cache under a content-addressed name; returns the path."""
    digest = hashlib.sha1(text.encode()).hexdigest()[:12]
    path = asset_dir() / f"{stem}-{digest}.urdf"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".urdf.tmp")
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    return path


def yaw_quaternion(yaw: float) -> tuple[float, float, float, float]:
    """(x, y, z, w) quaternion of a rotation by ``yaw`` about z."""
    return (0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2))


def to_world(local: Sequence[float], origin: Sequence[float], yaw: float) -> tuple[float, ...]:
    """A point given in a frame (``origin``, rotated by ``yaw`` about z) in world coordinates."""
    c, s = math.cos(yaw), math.sin(yaw)
    x, y, z = local
    return (origin[0] + c * x - s * y, origin[1] + s * x + c * y, origin[2] + z)


def to_local(world: Sequence[float], origin: Sequence[float], yaw: float) -> tuple[float, ...]:
    """Inverse of :func:`to_world`."""
    c, s = math.cos(yaw), math.sin(yaw)
    dx, dy, dz = world[0] - origin[0], world[1] - origin[1], world[2] - origin[2]
    return (c * dx + s * dy, -s * dx + c * dy, dz)


def drawer_footprint_size(g: DrawerGeometry = DRAWER) -> tuple[float, float, float]:
    """Extents (x, y, z) of the area a cabinet covers with its drawer fully open."""
    x_min, x_max, y_min, y_max = g.footprint(g.travel)
    return (round(x_max - x_min, 6), round(y_max - y_min, 6), g.height)


def _carcass_offset(g: DrawerGeometry) -> float:
    x_min, x_max, _, _ = g.footprint(g.travel)
    return -(x_min + x_max) / 2  # carcass centre, in the footprint frame


def cabinet_origin(spec: FixtureSpec, table_height: float = 0.0) -> tuple[float, float, float]:
    """World position of the carcass frame of a drawer fixture ``spec``."""
    return to_world((_carcass_offset(DRAWER), 0.0, 0.0),
                    (spec.pos[0], spec.pos[1], table_height), spec.yaw)


def drawer_fixture(name: str, carcass_xy: tuple[float, float], yaw: float = 0.0,
                   opening: float = 0.0, table_height: float = 0.0) -> FixtureSpec:
    """A drawer :class:`FixtureSpec` whose carcass centre is at ``carcass_xy``.

    ``opening`` is the initial joint position (0 closed .. ``DRAWER.travel``).
    """
    centre = to_world((-_carcass_offset(DRAWER), 0.0, 0.0),
                      (carcass_xy[0], carcass_xy[1], table_height), yaw)
    return FixtureSpec(name=name, kind="drawer", colour="white", size=drawer_footprint_size(),
                       pos=(round(centre[0], 6), round(centre[1], 6), table_height), yaw=yaw,
                       params={"opening": float(opening)})


def bin_fixture(name: str, colour: str, xy: tuple[float, float], yaw: float = 0.0,
                table_height: float = 0.0) -> FixtureSpec:
    """A bin :class:`FixtureSpec` centred at ``xy``."""
    return FixtureSpec(name=name, kind="bin", colour=colour,
                       size=(BIN.outer, BIN.outer, BIN.floor + BIN.wall_height),
                       pos=(xy[0], xy[1], table_height), yaw=yaw)


def build_fixture(client: int, spec: FixtureSpec, table_height: float = 0.0) -> int:
    """Load fixture ``spec`` into PyBullet ``client`` (the hook ``world_model.build`` calls)."""
    import pybullet as p

    if spec.kind == "drawer":
        origin = cabinet_origin(spec, table_height)
        text = drawer_urdf() if spec.colour == "white" else drawer_urdf(DRAWER, RGBA[spec.colour])
        path = write_urdf(text, "drawer")
        body = p.loadURDF(str(path), origin, yaw_quaternion(spec.yaw), useFixedBase=True,
                          physicsClientId=client)
        joint = drawer_joint_index(client, body)
        opening = min(max(float(spec.params.get("opening", 0.0)), 0.0), DRAWER.travel)
        p.resetJointState(body, joint, opening, 0.0, physicsClientId=client)
        # Joint friction: a velocity motor with a small force keeps the drawer where it is left.
        p.setJointMotorControl2(body, joint, p.VELOCITY_CONTROL, targetVelocity=0.0,
                                force=DRAWER.friction, physicsClientId=client)
        p.changeDynamics(body, joint, jointDamping=DRAWER.damping, lateralFriction=0.8,
                         physicsClientId=client)
        p.changeDynamics(body, joint + 1, lateralFriction=1.0, physicsClientId=client)
        return body
    if spec.kind == "bin":
        path = write_urdf(bin_urdf(RGBA[spec.colour], BIN), "bin")
        body = p.loadURDF(str(path), (spec.pos[0], spec.pos[1], table_height),
                          yaw_quaternion(spec.yaw), useFixedBase=True, physicsClientId=client)
        p.changeDynamics(body, -1, lateralFriction=0.6, physicsClientId=client)
        return body
    raise WorldModelError(f"fixture {spec.name!r}: unknown kind {spec.kind!r}")


def drawer_joint_index(client: int, body: int) -> int:
    """Index of the prismatic drawer joint of a loaded cabinet."""
    import pybullet as p

    for j in range(p.getNumJoints(body, physicsClientId=client)):
        if p.getJointInfo(body, j, physicsClientId=client)[1].decode() == DRAWER_JOINT_NAME:
            return j
    raise WorldModelError(f"body {body} has no joint {DRAWER_JOINT_NAME!r}")


def fixture_state(client: int, body: int, spec: FixtureSpec,
                  table_height: float = 0.0) -> dict[str, Any]:
    """The privileged description of a loaded fixture (for observations and predicates)."""
    import pybullet as p

    if spec.kind == "drawer":
        q = float(p.getJointState(body, drawer_joint_index(client, body),
                                  physicsClientId=client)[0])
        return drawer_privileged(q, cabinet_origin(spec, table_height), spec.yaw)
    return bin_privileged(spec, table_height)


def drawer_privileged(q: float, origin: Sequence[float], yaw: float,
                      geometry: DrawerGeometry = DRAWER) -> dict[str, Any]:
    """What scripted experts read about a drawer at joint position ``q`` (world frame)."""
    g = geometry
    x_min, x_max, y_half, z_floor = g.interior(q)
    exposed_max = min(x_max, g.front_x)
    return {
        "kind": "drawer",
        "joint": q,
        "travel": g.travel,
        "open_target": DRAWER_OPEN_TARGET,
        "origin": list(origin),
        "yaw": yaw,
        "handle": list(to_world(g.handle(q), origin, yaw)),
        "open_dir": [-math.cos(yaw), -math.sin(yaw), 0.0],  # pulling this way opens it
        # The inside of the drawer box in the cabinet frame (x along open_dir reversed).
        "interior": [x_min, x_max, y_half],
        "exposed_length": max(0.0, exposed_max - x_min),
        "interior_center": list(to_world(((x_min + x_max) / 2, 0.0, z_floor), origin, yaw)),
        "exposed_center": list(to_world(((x_min + exposed_max) / 2, 0.0, z_floor), origin, yaw)),
        "floor_z": origin[2] + z_floor,
        "top_z": origin[2] + g.height,
        "side_top_z": origin[2] + g.wall + g.gap + g.floor + g.side_height,
        # [x, y, floor z, 1 if the gripper can reach it at this opening else 0] per slot.
        "slots": [[*drawer_slot(q, origin, yaw, u, v, g)[:3],
                   1.0 if u <= q - SLOT_EXPOSED_MARGIN else 0.0] for u, v in DRAWER_SLOTS],
    }


def drawer_slot(q: float, origin: Sequence[float], yaw: float, u: float, v: float,
                geometry: DrawerGeometry = DRAWER) -> tuple[float, float, float]:
    """World (x, y, floor z) of drawer slot (u, v) at joint position ``q``."""
    x_min = geometry.interior(q)[0]
    return to_world((x_min + u, v, geometry.bottom_z), origin, yaw)


def bin_privileged(spec: FixtureSpec, table_height: float = 0.0,
                   geometry: BinGeometry = BIN) -> dict[str, Any]:
    """What scripted experts read about a bin (it never moves)."""
    return {
        "kind": "bin",
        "center": [spec.pos[0], spec.pos[1], table_height],
        "interior_center": [spec.pos[0], spec.pos[1], table_height + geometry.floor],
        "yaw": spec.yaw,
        "inner_half": geometry.inner / 2,
        "floor_z": table_height + geometry.floor,
        "wall_top_z": table_height + geometry.floor + geometry.wall_height,
        "slots": [[*bin_slot(spec, u, v, table_height, geometry), 1.0] for u, v in BIN_SLOTS],
    }


def bin_slot(spec: FixtureSpec, u: float, v: float, table_height: float = 0.0,
             geometry: BinGeometry = BIN) -> tuple[float, float, float]:
    """World (x, y, floor z) of bin slot (u, v)."""
    return to_world((u, v, geometry.floor), (spec.pos[0], spec.pos[1], table_height), spec.yaw)

