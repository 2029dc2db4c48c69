"""A step kind's ARN both ways: written from its parts, and read back to its kind and name.

Each ``KindSpec.arn`` is a format string; the pattern that reads an ARN is built from the same
string, so the sweep and the trace name a resource exactly as the demo writes one.
"""

from __future__ import annotations

import re
import string
from functools import cache

from console.kinds import KINDS, KindSpec

# What each field of an ARN format may match. IAM paths are ``/`` or ``/division/team/``.
_FIELDS = {
    "partition": r"aws[a-z-]*",
    "region": r"[a-z0-9-]*",
    "account": r"(?P<account>\d{12})",
    "path": r"/(?:[^/]+/)*",
    "name": r"(?P<name>[^/:]+)",
    "id": r"[^/]+",
}


@cache
def arn_pattern(kind: str) -> re.Pattern[str]:
    """The regex that matches ``kind``'s ARNs, with groups ``name`` (and ``account``)."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(KINDS[kind].arn):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(_FIELDS[field])
    return re.compile("".join(parts))


def format_arn(
    kind: str,
    *,
    account: str,
    name: str,
    region: str,
    partition: str = "aws",
    path: str = "/",
    id: str = "",
) -> str:
    """The ARN of ``kind``'s resource named ``name`` (``id``: the suffix AWS would choose)."""
    return KINDS[kind].arn.format(
        partition=partition, region=region, account=account, name=name, path=path, id=id
    )


def match_arn(arn: str) -> tuple[KindSpec, str, str] | None:
    """The kind, account (``""`` where the ARN has none) and name of ``arn``.

    Returns:
        ``(spec, account, name)``, or None for an ARN of a type no kind builds.
    """
    for spec in KINDS.values():
        found = arn_pattern(spec.kind).fullmatch(arn)
        if found:
            return spec, found.groupdict().get("account") or "", found["name"]
    return None
