"""Validation of a scene's fixtures (drawer cabinets, bins) against their builders.

Kept apart from :mod:`vlaplan.world_model.fixtures` (the URDF builders) so that
``SceneSpec``'s validator can call :func:`check_fixtures` lazily.
"""
from __future__ import annotations

from vlaplan.world_model.fixtures import (BIN, DRAWER, cabinet_origin, drawer_footprint_size,
                                          to_local)
from vlaplan.world_model.scene import (OVERLAP_TOL, SUPPORT_TOL, FixtureSpec, ObjectSpec,
                                       SceneSpec, _rectangles_overlap, footprint)


def check_fixtures(scene: SceneSpec) -> None:
    """Validate a scene's fixtures; raises ValueError naming the field and the reason.

    Fixtures must stand on the table inside its edges, match the builders' sizes, not
    overlap each other, and an object overlapping a fixture's footprint must lie inside
    it (in the drawer box or over a bin's floor).  Called by ``SceneSpec``'s validator.
    """
    table, held = scene.table, scene.robot.holding
    rects = []
    for i, f in enumerate(scene.fixtures):
        where = f"fixtures[{i}] ({f.name})"
        corners = footprint(f.pos, f.size, f.yaw)
        if not all(table.contains(x, y) for x, y in corners):
            raise ValueError(f"{where}: pos {f.pos} puts its footprint {f.size[:2]} off the "
                             f"table (table centre {table.centre}, size {table.size})")
        if abs(f.pos[2] - table.height) > SUPPORT_TOL:
            raise ValueError(f"{where}: pos z={f.pos[2]:.3f} must be the table top "
                             f"z={table.height:.3f}")
        expected = drawer_footprint_size() if f.kind == "drawer" else (
            BIN.outer, BIN.outer, BIN.floor + BIN.wall_height)
        if any(abs(a - b) > 1e-3 for a, b in zip(f.size, expected)):
            raise ValueError(f"{where}: size {f.size} is not the {f.kind}'s {expected}; "
                             f"make it with {f.kind}_fixture()")
        opening = float(f.params.get("opening", 0.0))
        if f.kind == "drawer" and not 0.0 <= opening <= DRAWER.travel:
            raise ValueError(f"{where}: params.opening {opening} is outside "
                             f"[0, {DRAWER.travel}] m")
        for j, (other, other_corners) in enumerate(rects):
            if _rectangles_overlap(corners, other_corners, OVERLAP_TOL):
                raise ValueError(f"{where}: overlaps fixtures[{j}] ({other.name})")
        rects.append((f, corners))
    for i, obj in enumerate(scene.objects):
        if obj.name == held:
            continue
        corners = footprint(obj.pos, obj.size, obj.yaw)
        for f, f_corners in rects:
            if _rectangles_overlap(corners, f_corners, OVERLAP_TOL) and not _inside(obj, f,
                                                                                   table.height):
                raise ValueError(f"objects[{i}] ({obj.name}): pos {obj.pos} overlaps fixture "
                                 f"{f.name!r} without resting inside it")


def _inside(obj: ObjectSpec, f: FixtureSpec, table_height: float) -> bool:
    """Does ``obj`` rest inside fixture ``f`` (footprint within, bottom on its floor)?"""
    corners = footprint(obj.pos, obj.size, obj.yaw)
    if f.kind == "drawer":
        origin = cabinet_origin(f, table_height)
        x_min, x_max, y_half, z_floor = DRAWER.interior(float(f.params.get("opening", 0.0)))
        local = [to_local((x, y, 0.0), origin, f.yaw) for x, y in corners]
        return (all(x_min <= lx <= x_max and abs(ly) <= y_half for lx, ly, _ in local)
                and abs(obj.bottom - (table_height + z_floor)) <= SUPPORT_TOL)
    half = BIN.inner / 2
    local = [to_local((x, y, 0.0), f.pos, f.yaw) for x, y in corners]
    return (all(abs(lx) <= half and abs(ly) <= half for lx, ly, _ in local)
            and obj.bottom >= table_height + BIN.floor - SUPPORT_TOL)
