"""The teardown plan, before anything is deleted: what would go, what stays and why.

The plan comes from read-only AWS calls (``console.engine.plan.teardown_plan``). Nothing happens until
the operator types the course name (short, and not a reflex like ``y``) and presses enter.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, RichLog, Static
from textual.worker import Worker, WorkerState

from console.words import short_principal


def plan_lines(plans: list) -> tuple[list[Text], int, int]:
    """The plan as styled lines, with the counts of resources deleted and kept."""
    lines: list[Text] = []
    deleting = keeping = 0
    for plan in plans:
        head = Text.assemble((f"{plan.trainee} ", "bold"))
        head.append(f"({plan.account})", style="bright_black")
        if plan.principal_arn:
            head.append(f" as {short_principal(plan.principal_arn)}", style="magenta")
        lines.append(head)
        if plan.error:
            lines.append(Text(f"  cannot plan: {plan.error}", style="bold red"))
        if not plan.items and not plan.error:
            lines.append(Text("  nothing of ours found", style="bright_black"))
        for item in plan.items:
            deleting += item.delete
            keeping += not item.delete
            line = Text.assemble(
                ("  delete ", "bold red") if item.delete else ("  keep   ", "green")
            )
            line.append(f"{item.step}  ")
            line.append(item.resource_arn or item.resource, style="bright_black")
            if item.note:
                line.append(f"  ({item.note})", style="yellow")
            lines.append(line)
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
    """Shows the plan for ``names`` (every trainee when empty); True once confirmed."""

    BINDINGS = [
        Binding(
            "escape",
            "dismiss(False)",
            "Cancel",
            id="cancel-teardown",
            tooltip="Change nothing and go back",
        ),
    ]

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names
        self.ready = False

    def compose(self) -> ComposeResult:
        course = self.app.course
        who = ", ".join(self.names) if self.names else f"all {len(course.trainees)} trainees"
        with Vertical(id="teardown-dialog", classes="dialog"):
            yield Static(Text(f"Tear down {course.name}: {who}", style="bold"), id="plan-title")
            yield Static(
                "Computing the plan with read-only calls; nothing is changed.", id="plan-status"
            )
            yield RichLog(id="plan", wrap=False, markup=False, auto_scroll=False)
            # No blinking cursor: over Session Manager every blink is a redraw sent.
            name = Input(
                placeholder=f"type {course.name} and enter to tear down; escape cancels",
                id="confirm-name",
            )
            name.cursor_blink = False
            yield name

    def on_mount(self) -> None:
        # The field has the keys from the start, so nothing typed reaches the App's bindings.
        self.set_focus(self.query_one("#confirm-name", Input))
        self.load_plan()

    @work(group="plan", exclusive=True, exit_on_error=False, description="teardown plan")
    async def load_plan(self) -> None:
        plans = await self.app.services.plan_provider(self.names)
        lines, deleting, keeping = plan_lines(plans)
        log = self.query_one("#plan", RichLog)
        for line in lines:
            log.write(line)
        status = Text(f"{deleting} resource(s) would be deleted, {keeping} kept. ", style="bold")
        status.append("Nothing has been changed yet.")
        self._ready(status)

    def _ready(self, status: Text) -> None:
        self.query_one("#plan-status", Static).update(status)
        self.ready = True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "plan" and event.state == WorkerState.ERROR:
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
        if event.value.strip() == self.app.course.name:
            self.dismiss(True)
            return
        self.query_one("#plan-status", Static).update(
            Text(
                f"That is not the course name: type {self.app.course.name} exactly, "
                "or press escape to cancel.",
                style="bold yellow",
            )
        )
        event.input.value = ""
