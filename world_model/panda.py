"""The fast-rendering Franka Panda: ``pybullet_data``'s arm with its collision meshes as visuals.

TinyRenderer time is dominated by mesh detail (about 18 ms per 96 px image for the stock
visual meshes, about 1 ms for the collision meshes), so :func:`fast_panda_urdf` writes a
copy of ``franka_panda/panda.urdf`` whose visual geometry is the collision geometry, with
absolute mesh paths, into a cache directory, and returns its path.  The kinematics,
inertias and joint limits are the stock ones.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

# Link indices of the Panda in PyBullet (joint index == child link index).
ARM_JOINTS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
FINGER_JOINTS: tuple[int, ...] = (9, 10)
HAND_LINK = 8
GRASP_LINK = 11  # panda_grasptarget: between the fingertips, 0.105 m below the hand
FINGER_MAX = 0.04  # m per finger; the gripper opens to 0.08 m
ARM_FORCES: tuple[float, ...] = (87.0, 87.0, 87.0, 87.0, 12.0, 12.0, 12.0)

_VERSION = "1"


def panda_source_dir() -> Path:
    import pybullet_data

    return Path(pybullet_data.getDataPath()) / "franka_panda"


def cache_dir() -> Path:
    """Where generated assets live: ``$VLAPLAN_CACHE`` or ``~/.cache/vlaplan``."""
    root = os.environ.get("VLAPLAN_CACHE")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vlaplan"


def _fast_urdf_text(source: str, mesh_root: Path) -> str:
    collision = str(mesh_root / "collision")
    text = re.sub(r"package://meshes/(visual|collision)/(\w+)\.obj",
                  lambda m: f"{collision}/{m.group(2)}.obj", source)
    # Dark fingers so the gripper stands out in the images.
    text = text.replace('<material name="panda_red">', '<material name="panda_grey">')
    return text


def fast_panda_urdf() -> Path:
    """Path of the collision-mesh Panda URDF, generated on first use (atomic write)."""
    src_dir = panda_source_dir()
    out = cache_dir() / f"panda_fast_v{_VERSION}" / "panda.urdf"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    text = _fast_urdf_text((src_dir / "panda.urdf").read_text(), src_dir / "meshes")
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".urdf.tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, out)
    return out
