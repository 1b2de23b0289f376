"""The sorting domain: objects of several colours and shapes go into coloured open bins;
pick, place, put-in."""
from __future__ import annotations

from pathlib import Path

from vlaplan.domains.base import DomainSpec
from vlaplan.domains.sorting.predicates import abstract
from vlaplan.domains.sorting.scene import SKILLS, generate

DOMAIN = DomainSpec(
    name="sorting",
    folder=Path(__file__).parent,
    generator=generate,
    abstraction=abstract,
    actions=SKILLS,
)
