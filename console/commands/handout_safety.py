"""What keeps ``handout`` from losing passwords (issue 26, item 5).

A password handout changes something in AWS that only its output can tell: once
UpdateLoginProfile answered, the old password is gone and the new one exists only in this
process. So:

* one handout per course at a time (``handout.lock`` beside the store, ``flock``): a second
  one would replace passwords the first is printing;
* ``--out`` is made ready (its temporary file created in its folder) before any password
  changes: a missing or unwritable folder is an error with nothing changed;
* output that cannot be delivered (a closed pipe, ``/dev/full``) or Ctrl+C midway is said on
  stderr, naming every trainee whose password changed, with exit 1 (130 for Ctrl+C).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from console.errors import StateRefused, UsageError
from console.words import printable


class HandoutBusy(StateRefused):
    """Another handout for the course is running; this one changed nothing."""


@contextlib.contextmanager
def handout_lock(course_dir: Path) -> Iterator[None]:
    """Hold the course's handout lock, or refuse at once (exit 2) when another run holds it."""
    path = Path(course_dir) / "handout.lock"
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise StateRefused(f"cannot open {path}: {exc.strerror}; remove it and retry") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise HandoutBusy(
                f"another handout for this course is running (it holds {path}); nothing was "
                "changed. Wait for it to finish: two at once would each replace passwords the "
                "other hands out"
            ) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


class PreparedOut:
    """``--out FILE``'s temporary file, made (0600) in FILE's folder before any change."""

    def __init__(self, path: Path):
        self.path = path
        folder = path.parent if str(path.parent) else Path(".")
        try:
            self.fd, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        except OSError as exc:
            raise UsageError(
                f"--out {printable(str(path))}: cannot write in {printable(str(folder))} "
                f"({exc.strerror}); nothing was changed: give a file in a folder you can write"
            ) from None
        self.temporary = Path(name)

    def commit(self, text: str) -> None:
        """Write ``text`` and move the file into place (atomic, never readable by others)."""
        try:
            with os.fdopen(self.fd, "w", encoding="utf-8") as out:
                os.fchmod(out.fileno(), 0o600)
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(self.temporary, self.path)
        finally:
            self.temporary.unlink(missing_ok=True)

    def discard(self) -> None:
        """Remove the temporary file (nothing to write)."""
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.temporary.unlink(missing_ok=True)


def refuse_closed_stdout() -> None:
    """With no ``--out``, stdout must be open before any password changes.

    Raises:
        UsageError: stdout is closed (``>&-``): the passwords would reach no one.
    """
    stream = sys.stdout
    if stream is None or not stream.writable():
        raise UsageError(
            "handout: stdout is closed, so the passwords would reach no one; nothing was "
            "changed. Give --out FILE, or run it with stdout open"
        )


def deliver_to_stdout(text: str) -> OSError | None:
    """Write ``text`` to stdout and flush; the error when it could not all be delivered."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:  # BrokenPipeError (the reader left), ENOSPC (/dev/full), EIO
        from console.commands.stdout import silence_stdout

        silence_stdout()
        return exc
    return None


def undelivered(changed: list[str], error: BaseException, where: str) -> str:
    """The stderr sentence when passwords changed but their output did not arrive."""
    reason = (
        "the reader went away"
        if isinstance(error, BrokenPipeError) or getattr(error, "errno", None) == errno.EPIPE
        else (getattr(error, "strerror", None) or str(error))
    )
    return (
        f"whodidthis handout: the passwords could not be delivered to {where} ({reason}). "
        f"{_changed(changed)} Run handout again for them (--out FILE keeps them in a file)."
    )


def interrupted(changed: list[str], in_flight: list[str]) -> str:
    """The stderr sentence for Ctrl+C midway: whose passwords changed, whose may have."""
    maybe = ""
    if in_flight:
        maybe = f" The change for {', '.join(in_flight)} was under way and may have happened."
    return f"whodidthis handout: interrupted. {_changed(changed)}{maybe}"


def _changed(changed: list[str]) -> str:
    if not changed:
        return "No password was changed."
    return f"These {len(changed)} trainee(s) now have a new password: {', '.join(changed)}."
