"""IAM's wildcard patterns and policy variables, compiled once and matched many times.

A pattern (an ``Action``, a ``Resource``, a ``StringLike`` value) knows two wildcards, ``*`` (any
run of characters) and ``?`` (one character); nothing else is special. In a policy of version
``2012-10-17`` a pattern may hold variables, ``${aws:username}`` or ``${aws:PrincipalTag/team,
'none'}``, resolved from the request context, and the escapes ``${*}``, ``${?}`` and ``${$}``,
which stand for the literal characters. A variable with no value and no default makes the pattern
match nothing, as AWS documents ("the policy variable ... the statement does not match").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

VERSION_WITH_VARIABLES = "2012-10-17"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'([^']*)'\s*$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}
_SPECIAL = re.compile(r"[*?]|\$\{")


class Unresolved(LookupError):
    """A policy variable names a key the request does not carry (and gives no default)."""


def _literal(text: str, wildcards: bool) -> str:
    if not wildcards:
        return re.escape(text)
    return "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)


def resolve(text: str, context: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """``text`` split into (piece, is_pattern) parts with its variables replaced by values.

    Raises:
        Unresolved: a variable has no value in ``context`` and no default.
    """
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        parts.append((text[position : match.start()], True))
        parts.append((_variable_value(match.group(1), context), False))
        position = match.end()
    parts.append((text[position:], True))
    return parts


def _variable_value(body: str, context: Mapping[str, Any]) -> str:
    if body in _ESCAPES:
        return _ESCAPES[body]
    default = None
    if match := _DEFAULT.match(body):
        body, default = match.group(1), match.group(2)
    value = context.get(body.strip().lower())
    if isinstance(value, str):
        return value
    if default is not None:
        return default
    raise Unresolved(body)


@functools.lru_cache(maxsize=8192)
def _static_regex(pattern: str, case_sensitive: bool) -> re.Pattern:
    return re.compile(_literal(pattern, True), 0 if case_sensitive else re.IGNORECASE)


def any_of(patterns: tuple[str, ...], case_sensitive: bool = True) -> re.Pattern:
    """One compiled regex matching any of ``patterns`` (no variables): one match per test."""
    return _any_of(tuple(patterns), case_sensitive)


@functools.lru_cache(maxsize=8192)
def _any_of(patterns: tuple[str, ...], case_sensitive: bool) -> re.Pattern:
    regex = "|".join(f"(?:{_literal(p, True)})" for p in patterns) or "(?!)"
    return re.compile(regex, 0 if case_sensitive else re.IGNORECASE)


def glob(
    pattern: str,
    value: str,
    *,
    case_sensitive: bool = True,
    context: Mapping[str, Any] | None = None,
) -> bool:
    """Whether ``value`` matches the IAM wildcard ``pattern`` (variables from ``context``)."""
    if context is None or "${" not in pattern:
        if case_sensitive and not _SPECIAL.search(pattern):
            return pattern == value
        return _static_regex(pattern, case_sensitive).fullmatch(value) is not None
    try:
        parts = resolve(pattern, context)
    except Unresolved:
        return False
    regex = "".join(_literal(piece, wild) for piece, wild in parts)
    return re.fullmatch(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def substitute(text: str, context: Mapping[str, Any] | None) -> str | None:
    """``text`` with its variables replaced (no wildcards); None if one cannot be resolved."""
    if context is None or "${" not in text:
        return text
    try:
        return "".join(piece for piece, _ in resolve(text, context))
    except Unresolved:
        return None


def arn_like(pattern: str, value: str, context: Mapping[str, Any] | None = None) -> bool:
    """``ArnLike``/``ArnEquals``: each of the six colon-separated parts matched on its own."""
    if not _SPECIAL.search(pattern):
        return pattern == value and value.count(":") >= 5
    pattern_parts = pattern.split(":", 5)
    value_parts = value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(glob(p, v, context=context) for p, v in zip(pattern_parts, value_parts, strict=True))
