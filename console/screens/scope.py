"""Which trainees an action key acts on: one rule for every key of the main screen.

The rule: the marked trainees that are on screen, else the one under the cursor. Marks on rows
the filter (or failures only) hides never count, and the confirmation says how many were left
out. Whole-course actions have their own keys (``A`` apply all, ``T`` teardown all, ``C``
cancel all), so a lower-case key never reaches a trainee the operator cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.model import Command, CommandKind, TraineeState, TraineeStatus

SHOWN_NAMES = 6

# The actions a read-only view never binds (``whodidthis view``): each would change something.
ACTING = frozenset(
    {
        "apply",
        "apply_all",
        "retry",
        "teardown",
        "teardown_all",
        "cancel",
        "cancel_all",
        "mark",
        "preflight",
        "milestones",
        "clean_made",
    }
)


def has_work(scope: Scope, statuses: list[TraineeStatus], pending: list[Command]) -> bool:
    """True when an engine works on one of ``scope``'s trainees (``statuses``) or a command
    not yet done waits for one: only then is there something for a cancel to stop."""
    for status in statuses:
        queued = status.state == TraineeState.PENDING and (status.last_action or "").startswith(
            "queued"
        )
        if status.state.is_active or queued:
            return True
    names = set(scope.names)
    return any(
        command.kind != CommandKind.CANCEL
        and (scope.whole_course or not command.trainees or bool(names & set(command.trainees)))
        for command in pending
    )


def action_allowed(app, action: str) -> bool:
    """False for an acting key in a read-only view: Textual then neither shows nor runs it."""
    return not (
        getattr(app, "read_only", False) and action in ACTING
    )  # a confirmation names this many trainees, then says "and N more"


@dataclass(frozen=True)
class Scope:
    """The trainees an action is for, and the marks it left out because they were hidden.

    ``names`` empty with ``whole_course`` means every trainee of the course (the engine's
    "no names" command); empty without it means there is nothing to act on.
    """

    names: tuple[str, ...]
    whole_course: bool = False
    hidden_marks: int = 0
    course_size: int = 0

    @classmethod
    def of_view(cls, marked: set[str], visible: list[str], selected: str | None) -> Scope:
        """The one rule: the visible marked trainees, else the selected one."""
        shown = [name for name in visible if name in marked]
        hidden = len(marked) - len(shown)
        if shown:
            return cls(tuple(sorted(shown)), hidden_marks=hidden)
        return cls((selected,) if selected else (), hidden_marks=hidden)

    @classmethod
    def course(cls, size: int) -> Scope:
        """Every trainee of the course, whatever is marked or shown."""
        return cls((), whole_course=True, course_size=size)

    @property
    def empty(self) -> bool:
        return not self.names and not self.whole_course

    def who(self) -> str:
        """``heidi``, ``alice, bob and carol``, ``all 12 trainees``."""
        if self.whole_course:
            return f"all {self.course_size} trainees"
        names = list(self.names)
        if len(names) > SHOWN_NAMES:
            rest = len(names) - SHOWN_NAMES + 1
            names = [*names[: SHOWN_NAMES - 1], f"{rest} more"]
        if len(names) == 1:
            return names[0]
        return f"{', '.join(names[:-1])} and {names[-1]}"

    def phrase(self, course_name: str) -> str:
        """``heidi (1 trainee, course X)`` or ``all 12 trainees (the whole course X)``."""
        if self.whole_course:
            return f"{self.who()} (the whole course {course_name})"
        return f"{self.who()} ({self.count_words()}, course {course_name})"

    def count_words(self) -> str:
        """``1 trainee``, ``3 trainees``, ``all 12 trainees``."""
        if self.whole_course:
            return f"all {self.course_size} trainees"
        return f"{len(self.names)} trainee" + ("" if len(self.names) == 1 else "s")

    def hidden_note(self) -> str:
        """What the confirmation adds when marks were left out, else ``""``."""
        if not self.hidden_marks:
            return ""
        marks = "mark" if self.hidden_marks == 1 else "marks"
        return (
            f"{self.hidden_marks} {marks} on rows the filter hides "
            f"{'is' if self.hidden_marks == 1 else 'are'} ignored."
        )

    def confirm_word(self, course_name: str) -> str:
        """What a teardown asks the operator to type: the course name for the whole course,
        the trainee's name for one, the number of trainees for several (short to type)."""
        if self.whole_course:
            return course_name
        if len(self.names) == 1:
            return self.names[0]
        return str(len(self.names))

    def command_names(self) -> list[str]:
        """The trainees as the engine's command takes them (empty: the whole course)."""
        return [] if self.whole_course else list(self.names)


ACT_WORDS = {
    CommandKind.APPLY: "Apply",
    CommandKind.RETRY: "Retry",
    CommandKind.TEARDOWN: "Tear down",
    CommandKind.CANCEL: "Cancel work",
}

WHAT_HAPPENS = {
    CommandKind.APPLY: "Trainees not READY are built (a failed one resumes at its failed step); "
    "READY ones are re-checked and repaired if they drifted.",
    CommandKind.RETRY: "A failed trainee resumes at its failed step; a READY one is re-checked.",
    CommandKind.CANCEL: "Work not started yet is not started (CANCELLED); a trainee being "
    "worked on stops before its next step. Nothing is deleted.",
}


def question_for(kind: CommandKind, course_name: str, scope: Scope) -> str:
    """The confirmation of an action, naming whom it is for and what it does."""
    verb = {CommandKind.CANCEL: "Cancel the work for"}.get(kind, ACT_WORDS[kind])
    lines = [f"{verb} {scope.phrase(course_name)}?"]
    if scope.hidden_marks:
        lines.append(scope.hidden_note())
    lines += ["", WHAT_HAPPENS[kind]]
    return "\n".join(lines)
