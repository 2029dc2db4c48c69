"""What every view's context line shows, and which command the live run serves."""

from __future__ import annotations

import datetime as dt

from console import __version__
from console.model import Command
from widgets.context_line import Context


def serving_command(store, run: dict) -> Command | None:
    """The command a run serves (runs do not record it): the latest claimed, unfinished
    command of the run's kind."""
    claimed = [
        command
        for command in store.pending_commands()
        if command.claimed_at is not None and command.kind.value == run["kind"]
    ]
    return claimed[-1] if claimed else None


def context_of(app, sort: str, active: list[str]) -> Context:
    """The context line's facts now; ``active`` are the trainees being worked on, whose
    sessions may expire first."""
    now = app.now()
    expires_in, what = None, ""
    host = app.host
    if host is not None and host.expires_at is not None:
        expires_in = host.seconds_left(dt.datetime.fromtimestamp(now, dt.UTC))
        what = "host exp"
    session_end = app.pace.earliest_session_end(active)
    if session_end is not None and (expires_in is None or session_end - now < expires_in):
        expires_in, what = session_end - now, "sess exp"
    return Context(
        course=app.course.name,
        region=app.course.region,
        endpoint=app.endpoint,
        version=__version__,
        read_only=app.read_only,
        sort=sort,
        calls_per_second=app.pace.calls_per_second(now),
        throttles_per_minute=app.pace.throttles_per_minute(now),
        expires_in=expires_in,
        expires_what=what,
    )
