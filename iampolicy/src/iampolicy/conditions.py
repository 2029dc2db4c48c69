"""The ``Condition`` element, as the IAM user guide's "Condition operators" page defines it.

A condition block is ``{operator: {key: value-or-values}}``. Every operator must hold, every key
under an operator must hold, and a key holds when the request's value matches *any* of the
policy's values (for a negated operator: matches *none* of them). Keys are case-insensitive,
values are compared as each operator says.

An absent key: the condition is false, except that a negated operator (``StringNotEquals``,
``ArnNotLike``, ``NotIpAddress``...) is then true, ``...IfExists`` is true, ``Null`` tests for
exactly that, and ``ForAllValues:`` over no values is true. ``ForAnyValue:`` needs at least one
request value to match; ``ForAllValues:`` needs every request value to match. A multivalued key
(a tuple in the context) under an operator with no set qualifier never holds: AWS says such keys
"require a condition set operator".

An operator this module does not know makes the condition false: IAM would have refused the
policy when it was saved, and a sandbox must not grant what AWS never could.
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from iampolicy.patterns import arn_like, glob, substitute


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _string_equals(p: str, v: str, ctx: Mapping | None) -> bool:
    return substitute(p, ctx) == v


def _string_equals_ignore_case(p: str, v: str, ctx: Mapping | None) -> bool:
    resolved = substitute(p, ctx)
    return resolved is not None and resolved.casefold() == v.casefold()


def _string_like(p: str, v: str, ctx: Mapping | None) -> bool:
    return glob(p, v, context=ctx)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _numeric(compare: Callable[[float, float], bool]):
    def matcher(p: str, v: str, _ctx: Mapping | None) -> bool:
        left, right = _number(v), _number(p)
        return left is not None and right is not None and compare(left, right)

    return matcher


def parse_date(text: str) -> datetime | None:
    """An IAM date: ISO 8601 (``2026-12-01``, ``2026-12-01T10:00:00Z``) or epoch seconds."""
    text = text.strip()
    number = _number(text)
    if number is not None and "-" not in text[1:]:
        return datetime.fromtimestamp(number, UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(compare: Callable[[datetime, datetime], bool]):
    def matcher(p: str, v: str, _ctx: Mapping | None) -> bool:
        left, right = parse_date(v), parse_date(p)
        return left is not None and right is not None and compare(left, right)

    return matcher


def _bool(p: str, v: str, _ctx: Mapping | None) -> bool:
    return p.lower() == v.lower()


def _binary(p: str, v: str, _ctx: Mapping | None) -> bool:
    try:
        return base64.b64decode(p, validate=True) == base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError):
        return p == v


def _ip(p: str, v: str, _ctx: Mapping | None) -> bool:
    try:
        network = ipaddress.ip_network(p.strip(), strict=False)
        address = ipaddress.ip_address(v.strip())
    except ValueError:
        return False
    return address.version == network.version and address in network


def _arn(p: str, v: str, ctx: Mapping | None) -> bool:
    return arn_like(p, v, ctx)


# base operator (lower case) -> (matcher, negated)
OPERATORS: dict[str, tuple[Callable[[str, str, Mapping | None], bool], bool]] = {
    "stringequals": (_string_equals, False),
    "stringnotequals": (_string_equals, True),
    "stringequalsignorecase": (_string_equals_ignore_case, False),
    "stringnotequalsignorecase": (_string_equals_ignore_case, True),
    "stringlike": (_string_like, False),
    "stringnotlike": (_string_like, True),
    "numericequals": (_numeric(lambda a, b: a == b), False),
    "numericnotequals": (_numeric(lambda a, b: a == b), True),
    "numericlessthan": (_numeric(lambda a, b: a < b), False),
    "numericlessthanequals": (_numeric(lambda a, b: a <= b), False),
    "numericgreaterthan": (_numeric(lambda a, b: a > b), False),
    "numericgreaterthanequals": (_numeric(lambda a, b: a >= b), False),
    "dateequals": (_date(lambda a, b: a == b), False),
    "datenotequals": (_date(lambda a, b: a == b), True),
    "datelessthan": (_date(lambda a, b: a < b), False),
    "datelessthanequals": (_date(lambda a, b: a <= b), False),
    "dategreaterthan": (_date(lambda a, b: a > b), False),
    "dategreaterthanequals": (_date(lambda a, b: a >= b), False),
    "bool": (_bool, False),
    "binaryequals": (_binary, False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
    "arnequals": (_arn, False),
    "arnlike": (_arn, False),
    "arnnotequals": (_arn, True),
    "arnnotlike": (_arn, True),
}
_VARIABLE_OPERATORS = frozenset(name for name in OPERATORS if name.startswith(("string", "arn")))


@dataclass(frozen=True)
class Operator:
    """A parsed operator name: ``ForAllValues:StringLikeIfExists`` and its parts."""

    name: str
    base: str
    qualifier: str | None  # "forallvalues", "foranyvalue" or None
    if_exists: bool

    @property
    def known(self) -> bool:
        return self.base == "null" or self.base in OPERATORS


@functools.lru_cache(maxsize=1024)
def parse_operator(name: str) -> Operator:
    """Split an operator name into its set qualifier, base operator and ``IfExists``."""
    lowered = name.lower()
    qualifier = None
    for prefix in ("forallvalues:", "foranyvalue:"):
        if lowered.startswith(prefix):
            qualifier, lowered = prefix[:-1], lowered[len(prefix) :]
    if_exists = lowered.endswith("ifexists") and lowered != "ifexists"
    base = lowered.removesuffix("ifexists") if if_exists else lowered
    return Operator(name, base, qualifier, if_exists)


def _values(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        return [_text(v) for v in raw]
    return [_text(raw)]


def _request_values(context: Mapping[str, Any], key: str) -> list[str] | None:
    """The request's values for ``key``; None when the key is absent (an empty list too)."""
    value = context.get(key.lower())
    if value is None:
        return None
    values = _values(value)
    return values or None


