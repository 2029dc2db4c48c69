"""The main screen: who is acting, every trainee's row, the ledger as it grows, and the keys.

Layout, top to bottom: the identity panel (always visible), the trainee table, the filter line
(only while filtering), the ledger log, the summary line and the footer. The important keys
come first in the footer, which drops what does not fit at 80 columns.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input

from console.model import CommandKind
from widgets.identity_panel import IdentityPanel
from widgets.ledger_log import LedgerLog
from widgets.summary_bar import SummaryBar, ViewNote, run_words
from widgets.trainee_table import TraineeTable


class OverviewScreen(Screen):
    """Every trainee of the course, live."""

    BINDINGS = [
        Binding("a", "apply", "Apply", id="apply", tooltip="Build every trainee (asks first)"),
        Binding(
            "r",
            "retry",
            "Retry",
            id="retry",
            tooltip="Retry the marked trainees, or the one under the cursor",
        ),
        Binding(
            "t",
            "teardown",
            "Teardown",
            id="teardown",
            tooltip="Show the teardown plan; type the course name to proceed",
        ),
        Binding(
            "enter",
            "detail",
            "Detail",
            id="detail",
            tooltip="Steps, the error in full, resources and ledger of the trainee",
        ),
        Binding(
            "i",
            "identity",
            "Identity",
            id="identity",
            tooltip="Who the host is, and a preflight of the selected trainee",
        ),
        Binding(
            "q", "app.quit", "Quit", id="quit-main", tooltip="Leave the console; the engine goes on"
        ),
        Binding("space", "mark", "Mark", id="mark", tooltip="Mark or unmark the trainee"),
        Binding(
            "slash",
            "filter",
            "Filter",
            id="filter",
            tooltip="Show only trainees matching words (name, account, state, error)",
        ),
        Binding(
            "f",
            "failures",
            "Failures",
            id="failures",
            tooltip="Show only failed and cancelled trainees",
        ),
        Binding("p", "pin", "Pin", id="pin", tooltip="Pin failed trainees to the top"),
        Binding("question_mark", "app.help", "Help", id="help-main"),
        Binding(
            "escape",
            "unfilter",
            "Clear",
            id="unfilter",
            show=False,
            tooltip="Leave the filter line; pressed again, clear the filter",
        ),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        principal = len(f"{app.course.role_name}/{app.operator}@{app.course.name}")
        yield IdentityPanel(id="identity")
        yield TraineeTable(clock=app.now, principal_width=min(principal, 48), id="trainees")
        # No blinking cursor: over Session Manager every blink is a redraw sent.
        line = Input(
            placeholder="filter: words in name, account, state or error; "
            "enter to keep, escape to leave",
            id="filter-line",
        )
        line.cursor_blink = False
        yield line
        yield LedgerLog(id="ledger")
        yield SummaryBar(id="summary")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(IdentityPanel).show_operator(getattr(self.app, "acting", None))
        self.query_one(IdentityPanel).show_host(self.app.host, self.app.now(), self.app.host_error)
        self.query_one("#filter-line", Input).display = False
        self.query_one(LedgerLog).trainee_width = max(
            (len(t.name) for t in self.app.course.trainees), default=6
        )
        self.set_interval(1.0, self.tick, name="elapsed")
        self._run_text = "no engine running"
        self.set_focus(self.table)

    @property
    def table(self) -> TraineeTable:
        return self.query_one(TraineeTable)

    # -- what the App delivers ---------------------------------------------------------------

    def on_whodidthis_app_store_changed(self, message) -> None:
        changes = message.changes
        self.table.show_trainees(changes.trainees, replace=changes.roster_changed)
        self.query_one(LedgerLog).add_records(changes.records)
        self._run_text = run_words(
            changes.run, changes.engine, self.table.statuses(), self.app.now()
        )
        self._show_selected()
        self._show_summary()

    def on_whodidthis_app_host_resolved(self, message) -> None:
        self.query_one(IdentityPanel).show_host(message.host, self.app.now(), message.error)

    def tick(self) -> None:
        now = self.app.now()
        if not self.app.keys_held():  # the key's own frame first; the next tick catches up
            self.table.tick()
        self.query_one(IdentityPanel).tick(now)

    @on(TraineeTable.TraineeHighlighted)
    def _show_selected(self) -> None:
        name = self.table.selected_name
        status = self.table.status(name) if name else None
        self.query_one(IdentityPanel).show_trainee(status, self.app.attribution.latest.get(name))

    @on(TraineeTable.TraineeSelected)
    def _open_detail(self, message: TraineeTable.TraineeSelected) -> None:
        from console.screens.detail import TraineeDetailScreen

        self.app.push_screen(TraineeDetailScreen(message.name))

    def _show_summary(self) -> None:
        table = self.table
        view = ViewNote(
            filter_text=table.filter_text,
            failures_only=table.failures_only,
            pinned=table.pin_failures,
            marked=len(table.marked),
            shown=len(table.visible_names),
        )
        self.query_one(SummaryBar).show(table.statuses(), view, self._run_text)

    # -- actions -----------------------------------------------------------------------------

    def _targets(self) -> list[str]:
        """The marked trainees, else the one under the cursor."""
        if self.table.marked:
            return sorted(self.table.marked)
        name = self.table.selected_name
        return [name] if name else []

    def action_apply(self) -> None:
        from console.screens.confirm import ConfirmScreen

        count = len(self.app.course.trainees)
        question = (
            f"Apply course {self.app.course.name} to all {count} trainees?\n\n"
            "Trainees not READY are built (a failed one resumes at its failed step); "
            "READY ones are re-checked and repaired if they drifted."
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.send_command(CommandKind.APPLY, [])

        self.app.push_screen(ConfirmScreen(question, confirm="Apply"), confirmed)

    def action_retry(self) -> None:
        names = self._targets()
        if not names:
            self.notify(
                "No trainee to retry: move the cursor to one, or mark some with space.",
                severity="warning",
            )
            return
        self.app.send_command(CommandKind.RETRY, names)
        self.table.clear_marks()
        self._show_summary()

    def action_mark(self) -> None:
        name = self.table.selected_name
        if name:
            self.table.toggle_mark(name)
            if self.table.cursor_row < len(self.table.visible_names) - 1:
                self.table.move_cursor(row=self.table.cursor_row + 1)
            self._show_summary()

    def action_teardown(self) -> None:
        from console.screens.teardown import TeardownScreen

        names = sorted(self.table.marked)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.send_command(CommandKind.TEARDOWN, names)
                self.table.clear_marks()
                self._show_summary()

        self.app.push_screen(TeardownScreen(names), confirmed)

    def action_detail(self) -> None:
        name = self.table.selected_name
        if name:
            self.post_message(TraineeTable.TraineeSelected(name))

    def action_identity(self) -> None:
        from console.screens.identity import IdentityScreen

        self.app.push_screen(IdentityScreen(self.table.selected_name))

    def action_failures(self) -> None:
        self.table.set_view(failures_only=not self.table.failures_only)
        self._show_summary()

    def action_pin(self) -> None:
        self.table.set_view(pin_failures=not self.table.pin_failures)
        self._show_summary()

    # -- the filter line ---------------------------------------------------------------------

    def action_filter(self) -> None:
        line = self.query_one("#filter-line", Input)
        line.display = True
        # At once, not with focus()'s call_later: the words typed right after / are for it.
        self.set_focus(line)

    def action_unfilter(self) -> None:
        line = self.query_one("#filter-line", Input)
        if line.has_focus:
            line.display = bool(line.value)
            self.set_focus(self.table)
        elif line.value:
            line.value = ""  # Input.Changed clears the table's filter
            line.display = False

    @on(Input.Changed, "#filter-line")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_view(filter_text=event.value)
        self._show_summary()

    @on(Input.Submitted, "#filter-line")
    def _filter_kept(self, event: Input.Submitted) -> None:
        event.input.display = bool(event.value)
        self.set_focus(self.table)
