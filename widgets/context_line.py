"""The context line on top of every main view: which course, where, against what, how fast.

Course, region, AWS or the sandbox, the version, a read-only badge, the sort, then the pace of
the run: AWS calls per second, throttled attempts per minute, and the earliest expiry among
the host's session and the trainees' sessions. At 80 columns the parts that do not fit give
way from the least needed (the version first), never the course or the badge.
"""

from __future__ import annotations

import ipaddress
import os
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

from rich.text import Text
from textual.widgets import Static

from console.model import LedgerRecord, Outcome
from widgets.trainee_look import elapsed_words

CALL_WINDOW = 10.0  # seconds of calls a rate is taken over: steady, yet quick to fall to 0
THROTTLE_WINDOW = 60.0
# A trainee session lasts an hour: role chaining caps AssumeRole's DurationSeconds at 3600
# (IAM User Guide, "Role chaining"; console.aws.sessions.MAX_DURATION). It refreshes itself
# while the engine works, so what matters is the latest AssumeRole of each trainee.
SESSION_SECONDS = 3600.0
THROTTLE_WORDS = ("Throttl", "LimitExceeded", "TooManyRequests", "RequestLimitExceeded")


def endpoint_words(environ: Mapping[str, str] | None = None) -> str:
    """``sandbox`` when ``AWS_ENDPOINT_URL`` points at this machine (the stand-in), else
    ``AWS`` (an endpoint elsewhere is named, since it is neither)."""
    env = os.environ if environ is None else environ
    url = env.get("AWS_ENDPOINT_URL", "").strip()
    if not url:
        return "AWS"
    host = urlparse(url if "://" in url else f"http://{url}").hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return "sandbox"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return "sandbox"
    except ValueError:
        pass
    return f"endpoint {host}"


def is_throttle(code: str | None) -> bool:
    """True for an AWS error code that says "slow down" (Throttling, LimitExceeded...)."""
    return code is not None and any(word in code for word in THROTTLE_WORDS)


@dataclass
class Pace:
    """AWS calls per second and throttled attempts per minute, from the ledger as it grows.

    A call retried by botocore keeps every attempt's request id (``attempt_request_ids``):
    each attempt beyond the answered one was refused, by a limit almost always.
    """

    calls: deque = field(default_factory=deque)
    throttles: deque = field(default_factory=deque)
    sessions: dict[str, float] = field(default_factory=dict)

    def take(self, records: Iterable[LedgerRecord]) -> None:
        for record in records:
            if record.outcome == Outcome.UNKNOWN:
                continue  # counted when it completes
            self.calls.append(record.ts)
            retries = max(0, len(record.attempt_request_ids) - 1)
            retries += is_throttle(record.error_code)
            self.throttles.extend([record.ts] * retries)
            if record.operation == "AssumeRole" and record.outcome == Outcome.OK:
                self.sessions[record.trainee] = record.ts

    def calls_per_second(self, now: float) -> float:
        _drop_before(self.calls, now - CALL_WINDOW)
        return len(self.calls) / CALL_WINDOW

    def throttles_per_minute(self, now: float) -> int:
        _drop_before(self.throttles, now - THROTTLE_WINDOW)
        return len(self.throttles)

    def earliest_session_end(self, active: Iterable[str]) -> float | None:
        """When the first session of the trainees being worked on ends, unless it refreshes."""
        ends = [self.sessions[name] + SESSION_SECONDS for name in active if name in self.sessions]
        return min(ends, default=None)


def _drop_before(times: deque, cutoff: float) -> None:
    while times and times[0] < cutoff:
        times.popleft()


@dataclass(frozen=True)
class Context:
    """What the line shows: fixed facts of the console, then the live pace."""

    course: str
    region: str
    endpoint: str
    version: str
    read_only: bool = False
    sort: str = "name"
    calls_per_second: float = 0.0
    throttles_per_minute: int = 0
    expires_in: float | None = None  # seconds until the earliest session expiry
    expires_what: str = ""


def context_text(context: Context, width: int) -> Text:
    """The line for ``width`` cells: parts join by priority while they fit, in display order.

    The sort is named once it is not the default (by name); the badge, the course and where
    it runs never give way.
    """
    sandbox = context.endpoint != "AWS"
    parts: list[tuple[int, Text]] = [
        (0, Text(context.course, style="bold reverse")),
        (0, Text(context.endpoint, style="bold reverse yellow" if sandbox else "bold green")),
        (1, Text(context.region)),
    ]
    if context.read_only:
        parts.append((0, Text("READ-ONLY", style="bold reverse yellow")))
    if context.sort != "name":
        parts.append((1, Text(f"sort:{context.sort}", style="bold cyan")))
    throttled = context.throttles_per_minute
    parts.append((2, Text(f"{throttled} thr/min", style="bold red" if throttled else "")))
    parts.append((3, Text(f"{context.calls_per_second:.1f} call/s")))
    if context.expires_in is not None:
        left = expiry_words(context.expires_in)
        soon = context.expires_in < 600
        parts.append((2, Text(f"{context.expires_what} {left}", style="bold red" if soon else "")))
    parts.append((4, Text(f"v{context.version}", style="bright_black")))
    return _fit(parts, width)


def expiry_words(seconds: float) -> str:
    """``5h58m``, ``59m``, ``9m05s`` (seconds only once they count), ``now``."""
    if seconds <= 0:
        return "now"
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    if whole >= 600:
        return f"{whole // 60}m"
    return elapsed_words(whole)


def _fit(parts: list[tuple[int, Text]], width: int) -> Text:
    """The parts, in order, leaving out the lowest priorities (highest numbers) first."""
    for cutoff in sorted({priority for priority, _ in parts}, reverse=True):
        chosen = [text for priority, text in parts if priority <= cutoff]
        line = Text("  ").join(chosen)
        if not width or line.cell_len <= width:
            return line
    return line


class ContextLine(Static):
    """One line: course, region, AWS or sandbox, version, read-only badge, sort, pace."""

    DEFAULT_CSS = """
    ContextLine {
        height: 1;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    _facts: Context | None = None
    _shown: Text | None = None

    def show(self, context: Context) -> None:
        self._facts = context
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    def _paint(self) -> None:
        if self._facts is None:
            return
        text = context_text(self._facts, max(self.size.width - 2, 0))
        if text != self._shown:
            self._shown = text
            self.update(text, layout=False)
