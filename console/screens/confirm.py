"""A yes/no question before an action key acts (apply, retry, cancel), naming its trainees."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Asks a question; ``y`` or the confirm button answer yes, ``n`` or escape no.

    No has the focus: a stray enter (a shell line typed into a console thought closed)
    changes nothing. Yes takes a deliberate ``y``, or tab then enter.
    """

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
        # At once, not with focus()'s call_later: an enter already queued must reach No.
        self.set_focus(self.query_one("#cancel", Button))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")
