"""The inventory view (``:inventory``): what each trainee made by hand, and cleaning it.

The rows are ``whodidthis inventory``'s (``console.commands.inventory.inventories``, through
``Services.inventory_provider``): per trainee, each resource made in the account during the
class by anyone but whodidthis, in every enabled region, with who made it, when, whether it is
still there and whether it costs money while it is. CloudTrail is read in a worker, so the
screen never waits; the title counts the seconds meanwhile. ``R`` reads again.

``x`` cleans: for the marked trainees (space), else the one under the cursor, it shows what
would be deleted and what kept (``console.classroom.cleanup.plan``, from the rows already
read: no AWS call), behind the teardown's typed confirmation (the trainee's name, or how many),
then queues the engine's ``trainee-made`` command, as ``teardown --trainee-made --yes`` does.
A read-only view neither binds nor runs it.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from console.classroom.cleanup import Cleaned, course_users, plan
from console.model import CommandKind
from console.screens.scope import Scope, action_allowed
from console.screens.teardown import TeardownScreen
from console.screens.views import TableView
from console.words import clock

TITLE = "Inventory: made by hand, every enabled region (x cleans, y copies the id)"
# Whether it is there now: yes, gone, or not known (its service could not say).
THERE_WORDS = {True: ("yes", "bold"), False: ("gone", "bright_black"), None: ("?", "yellow")}


def now_cell(made) -> Text:
    """Whether ``made`` is still there, and ``$`` when it costs money while it is."""
    word, style = THERE_WORDS[made.exists]
    cell = Text(word, style=style)
    if made.costs and made.exists is not False:
        cell.append(" $", style="bold red")
    return cell


def made_cells(name: str, made, marked: bool) -> list:
    """One row: trainee, kind, name, region, who, when (HH:MM), there now."""
    who = Text(made.creator.name, style="bold" if made.by_trainee else "bright_black")
    return [
        Text(("• " if marked else "") + name, style="bold"),
        made.type.removeprefix("AWS::"),
        made.name,
        made.region,
        who,
        clock(made.at)[:5],
        now_cell(made),
    ]


def full_text(trainee: str, made) -> str:
    """A row in full, for ``enter``: the whole id, who exactly, when, and what it is now."""
    there = {True: "still there", False: "gone", None: "not known whether still there"}
    cost = "; costs money while it exists" if made.costs else ""
    return (
        f"{trainee}: {made.type} {made.id} in {made.region}, made by {made.creator.text} "
        f"at {clock(made.at)} ({made.event}); {there[made.exists]}{cost}"
    )


class InventoryView(TableView):
    """Every trainee's hand-made resources, one row each (a row saying so when none)."""

    BINDINGS = [
        *TableView.BINDINGS,
        Binding(
            "x",
            "clean_made",
            "Clean",
            id="clean-made",
            tooltip="Delete what the marked trainees, or the selected one, made (type to confirm)",
        ),
        Binding("space", "mark", "Mark", id="mark-made", tooltip="Mark or unmark the trainee"),
        Binding("R", "reread", "Read again", id="reread", tooltip="Read CloudTrail again"),
        Binding("enter", "show", "Show", id="show-made", tooltip="The selected row in full"),
    ]
    TITLE_TEXT = TITLE
    COPIES = "id"
    HELP_TITLE = "Keys of the inventory view"

    found: list | None = None
    marked: frozenset[str] = frozenset()

    def on_mount(self) -> None:
        # Textual runs this before TableView's on_mount (the MRO's order), which fills.
        self.trainee_of: dict[str, str] = {}
        self.full: dict[str, str] = {}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action_allowed(self.app, action)

    def columns(self) -> list[tuple[str, int | None]]:
        # 78 columns with the cells' padding: at 80, room for the scrollbar; enter shows a
        # row in full (a long id, an error).
        return [
            ("Trainee", 8),
            ("Kind", 13),
            ("Name", 12),
            ("Region", 14),
            ("By", 7),
            ("At", 5),
            ("There", 5),
        ]

    def fill(self) -> None:
        """The rows read last; the first time, start reading."""
        if self.found is None:
            self.action_reread()
            return
        self.table.clear()
        self.copies, self.trainee_of, self.full = {}, {}, {}
        for inv in self.found:
            self._trainee_rows(inv)
        left = sum(len(inv.left) for inv in self.found)
        self._title(f"Inventory: {left} made by the trainees still there (x cleans, y copies)")

    def _trainee_rows(self, inv) -> None:
        marked = inv.trainee in self.marked
        name = Text(("• " if marked else "") + inv.trainee, style="bold")
        for error in inv.errors:
            key = f"{inv.trainee} error {error}"
            cells = [name, Text("cannot read", style="bold red"), error, "", "", "", ""]
            self.put(key, cells, error)
            self.trainee_of[key] = inv.trainee
            self.full[key] = f"{inv.trainee}: could not read: {error}"
        for made in inv.made:
            key = f"{inv.trainee} {made.type} {made.id}"
            self.put(key, made_cells(inv.trainee, made, marked), made.id)
            self.trainee_of[key] = inv.trainee
            self.full[key] = full_text(inv.trainee, made)
        if not inv.made and not inv.errors:
            key = f"{inv.trainee} nothing"
            quiet = Text("nothing made", style="bright_black")
            self.put(key, [name, quiet, "", "", "", "", ""], None)
            self.trainee_of[key] = inv.trainee

    def _title(self, text: str | Text) -> None:
        self.query_one("#view-title", Static).update(text)

    # -- reading -----------------------------------------------------------------------------

    def action_reread(self) -> None:
        provider = self.app.services.inventory_provider
        if provider is None:
            self._title("Inventory: this view calls no AWS; `whodidthis inventory COURSE` lists it")
            return
        self._started = self.app.now()
        self._reading = self.set_interval(1.0, self._show_reading, name="inventory-reading")
        self._show_reading()
        self.read(provider)

    def _show_reading(self) -> None:
        seconds = max(0, int(self.app.now() - self._started))
        accounts = len(self.app.course.trainees)
        self._title(
            Text(f"… reading CloudTrail of {accounts} accounts, read-only ({seconds}s)", "italic")
        )

    @work(group="inventory", exclusive=True, exit_on_error=False, description="inventory")
    async def read(self, provider) -> None:
        found = await provider([])
        self._reading.stop()
        self.found = found
        self.fill()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "inventory" and event.state == WorkerState.ERROR:
            self._reading.stop()
            self._title(Text(f"The inventory could not be read: {event.worker.error}", "red"))

    def on_data_table_row_selected(self, event) -> None:
        """Enter on the table (the table takes enter first): the row in full."""
        event.stop()
        self.action_show()

    def action_show(self) -> None:
        text = self.full.get(self.selected_key() or "")
        if text:
            self.notify(text, timeout=15)

    # -- cleaning ----------------------------------------------------------------------------

    def action_mark(self) -> None:
        name = self.trainee_of.get(self.selected_key() or "")
        if name is None:
            return
        self.marked = self.marked ^ {name}
        row = self.table.cursor_row
        self.fill()
        self.table.move_cursor(row=row, animate=False)

    def scope(self) -> Scope:
        """The marked trainees, else the one under the cursor (the trainee list's rule)."""
        names = [inv.trainee for inv in self.found or []]
        return Scope.of_view(
            set(self.marked), names, self.trainee_of.get(self.selected_key() or "")
        )

    def action_clean_made(self) -> None:
        scope = self.scope()
        if scope.empty:
            self.notify("No trainee selected: move the cursor to one, or mark some with space.")
            return
        lines = [
            line
            for inv in self.found or []
            if inv.trainee in scope.names
            for line in plan(inv, course_users(self.app.course))
        ]
        if not any(line.outcome == "delete" for line in lines):
            self.notify(f"Nothing {scope.who()} made is left that whodidthis can delete.")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.send_command(CommandKind.TRAINEE_MADE, scope.command_names())
                self.marked = frozenset()
                self.fill()

        self.app.push_screen(CleanMadeScreen(scope, lines), confirmed)


