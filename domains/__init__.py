"""vlaplan.domains: the composition root binding PDDL domains to scenes, predicates and skills.

Each domain is a folder ``domains/<name>/`` whose package exposes ``DOMAIN``, a
:class:`~vlaplan.domains.base.DomainSpec`; adding a domain adds one line to
:data:`REGISTRY`.
"""
from __future__ import annotations

import importlib

from vlaplan.planner.errors import VlaplanError

REGISTRY: dict[str, str] = {
    "tabletop": "vlaplan.domains.tabletop",
    "kitchen": "vlaplan.domains.kitchen",
    "sorting": "vlaplan.domains.sorting",
}


class UnknownDomainError(VlaplanError):
    """A domain name that is not registered."""


def available_domains() -> list[str]:
    """Names of the registered domains whose package is installed, sorted."""
    from importlib.util import find_spec

    return sorted(name for name, module in REGISTRY.items() if find_spec(module) is not None)


def get_domain(name: str):  # -> DomainSpec (imported lazily: keeps `import` cheap)
    """The :class:`~vlaplan.domains.base.DomainSpec` registered as ``name``."""
    if name not in available_domains():
        import difflib

        close = difflib.get_close_matches(name, REGISTRY, n=2)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise UnknownDomainError(f"unknown domain {name!r}{hint}; available: "
                                 f"{', '.join(available_domains())}")
    return importlib.import_module(REGISTRY[name]).DOMAIN
