"""A watch's redraw that stays within the screen: ``status --watch`` on a terminal.

Frames are drawn on the terminal's alternate screen (as ``less`` and ``top`` do), cursor
home, each line cleared to its end and the rest of the screen cleared after: nothing is ever
pushed into the scrollback, however often the frame changes. A frame taller than the terminal
keeps its header and the rows that need eyes (working, failed) and ends with ``… N more``.
When the watch ends, the last frame is printed once on the normal screen, fitted the same way.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass

from console.commands.views import is_terminal

ALTERNATE_ON, ALTERNATE_OFF = "\x1b[?1049h", "\x1b[?1049l"
CURSOR_OFF, CURSOR_ON = "\x1b[?25l", "\x1b[?25h"
HOME, CLEAR_LINE_END, CLEAR_SCREEN_END = "\x1b[H", "\x1b[K", "\x1b[J"


@dataclass(frozen=True)
class Row:
    """One row of a frame; ``urgent`` rows are kept first when the frame must be cut."""

    text: str
    urgent: bool = False


def fit(head: list[str], rows: list[Row], height: int, width: int) -> list[str]:
    """``head`` and as many ``rows`` as ``height`` lines hold, each cut to ``width``.

    Urgent rows are kept before the others; kept rows stay in their order, and a last line
    says how many were left out.
    """
    room = max(height - len(head), 1)
    if len(rows) <= room:
        kept = rows
        more = []
    else:
        room -= 1
        order = sorted(range(len(rows)), key=lambda i: (not rows[i].urgent, i))[:room]
        kept = [rows[i] for i in sorted(order)]
        more = [f"… {len(rows) - len(kept)} more (`whodidthis status COURSE` lists them all)"]
    return [line[:width] for line in [*head, *(r.text for r in kept), *more]]


def terminal_size(stream) -> tuple[int, int]:
    """The size of the terminal ``stream`` draws on, as its driver says (``TIOCGWINSZ``).

    ``COLUMNS`` and ``LINES`` are read only when the stream has no size: an exported value
    left over from another shell (CI runners set them) would make every frame wrap, and a
    wrapped frame pushes its own header off the screen.
    """
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        size = shutil.get_terminal_size()
    return size.columns, size.lines


def forget_stale_size(stream=None) -> None:
    """Drop ``COLUMNS`` and ``LINES`` from the environment when ``stream`` is a terminal whose
    size its driver tells: Textual reads the variables before the terminal, so an exported
    value would pin the console to a size that is not the screen's, through every resize."""
    try:
        os.get_terminal_size((stream or sys.stdout).fileno())
    except (AttributeError, OSError, ValueError):
        return
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)


class Screen:
    """Where a watch draws: in place on a terminal, else each changed frame printed once."""

    def __init__(self, stream=None, redraw: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.redraw = is_terminal(self.stream) if redraw is None else redraw
        self._entered = False
        self._last: tuple[list[str], list[Row]] | None = None
        self._shown: str | None = None

    def show(self, head: list[str], rows: list[Row], *, separator: str = "") -> None:
        """Draw a frame; off a terminal, print it only when it differs from the last."""
        self._last = (head, rows)
        if not self.redraw:
            text = "\n".join([*head, *(r.text for r in rows)])
            if text != self._shown:
                self._shown = text
                print(text + separator, file=self.stream, flush=True)
            return
        if not self._entered:
            self._entered = True
            self.stream.write(ALTERNATE_ON + CURSOR_OFF)
        width, height = terminal_size(self.stream)
        lines = fit(head, rows, height, width)
        self.stream.write(
            HOME + "\n".join(line + CLEAR_LINE_END for line in lines) + CLEAR_SCREEN_END
        )
        self.stream.flush()

    def close(self) -> None:
        """Leave the alternate screen and print the last frame once, one line short of the
        terminal's height (the shell's prompt comes after it)."""
        if not self._entered:
            return
        self.stream.write(CURSOR_ON + ALTERNATE_OFF)
        if self._last is not None:
            width, height = terminal_size(self.stream)
            head, rows = self._last
            self.stream.write("\n".join(fit(head, rows, height - 1, width)) + "\n")
        self.stream.flush()
