"""A yes/no question before an action key acts (apply, retry, cancel), naming its trainees."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Asks a question; ``y`` or the confirm button answer yes, ``n`` or escape no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="yes", tooltip="Go ahead"),
        Binding("n", "answer(False)", "No", id="no", tooltip="Change nothing"),
        Binding("escape", "answer(False)", "Back", id="back", tooltip="Change nothing"),
    ]

    def __init__(self, question: str, *, confirm: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(self.question, id="question")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.confirm} (y)", variant="primary", id="confirm")
                yield Button("No (n)", id="cancel")  # "Cancel" is an action key here

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")
