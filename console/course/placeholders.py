"""``{trainee}``, ``{course}`` and ``{account}`` in step parameters: checking and rendering.

The syntax is deliberately smaller than ``str.format``: a placeholder is ``{name}`` with one of
the three names, ``{{`` and ``}}`` are literal braces, and nothing else is special. There is no
attribute access or format spec, so a course file cannot reach into Python objects.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping

from console.course.schema import PLACEHOLDERS

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
ALLOWED_TEXT = "use {trainee}, {course} or {account}, or write {{ or }} for a literal brace"


def _tokens(text: str) -> Iterator[re.Match[str]]:
    return _TOKEN.finditer(text)


def has_placeholders(text: str) -> bool:
    """True when ``text`` contains at least one ``{name}`` placeholder."""
    return any(m.group(1) is not None for m in _tokens(text))


def placeholder_problems(text: str) -> list[tuple[str, str]]:
    """What is wrong with the placeholders in ``text``, as (what is wrong, what to do) pairs."""
    problems = []
    for match in _tokens(text):
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}") or name in PLACEHOLDERS:
            continue
        if name is None:
            todo = 'close it with "}"' if token == "{" else 'open it with "{"'
            problems.append(
                (
                    f'unbalanced "{token}" at character {match.start() + 1}',
                    f'{todo}, or write "{token * 2}" for a literal "{token}"',
                )
            )
        elif name == "":
            problems.append(("empty placeholder {}", ALLOWED_TEXT))
        else:
            close = difflib.get_close_matches(name, PLACEHOLDERS, n=1)
            hint = f"did you mean {{{close[0]}}}? " if close else ""
            problems.append((f'unknown placeholder "{token}"', hint + ALLOWED_TEXT))
    return problems


def render_text(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each placeholder replaced from ``values`` and ``{{``/``}}`` unescaped.

    Assumes ``text`` passed ``placeholder_problems``; an unknown name is left as it was.
    """

    def replace(match: re.Match[str]) -> str:
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            return token[0]
        if name is not None:
            return values.get(name, token)
        return token

    return _TOKEN.sub(replace, text)


def render_value(value: object, values: Mapping[str, str]) -> object:
    """``value`` with every string in it rendered, recursing into lists and tables."""
    if isinstance(value, str):
        return render_text(value, values)
    if isinstance(value, list):
        return [render_value(item, values) for item in value]
    if isinstance(value, dict):
        return {key: render_value(item, values) for key, item in value.items()}
    return value
