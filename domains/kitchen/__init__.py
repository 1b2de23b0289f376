"""The kitchen domain: a drawer cabinet and small objects; open, close, pick, place,
put-in, take-out."""
from __future__ import annotations

from pathlib import Path

from vlaplan.domains.base import DomainSpec
from vlaplan.domains.kitchen.predicates import abstract
from vlaplan.domains.kitchen.scene import SKILLS, generate

DOMAIN = DomainSpec(
    name="kitchen",
    folder=Path(__file__).parent,
    generator=generate,
    abstraction=abstract,
    actions=SKILLS,
)
