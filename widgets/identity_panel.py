"""The identity panel: who is acting, always on screen (docs/architecture.md, "Principles", 2).

Two parts: the host (its ARN, where its credentials come from in words, how long they last) and
the selected trainee (the assumed-role ARN, the session name, the source identity, and its last
action with the principal that performed it). A problem with the host's identity turns the
panel red and says what is wrong: the story's stored keys must be impossible to miss.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from console.model import LedgerRecord, Operator, TraineeStatus
from console.words import clock, operator_words, short_principal
from widgets.trainee_look import PRINCIPAL_STYLE, state_text, time_left_words

if TYPE_CHECKING:  # botocore, under it, costs 0.2 s of start-up: keep it off the path
    from console.aws.identity import HostIdentity

LABEL_WIDTH = 12


class IdentityPanel(Static):
    """The host's identity and the selected trainee's session, in four lines or a warning."""

    DEFAULT_CSS = """
    IdentityPanel {
        height: auto;
        max-height: 12;
        padding: 0 1;
        background: $boost;
    }
    IdentityPanel.-problem {
        background: $error 30%;
        border-left: thick $error;
    }
    """

    class Resized(Message):
        """The panel's height changed: what is drawn over it (the toasts) may need to fit again."""

    def on_resize(self, _event: events.Resize) -> None:
        self.post_message(self.Resized())

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._host: HostIdentity | None = None
        self._host_error: str | None = None
        self._now = 0.0
        self._trainee: TraineeStatus | None = None
        self._record: LedgerRecord | None = None
        self._operator: Operator | None = None
        self._painted: tuple | None = None
        self._shape: tuple | None = None

    def show_host(self, host: HostIdentity | None, now: float, error: str | None = None) -> None:
        """The host identity as resolved (None while resolving), or why it could not be."""
        self._host, self._host_error, self._now = host, error, now
        self.set_class(bool(error or (host and host.problems)), "-problem")
        self._paint()

    def show_operator(self, operator: Operator | None) -> None:
        """Who this console acts for, and how that is known (an SSM session's owner...)."""
        self._operator = operator
        self._paint()

    def show_trainee(self, status: TraineeStatus | None, record: LedgerRecord | None) -> None:
        """The selected trainee and its latest ledger record (None when not known)."""
        self._trainee, self._record = status, record
        self._paint()

    def tick(self, now: float) -> None:
        """Count the host's credential lifetime down."""
        self._now = now
        if self._host is not None and self._host.expires_at is not None:
            self._paint()

    def _paint(self) -> None:
        # Every store change asks for a repaint; most change nothing here, and an update of
        # this auto-height panel costs a layout of the whole screen.
        host = self._host
        left = host.seconds_left(dt.datetime.fromtimestamp(self._now, dt.UTC)) if host else None
        key = (
            host,
            self._host_error,
            self._trainee,
            self._record,
            self._operator,
            time_left_words(left) if host else None,
        )
        if key == self._painted:
            return
        self._painted = key
        grid = Table.grid(padding=(0, 1), expand=True)
        name = self._trainee.name if self._trainee else ""
        grid.add_column(
            width=min(max(4, len(name)), LABEL_WIDTH), no_wrap=True, overflow="ellipsis"
        )
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for label, value in (*self._host_lines(), *self._trainee_lines()):
            grid.add_row(label, value)
        # Problems wrap in full under the grid: a warning cut short would not be read.
        problems = [
            Text.assemble((" ⚠ PROBLEM ", "bold reverse red"), " ", (problem, "bold"))
            for problem in self._problems()
        ]
        # A layout of the screen only when the panel's height may change.
        shape = (grid.row_count, tuple(problems))
        self.update(Group(*problems, grid) if problems else grid, layout=shape != self._shape)
        self._shape = shape

    def _host_lines(self) -> list[tuple[Text, Text]]:
        label = Text("Host", style="bold")
        host = self._host
        if self._host_error:
            return [(label, Text("identity unknown", style="bold red"))]
        if host is None:
            return [(label, Text("resolving the host identity…", style="italic"))]
        arn = Text(host.arn or "no principal (STS did not answer)", style="bold")
        now = dt.datetime.fromtimestamp(self._now, dt.UTC)
        details = Text(host.source_words)
        details.append(f" · {host.key_type or 'no'} keys")
        details.append(f" · {time_left_words(host.seconds_left(now))}")
        if host.overridden:
            details.append(" · --allow-long-term-keys", style="bold yellow")
        lines = [(label, arn), (Text(""), details)]
        if self._operator is not None:
            who = Text(self._operator.name, style="bold")
            who.append(f" · {operator_words(self._operator)}")
            lines.append((Text("You", style="bold"), who))
        return lines

    def _trainee_lines(self) -> list[tuple[Text, Text]]:
        status = self._trainee
        if status is None:
            return [(Text(""), Text("no trainee selected", style="italic"))]
        label = Text(status.name, style="bold")
        if status.principal_arn:
            arn = Text(status.principal_arn, style=PRINCIPAL_STYLE)
        else:
            arn = Text.assemble(state_text(status.state), ("  no session yet", "italic"))
        lines = [(label, arn)]
        if status.session_name:
            lines.append(
                (
                    Text(""),
                    Text(
                        f"session {status.session_name} · source identity "
                        f"{status.source_identity or 'none'}"
                    ),
                )
            )
        lines.append((Text(""), self._last_action(status)))
        return lines

    def _last_action(self, status: TraineeStatus) -> Text:
        record = self._record
        if record is None:
            return Text(f"last: {status.last_action or 'nothing yet'}")
        text = Text()
        if status.state.is_active and status.last_action:
            # What the engine does now (a wait, a retry of a limit error) before the last
            # call that completed: a long retry is on screen as it happens.
            text.append(f"now {status.last_action}", style="bold cyan")
            text.append(" · ")
        outcome = record.outcome.value + (f" {record.error_code}" if record.error_code else "")
        text.append(f"last {clock(record.ts)} {record.service}:{record.operation} ")
        text.append(outcome, style="green" if outcome == "ok" else "bold red")
        text.append(f" by {short_principal(record.acting.principal_arn) or 'unknown'}")
        if record.operator:
            text.append(f" for {record.operator.name}")
        return text

    def _problems(self) -> list[str]:
        if self._host_error:
            return [self._host_error]
        return list(self._host.problems) if self._host else []
