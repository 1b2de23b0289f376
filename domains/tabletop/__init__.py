"""The tabletop domain: coloured blocks on a table; pick, place, stack, unstack."""
from __future__ import annotations

from pathlib import Path

from vlaplan.domains.base import DomainSpec
from vlaplan.domains.tabletop.predicates import abstract
from vlaplan.domains.tabletop.scene import generate

DOMAIN = DomainSpec(
    name="tabletop",
    folder=Path(__file__).parent,
    generator=generate,
    abstraction=abstract,
    actions=("pick", "place", "stack", "unstack"),
)
