"""A small TOML writer for the property tests (no TOML writer is a dependency).

It writes any document tomllib could return (strings, ints, floats, bools, lists, tables) and
remembers the line each key path was written on, so tests can check the line of a message.
"""

from __future__ import annotations

import math
import re

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(text: str) -> str:
    """A basic string: quotes, backslashes and every control character escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if _BARE.fullmatch(key) else toml_string(key)


def toml_value(value: object) -> str:
    """Any value on one line (lists as arrays, tables as inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def _is_array_of_tables(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def to_toml(doc: dict) -> tuple[str, dict[tuple, int]]:
    """``doc`` as TOML text (tables as headers) and the line each key path was written on."""
    out: list[str] = []
    lines: dict[tuple, int] = {}

    def emit(text: str, path: tuple | None = None) -> None:
        out.append(text)
        if path is not None:
            lines[path] = len(out)

    def body(table: dict, path: tuple) -> None:
        for key, value in table.items():
            emit(f"{toml_key(key)} = {toml_value(value)}", path + (key,))

    plain = {k: v for k, v in doc.items() if not isinstance(v, dict) and not _is_array_of_tables(v)}
    body(plain, ())
    for key, value in doc.items():
        if isinstance(value, dict):
            emit("")
            emit(f"[{toml_key(key)}]", (key,))
            body(value, (key,))
        elif _is_array_of_tables(value):
            for index, table in enumerate(value):
                emit("")
                emit(f"[[{toml_key(key)}]]", (key, index))
                body(table, (key, index))
    return "\n".join(out) + "\n", lines
