"""The orders and the filter of the trainee table: pure functions of a trainee's status."""

from __future__ import annotations

import re
from collections.abc import Callable

from console.model import TraineeState, TraineeStatus
from console.words import steps_built

SORTS = ("name", "state", "elapsed", "milestone", "error")
# By state, what needs a look first: failures, then work under way, then what is settled.
STATE_RANK = {
    state: rank
    for rank, state in enumerate(
        (
            TraineeState.FAILED,
            TraineeState.CANCELLED,
            TraineeState.TEARING_DOWN,
            TraineeState.RUNNING,
            TraineeState.ASSUMING,
            TraineeState.PENDING,
            TraineeState.READY,
            TraineeState.TORN_DOWN,
        )
    )
}


def sort_key(sort: str, status: TraineeStatus, now: float) -> tuple:
    """The order of ``sort`` (one of :data:`SORTS`); the name breaks ties."""
    if sort == "state":
        return (STATE_RANK[status.state], status.name)
    if sort == "elapsed":  # the longest first: what runs long is what to look at
        started = status.started_at
        ended = status.finished_at if status.finished_at and not status.state.is_active else now
        return (-(ended - started) if started is not None else 0.0, status.name)
    if sort == "milestone":  # the least built first
        return (steps_built(status), status.step_index or 0, status.name)
    if sort == "error":  # trainees with an error first, by its code
        return (not status.error, status.error_code or "", status.name)
    return (status.name,)


#: ``stuck>20``: on the next lab milestone for more than 20 minutes.
STUCK_WORD = re.compile(r"^stuck>(\d+(?:\.\d+)?)$", re.IGNORECASE)


def matcher(text: str) -> Callable[..., bool]:
    """What the filter line keeps: every word a regular expression (case ignored) that must
    match; ``!`` before them keeps the rows that do NOT match. A word that is not a valid
    regular expression matches as plain text.

    ``stuck>N`` keeps the trainees on their next lab milestone for more than N minutes; with
    it, the other words also match that milestone's name (``stuck>20 bucket``: stuck on the
    bucket for more than 20 minutes). The predicate takes the row's words, and its minutes on
    the next milestone (None when done or unknown) and that milestone's name.
    """
    invert = text.startswith("!")
    patterns = []
    over: float | None = None
    for word in (text[1:] if invert else text).split():
        if found := STUCK_WORD.match(word):
            over = float(found.group(1))
            continue
        try:
            patterns.append(re.compile(word, re.IGNORECASE))
        except re.error:
            patterns.append(re.compile(re.escape(word), re.IGNORECASE))
    if not patterns and over is None:
        return lambda haystack, stuck=None, milestone="": True

    def keeps(haystack: str, stuck: float | None = None, milestone: str = "") -> bool:
        if over is not None:
            haystack = f"{haystack} {milestone}"
            hit = stuck is not None and stuck > over
        else:
            hit = True
        return (hit and all(p.search(haystack) for p in patterns)) != invert

    return keeps
