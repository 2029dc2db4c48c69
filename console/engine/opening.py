"""One way to open a course: the file, its state store and the host identity, for every face.

The CLI's commands, the console and the detached engine all start the same way: find the course
file, load it (exit 2 on a bad file, before anything else), list an OU course's accounts (which
needs the host identity checked first), open the store and bring its roster in line with the
course. ``open_course`` does that once, from plain values (no argparse), and ``Opened.host``
checks the host identity at most once per process, however many faces ask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from console.aws.identity import HostIdentity, resolve_host_identity
from console.course.model import Course, load_course, resolve_course_path
from console.errors import IdentityRefused, StateError
from console.store.state import Store, resolve_state_dir

# (expected role, allow long-term) -> the verdict: the default chain is asked once per process.
_verdicts: dict[tuple[str | None, bool], HostIdentity] = {}


def check_host(course: Course, allow_long_term: bool) -> HostIdentity:
    """The verdict on the host identity, before any call to a trainee account; raises
    ``IdentityRefused`` (exit 3) when it is refused. Asked of AWS once per process."""
    key = (course.host_role, allow_long_term)
    host = _verdicts.get(key)
    if host is None:
        host = resolve_host_identity(
            expected_role=course.host_role, allow_long_term=allow_long_term
        )
        if host.ok:  # a refusal is asked again: the operator may fix it and retry in-process
            _verdicts[key] = host
    if not host.ok:
        raise IdentityRefused(host.problems)
    return host


def forget_host_verdicts() -> None:
    """Ask the default chain again next time (a long-lived console after credentials change)."""
    _verdicts.clear()


@dataclass
class Opened:
    """A course file, its state store and where both live.

    Attributes:
        course: the loaded course (an OU course with its accounts listed or remembered).
        course_path: the course file.
        state_dir: the state folder (the store lives in a folder named for the course in it).
        store: the open store.
        allow_long_term: whether stored or long-term keys were allowed for this process.
    """

    course: Course
    course_path: Path
    state_dir: Path
    store: Store
    allow_long_term: bool = False
    _host: HostIdentity | None = field(default=None, repr=False)
    #: An OU course's pin notes (``console/aws/ou_pins.py``): where the listing disagreed.
    notes: list = field(default_factory=list)

    def host(self) -> HostIdentity:
        """The host identity's verdict (exit 3 when refused), checked once."""
        if self._host is None:
            self._host = check_host(self.course, self.allow_long_term)
        return self._host


def open_course(
    course: str | Path | None,
    state_dir: str | Path | None,
    *,
    read_only: bool = False,
    sync: bool = True,
    allow_long_term: bool = False,
) -> Opened:
    """Load the course and open its store, its roster in line with the course.

    Args:
        course: the course file (None: ``$WHODIDTHIS_COURSE``).
        state_dir: the state folder (None: ``$WHODIDTHIS_STATE_DIR``, else the XDG state dir).
        read_only: open the store read-only, refuse when there is no state yet, call nothing.
        sync: list an OU course's accounts and sync the roster; a reading command passes False
            and takes the trainees its store already knows.
        allow_long_term: accept stored or long-term keys for the host check.
    """
    from console.aws.organizations import with_known_trainees, with_ou_trainees

    path = resolve_course_path(str(course) if course is not None else None)
    loaded = load_course(path)
    folder = resolve_state_dir(
        str(state_dir) if state_dir is not None else None, create=not read_only
    )
    if read_only and not (folder / loaded.name).exists():
        raise StateError(
            f"nothing to view: there is no state for course {loaded.name} in {folder} yet. "
            "Point --state-dir (or $WHODIDTHIS_STATE_DIR) at the operators' state, or run "
            "`whodidthis apply` first."
        )
    opened_host = None
    if sync and not read_only and loaded.trainees_from_ou:
        # The host lists the OU: refuse long-term keys or a wrong role before that call too.
        opened_host = check_host(loaded, allow_long_term)
        loaded = with_ou_trainees(loaded)
    store = Store.open(folder, loaded.name, readonly=read_only)
    notes: list = []
    try:
        if opened_host is not None:  # listed just now: keep each built trainee at its account
            loaded, notes = _pinned(loaded, store)
        if read_only or not sync:
            loaded = with_known_trainees(loaded, [(t.name, t.account) for t in store.trainees()])
        elif not store.readonly:
            store.sync_roster(
                [(t.name, t.account) for t in loaded.trainees],
                [(s.kind, s.name_template) for s in loaded.steps],
            )
            if loaded.trainees_from_ou:
                from console.aws.ou_pins import stored

                store.set_ou_notes({note.trainee: stored(note) for note in notes})
    except BaseException:
        store.close()
        raise
    return Opened(loaded, path, folder, store, allow_long_term, opened_host, notes)


def _pinned(course: Course, store: Store):
    """An OU course's trainees as just listed, each built one kept at its pinned account
    (``console/aws/ou_pins.py``); the notes, each said on stderr."""
    import sys

    from console.aws.organizations import fates_of
    from console.aws.ou_pins import pin
    from console.words import printable

    course, notes = pin(course, store.trainees(), fates_of)
    for note in notes:
        print(printable(f"whodidthis: trainee {note.trainee}: {note.text}"), file=sys.stderr)
    return course, notes
