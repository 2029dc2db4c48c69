"""One trainee in full: its state, the session acting for it, the error in full with the AWS
error code, its steps and resources, and every ledger line about it. Follows the store live.

The whole detail scrolls (up/down, page up/down, home/end): at 80x24 a long AccessDenied
message and the line that says what to do are reachable, never cut off by a box.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.model import CommandKind, LedgerRecord, TraineeStatus
from console.screens.scope import ACT_WORDS, Scope, action_allowed, has_work, question_for
from console.screens.views import ViewSwitching
from console.words import clock, short_principal, short_receipt, what_to_do
from widgets.context_line import ContextLine
from widgets.ledger_log import outcome_text
from widgets.trainee_look import (
    PRINCIPAL_STYLE,
    elapsed_of,
    progress_text,
    state_text,
    step_state_text,
)

if TYPE_CHECKING:
    from textual import getters

    from console.app import WhodidthisApp


def ledger_detail(record: LedgerRecord, holder: dict | None = None) -> Text:
    """A ledger record with everything, on lines that wrap (never cut): the call and its
    outcome; then as whom, for which step, and the request id; then the error message."""
    text = Text.assemble((f"{clock(record.ts)} ", "bright_black"))
    text.append(f"{record.service}:{record.operation} ", style="bold")
    text.append_text(outcome_text(record, holder))
    text.append(
        f"\n  by {short_principal(record.acting.principal_arn) or '-'}", style=PRINCIPAL_STYLE
    )
    text.append(
        f" · step {record.step or '-'} · req {record.request_id or '-'}", style="bright_black"
    )
    if record.error_message:
        text.append(f"\n  {record.error_message}", style="red")
    return text


def steps_table(status: TraineeStatus) -> Table:
    """Steps, their state and their resource (or error): cells wrap, nothing is cut."""
    table = Table(box=None, padding=(0, 1), expand=True, show_edge=False, header_style="bold")
    table.add_column("#", width=2, no_wrap=True)
    longest = max((len(f"{step.kind}:{step.name}") for step in status.steps), default=4)
    table.add_column("Step", min_width=min(longest, 30), overflow="fold")
    table.add_column("State", width=11, no_wrap=True)
    table.add_column("Resource or error", ratio=1, overflow="fold")
    for step in status.steps:
        what = (
            Text(step.error, style="red")
            if step.error
            else Text(step.resource_arn or "-", style="bright_black")
        )
        table.add_row(
            str(step.index + 1), f"{step.kind}:{step.name}", step_state_text(step.state), what
        )
    return table


def trust_text(events: list) -> Text:
    """The trust check's findings of the latest build, with when it checked: the events
    written within a minute of the newest (one gate writes them all at once)."""
    newest = events[-1].ts
    text = Text(f"Checked before the build at {clock(newest)}:", style="bold")
    for event in (e for e in events if newest - e.ts < 60):
        severity = event.fields.get("severity") or "warning"
        text.append(f"\n {severity}: ", style="yellow bold")
        text.append(str(event.fields.get("message") or ""))
    return text


def cloudtrail_text(course: str, status: TraineeStatus) -> Text:
    """Where the x-ray ends: the command that sets each resource's ledger beside the trainee
    account's CloudTrail (a change made outside whodidthis shows there as cloudtrail only)."""
    arns = [step.resource_arn for step in status.steps if step.resource_arn]
    if not arns:
        return Text("No resource yet: CloudTrail has nothing of this trainee's to show.")
    text = Text("Each resource's ledger beside CloudTrail (read-only LookupEvents):")
    for arn in arns:
        text.append(f"\n  whodidthis trace {course} {arn} --cloudtrail", style="bold")
    return text


