"""What CloudFormation's resource handlers need, from AWS's provider schemas (shipped by cfn-lint).

Every resource type's provider schema lists the IAM permissions each handler needs
(``handlers.create.permissions``, ``.delete``, ``.update``...). cfn-lint ships those schemas for
every region: ``cfnlint/data/schemas/providers/<region>.json`` maps a type name to a file under
``resources/``, shared between regions that agree. The stand-in reads them directly rather than
importing cfn-lint's modules (which cost a second to load) or keeping a table of its own.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

_SCHEMAS = "cfnlint.data.schemas"
DEFAULT_REGION = "us-east-1"


@lru_cache(maxsize=64)
def _index(region: str) -> dict[str, str]:
    """Type name -> schema file name, for one region (us-east-1's when the region is unknown)."""
    providers = resources.files(_SCHEMAS).joinpath("providers")
    for candidate in (region, DEFAULT_REGION):
        found = providers.joinpath(f"{candidate}.json")
        if found.is_file():
            return json.loads(found.read_text())
    raise LookupError("cfn-lint's provider schemas are not installed")


@lru_cache(maxsize=2048)
def _schema(name: str) -> dict[str, Any]:
    text = resources.files(_SCHEMAS).joinpath("resources", f"{name}.json").read_text()
    return json.loads(text)


def schema(type_name: str, region: str = DEFAULT_REGION) -> dict[str, Any] | None:
    """The provider schema of a resource type in a region, or None when AWS has no such type."""
    name = _index(region or DEFAULT_REGION).get(type_name)
    return None if name is None else _schema(name)


def handler_permissions(type_name: str, handler: str, region: str = DEFAULT_REGION) -> list[str]:
    """The IAM actions a handler (``create``, ``update``, ``delete``...) of a type calls as the
    caller; empty when the type has no such handler (or no schema)."""
    found = schema(type_name, region) or {}
    handlers = found.get("handlers") or {}
    return list((handlers.get(handler) or {}).get("permissions") or [])
