"""``-o json|yaml|table``: one way every reading command prints what it read.

JSON is the contract (docs/contracts.md): one object, or JSON Lines for a listing
(``ledger``, ``trace``). YAML is the same data for people who read it (a listing is one YAML
sequence). The table is each command's own text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def emit(
    output: str,
    data: Callable[[], Any],
    table: Callable[[], str],
    *,
    lines: bool = False,
    indent: int | None = None,
) -> None:
    """Print ``data()`` as JSON or YAML, or ``table()``; only the one asked for is built.

    Args:
        output: ``json``, ``yaml`` or ``table``.
        data: the JSON-able data (a list when ``lines``).
        table: the text for people.
        lines: JSON Lines, one item of ``data()`` per line.
        indent: the JSON object's indent (``report`` keeps its 2).
    """
    if output == "table":
        print(table())
    elif output == "yaml":
        print(as_yaml(data()), end="")
    elif lines:
        for item in data():
            print(json.dumps(item))
    else:
        print(json.dumps(data(), indent=indent))


def as_yaml(data: Any) -> str:
    """``data`` as a YAML document, keys in their order, text as it is (no ``!!python`` tag)."""
    import yaml  # only for -o yaml: PyYAML costs ~15 ms to import

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
