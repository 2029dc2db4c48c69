"""One trainee in full: its state, the session acting for it, the error in full with the AWS
error code, its steps and resources, and every ledger line about it. Follows the store live.

The whole detail scrolls (up/down, page up/down, home/end): at 80x24 a long AccessDenied
message and the line that says what to do are reachable, never cut off by a box.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, RichLog, Static

from console.model import CommandKind, LedgerRecord, TraineeStatus
from console.screens.scope import ACT_WORDS, Scope, action_allowed, question_for
from console.words import clock, short_principal, what_to_do
from widgets.ledger_log import OUTCOME_STYLES
from widgets.trainee_look import (
    PRINCIPAL_STYLE,
    elapsed_of,
    progress_text,
    state_text,
    step_state_text,
)


def ledger_detail(record: LedgerRecord) -> Text:
    """A ledger record with everything: step, call, outcome, principal, request id, message."""
    outcome = record.outcome.value + (f" {record.error_code}" if record.error_code else "")
    text = Text.assemble((f"{clock(record.ts)} ", "bright_black"))
    text.append(f"{record.service}:{record.operation} ")
    text.append(outcome, style=OUTCOME_STYLES[record.outcome])
    text.append(f" {short_principal(record.principal_arn)}", style=PRINCIPAL_STYLE)
    text.append(f" {record.step or '-'} req {record.request_id or '-'}", style="bright_black")
    if record.error_message:
        text.append(f"\n         {record.error_message}", style="red")
    return text


class TraineeDetailScreen(Screen):
    """The detail of one trainee; ``r`` retries it, escape goes back."""

    BINDINGS = [
        Binding("question_mark", "app.help", "Help", id="help-detail"),
        Binding("escape", "app.pop_screen", "Back", id="back", tooltip="Back to every trainee"),
        Binding("r", "retry", "Retry", id="retry-one", tooltip="Retry this trainee (asks first)"),
        Binding("c", "cancel", "Cancel", id="cancel-one", tooltip="Stop this trainee's work"),
        Binding("down,j", "scroll('down')", "Scroll", id="scroll-down", show=False),
        Binding("up,k", "scroll('up')", "Scroll", id="scroll-up", show=False),
        Binding("q", "app.quit", "Quit", id="quit-detail"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.trainee = name
        self._shown: set[tuple[int | None, str]] = set()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action_allowed(self.app, action)

    def compose(self) -> ComposeResult:
        yield Static(id="detail-head")
        with VerticalScroll(id="detail-body"):
            yield Static(id="detail-session")
            yield Static(id="detail-milestones")
            yield Static(id="detail-error")
            yield DataTable(id="detail-steps", cursor_type="none", show_cursor=False)
            log = RichLog(id="detail-ledger", wrap=True, markup=False, max_lines=1000)
            log.border_title = "Ledger for this trainee"
            yield log
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#detail-body", VerticalScroll))
        steps = self.query_one("#detail-steps", DataTable)
        status = self.app.store.trainee(self.trainee)
        step_width = (
            max((len(f"{s.kind}:{s.name}") for s in status.steps), default=20) if status else 20
        )
        for label, key, width in (
            ("#", "index", 2),
            ("Step", "step", min(step_width, 40)),
            ("State", "state", 11),
            ("Resource or error", "what", None),
        ):
            steps.add_column(label, key=key, width=width)
        self._show(status)
        self._add_records(self.app.store.ledger(trainee=self.trainee))

    def on_whodidthis_app_store_changed(self, message) -> None:
        changes = message.changes
        for status in changes.trainees:
            if status.name == self.trainee:
                self._show(status)
        self._add_records([r for r in changes.records if r.trainee == self.trainee])

    def action_retry(self) -> None:
        self._ask(CommandKind.RETRY)

    def action_cancel(self) -> None:
        self._ask(CommandKind.CANCEL)

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#detail-body", VerticalScroll)
        body.scroll_relative(y=1 if direction == "down" else -1, animate=False)

    def _ask(self, kind: CommandKind) -> None:
        """The same rule and the same question as the main screen, for this one trainee."""
        from console.screens.confirm import ConfirmScreen

        scope = Scope((self.trainee,))

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.send_command(kind, scope.command_names())

        question = question_for(kind, self.app.course.name, scope)
        self.app.push_screen(ConfirmScreen(question, confirm=ACT_WORDS[kind]), confirmed)

    def _show(self, status: TraineeStatus | None) -> None:
        if status is None:
            self.query_one("#detail-head", Static).update(
                Text(f"{self.trainee}: not in this course any more", style="bold red")
            )
            return
        head = Text.assemble((f" {status.name} ", "bold reverse"))
        head.append(f"  account {status.account}  ")
        head.append_text(state_text(status.state))
        head.append("  step ")
        head.append_text(progress_text(status))
        head.append(f"  {elapsed_of(status, self.app.now())}")
        self.query_one("#detail-head", Static).update(head)
        self.query_one("#detail-session", Static).update(_session_grid(status))
        self._show_milestones()
        error = self.query_one("#detail-error", Static)
        error.display = bool(status.error)
        if status.error:
            message = status.error
            if status.error_code and message.startswith(f"{status.error_code}: "):
                message = message[len(status.error_code) + 2 :]
            text = Text.assemble(
                (f" {status.error_code or 'error'} ", "bold red reverse"), (f" {message}", "red")
            )
            hint = what_to_do(status.error_code)
            if hint:
                text.append(f"\n{hint}", style="bold")
            error.update(text)
        self._show_steps(status)

    def _show_milestones(self) -> None:
        """The lab milestones, each with when it was reached (hidden without [[check]])."""
        from console.milestone_words import summary

        box = self.query_one("#detail-milestones", Static)
        names = [m.name for m in self.app.course.checks]
        box.display = bool(names)
        if not names:
            return
        found = summary(names, self.app.store.milestones().get(self.trainee, {}))
        text = Text(f"Lab milestones {found['reached']}/{found['total']}", style="bold")
        for item in found["items"]:
            when = item["reached_at"][11:16] if item["reached_at"] else "--:--"
            mark, style = ("✔", "green") if item["reached"] else ("·", "")
            text.append(f"\n {mark} {when} UTC  {item['name']}", style=style)
        box.update(text)

    def _show_steps(self, status: TraineeStatus) -> None:
        steps = self.query_one("#detail-steps", DataTable)
        steps.clear()
        for step in status.steps:
            what = (
                Text(step.error, style="red")
                if step.error
                else Text(step.resource_arn or "", style="bright_black")
            )
            steps.add_row(
                str(step.index + 1),
                f"{step.kind}:{step.name}",
                step_state_text(step.state),
                what,
                key=str(step.index),
            )

    def _add_records(self, records: list[LedgerRecord]) -> None:
        log = self.query_one("#detail-ledger", RichLog)
        for record in records:
            # An intent shown as unknown is shown again once completed; nothing twice.
            seen = (record.id, record.outcome.value)
            if seen not in self._shown:
                self._shown.add(seen)
                log.write(ledger_detail(record))


def _session_grid(status: TraineeStatus) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", width=10, no_wrap=True)
    grid.add_column(no_wrap=True, overflow="ellipsis")
    grid.add_row("Principal", Text(status.principal_arn or "no session yet", style=PRINCIPAL_STYLE))
    grid.add_row(
        "Session", f"{status.session_name or '-'} · source identity {status.source_identity or '-'}"
    )
    grid.add_row("Last", status.last_action or "-")
    if status.leftovers:
        named = ", ".join(f"{item.arn} ({item.type})" for item in status.leftovers)
        count = len(status.leftovers)
        grid.add_row("Sweep", Text(f"{count} leftover(s): {named}", style="bold red"))
    elif status.receipt:
        grid.add_row("Sweep", Text(status.receipt, style="green"))
    return grid
