"""Cameras: a fixed front camera, a wrist camera on the Panda's hand and, in camera setups
that ask for it, a fixed side camera (TinyRenderer).

Images are uint8 (H, W, 3).  TinyRenderer without shadows keeps a 96 px image of the
collision-mesh Panda, the table and a few objects at a few milliseconds.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybullet as pb

from vlaplan.world_model.panda import HAND_LINK
from vlaplan.world_model.scene import SceneSpec

CAMERA_NAMES: tuple[str, ...] = ("front", "wrist", "side")
NEAR, FAR = 0.01, 3.0
WRIST_FOV = 75.0  # degrees
WRIST_OFFSET = (0.06, 0.0, 0.03)  # camera position in the hand frame (x forward, z down the gripper)


@dataclass(frozen=True)
class Camera:
    """A camera: name, field of view and, for fixed cameras, eye and target points."""

    name: str
    fov: float
    eye: tuple[float, float, float] | None = None
    target: tuple[float, float, float] | None = None


#: Placements of the fixed front camera, opposite the robot: eye and target as offsets from
#: the centre of the table top (m), and the field of view (degrees).  A policy sees the
#: scene through the placement it was trained with (``CheckpointMeta.front_camera``).
#: ``wide`` (sessions 1-12) shows the whole table; at 96 px a 4 cm block is about 4 px
#: wide and 3 px deep there.  ``close`` looks down more steeply from nearer, so the same
#: block is about 1.2 times wider and 1.5 times deeper in the image; towers up to 30 cm
#: stay in view over the middle of the workspace.
Placement = tuple[tuple[float, float, float], tuple[float, float, float], float]
FRONT_PLACEMENTS: dict[str, Placement] = {
    "wide": ((0.75, 0.0, 0.55), (0.05, 0.0, 0.0), 55.0),
    "close": ((0.58, 0.0, 0.62), (0.07, 0.0, 0.06), 50.0),
}
DEFAULT_FRONT = "wide"

#: Fixed cameras a setup may add to the front and wrist cameras, in the same form (offsets
#: from the table top's centre).  ``side`` looks across the workspace from the robot's
#: left: it reads a block's x (along the front camera's line of sight, where the front
#: image mixes x up with height) to about 6 mm at every tower level (session 21's
#: ``benchmarks/camera_probe.py --towers``), and y badly.
EXTRA_PLACEMENTS: dict[str, Placement] = {
    "side": ((0.07, 0.62, 0.40), (0.07, 0.0, 0.06), 50.0),
}
SETUP_SEPARATOR = "+"


def check_front(setup: str) -> str:
    """``setup`` if it names a camera setup, else a WorldModelError.

    A setup is a front-camera placement (:data:`FRONT_PLACEMENTS`), optionally followed by
    extra fixed cameras: ``close+side`` is the close front camera, the wrist camera and the
    side camera.  Policies, datasets and robots carry it as ``front_camera``."""
    front, *extra = str(setup).split(SETUP_SEPARATOR)
    bad = ([f"front-camera placement {front!r} (known: {sorted(FRONT_PLACEMENTS)})"]
           if front not in FRONT_PLACEMENTS else [])
    bad += [f"extra camera {e!r} (known: {sorted(EXTRA_PLACEMENTS)})" for e in extra
            if e not in EXTRA_PLACEMENTS]
    if len(set(extra)) != len(extra):
        bad.append("a camera named twice")
    if bad:
        from vlaplan.planner.errors import WorldModelError
        raise WorldModelError(f"bad camera setup {setup!r}: {'; '.join(bad)}")
    return setup


def camera_names(setup: str) -> tuple[str, ...]:
    """The cameras a setup renders, in the order a policy reads their images."""
    _, *extra = check_front(setup).split(SETUP_SEPARATOR)
    return ("front", "wrist", *extra)


def front_camera_of(policy: object) -> str:
    """The camera setup a policy was trained with (its checkpoint's ``meta.front_camera``,
    e.g. ``close`` or ``close+side``; ``wide`` for policies that do not say)."""
    return str(getattr(getattr(policy, "meta", None), "front_camera", None) or DEFAULT_FRONT)


def front_camera(spec: SceneSpec, placement: str | Placement = DEFAULT_FRONT) -> Camera:
    """The fixed camera opposite the robot, looking over the table at the workspace;
    ``placement`` names a camera setup (its front placement counts) or gives a pose of
    that form (a candidate, e.g. for ``benchmarks/camera_probe.py``)."""
    if isinstance(placement, str):
        placement = FRONT_PLACEMENTS[check_front(placement).split(SETUP_SEPARATOR)[0]]
    return _fixed_camera("front", spec, placement)


def _fixed_camera(name: str, spec: SceneSpec, placement: Placement) -> Camera:
    eye, target, fov = placement
    cx, cy = spec.table.centre
    z = spec.table.height
    return Camera(name, fov, eye=(cx + eye[0], cy + eye[1], z + eye[2]),
                  target=(cx + target[0], cy + target[1], z + target[2]))


def _view_fixed(cam: Camera) -> list[float]:
    return pb.computeViewMatrix(cam.eye, cam.target, (0.0, 0.0, 1.0))


def _view_wrist(client: int, panda: int) -> list[float]:
    state = pb.getLinkState(panda, HAND_LINK, computeForwardKinematics=True,
                            physicsClientId=client)
    pos, quat = np.asarray(state[4]), state[5]
    rot = np.asarray(pb.getMatrixFromQuaternion(quat)).reshape(3, 3)
    eye = pos + rot @ np.asarray(WRIST_OFFSET)
    forward = rot[:, 2]  # the gripper's approach axis
    up = rot[:, 0]
    return pb.computeViewMatrix(eye.tolist(), (eye + 0.2 * forward).tolist(), up.tolist())


class CameraRig:
    """Renders the named cameras of one client at a fixed square image size."""

    def __init__(self, client: int, panda: int, spec: SceneSpec, size: int = 96,
                 names: tuple[str, ...] | None = None,
                 front: str | Placement = DEFAULT_FRONT) -> None:
        if names is None:  # the setup's cameras (a bare pose: front and wrist)
            names = camera_names(front) if isinstance(front, str) else ("front", "wrist")
        unknown = [n for n in names if n not in CAMERA_NAMES]
        if unknown:
            from vlaplan.planner.errors import WorldModelError
            raise WorldModelError(f"unknown cameras {unknown}; known: {list(CAMERA_NAMES)}")
        self.client, self.panda, self.size, self.names = client, panda, size, tuple(names)
        fixed = [front_camera(spec, front)] + [_fixed_camera(n, spec, EXTRA_PLACEMENTS[n])
                                               for n in EXTRA_PLACEMENTS]
        self._proj = {c.name: pb.computeProjectionMatrixFOV(c.fov, 1.0, NEAR, FAR) for c in fixed}
        self._proj["wrist"] = pb.computeProjectionMatrixFOV(WRIST_FOV, 1.0, NEAR, FAR)
        self._fixed_views = {c.name: _view_fixed(c) for c in fixed}

    def render(self, name: str) -> np.ndarray:
        """One RGB image (size, size, 3) uint8 from camera ``name``."""
        view = (self._fixed_views[name] if name in self._fixed_views
                else _view_wrist(self.client, self.panda))
        _, _, rgba, _, _ = pb.getCameraImage(
            self.size, self.size, view, self._proj[name], shadow=0,
            renderer=pb.ER_TINY_RENDERER, flags=pb.ER_NO_SEGMENTATION_MASK,
            physicsClientId=self.client)
        img = np.asarray(rgba, dtype=np.uint8).reshape(self.size, self.size, 4)
        return np.ascontiguousarray(img[:, :, :3])

    def render_all(self) -> dict[str, np.ndarray]:
        return {name: self.render(name) for name in self.names}