class CleanMadeScreen(TeardownScreen):
    """The teardown's typed confirmation, over what the trainees made: what would be deleted
    (each with its reason) and what kept (and why), from the inventory already read."""

    ACTION = "clean"

    def __init__(self, scope: Scope, lines: list[Cleaned]) -> None:
        super().__init__(scope)
        self.lines = lines

    def title_text(self) -> Text:
        course = self.app.course.name
        return Text(f"Delete what {self.scope.phrase(course)} made by hand", style="bold")

    @work(group="plan", exclusive=True, exit_on_error=False, description="trainee-made plan")
    async def load_plan(self) -> None:
        from textual.widgets import RichLog

        log = self.query_one("#plan", RichLog)
        self.ready = True
        log.clear()
        for line in self.lines:
            m = line.made
            deleting = line.outcome == "delete"
            head = Text(
                "  delete " if deleting else "  keep   ", "bold red" if deleting else "green"
            )
            head.append(f"{m.type} {m.name} in {m.region}")
            log.write(head)
            # Who and when; the ledger's record of the delete says it in full (``reason``).
            why = f"made by {m.creator.text} at {clock(m.at)[:5]}" if deleting else line.why
            log.write(Text(f"         {why}", style="bright_black"))
        deletes = sum(line.outcome == "delete" for line in self.lines)
        status = Text(
            f"{deletes} resource(s) would be deleted, {len(self.lines) - deletes} kept. ",
            style="bold",
        )
        status.append("Their environments stay as they are.")
        self._ready(status)
