"""What CloudFormation's resource handlers need, from AWS's provider schemas (shipped by cfn-lint).

Every resource type's provider schema lists the IAM permissions each handler needs
(``handlers.create.permissions``, ``.delete``, ``.update``...). cfn-lint ships those schemas for
every region: ``cfnlint/data/schemas/providers/<region>.json`` maps a type name to a file under
``resources/``, shared between regions that agree. The stand-in reads the files directly rather
than importing cfn-lint (seconds of imports) or keeping a table of its own.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

DEFAULT_REGION = "us-east-1"


@cache
def _root() -> Path:
    """cfn-lint's ``data/schemas`` folder, found without importing cfn-lint: importing the
    package (as ``importlib.resources.files`` does) costs seconds of its own imports."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("cfn-lint's provider schemas are not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"


@lru_cache(maxsize=64)
def _index(region: str) -> dict[str, str]:
    """Type name -> schema file name, for one region (us-east-1's when the region is unknown)."""
    providers = _root() / "providers"
    for candidate in (region, DEFAULT_REGION):
        found = providers / f"{candidate}.json"
        if found.is_file():
            return json.loads(found.read_text())
    raise LookupError("cfn-lint's provider schemas are not installed")


@lru_cache(maxsize=2048)
def _schema(name: str) -> dict[str, Any]:
    return json.loads((_root() / "resources" / f"{name}.json").read_text())


def warm(region: str) -> None:
    """Read the region's index of provider schemas now (a large JSON file), not in the first
    burst of CreateStack requests."""
    _index(region or DEFAULT_REGION)


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
