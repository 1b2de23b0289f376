"""Shared checks of the domain scene tests (kitchen, sorting, tabletop)."""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pytest

from vlaplan.domains.base import DomainSpec
from vlaplan.world_model.robot import SimRobot


def _scene_mismatches(domain: DomainSpec, seeds: Iterable[int],
                      holding_every: int) -> list[tuple[int, list[str]]]:
    """Build each seed's scene (every ``holding_every``-th one holding an object), let it
    settle for three steps and compare its abstraction with the generator's atoms:
    the (seed, differing atoms) of every scene where they differ."""
    robot = SimRobot(domain.generate_scene(0).spec, render=False, fast_reset=True)
    try:
        mismatches = []
        for i, seed in enumerate(seeds):
            g = domain.generate_scene(seed, holding=i % holding_every == 0)
            robot.reset(0, scene=g.spec)
            grip = -1.0 if g.spec.robot.holding else 1.0
            for _ in range(3):
                robot.apply(np.array([0, 0, 0, 0, grip], dtype=np.float32))
            atoms = domain.abstract(robot.observe(render=False))
            if atoms != g.init:
                mismatches.append((seed, sorted(map(str, atoms ^ g.init))))
        return mismatches
    finally:
        robot.close()


@pytest.fixture
def scene_mismatches() -> Callable[[DomainSpec, Iterable[int], int], list[tuple[int, list[str]]]]:
    """``(domain, seeds, holding_every) -> mismatches``: fresh scenes whose settled
    abstraction differs from the generator's initial atoms."""
    return _scene_mismatches
