"""The main screen: who is acting, every trainee's row, the ledger as it grows, and the keys.

Layout, top to bottom: the identity panel (always visible), the trainee table, the filter line
(only while filtering), the ledger log, the summary line and the footer. The important keys
come first in the footer, which drops what does not fit at 80 columns.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Footer, Input

from console.model import CommandKind, operator_name
from console.screens.overview_keys import OVERVIEW_BINDINGS
from console.screens.scope import ACT_WORDS, Scope, action_allowed, has_work, question_for
from console.screens.views import VIEWS_PROMPT, ViewSwitching
from widgets.context_line import ContextLine
from widgets.identity_panel import IdentityPanel
from widgets.ledger_log import LedgerLog
from widgets.summary_bar import SummaryBar, ViewNote, run_words
from widgets.trainee_order import SORTS
from widgets.trainee_table import TraineeTable

MILESTONE_SECONDS = 180.0


class OverviewScreen(ViewSwitching):
    """Every trainee of the course, live."""

    BINDINGS = OVERVIEW_BINDINGS  # console.screens.overview_keys: footer order, one rule

    HELP_TITLE = "Keys of the trainee list"
    HELP_RULE = (
        "Action keys act on the marked trainees on screen, else the one under the cursor "
        "(marks the filter hides never count); A, T and C act on the whole course."
    )
    HELP_STATES = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action_allowed(self.app, action)

    def compose(self) -> ComposeResult:
        app = self.app
        yield ContextLine(id="context")
        yield IdentityPanel(id="identity")
        yield TraineeTable(
            clock=app.now,
            principal_width=min(max(len(app.operator), len("Acting")) + 2, 16),
            role_name=app.course.role_name,
            course_name=app.course.name,
            milestones=bool(app.course.checks),
            id="trainees",
        )
        # No blinking cursor: over Session Manager every blink is a redraw sent.
        line = Input(
            placeholder="filter: regex on name, account, state; !regex the others; stuck>20 lab",
            id="filter-line",
        )
        line.cursor_blink = False
        yield line
        views = Input(placeholder=VIEWS_PROMPT, id="command-line")
        views.cursor_blink = False
        yield views
        yield LedgerLog(id="ledger")
        yield SummaryBar(id="summary")
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.query_one(IdentityPanel).show_operator(getattr(self.app, "acting_for", None))
        self.query_one(IdentityPanel).show_host(self.app.host, self.app.now(), self.app.host_error)
        self.query_one("#filter-line", Input).display = False
        self.query_one("#command-line", Input).display = False
        self.query_one(LedgerLog).trainee_width = max(
            (len(t.name) for t in self.app.course.trainees), default=6
        )
        self.set_interval(1.0, self.tick, name="elapsed")
        self._run_text = "no engine running"
        if self.app.course.checks:
            self._show_milestones()
        if self.app.services.progress_provider is not None:
            # Each round reads every account a few times: every few minutes is what a lab
            # step's pace needs, and keeps the trainees' own API budget theirs.
            self.set_interval(MILESTONE_SECONDS, self.action_milestones, name="milestones")
            self.call_after_refresh(self.action_milestones)
        self.set_focus(self.table)

    @property
    def table(self) -> TraineeTable:
        return self.query_one(TraineeTable)

    # -- what the App delivers ---------------------------------------------------------------

    def on_whodidthis_app_store_changed(self, message) -> None:
        changes = message.changes
        if changes.first and changes.run is not None:
            self._say_attached(changes.run)
        self.table.show_trainees(changes.trainees, replace=changes.roster_changed)
        self.query_one(LedgerLog).add_records(changes.records, changes.engine)
        self._run_text = run_words(
            changes.run, changes.engine, self.table.statuses(), self.app.now(), self.app.serving
        )
        self._show_selected()
        self._show_summary()
        self._show_context()

    def _say_attached(self, run: dict) -> None:
        """Opened on a run already going: which command, what kind, for whom."""
        command = self.app.serving
        number = f"command {command.id}, " if command is not None else ""
        who = (
            (operator_name(command.operator) if command is not None else None)
            or run["operator"]
            or "?"
        )
        self.notify(
            f"Attached to a running {run['kind']} ({number}{len(run['trainees'])} trainees) "
            f"started by {who}.",
            timeout=8,
        )

    def on_whodidthis_app_host_resolved(self, message) -> None:
        self.query_one(IdentityPanel).show_host(message.host, self.app.now(), message.error)
        self._show_context()

    def tick(self) -> None:
        now = self.app.now()
        if not self.app.keys_held():  # the key's own frame first; the next tick catches up
            self.table.tick()
        self.query_one(IdentityPanel).tick(now)
        self._show_context()

    def _show_context(self) -> None:
        active = [s.name for s in self.table.statuses() if s.state.is_active]
        self.query_one(ContextLine).show(self.app.context(self.table.sort_by, active))

    @on(TraineeTable.TraineeHighlighted)
    def _cursor_moved(self) -> None:
        # The panel after the key's own frame, not in it: the moved cursor (and the row the
        # move scrolled into view) is drawn first, the panel's grid (a few ms of Rich) next.
        self.call_after_refresh(self._show_selected)

    def _show_selected(self) -> None:
        name = self.table.selected_name
        status = self.table.status(name) if name else None
        record = self.app.attribution.latest.get(name) if name else None
        self.query_one(IdentityPanel).show_trainee(status, record)

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

    def _show_milestones(self) -> None:
        from console.milestone_words import cell, summary

        names = [m.name for m in self.app.course.checks]
        known = self.app.store.milestones()
        found = {t.name: summary(names, known.get(t.name, {})) for t in self.app.course.trainees}
        self.table.show_milestones(
            {name: cell(f) for name, f in found.items()},
            {name: (f.get("_since"), f.get("next") or "") for name, f in found.items()},
        )

    def action_milestones(self) -> None:
        """One round of the lab milestone checks (read-only), in a worker; one at a time."""
        provider = self.app.services.progress_provider
        if provider is None:
            self.notify("This course has no [[check]] milestones to check.", timeout=4)
            return

        async def check() -> None:
            await provider()
            self._show_milestones()

        self.run_worker(
            check(),
            exclusive=True,
            group="milestones",
            exit_on_error=False,
            description="lab milestone checks",
        )

    # -- actions -----------------------------------------------------------------------------

    def action_mark(self) -> None:
        name = self.table.selected_name
        if name:
            self.table.toggle_mark(name)
            if self.table.cursor_row < len(self.table.visible_names) - 1:
                self.table.move_cursor(row=self.table.cursor_row + 1)
            self._show_summary()

    def scope(self) -> Scope:
        """The one rule for every action key: the visible marked trainees, else the selected
        one (marks the filter hides are left out, and the confirmation says so)."""
        table = self.table
        return Scope.of_view(table.marked, table.visible_names, table.selected_name)

    def whole_course(self) -> Scope:
        return Scope.course(len(self.app.course.trainees))

    def action_apply(self) -> None:
        self._ask(CommandKind.APPLY, self.scope())

    def action_apply_all(self) -> None:
        self._ask(CommandKind.APPLY, self.whole_course())

    def action_retry(self) -> None:
        self._ask(CommandKind.RETRY, self.scope())

    def action_cancel(self) -> None:
        self._cancel(self.scope())

    def action_cancel_all(self) -> None:
        self._cancel(self.whole_course())

    def _cancel(self, scope: Scope) -> None:
        """Ask to cancel only when there is something to cancel: else say so, start nothing."""
        if not scope.empty and not self._work_for(scope):
            who = "the course" if scope.whole_course else scope.who()
            self.notify(f"Nothing to cancel: nothing is running or queued for {who}.")
            return
        self._ask(CommandKind.CANCEL, scope)

    def _work_for(self, scope: Scope) -> bool:
        table = self.table
        statuses = (
            table.statuses() if scope.whole_course else [table.status(n) for n in scope.names]
        )
        return has_work(scope, [s for s in statuses if s], self.app.store.pending_commands())

    def action_teardown(self) -> None:
        self._teardown(self.scope())

    def action_teardown_all(self) -> None:
        self._teardown(self.whole_course())

    def _ask(self, kind: CommandKind, scope: Scope) -> None:
        """Ask with the scope spelled out, then queue the command and clear the marks."""
        from console.screens.confirm import ConfirmScreen

        if scope.empty:
            self.notify("No trainee selected: move the cursor to one, or mark some with space.")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.send_command(kind, scope.command_names())
                self.table.clear_marks()
                self._show_summary()

        question = question_for(kind, self.app.course.name, scope)
        self.app.push_screen(ConfirmScreen(question, confirm=ACT_WORDS[kind]), confirmed)

    def _teardown(self, scope: Scope) -> None:
        from console.screens.teardown import TeardownScreen

        if scope.empty:
            self.notify("No trainee selected: move the cursor to one, or mark some with space.")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.send_command(CommandKind.TEARDOWN, scope.command_names())
                self.table.clear_marks()
                self._show_summary()

        self.app.push_screen(TeardownScreen(scope), confirmed)

    def action_detail(self) -> None:
        name = self.table.selected_name
        if name:
            self.post_message(TraineeTable.TraineeSelected(name))

    def action_identity(self) -> None:
        from console.screens.identity import IdentityScreen

        self.app.push_screen(IdentityScreen(self.table.selected_name))

    def action_failures(self) -> None:
        """Failures only, or everyone again: the cursor stays on its trainee, or, if failures
        only had moved it off a hidden one and it was not moved since, goes back to that one."""
        table = self.table
        if not table.failures_only:
            before = table.selected_name
            table.set_view(failures_only=True)
            self._return_to = (table.selected_name, before)
            self._show_summary()
            return
        landed, before = getattr(self, "_return_to", (None, None))
        moved = table.selected_name != landed
        table.set_view(failures_only=False, keep=None if moved else before)
        self._show_summary()

    def action_sort(self) -> None:
        """The next order of :data:`SORTS`; the cursor stays on its trainee."""
        table = self.table
        table.set_view(sort=SORTS[(SORTS.index(table.sort_by) + 1) % len(SORTS)])
        self._show_context()
        self._show_summary()

    def action_reads(self) -> None:
        shown = self.query_one(LedgerLog).toggle_reads()
        self.notify("Reads shown in the ledger." if shown else "Reads hidden: changes only.")

    def action_copy(self) -> None:
        name = self.table.selected_name
        status = self.table.status(name) if name else None
        self.app.copy(status.principal_arn if status else None, "session ARN")

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
        views = self.query_one("#command-line", Input)
        if views.has_focus:
            views.display = False
            self.set_focus(self.table)
            return
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
        if self.focused is not event.input:  # (has_focus follows only on the Blur event)
            # A quick `/name⏎⏎`: the second enter reached the line before the first had moved
            # the focus; it was meant for the table, which opens the trainee's detail.
            self.action_detail()
            return
        event.input.display = bool(event.value)
        self.set_focus(self.table)