class TraineeDetailScreen(Screen):
    """The x-ray of one trainee: its session, its error, its steps and their resources, its
    ledger, and how to set those beside CloudTrail; ``r`` retries it, escape goes back."""

    if TYPE_CHECKING:  # self.app as this console's app (Textual's getter; no import at run time)
        app = getters.app(WhodidthisApp)

    HELP_TITLE = "Keys of a trainee's x-ray"
    HELP_RULE = "Everything about one trainee, live: up and down scroll, escape goes back."
    HELP_STATES = True

    BINDINGS = [
        Binding("question_mark", "app.help", "Help", id="help-detail"),
        Binding("escape", "app.pop_screen", "Back", id="back", tooltip="Back to every trainee"),
        Binding("r", "retry", "Retry", id="retry-one", tooltip="Retry this trainee (asks first)"),
        Binding("c", "cancel", "Cancel", id="cancel-one", tooltip="Stop this trainee's work"),
        Binding("down,j", "scroll('down')", "Scroll", id="scroll-down", show=False),
        Binding("up,k", "scroll('up')", "Scroll", id="scroll-up", show=False),
        Binding("q", "app.quit", "Quit", id="quit-detail"),
        Binding(
            "colon",
            "views",
            "Views",
            id="views-detail",
            tooltip="Back to the trainees with the view line open (ledger, leftovers...)",
        ),
        Binding("y", "copy", "Copy ARN", id="copy-detail", tooltip="Copy the session ARN (OSC 52)"),
        Binding(
            "Y",
            "copy_request",
            "Copy request id",
            id="copy-request",
            tooltip="Copy the latest call's request id, to look it up in CloudTrail (OSC 52)",
        ),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.trainee = name
        self._records: dict[int | None, LedgerRecord] = {}
        self._state_shown: str | None = None  # the trust warnings are read again when it moves

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action_allowed(self.app, action)

    def compose(self) -> ComposeResult:
        yield ContextLine(id="context")
        yield Static(id="detail-head")
        with VerticalScroll(id="detail-body"):
            yield Static(id="detail-session")
            yield Static(id="detail-milestones")
            yield Static(id="detail-error")
            trust = Static(id="detail-trust")
            trust.border_title = "Trust policy"
            yield trust
            yield Static(id="detail-steps")
            ledger = Static(id="detail-ledger")
            ledger.border_title = "Ledger for this trainee"
            yield ledger
            trail = Static(id="detail-cloudtrail")
            trail.border_title = "CloudTrail"
            yield trail
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#detail-body", VerticalScroll))
        self._show(self.app.store.trainee(self.trainee))
        self._show_context()
        self.set_interval(1.0, self._show_context, name="context")
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
        """Ask only when something runs or waits for this trainee: else say so, start nothing."""
        status = self.app.store.trainee(self.trainee)
        statuses = [status] if status is not None else []
        if not has_work(Scope((self.trainee,)), statuses, self.app.store.pending_commands()):
            self.notify(f"Nothing to cancel: nothing is running or queued for {self.trainee}.")
            return
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
        head.append(f" {status.account} ")
        head.append_text(state_text(status.state))
        head.append("  ")
        head.append_text(progress_text(status))
        head.append(" built" if status.state.value != "TORN_DOWN" else "")
        head.append(f"  {elapsed_of(status, self.app.now())}")
        self.query_one("#detail-head", Static).update(head)
        self.query_one("#detail-session", Static).update(_session_grid(status))
        self._show_milestones()
        if status.state.value != self._state_shown:
            self._state_shown = status.state.value
            self._show_trust()
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

    def _show_trust(self) -> None:
        """The trust check's warnings before this trainee's latest build (hidden when there
        were none): what the CLI prints as ``trust warning:`` lines."""
        box = self.query_one("#detail-trust", Static)
        found = self.app.store.latest_events("trust", self.trainee)
        box.display = bool(found)
        if found:
            box.update(trust_text(found))

    def _show_steps(self, status: TraineeStatus) -> None:
        self.query_one("#detail-steps", Static).update(steps_table(status))
        self.query_one("#detail-cloudtrail", Static).update(
            cloudtrail_text(self.app.course.name, status)
        )

    def _add_records(self, records: list[LedgerRecord]) -> None:
        """Every record of the trainee, reads too (the x-ray hides nothing); an intent shown
        in flight is replaced by its completed record."""
        if not records and self._records:
            return
        for record in records:
            self._records[record.id] = record
        holder = self.app.store.engine_holder()
        lines = [ledger_detail(record, holder) for record in self._records.values()]
        text = Text("\n").join(lines) if lines else Text("no call yet", style="italic")
        self.query_one("#detail-ledger", Static).update(text)

    async def action_views(self) -> None:
        """Back to the trainee list with its view line open."""
        trainees = self.app.screen_stack[0]
        await self.app.pop_screen()
        if isinstance(trainees, ViewSwitching):  # the trainee list, at the bottom of the stack
            trainees.action_command_line()

    def _show_context(self) -> None:
        status = self.app.store.trainee(self.trainee)
        active = [self.trainee] if status is not None and status.state.is_active else []
        self.query_one(ContextLine).show(self.app.context("name", active))

    def action_copy(self) -> None:
        status = self.app.store.trainee(self.trainee)
        self.app.copy(status.principal_arn if status else None, "session ARN")

    def action_copy_request(self) -> None:
        ids = [r.request_id for r in self._records.values() if r.request_id]
        self.app.copy(ids[-1] if ids else None, "request id")


def _session_grid(status: TraineeStatus) -> Table:
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", width=9, no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")  # an ARN wraps at 80 columns, never cut
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
        grid.add_row("Sweep", Text(short_receipt(status.receipt) or "", style="green"))
    return grid
