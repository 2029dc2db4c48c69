"""The views ``:`` switches to, besides the trainees: the ledger, the leftovers, the operators
(and the inventory, ``console.screens.inventory``).

Each is a table that follows the store, under the same context line as the trainee list;
``y`` copies what identifies the selected row (a request id, an ARN) with OSC 52, escape goes
back to the trainees, and ``:`` switches again. Typing the start of a view's name is enough.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from console.model import Command, LedgerRecord, operator_name
from console.words import clock, is_read, iso, short_principal
from widgets.context_line import ContextLine
from widgets.ledger_log import outcome_text
from widgets.trainee_look import PRINCIPAL_STYLE

if TYPE_CHECKING:
    from textual import getters

    from console.app import WhodidthisApp

VIEWS = ("trainees", "ledger", "leftovers", "operators", "inventory")
VIEWS_PROMPT = "view: trainees, ledger, leftovers, operators, inventory; enter to go"
KEPT_RECORDS = 1000  # the ledger view's rows: the newest; `whodidthis ledger` has them all


def view_named(text: str) -> str | None:
    """The view ``text`` names (a prefix is enough, a leading ``:`` ignored), else None."""
    word = text.strip().lstrip(":").strip().lower()
    if not word:
        return None
    matches = [view for view in VIEWS if view.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def open_view(app, text: str) -> str | None:
    """Switch to the view ``text`` names; returns what was wrong when it names none."""
    view = view_named(text)
    if view is None:
        return f"No view {text.strip()!r}: try {', '.join(VIEWS)}."
    while len(app.screen_stack) > 1:  # every view sits right on the trainee list
        app.pop_screen()
    if view == "inventory":  # what trainees made by hand (console.screens.inventory)
        from console.screens.inventory import InventoryView

        app.push_screen(InventoryView())
    elif view != "trainees":
        app.push_screen(
            {"ledger": LedgerView, "leftovers": LeftoversView}.get(view, OperatorsView)()
        )
    return None


class ViewSwitching(Screen):
    """A screen with ``:`` to switch views: its ``#command-line`` Input takes the view's name,
    then focus goes back to its ``table``."""

    if TYPE_CHECKING:  # self.app as this console's app (Textual's getter; no import at run time)
        app = getters.app(WhodidthisApp)

    table: Any

    def action_command_line(self) -> None:
        line = self.query_one("#command-line", Input)
        line.value = ""
        line.display = True
        self.set_focus(line)

    @on(Input.Submitted, "#command-line")
    def _view_chosen(self, event: Input.Submitted) -> None:
        event.input.display = False
        self.set_focus(self.table)
        problem = open_view(self.app, event.value)
        if problem:
            self.notify(problem, severity="warning")


class TableView(ViewSwitching):
    """A view of rows from the store: the context line, a title, the table, the footer."""

    BINDINGS = [
        Binding("question_mark", "app.help", "Help", id="help-view"),
        Binding("escape", "back", "Back", id="back-view", tooltip="Back to the trainees"),
        Binding("colon", "command_line", "Views", id="views-view", tooltip="Switch view"),
        Binding("y", "copy", "Copy", id="copy-view", tooltip="Copy the selected row's id (OSC 52)"),
        Binding("q", "app.quit", "Quit", id="quit-view"),
    ]
    TITLE_TEXT = ""
    COPIES = "id"
    HELP_STATES = False

    def compose(self) -> ComposeResult:
        yield ContextLine(id="context")
        yield Static(self.TITLE_TEXT, id="view-title")
        yield DataTable(id="view-table", cursor_type="row", zebra_stripes=False)
        line = Input(placeholder=VIEWS_PROMPT, id="command-line")
        line.cursor_blink = False
        line.display = False
        yield line
        yield Footer(show_command_palette=False, compact=True)

    @property
    def table(self) -> DataTable:
        return self.query_one("#view-table", DataTable)

    def on_mount(self) -> None:
        self.copies: dict[str, str | None] = {}
        for label, width in self.columns():
            self.table.add_column(label, key=label, width=width)
        self.fill()
        self.set_focus(self.table)
        self._show_context()
        self.set_interval(1.0, self._show_context, name="context")

    def _show_context(self) -> None:
        self.query_one(ContextLine).show(self.app.context("name", self.app.active_names()))

    def columns(self) -> list[tuple[str, int | None]]:
        raise NotImplementedError

    def fill(self) -> None:
        """Read the rows from the store."""
        raise NotImplementedError

    def put(self, key: str, cells: list, copy: str | None) -> None:
        """Add the row ``key``, or update its cells when it is there."""
        if key in self.copies:
            for (label, _), cell in zip(self.columns(), cells, strict=True):
                self.table.update_cell(key, label, cell)
        else:
            self.table.add_row(*cells, key=key)
        self.copies[key] = copy

    def selected_key(self) -> str | None:
        if not self.table.row_count:
            return None
        return self.table.coordinate_to_cell_key(self.table.cursor_coordinate).row_key.value

    def action_copy(self) -> None:
        key = self.selected_key()
        self.app.copy(self.copies.get(key) if key else None, self.COPIES)

    def action_back(self) -> None:
        line = self.query_one("#command-line", Input)
        if line.display:
            line.display = False
            self.set_focus(self.table)
            return
        self.app.pop_screen()


class LedgerView(TableView):
    """Every recent ledger record, newest last; reads hidden unless ``L`` shows them."""

    BINDINGS = [
        *TableView.BINDINGS,
        Binding("L", "reads", "Reads", id="reads-view", tooltip="Show or hide the reads"),
    ]
    TITLE_TEXT = "Ledger: every changing AWS call, as whom and for whom (y copies the request id)"
    COPIES = "request id"
    HELP_TITLE = "Keys of the ledger view"

    show_reads = False

    def columns(self) -> list[tuple[str, int | None]]:
        return [
            ("Time", 9),
            ("Trainee", 10),
            ("Call", 28),
            ("Outcome", 12),
            ("Principal", 34),
            ("Request id", 36),
        ]

    def fill(self) -> None:
        self.table.clear()
        self.copies = {}
        self._add(self.app.store.ledger()[-KEPT_RECORDS:])
        self.table.move_cursor(row=self.table.row_count - 1, animate=False)  # the newest

    def _add(self, records: list[LedgerRecord]) -> None:
        holder = self.app.store.engine_holder()
        for record in records:
            if self.show_reads or not is_read(record):
                cells = [
                    Text(clock(record.ts), style="bright_black"),
                    Text(record.trainee, style="bold"),
                    f"{record.service}:{record.operation}",
                    outcome_text(record, holder),
                    Text(short_principal(record.acting.principal_arn), style=PRINCIPAL_STYLE),
                    record.request_id or "-",
                ]
                self.put(str(record.id), cells, record.request_id)

    def on_whodidthis_app_store_changed(self, message) -> None:
        self._add(message.changes.records)

    def action_reads(self) -> None:
        self.show_reads = not self.show_reads
        self.fill()


class LeftoversView(TableView):
    """What the sweeps found still tagged for a trainee after a teardown."""

    TITLE_TEXT = "Leftovers: resources still tagged after a teardown (y copies the ARN)"
    COPIES = "ARN"
    HELP_TITLE = "Keys of the leftovers view"

    def columns(self) -> list[tuple[str, int | None]]:
        return [("Trainee", 10), ("Type", 26), ("ARN", None)]

    def fill(self) -> None:
        self.table.clear()
        self.copies = {}
        for status in self.app.store.trainees():
            for leftover in status.leftovers:
                cells = [Text(status.name, style="bold"), leftover.type, leftover.arn]
                self.put(f"{status.name} {leftover.arn}", cells, leftover.arn)
        if not self.copies:
            self.query_one("#view-title", Static).update(
                "Leftovers: none; every sweep found nothing still tagged."
            )

    def on_whodidthis_app_store_changed(self, message) -> None:
        if message.changes.trainees:
            self.fill()


class OperatorsView(TableView):
    """Who asked for what: every command, its kind, its operator and how that is known."""

    TITLE_TEXT = "Operators: every command, who asked for it and how that is known"
    COPIES = "operator ARN"
    HELP_TITLE = "Keys of the operators view"

    def columns(self) -> list[tuple[str, int | None]]:
        return [
            ("#", 4),
            ("Kind", 12),  # trainee-made
            ("Operator", 12),
            ("Known by", 11),
            ("Queued (UTC)", 20),
            ("Result", 15),
            ("Trainees", None),
        ]

    def fill(self) -> None:
        for command in self.app.store.commands():
            arn = command.operator.arn if command.operator else None
            self.put(str(command.id), _command_cells(command), arn)

    def on_whodidthis_app_store_changed(self, message) -> None:
        self.fill()


def _command_cells(command: Command) -> list:
    result = command.result or ("running" if command.claimed_at else "queued")
    queued = (iso(command.created_at) or "-")[:19].replace("T", " ")
    return [
        str(command.id),
        command.kind.value,
        Text(operator_name(command.operator) or "-", style="bold"),
        command.operator.source if command.operator else "-",
        queued,
        result,
        ", ".join(command.trainees) or "all",
    ]
