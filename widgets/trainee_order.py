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


def matcher(text: str) -> Callable[[str], bool]:
    """What the filter line keeps: every word a regular expression (case ignored) that must
    match; ``!`` before them keeps the rows that do NOT match. A word that is not a valid
    regular expression matches as plain text."""
    invert = text.startswith("!")
    patterns = []
    for word in (text[1:] if invert else text).split():
        try:
            patterns.append(re.compile(word, re.IGNORECASE))
        except re.error:
            patterns.append(re.compile(re.escape(word), re.IGNORECASE))
    if not patterns:
        return lambda haystack: True
    return lambda haystack: all(p.search(haystack) for p in patterns) != invert
