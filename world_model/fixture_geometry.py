"""Geometry of the project's own fixtures: the drawer cabinet and the open bins.

Frozen dataclasses with the sizes (and the drawer's interior, handle and footprint as
functions of its opening), the link and joint names of the URDFs, and where objects go
inside a drawer or a bin.  Numbers only, no pybullet, so scene generators and predicate
classifiers can reason about fixtures; moved here from :mod:`vlaplan.world_model.fixtures`,
which writes the URDFs, builds them and reads their state, and still re-exports these names.
"""
from __future__ import annotations

from dataclasses import dataclass

DRAWER_JOINT_NAME = "drawer_slide"
DRAWER_LINK_NAME = "drawer"
HANDLE_LINK_NAME = "handle"


@dataclass(frozen=True)
class DrawerGeometry:
    """Sizes of the drawer cabinet in metres (see the module docstring for frames)."""

    width: float = 0.36          # carcass, along local y
    depth: float = 0.26          # carcass, along local x
    height: float = 0.10         # carcass, along z
    wall: float = 0.01           # carcass wall thickness
    gap: float = 0.004           # clearance between drawer and carcass
    floor: float = 0.008         # drawer bottom thickness
    side_height: float = 0.055   # drawer side walls above its bottom
    drawer_depth: float = 0.24   # drawer box, along x
    panel: float = 0.012         # front panel thickness
    handle_standoff: float = 0.07  # handle bar axis in front of the panel's front face
    handle_length: float = 0.12
    handle_bar: float = 0.014    # square bar cross-section
    handle_z: float = 0.085      # bar axis height above the table
    travel: float = 0.22         # joint upper limit (fully open)
    drawer_mass: float = 0.8
    damping: float = 4.0         # N s/m
    friction: float = 4.0        # N, a velocity motor holding the drawer where it is left

    @property
    def front_x(self) -> float:
        """Local x of the carcass front face."""
        return -self.depth / 2

    @property
    def panel_back_x(self) -> float:
        """Local x of the panel's back face at joint position 0 (just in front of the carcass)."""
        return self.front_x - 0.002

    @property
    def bottom_z(self) -> float:
        """Height of the drawer's inner floor surface above the table."""
        return self.wall + self.gap + self.floor

    @property
    def top_z(self) -> float:
        """Height of the underside of the carcass top (nothing taller fits in)."""
        return self.height - self.wall

    @property
    def inner_width(self) -> float:
        return self.width - 2 * self.wall - 2 * self.gap - 2 * self.wall

    def interior(self, q: float) -> tuple[float, float, float, float]:
        """(x_min, x_max, y_half, z_floor): the drawer's inside, cabinet frame, joint at q."""
        x_min = self.panel_back_x - q
        x_max = self.panel_back_x + self.drawer_depth - self.wall - q
        return x_min, x_max, self.inner_width / 2, self.bottom_z

    def handle(self, q: float) -> tuple[float, float, float]:
        """Centre of the handle bar in the cabinet frame at joint q."""
        return (self.panel_back_x - self.panel - self.handle_standoff - q, 0.0, self.handle_z)

    def footprint(self, q: float) -> tuple[float, float, float, float]:
        """(x_min, x_max, y_min, y_max) covered in the cabinet frame, handle included."""
        x_min = self.handle(q)[0] - self.handle_bar
        return x_min, self.depth / 2, -self.width / 2, self.width / 2


@dataclass(frozen=True)
class BinGeometry:
    """An open box: ``inner`` x ``inner`` floor area, walls ``wall_height`` tall."""

    inner: float = 0.15
    wall: float = 0.008
    wall_height: float = 0.06
    floor: float = 0.006

    @property
    def outer(self) -> float:
        return self.inner + 2 * self.wall


DRAWER = DrawerGeometry()
BIN = BinGeometry()

# Where objects go inside a drawer: (u, v) with u the distance behind the inside of the
# front panel and v the offset along the drawer's width.  The gripper closes along v
# inside the drawer (its thin side faces the carcass), so slots are 9 cm apart in v.
DRAWER_SLOTS: tuple[tuple[float, float], ...] = (
    (0.125, 0.0), (0.125, 0.09), (0.125, -0.09), (0.045, 0.0), (0.045, 0.09), (0.045, -0.09))
SLOT_EXPOSED_MARGIN = 0.063  # m: a slot is reachable when u <= opening - this
DRAWER_OPEN_TARGET = 0.19  # m: how far the open skill pulls the drawer
# Drop points in a bin, offsets from its centre in the bin frame.
BIN_SLOTS: tuple[tuple[float, float], ...] = (
    (0.0, 0.0), (0.04, 0.04), (0.04, -0.04), (-0.04, 0.04), (-0.04, -0.04))
