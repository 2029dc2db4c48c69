"""A faithful local AWS for the demo and the tests: moto behind a gateway, plus IMDSv2.

``Sandbox(SandboxOptions(...)).start()`` runs everything on loopback in this process; its
``env`` makes any AWS SDK act as the story's EC2 host. See ``standin.sandbox``.

Nothing here imports moto at import time: ``import standin.policy`` (the trust policy
evaluator) must not pay the second moto costs to load. The names below load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from standin.roles import RoleTemplates
    from standin.sample_course import write_sample_course
    from standin.sandbox import Sandbox, SandboxOptions

__all__ = ["RoleTemplates", "Sandbox", "SandboxOptions", "write_sample_course"]

_HOMES = {
    "RoleTemplates": "standin.roles",
    "Sandbox": "standin.sandbox",
    "SandboxOptions": "standin.sandbox",
    "write_sample_course": "standin.sample_course",
}


def __getattr__(name: str) -> Any:
    """Load the public names when first asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'standin' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
