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
    examples=(
        "stack the red block on the blue block",
        "build a tower of red, green and blue with blue at the bottom",
        "put every block on the table",
        "first unstack the green block, then put it on the yellow block",
    ),
)
