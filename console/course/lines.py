"""Which line of a TOML document each table, key and array item starts on.

``tomllib`` returns values without positions, yet every course-file message must name a line.
This scanner walks a document that ``tomllib`` has already accepted and records, for each key
path, the line it appears on. Paths use the parsed document's shape: an array of tables
contributes its 0-based index, so the third ``[[trainee]]``'s account is
``("trainee", 2, "account")`` and the second item of a step's list is
``("step", 0, "policy_arns", 1)``.

It is a structural scanner, not a parser: it trusts the document to be valid TOML and, should it
meet something it does not follow, stops and keeps the lines found so far (a missing line falls
back to the enclosing table's, never to an exception).
"""

from __future__ import annotations

import bisect
import contextlib
import tomllib

Key = str | int
KeyPath = tuple[Key, ...]

_BLANK = " \t\r"
_SCALAR_END = ",]}#\n"


class LineMap:
    """Lines of key paths, with a fallback to the nearest enclosing path that has one."""

    def __init__(self, lines: dict[KeyPath, int]):
        self._lines = dict(lines)

    def line_of(self, path: KeyPath) -> int:
        """The line ``path`` starts on, else its nearest recorded ancestor's, else 1."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1

    def has(self, path: KeyPath) -> bool:
        """True when ``path`` itself was found in the document."""
        return tuple(path) in self._lines


def find_lines(text: str) -> LineMap:
    """Scan ``text`` (valid TOML) and map each table, key and array item to its line."""
    scanner = _Scanner(text)
    # On a surprise keep what was found: a coarser line beats no message at all.
    with contextlib.suppress(_Lost, IndexError, RecursionError):
        scanner.run()
    return LineMap(scanner.found)


class _Lost(Exception):
    """The scanner met something it does not follow."""


class _Scanner:
    """A cursor over the document that records where keys start."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.found: dict[KeyPath, int] = {}
        self._newlines = [i for i, c in enumerate(text) if c == "\n"]
        self._table: KeyPath = ()
        self._array_tables: dict[KeyPath, int] = {}  # [[a.b]] path -> how many seen

    def line(self) -> int:
        return bisect.bisect_left(self._newlines, self.pos) + 1

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def record(self, path: KeyPath) -> None:
        self.found.setdefault(path, self.line())

    def run(self) -> None:
        while True:
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return
            if self.peek(2) == "[[":
                self.header(array=True)
            elif self.peek() == "[":
                self.header(array=False)
            else:
                self.key_value(self._table)

    def skip_blank(self, newlines: bool) -> None:
        """Skip spaces, comments and (when allowed) newlines."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in _BLANK or (newlines and char == "\n"):
                self.pos += 1
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def header(self, array: bool) -> None:
        """``[a.b]`` or ``[[a.b]]``: resolve it through earlier arrays of tables and record it."""
        line_start = self.pos
        self.pos += 2 if array else 1
        keys = self.keys()
        self.pos += 2 if array else 1
        path: KeyPath = ()
        for key in keys[:-1]:
            path += (key,)
            if path in self._array_tables:
                path += (self._array_tables[path] - 1,)
        path += (keys[-1],)
        saved, self.pos = self.pos, line_start
        self.record(path)
        if array:
            count = self._array_tables.get(path, 0) + 1
            self._array_tables[path] = count
            path += (count - 1,)
            self.record(path)
        self.pos = saved
        self._table = path

    def keys(self) -> list[str]:
        """A dotted key (``a."b c".d``), stopping before ``=`` or ``]``."""
        keys = []
        while True:
            self.skip_blank(newlines=False)
            keys.append(self.key())
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return keys
            self.pos += 1

    def key(self) -> str:
        start = self.pos
        char = self.peek()
        if char in ("'", '"'):
            self.string()
            raw = self.text[start : self.pos]
            try:
                return tomllib.loads(f"k = {raw}")["k"]
            except tomllib.TOMLDecodeError as exc:
                raise _Lost(raw) from exc
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.peek() in "_-"):
            self.pos += 1
        if self.pos == start:
            raise _Lost(f"no key at {start}")
        return self.text[start : self.pos]

    def key_value(self, table: KeyPath) -> None:
        """``a.b = value`` inside ``table``: record each key level, then the value's insides."""
        start = self.pos
        keys = self.keys()
        saved, self.pos = self.pos, start
        path = table
        for key in keys:
            path += (key,)
            self.record(path)
        self.pos = saved
        if self.peek() != "=":
            raise _Lost(f"no '=' at {self.pos}")
        self.pos += 1
        self.skip_blank(newlines=False)
        self.value(path)

    def value(self, path: KeyPath) -> None:
        char = self.peek()
        if char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        elif char in ("'", '"'):
            self.string()
        else:
            start = self.pos
            while self.pos < len(self.text) and self.text[self.pos] not in _SCALAR_END:
                self.pos += 1
            if self.pos == start:
                raise _Lost(f"no value at {start}")

    def array(self, path: KeyPath) -> None:
        self.pos += 1
        index = 0
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "]":
                self.pos += 1
                return
            self.record(path + (index,))
            self.value(path + (index,))
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.pos += 1
                index += 1
            elif self.peek() != "]":
                raise _Lost(f"array at {self.pos}")

    def inline_table(self, path: KeyPath) -> None:
        self.pos += 1
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "}":
                self.pos += 1
                return
            self.key_value(path)
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != "}":
                raise _Lost(f"inline table at {self.pos}")

    def string(self) -> None:
        """Skip one string of any of TOML's four kinds."""
        quote = self.peek()
        if self.peek(3) == quote * 3:
            self.pos += 3
            self._skip_to_close(quote * 3, escapes=quote == '"')
            extra = 0
            while extra < 2 and self.peek() == quote:  # """a"""" ends in a quote of the content
                self.pos += 1
                extra += 1
            return
        self.pos += 1
        self._skip_to_close(quote, escapes=quote == '"')

    def _skip_to_close(self, close: str, escapes: bool) -> None:
        while self.pos < len(self.text):
            if escapes and self.text[self.pos] == "\\":
                self.pos += 2
            elif self.text.startswith(close, self.pos):
                self.pos += len(close)
                return
            else:
                self.pos += 1
        raise _Lost("unterminated string")
