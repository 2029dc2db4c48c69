"""What the headless commands show a person or a script: ``ledger``'s filters, the one updating
progress line of ``apply``/``retry``/``teardown``, and the ``n/N`` of long plans and checks.

On a terminal, progress is one line redrawn in place (counts per state and an ETA); anywhere
else (a pipe, CI, ``TERM=dumb``) it is plain lines, each printed once, only when it changes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from console.errors import UsageError
from console.model import Command, LedgerRecord, TraineeState

_DURATION = re.compile(r"^(?P<n>\d+(?:\.\d+)?)(?P<unit>[smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def is_terminal(stream=None) -> bool:
    """True when ``stream`` is an interactive terminal that can redraw a line."""
    stream = stream or sys.stdout
    if os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def parse_since(text: str, now: float) -> float:
    """``--since``: an ISO 8601 time (UTC unless it says otherwise) or a duration (``30m``).

    Raises:
        UsageError: neither, with an example of each.
    """
    match = _DURATION.match(text.strip())
    if match:
        return now - float(match["n"]) * _UNIT[match["unit"]]
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--since {text!r} is neither a time nor a duration: give an ISO 8601 time "
            "(2026-12-01T09:30:00Z) or a duration (90s, 30m, 2h, 1d)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def select_records(
    records: list[LedgerRecord],
    *,
    since: float | None = None,
    command: Command | None = None,
    tail: int | None = None,
) -> list[LedgerRecord]:
    """The records after ``since``, made for ``command`` (its trainees, while it ran), and
    only the last ``tail`` of them."""
    chosen = [r for r in records if since is None or r.ts >= since]
    if command is not None:
        start = command.claimed_at or command.created_at or 0.0
        end = command.done_at or float("inf")
        names = set(command.trainees)
        chosen = [r for r in chosen if start <= r.ts <= end and (not names or r.trainee in names)]
    if tail is not None:
        chosen = chosen[-tail:] if tail > 0 else []
    return chosen


def find_command(commands: list[Command], command_id: int) -> Command:
    for command in commands:
        if command.id == command_id:
            return command
    known = ", ".join(str(c.id) for c in commands[-5:]) or "none yet"
    raise UsageError(
        f"there is no command {command_id} in this course's queue (the latest: {known}); "
        "`whodidthis status COURSE` names the running one"
    )


def counts_words(states: list[TraineeState]) -> str:
    """``5 READY · 2 RUNNING · 1 FAILED``, in the order of the states."""
    counted = Counter(states)
    return " · ".join(f"{counted[s]} {s.value}" for s in TraineeState if counted[s])


@dataclass
class Progress:
    """The progress of one command: counts of its trainees per state, and an ETA.

    ``line()`` is what a terminal redraws; ``changed()`` says whether a plain-lines output
    should print again (only when the counts moved: no line twice).
    """

    total: int
    started: float = field(default_factory=time.monotonic)
    _last: str = ""

    def line(self, states: list[TraineeState], now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        done = sum(1 for s in states if s in (TraineeState.READY, TraineeState.TORN_DOWN))
        ended = sum(1 for s in states if s in (TraineeState.FAILED, TraineeState.CANCELLED))
        finished = done + ended
        elapsed = now - self.started
        eta = ""
        if 0 < finished < self.total:
            left = elapsed / finished * (self.total - finished)
            eta = f" · ETA {_short(left)}"
        return (
            f"{finished}/{self.total} finished · {counts_words(states) or 'waiting'}"
            f" · {_short(elapsed)}{eta}"
        )

    def changed(self, states: list[TraineeState]) -> str | None:
        """The plain line for ``states`` when it differs from the last one printed."""
        words = counts_words(states)
        if words == self._last:
            return None
        self._last = words
        return f"{time.strftime('%H:%M:%SZ', time.gmtime())} {words}"


def _short(seconds: float) -> str:
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    return f"{whole // 60}m{whole % 60:02d}s"


class ProgressLine:
    """Writes :class:`Progress` to stderr: redrawn in place on a terminal, else plain lines."""

    def __init__(self, total: int, stream=None) -> None:
        self.progress = Progress(total)
        self.stream = stream or sys.stderr
        self.redraw = is_terminal(self.stream)

    def show(self, states: list[TraineeState]) -> None:
        if self.redraw:
            self.stream.write("\r\x1b[2K" + self.progress.line(states))
            self.stream.flush()
            return
        line = self.progress.changed(states)
        if line:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.redraw:
            self.stream.write("\n")
            self.stream.flush()


class CountLine:
    """``checked 37/200`` on stderr while a long plan or check runs.

    Redrawn in place on a terminal; elsewhere a line at each tenth of the way (and the last),
    so a CI log shows the work moving without a line per trainee.
    """

    def __init__(self, label: str, total: int, stream=None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream or sys.stderr
        self.redraw = is_terminal(self.stream)
        self._said = 0

    def tick(self) -> None:
        self.done += 1
        if self.redraw:
            # the last count is wiped, so the result printed next starts on a clean line
            done = self.done >= self.total
            text = "" if done else f"{self.label} {self.done}/{self.total}"
            self.stream.write(f"\r\x1b[2K{text}")
            self.stream.flush()
            return
        tenth = self.done * 10 // max(self.total, 1)
        if tenth > self._said or self.done == self.total:
            self._said = tenth
            print(f"{self.label} {self.done}/{self.total}", file=self.stream, flush=True)

    def close(self) -> None:
        """Leaves the terminal's line clean for what comes next."""
        if self.redraw and self.done:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
