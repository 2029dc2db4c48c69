"""How a trainee's state, progress and timing look in the console: Rich text, no widgets.

Every state is a symbol and a word, and colour only adds to them (docs/architecture.md: legible with 16
colours, and readable by someone who cannot tell red from green). The colours are the 16 ANSI
names, so ``TERM=xterm`` shows them as intended.
"""

from __future__ import annotations

import re

from rich.text import Text

from console.model import StepState, TraineeState, TraineeStatus
from console.words import STATE_SYMBOLS, short_principal, steps_built

STATE_STYLES = {
    TraineeState.PENDING: "bright_black",
    TraineeState.ASSUMING: "cyan",
    TraineeState.RUNNING: "bold cyan",
    TraineeState.READY: "green",
    TraineeState.FAILED: "bold reverse red",
    TraineeState.CANCELLED: "bold yellow",
    TraineeState.TEARING_DOWN: "magenta",
    TraineeState.TORN_DOWN: "blue",
}

STEP_SYMBOLS = {
    StepState.PENDING: "·",
    StepState.RUNNING: "▶",
    StepState.DONE: "✔",
    StepState.FAILED: "✖",
    StepState.SKIPPED: "»",
    StepState.TORN_DOWN: "○",
}

STEP_STYLES = {
    StepState.PENDING: "bright_black",
    StepState.RUNNING: "bold cyan",
    StepState.DONE: "green",
    StepState.FAILED: "bold red",
    StepState.SKIPPED: "yellow",
    StepState.TORN_DOWN: "blue",
}

# Principals are not a state: no state's colour (FAILED red, TEARING_DOWN magenta), so a
# healthy session never reads as trouble, in 256 colours, 16 or none.
PRINCIPAL_STYLE = "bright_white"

BAR_CELLS = 5
_ARN = re.compile(r"arn:aws[\w-]*:[\w-]*:[\w-]*:\d*:([^\s,;)]+)")
_AS_TAIL = re.compile(r" \(as arn:[^)]*\)$")


def state_text(state: TraineeState) -> Text:
    """``✖ FAILED`` in bold reverse red: the symbol and the word carry the meaning, bold and
    reverse keep FAILED apart without colour (NO_COLOR), and colour helps."""
    return Text(f"{STATE_SYMBOLS[state]} {state.value}", style=STATE_STYLES[state])


def step_state_text(state: StepState) -> Text:
    """A step's state as a symbol and a word."""
    return Text(f"{STEP_SYMBOLS[state]} {state.value}", style=STEP_STYLES[state])


def is_queued(status: TraineeStatus) -> bool:
    """PENDING in a command the engine took and has not started on yet."""
    return status.state == TraineeState.PENDING and (status.last_action or "").startswith("queued")


def state_cell_text(status: TraineeStatus) -> Text:
    """The table's state cell: as :func:`state_text`, with PENDING told apart: ``· QUEUED``
    (a command will build it) or ``· PENDING`` (never built, nothing asked)."""
    if is_queued(status):
        return Text(f"{STATE_SYMBOLS[status.state]} QUEUED", style="bold")
    return state_text(status.state)


def progress_text(status: TraineeStatus) -> Text:
    """``2/5 ██░░░``: the steps that exist now (built, not torn down) of the course's steps,
    and a bar of them; a CANCELLED trainee keeps what it built, ``0/5 torn down`` says a
    TORN_DOWN trainee's steps are gone (where ``0/5`` alone would read "never built")."""
    built = steps_built(status)
    total = status.step_count or len(status.steps)
    label = f"{built}/{total}"
    if status.state == TraineeState.TORN_DOWN:
        return Text(f"{label} torn down", style=STATE_STYLES[status.state])
    filled = round(BAR_CELLS * built / total) if total else 0
    text = Text(f"{label:>5} ")
    text.append("█" * filled, style=STATE_STYLES[status.state])
    text.append("░" * (BAR_CELLS - filled), style="bright_black")
    return text


def elapsed_words(seconds: float | None) -> str:
    """``42s``, ``3m05s``, ``1h02m``: short enough for a table column."""
    if seconds is None or seconds < 0:
        return ""
    if seconds < 10:
        return f"{seconds:.1f}s"  # a quick build reads 0.4s, not 0s
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def elapsed_of(status: TraineeStatus, now: float) -> str:
    """How long the trainee's latest pipeline ran (or has been running)."""
    if status.started_at is None:
        return ""
    end = status.finished_at if status.finished_at and not status.state.is_active else now
    return elapsed_words(end - status.started_at)


def principal_text(arn: str | None, role_name: str = "", course_name: str = "") -> Text:
    """The acting principal, by what differs between rows: ``kenji`` for the course's own
    session ``ManageEnvRole/kenji@dojo-2026-12`` (the operator who opened it), else the
    shortened principal in full, ``OtherRole/someone@elsewhere``."""
    short = short_principal(arn)
    head, tail = f"{role_name}/", f"@{course_name}"
    if role_name and short.startswith(head) and short.endswith(tail):
        return Text(short[len(head) : -len(tail)], style=PRINCIPAL_STYLE)
    return Text(short, style=PRINCIPAL_STYLE)


def short_error(status: TraineeStatus) -> Text:
    """The error in short for a failed or cancelled trainee: its AWS code, then the message
    with ARNs cut to their last parts and without the ``(as PRINCIPAL)`` tail."""
    if not status.error:
        return Text("")
    message = status.error.splitlines()[0]
    if status.error_code and message.startswith(f"{status.error_code}: "):
        message = message[len(status.error_code) + 2 :]
    message = _AS_TAIL.sub("", message)
    message = _ARN.sub(lambda match: "/".join(match.group(1).split("/")[-2:]), message)
    failed = status.state == TraineeState.FAILED
    return Text.assemble(
        (
            f"{status.error_code}: " if status.error_code else "",
            "bold red" if failed else "bold yellow",
        ),
        (message, "red" if failed else "yellow"),
    )


def time_left_words(seconds: int | None) -> str:
    """Credential lifetime left, in words: ``5h 58m left``, ``expired``, ``no expiry``."""
    if seconds is None:
        return "no expiry"
    if seconds <= 0:
        return "expired"
    hours, minutes = divmod(seconds // 60, 60)
    if hours:
        return f"{hours}h {minutes:02d}m left"
    return f"{minutes}m {seconds % 60:02d}s left"