def key_holds(
    operator: Operator, key: str, policy_values: Any, context: Mapping[str, Any], variables: bool
) -> bool:
    """Whether one ``key: values`` clause under ``operator`` holds for the request."""
    wanted = _values(policy_values)
    present = _request_values(context, key)
    if operator.base == "null":
        absent = present is None
        return any((w.lower() == "true") == absent for w in wanted)
    if not operator.known:
        return False
    matcher, negated = OPERATORS[operator.base]
    ctx = context if variables and operator.base in _VARIABLE_OPERATORS else None
    if present is None:
        if operator.if_exists or operator.qualifier == "forallvalues":
            return True
        return negated and operator.qualifier is None
    if operator.qualifier is None and isinstance(context.get(key.lower()), tuple):
        # "Multivalued context keys require a condition set operator" ("Single-valued vs.
        # multivalued context keys"): without one the clause cannot hold, negated or not.
        return False

    def one(value: str) -> bool:
        hit = any(matcher(w, value, ctx) for w in wanted)
        return not hit if negated else hit

    if operator.qualifier == "forallvalues":
        return all(one(v) for v in present)
    if operator.qualifier is None and negated:
        return all(one(v) for v in present)
    return any(one(v) for v in present)


def failing_clauses(
    condition: Any, context: Mapping[str, Any], variables: bool = True
) -> list[str]:
    """The clauses of a ``Condition`` element that do not hold, as ``Operator key`` strings.

    An empty list means the whole condition holds. A malformed element fails as a whole.
    """
    if not condition:
        return []
    if not isinstance(condition, dict):
        return ["Condition (not an object)"]
    failing = []
    for name, clauses in condition.items():
        operator = parse_operator(str(name))
        if not isinstance(clauses, dict):
            failing.append(f"{name} (not an object)")
            continue
        for key, wanted in clauses.items():
            if not key_holds(operator, str(key), wanted, context, variables):
                failing.append(f"{name} {key}")
    return failing
