"""The summary line: trainees per state, what the view hides, and the run attached to."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from console.model import Command, TraineeState, TraineeStatus
from console.words import STATE_SYMBOLS
from widgets.trainee_look import STATE_STYLES, elapsed_words

FINISHED = (TraineeState.READY, TraineeState.FAILED, TraineeState.TORN_DOWN, TraineeState.CANCELLED)


@dataclass(frozen=True)
class ViewNote:
    """What the table shows besides everything: a filter, failures only, pinning, marks."""

    filter_text: str = ""
    failures_only: bool = False
    pinned: bool = False
    marked: int = 0
    shown: int = 0


def run_words(
    run: dict | None,
    engine: dict | None,
    statuses: list[TraineeStatus],
    now: float,
    command: Command | None = None,
) -> str:
    """``apply #3 by alice 7/12 · ETA 1m05s · 2m10s · pid 42``: the run the console is attached
    to (its command, kind and operator), or what the engine is doing instead."""
    if run is None:
        return f"engine pid {engine['pid']} idle" if engine else "no engine running"
    started = run["started_at"]
    total = len(run["trainees"])
    finished = sum(
        1
        for s in statuses
        if s.state in FINISHED and s.name in run["trainees"] and (s.finished_at or 0) >= started
    )
    who = command.operator.name if command is not None and command.operator else run["operator"]
    number = f" #{command.id}" if command is not None else ""
    return (
        f"{run['kind']}{number} by {who or '?'} {finished}/{total} · "
        f"ETA {eta_words(finished, total, now - started)} · {elapsed_words(now - started)} · "
        f"pid {engine['pid'] if engine else '?'}"
    )


def eta_words(finished: int, total: int, seconds: float) -> str:
    """How long the rest takes at the pace so far: ``1m05s``, ``?`` before the first finishes."""
    if finished >= total:
        return "0s"
    if finished == 0 or seconds <= 0:
        return "?"
    return elapsed_words((total - finished) * seconds / finished)


class SummaryBar(Static):
    """One line under the table: counts per state (symbol, count, word), the view, the run."""

    _shown: Text | None = None

    DEFAULT_CSS = """
    SummaryBar {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def show(self, statuses: Iterable[TraineeStatus], view: ViewNote, run_text: str) -> None:
        """Repaint with the latest rows, the table's view and the run in words.

        When the line would not fit, the counts drop their words (the symbols stay, and the
        table beside says each word): the view and the run stay readable at 80 columns.
        """
        counts = Counter(status.state for status in statuses)
        notes = _view_words(view, sum(counts.values()))
        for words, gap in ((True, "  "), (True, " "), (False, " ")):
            text = _counts_text(counts, words, gap)
            for note in notes:
                text.append(f"[{note}] ", style="bold yellow")
            text.append(run_text, style="bright_black")
            if text.cell_len <= self.size.width - 2 or not self.size.width:
                break
        if text != self._shown:
            self._shown = text
            self.update(text, layout=False)  # always one line: no layout of the screen


def _counts_text(counts: Counter, words: bool, gap: str) -> Text:
    text = Text()
    for state in TraineeState:
        if counts[state]:
            label = (
                f"{STATE_SYMBOLS[state]} {counts[state]} {state.value}{gap}"
                if words
                else f"{STATE_SYMBOLS[state]}{counts[state]}{gap}"
            )
            text.append(label, style=STATE_STYLES[state])
    if not counts:
        text.append("no trainees  ")
    return text


def _view_words(view: ViewNote, total: int) -> list[str]:
    notes = []
    if view.failures_only:
        notes.append("failures only")
    if view.filter_text:
        notes.append(f"filter {view.filter_text!r}")
    if view.shown != total:
        notes.append(f"{view.shown}/{total} shown")
    if view.pinned:
        notes.append("failures on top")
    if view.marked:
        notes.append(f"{view.marked} marked")
    return notes
