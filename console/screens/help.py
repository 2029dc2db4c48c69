"""Every key of the console with what it does, and what each state symbol means."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from console.model import TraineeState
from console.screens.scope import action_allowed
from widgets.trainee_look import state_text

if TYPE_CHECKING:
    from textual import getters

    from console.app import WhodidthisApp

KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "colon": ":",
    "space": "space",
    "enter": "enter",
    "escape": "escape",
}
STATE_WORDS = {
    TraineeState.PENDING: "never built, nothing asked for it (· QUEUED: in a queued command, "
    "waiting for its turn)",
    TraineeState.ASSUMING: "assuming ManageEnvRole in the trainee's account",
    TraineeState.RUNNING: "running the course's steps",
    TraineeState.READY: "every step done and checked",
    TraineeState.FAILED: "stopped at a step; enter shows why, r retries from there",
    TraineeState.CANCELLED: "not started (failure tolerance exceeded, or cancelled)",
    TraineeState.TEARING_DOWN: "deleting what the course created, newest first",
    TraineeState.TORN_DOWN: "everything the course created is gone",
}


def keys_table(bindings: list[Binding], quit_note: str = "") -> Table:
    """The keys, with their tooltip when they have one."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for binding in bindings:
        key = KEY_NAMES.get(binding.key, binding.key)
        tooltip = quit_note if quit_note and binding.action == "app.quit" else binding.tooltip
        table.add_row(key, binding.description, tooltip or "")
    return table


def states_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column()
    for state, words in STATE_WORDS.items():
        table.add_row(state_text(state), words)
    return table


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened on, then (on the trainee screens) the states;
    any of escape, q or ? closes it."""

    if TYPE_CHECKING:  # self.app as this console's app (Textual's getter; no import at run time)
        app = getters.app(WhodidthisApp)

    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="close-help"),
        Binding("q", "dismiss", "Close", show=False, id="close-help-q"),
        Binding("question_mark", "dismiss", "Close", show=False, id="close-help-mark"),
    ]

    def __init__(self, under: Screen | None = None) -> None:
        super().__init__()
        self.under = under

    def shown_keys(self) -> list[Binding]:
        """The keys of the screen under this one that it would run now, then the App's."""
        under = self.under
        own = list(getattr(under, "BINDINGS", [])) if under is not None else []
        allowed = [
            binding
            for binding in own
            if isinstance(binding, Binding)
            and action_allowed(self.app, binding.action)
            and (under is None or under.check_action(binding.action, ()) is not False)
        ]
        shown = {binding.key for binding in allowed}
        extra = [b for b in self.app.BINDINGS if isinstance(b, Binding) and b.key not in shown]
        return allowed + extra

    def compose(self) -> ComposeResult:
        title = getattr(self.under, "HELP_TITLE", "Keys")
        rule = getattr(self.under, "HELP_RULE", "")
        if self.app.read_only:
            rule = "A read-only view: nothing here acts."
        parts: list = [Text(title, style="bold underline")]
        if rule:
            parts.append(Text(rule))
        parts.append(keys_table(self.shown_keys(), self.app.quit_note))
        if getattr(self.under, "HELP_STATES", False):
            parts += [Text(""), Text("States", style="bold underline"), states_table()]
        parts += [
            Text(""),
            Text(
                f"{self.app.quit_note} "
                "Ctrl keys are never needed (Session Manager may swallow them).",
                style="italic",
            ),
        ]
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(Group(*parts))
