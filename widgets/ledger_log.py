"""The log panel: the ledger as it grows, one line per attributed AWS call.

Each line says when, for which trainee, which call, how it ended and as whom. The outcome
comes before the principal so that a narrow terminal still shows whether the call worked.
Reads (AssumeRole, GetCallerIdentity, Describe/Get/List) stay in the ledger for attribution
but are hidden here unless asked for: half of a build's records are reads, and they would
push the changes, the "who did what", off the panel.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from rich.text import Text
from textual import events
from textual.widgets import RichLog

from console.model import LedgerRecord, Outcome
from console.words import clock, is_read, outcome_words, short_principal
from widgets.trainee_look import PRINCIPAL_STYLE

OUTCOME_STYLES = {Outcome.OK: "green", Outcome.ERROR: "bold red", Outcome.UNKNOWN: "yellow"}
IN_FLIGHT_STYLE = "italic cyan"
KEPT_LINES = 500
# Rendering a line costs about half a millisecond: a poll that brings hundreds of records (a
# thousand trainees at full speed) writes only the newest ones, so keys stay immediate.
LINES_PER_POLL = 12


def outcome_text(record: LedgerRecord, holder: dict | None = None) -> Text:
    """``ok``, ``error AccessDenied``, ``in flight`` (an engine alive holds the call) or
    ``unknown`` (no engine alive to answer it: lost in a crash)."""
    words = outcome_words(record, holder)
    style = IN_FLIGHT_STYLE if words == "in flight" else OUTCOME_STYLES[record.outcome]
    return Text(words, style=style)


def ledger_text(record: LedgerRecord, trainee_width: int = 10, holder: dict | None = None) -> Text:
    """One ledger record as a styled line: time, trainee, call, outcome, principal."""
    text = Text.assemble((f"{clock(record.ts)} ", "bright_black"))
    text.append(f"{record.trainee:<{trainee_width}} ", style="bold")
    text.append(f"{record.service + ':' + record.operation:<26} ")
    text.append_text(outcome_text(record, holder))
    text.append(f" {short_principal(record.acting.principal_arn)}", style=PRINCIPAL_STYLE)
    return text


class LedgerLog(RichLog):
    """The latest ledger records, newest at the bottom, following the end while it grows."""

    DEFAULT_CSS = """
    LedgerLog {
        height: 1fr;
        min-height: 4;
        border-top: solid $primary 50%;
        border-title-color: $text-muted;
        background: $surface;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=KEPT_LINES, wrap=False, markup=False, auto_scroll=True)
        self.trainee_width = 10
        self.show_reads = False
        self.holder: dict | None = None
        self._kept: deque[LedgerRecord] = deque(maxlen=KEPT_LINES)
        self._title()

    def on_resize(self, event: events.Resize) -> None:
        # The log follows its end; a panel above growing (a host warning) must not hide it.
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def toggle_reads(self) -> bool:
        """Show the reads too, or hide them again; the panel is written anew. Returns the
        new setting."""
        self.show_reads = not self.show_reads
        self.clear()
        self._write(list(self._kept))
        self._title()
        return self.show_reads

    def add_records(self, records: Iterable[LedgerRecord], holder: dict | None = None) -> None:
        """Append records (oldest first); of many at once, only the newest are written."""
        self.holder = holder
        records = list(records)
        self._kept.extend(records)
        self._write(records)
        self._title()

    def _write(self, records: list[LedgerRecord]) -> None:
        if not self.show_reads:
            records = [record for record in records if not is_read(record)]
        skipped = len(records) - LINES_PER_POLL
        if skipped > 0:
            self.write(
                Text(
                    f"… {skipped} more records (whodidthis ledger COURSE shows all)",
                    style="bright_black italic",
                )
            )
            records = records[skipped:]
        for record in records:
            self.write(ledger_text(record, self.trainee_width, self.holder))

    def _title(self) -> None:
        if self.show_reads:
            self.border_title = "Ledger: every call, reads too (L hides them)"
        else:
            hidden = sum(1 for record in self._kept if is_read(record))
            self.border_title = f"Ledger: changes ({hidden} reads hidden, L shows)"
