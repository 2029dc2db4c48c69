"""An OU course's trainees are pinned to their accounts at their first build.

The OU's listing is read again by every command that acts, and it changes under a course: an
account is moved out of the OU or suspended, or two accounts' name tags are swapped. Taken
as it comes, the listing would make a built trainee vanish (teardown skipping it, its
resources left behind, ``status`` and ``report`` no longer naming it) or re-point a trainee's
name at another account (teardown then deleting nothing in either). So once a trainee has
been built, its name and account are a pair the listing cannot undo:

* a pinned account listed under another name stays its pinned trainee (``OuNameChanged``);
* a pinned trainee whose account is no longer listed ACTIVE stays in the course at that account,
  and Organizations is asked why (DescribeAccount's state, ListParents): moved to another
  parent (``OuAccountMoved``: ``teardown`` still reaches its resources there), suspended or
  closing (``OuAccountSuspended``: its roles cannot be assumed, so ``teardown`` fails it
  saying so without trying), or it cannot tell (``OuAccountLost``: teardown tries); ``apply``
  builds nothing more in any of them;
* a new account listed under a pinned trainee's name is not a trainee (``OuNameTaken``).

Each case is a note on the trainee (``status``, the command's stderr) and makes the command
exit 1 (docs/contracts.md, "Trainees from an OU").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from console.course.model import Course, Trainee
from console.model import StepState, TraineeState, TraineeStatus

LOST, RENAMED, TAKEN = "OuAccountLost", "OuNameChanged", "OuNameTaken"
MOVED, SUSPENDED = "OuAccountMoved", "OuAccountSuspended"
#: The notes of a trainee whose account left the OU's ACTIVE accounts.
GONE = frozenset({LOST, MOVED, SUSPENDED})
#: Notes that mean the course cannot be what the OU says: the command exits 1.
FAILING = GONE | {TAKEN}


@dataclasses.dataclass(frozen=True)
class PinNote:
    """What the OU's listing says otherwise than a pinned trainee."""

    trainee: str
    account: str
    code: str
    text: str


def built(status: TraineeStatus) -> bool:
    """A trainee is pinned once any run has worked on it."""
    if status.state != TraineeState.PENDING:
        return True
    return any(step.state != StepState.PENDING for step in status.steps)


def pin(
    course: Course, known: list[TraineeStatus], fates: Callable[[list[str]], dict] | None = None
) -> tuple[Course, list[PinNote]]:
    """``course`` (trainees as the OU lists them now) with every built trainee kept at its
    pinned account; the notes say where the listing disagreed.

    Args:
        fates: asks Organizations what became of the lost accounts (``organizations.fates_of``).
    """
    if not course.trainees_from_ou:
        return course, []
    ou = course.trainees_from_ou
    by_account = {t.account: t.name for t in known if built(t)}
    by_name = {name: account for account, name in by_account.items()}
    listed = {t.account for t in course.trainees}
    trainees: list[Trainee] = []
    notes: list[PinNote] = []
    for trainee in course.trainees:
        pinned = by_account.get(trainee.account)
        if pinned is not None:
            if pinned != trainee.name:
                notes.append(_renamed(pinned, trainee, ou))
            trainees.append(dataclasses.replace(trainee, name=pinned))
        elif trainee.name in by_name:
            notes.append(_taken(trainee, by_name[trainee.name], ou))
        else:
            trainees.append(trainee)
    line = course.trainees[0].line if course.trainees else 0
    lost = [account for account in by_account if account not in listed]
    told = fates(lost) if fates is not None and lost else {}
    for account in lost:
        notes.append(_lost(by_account[account], account, ou, told.get(account)))
        trainees.append(Trainee(by_account[account], account, line))
    trainees.sort(key=lambda t: t.name)
    return dataclasses.replace(course, trainees=tuple(trainees)), notes


def _renamed(pinned: str, trainee: Trainee, ou: str) -> PinNote:
    return PinNote(
        pinned,
        trainee.account,
        RENAMED,
        f"account {trainee.account} is now named {trainee.name!r} in {ou}; it stays trainee "
        f"{pinned}, pinned to it at its first build",
    )


def _taken(trainee: Trainee, pinned_account: str, ou: str) -> PinNote:
    return PinNote(
        trainee.name,
        trainee.account,
        TAKEN,
        f"account {trainee.account} of {ou} is named {trainee.name!r}, but trainee "
        f"{trainee.name} is pinned to account {pinned_account}: it is not a trainee until it "
        "has a name of its own (rename or re-tag it)",
    )


def _lost(name: str, account: str, ou: str, fate=None) -> PinNote:
    """The note of a pinned account no longer listed ACTIVE, as ``fate`` (a ``Fate``) says."""
    if fate is not None and fate.suspended:
        return PinNote(
            name,
            account,
            SUSPENDED,
            f"account {account} is {fate.state} (suspended or closing): its roles cannot be "
            f"assumed, so trainee {name}'s resources there cannot be torn down from here; AWS "
            "deletes them when it closes the account (90 days after suspension); to tear down "
            "sooner, reinstate the account (AWS Support), then run teardown",
        )
    if fate is not None and fate.state == "ACTIVE" and fate.parent and fate.parent != ou:
        return PinNote(
            name,
            account,
            MOVED,
            f"account {account} was moved out of {ou} (it is now under {fate.parent}); "
            f"trainee {name} stays pinned to it: teardown still reaches its resources there, "
            "and apply builds nothing more there",
        )
    why = f" (Organizations could not say why: {fate.problem})" if fate and fate.problem else ""
    return PinNote(
        name,
        account,
        LOST,
        f"account {account} is no longer an ACTIVE account of {ou} (moved out, suspended or "
        f"closed){why}; trainee {name} stays pinned to it: teardown still reaches its "
        "resources there while its role can be assumed, and apply builds nothing more there",
    )


def lost_names(notes: list[PinNote]) -> set[str]:
    """The trainees whose account left the OU."""
    return {note.trainee for note in notes if note.code in GONE}


def stored(note: PinNote) -> str:
    """The note as the store keeps it (``trainees.ou_note``): its code, then its text."""
    return f"{note.code}: {note.text}"
