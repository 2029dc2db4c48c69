"""The log panel: the ledger as it grows, one line per attributed AWS call.

Each line says when, for which trainee, which call, how it ended and as whom. The outcome
comes before the principal so that a narrow terminal still shows whether the call worked.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog

from console.model import LedgerRecord, Outcome
from console.words import clock, short_principal
from widgets.trainee_look import PRINCIPAL_STYLE

OUTCOME_STYLES = {Outcome.OK: "green", Outcome.ERROR: "bold red", Outcome.UNKNOWN: "yellow"}
KEPT_LINES = 500
# Rendering a line costs about half a millisecond: a poll that brings hundreds of records (a
# thousand trainees at full speed) writes only the newest ones, so keys stay immediate.
LINES_PER_POLL = 12


def ledger_text(record: LedgerRecord, trainee_width: int = 10) -> Text:
    """One ledger record as a styled line: time, trainee, call, outcome, principal."""
    outcome = record.outcome.value + (f" {record.error_code}" if record.error_code else "")
    text = Text.assemble((f"{clock(record.ts)} ", "bright_black"))
    text.append(f"{record.trainee:<{trainee_width}} ", style="bold")
    text.append(f"{record.service + ':' + record.operation:<26} ")
    text.append(f"{outcome:<3}", style=OUTCOME_STYLES[record.outcome])
    text.append(f" {short_principal(record.principal_arn)}", style=PRINCIPAL_STYLE)
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
        self.border_title = "Ledger: who did what"
        self.trainee_width = 10

    def on_resize(self) -> None:
        # The log follows its end; a panel above growing (a host warning) must not hide it.
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def add_records(self, records: Iterable[LedgerRecord]) -> None:
        """Append records (oldest first); of many at once, only the newest are written."""
        records = list(records)
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
            self.write(ledger_text(record, self.trainee_width))
