"""The teardown plan, before anything is deleted: what would go, what stays and why.

The plan comes from read-only AWS calls (``console.engine.plan.teardown_plan``). Nothing happens until
the operator types the word that names the scope (the course name for the whole course, the
trainee's name for one, the number of trainees for several: short, and not a reflex like ``y``)
and presses enter. While the plan is worked out, the box says so and counts the seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, RichLog, Static
from textual.worker import Worker, WorkerState

from console.screens.scope import Scope
from console.words import short_principal
from widgets.trainee_look import PRINCIPAL_STYLE

if TYPE_CHECKING:
    from textual import getters

    from console.app import WhodidthisApp


def plan_lines(plans: list) -> tuple[list[Text], int, int]:
    """The plan as styled lines, with the counts of resources deleted and kept."""
    lines: list[Text] = []
    deleting = keeping = 0
    for plan in plans:
        head = Text.assemble((f"{plan.trainee} ", "bold"))
        head.append(f"({plan.account})", style="bright_black")
        if plan.principal_arn:
            head.append(f" as {short_principal(plan.principal_arn)}", style=PRINCIPAL_STYLE)
        lines.append(head)
        if plan.error:
            lines.append(Text(f"  cannot plan: {plan.error}", style="bold red"))
        if not plan.items and not plan.error:
            lines.append(Text("  nothing of ours found", style="bright_black"))
        for item in plan.items:
            deleting += item.delete
            keeping += not item.delete
            # The ARN on a line of its own, wrapped where it must be: at 80 columns a plan line
            # is never cut, so what would be deleted is read in full.
            line = Text.assemble(
                ("  delete ", "bold red") if item.delete else ("  keep   ", "green")
            )
            line.append(item.step)
            lines.append(line)
            lines.append(
                Text(f"         {item.resource_arn or item.resource}", style="bright_black")
            )
            if item.note:
                lines.append(Text(f"         ({item.note})", style="yellow"))
        if plan.sweep:
            lines.append(
                Text.assemble(
                    ("  sweep  ", "bold cyan"),
                    ("then the Tagging API and IAM: anything still tagged for ", "bright_black"),
                    (plan.trainee, "bright_black"),
                )
            )
    return lines, deleting, keeping


class TeardownScreen(ModalScreen[bool]):
    """Shows the plan for ``scope``; True once the operator typed the scope's word."""

    if TYPE_CHECKING:  # self.app as this console's app (Textual's getter; no import at run time)
        app = getters.app(WhodidthisApp)

    BINDINGS = [
        Binding(
            "escape",
            "dismiss(False)",
            "Cancel",
            id="cancel-teardown",
            tooltip="Change nothing and go back",
        ),
    ]

    #: What typing the word does, in the prompt and in the wrong-word answer.
    ACTION = "tear down"

    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self.scope = scope
        self.names = scope.command_names()
        self.ready = False
        self._started = 0.0

    @property
    def word(self) -> str:
        """What the operator types to proceed."""
        return self.scope.confirm_word(self.app.course.name)

    def title_text(self) -> Text:
        """The box's first line: what would happen, to whom."""
        return Text(f"Tear down {self.scope.phrase(self.app.course.name)}", style="bold")

    def compose(self) -> ComposeResult:
        title = self.title_text()
        if self.scope.hidden_marks:
            title.append(f"\n{self.scope.hidden_note()}", style="yellow")
        with Vertical(id="teardown-dialog", classes="dialog"):
            yield Static(title, id="plan-title")
            yield Static(
                "Working out the plan with read-only calls; nothing is changed.", id="plan-status"
            )
            yield RichLog(id="plan", wrap=True, markup=False, auto_scroll=False)
            # No blinking cursor: over Session Manager every blink is a redraw sent.
            name = Input(
                placeholder=f"type {self.word} and enter to {self.ACTION}; escape cancels",
                id="confirm-name",
            )
            name.cursor_blink = False
            yield name

    def on_mount(self) -> None:
        # The field has the keys from the start, so nothing typed reaches the App's bindings.
        self.set_focus(self.query_one("#confirm-name", Input))
        self._started = self.app.now()
        self._progress_timer = self.set_interval(1.0, self._show_progress, name="plan-progress")
        self._show_progress()
        self.load_plan()

    def _show_progress(self) -> None:
        """The box is never empty while the plan is worked out: it says what is happening."""
        if self.ready:
            return
        seconds = max(0, int(self.app.now() - self._started))
        log = self.query_one("#plan", RichLog)
        log.clear()
        log.write(
            Text(
                f"… working out what {self.scope.count_words()} own: read-only calls to "
                f"their accounts ({seconds}s)",
                style="italic",
            )
        )

    @work(group="plan", exclusive=True, exit_on_error=False, description="teardown plan")
    async def load_plan(self) -> None:
        plans = await self.app.services.plan_provider(self.names)
        lines, deleting, keeping = plan_lines(plans)
        self.ready = True  # before the log is cleared, so the progress line stops
        log = self.query_one("#plan", RichLog)
        log.clear()
        for line in lines:
            log.write(line)
        status = Text(f"{deleting} resource(s) would be deleted, {keeping} kept. ", style="bold")
        status.append("Nothing has been changed yet.")
        self._ready(status)

    def _ready(self, status: Text) -> None:
        self.query_one("#plan-status", Static).update(status)
        self.ready = True
        self._progress_timer.stop()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "plan" and event.state == WorkerState.ERROR:
            self.ready = True
            self.query_one("#plan", RichLog).clear()
            self._ready(
                Text(
                    f"The plan could not be computed: {event.worker.error}. "
                    "A teardown would still delete only what carries this course's "
                    "tags.",
                    style="bold red",
                )
            )

    @on(Input.Submitted, "#confirm-name")
    def _confirmed(self, event: Input.Submitted) -> None:
        if not self.ready:
            self.query_one("#plan-status", Static).update(
                Text(
                    "The plan is still being computed: read it first, then press enter.",
                    style="bold yellow",
                )
            )
            return
        if event.value.strip() == self.word:
            self.dismiss(True)
            return
        self.query_one("#plan-status", Static).update(
            Text(
                f"That is not {self.word}: type {self.word} exactly to {self.ACTION} "
                f"{self.scope.who()}, or press escape to cancel.",
                style="bold yellow",
            )
        )
        event.input.value = ""
