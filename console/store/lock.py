"""One engine per course: an exclusive ``flock`` on ``<course dir>/engine.lock``.

``flock`` locks belong to the open file, and the kernel drops them when the last descriptor to
it closes, including when the process dies (``kill -9``, OOM, a dropped SSM session): a dead
engine never holds the lock. The file holds the holder's pid, host, start time and engine id so
a second engine can say who holds it; the file is emptied, never deleted, on release (deleting
a lock file lets two processes lock two different inodes).

Caveat: a forked child inherits the descriptor and so the lock; the engine must not fork
children that outlive it (subprocess and asyncio close descriptors they are not given).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from console.errors import StateError

# A console probing the holder takes a shared lock for a few microseconds; an engine starting at
# that instant retries for this long before concluding the lock is really held.
ACQUIRE_PATIENCE_S = 0.5
ACQUIRE_STEP_S = 0.02


def this_process() -> str:
    """``host:pid:``, how every engine id of this process begins (``EngineLock.engine_id``)."""
    return f"{socket.gethostname()}:{os.getpid()}:"


class EngineLock:
    """The engine lock of one course; a context manager that acquires on entry.

    Attributes:
        path: the lock file.
        course: the course name, for messages.
        engine_id: ``host:pid:random``, unique per lock object; written into the lock file and
            into the runs and commands the engine claims.
    """

    def __init__(self, path: Path, course: str, *, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.course = course
        self.engine_id = f"{this_process()}{uuid.uuid4().hex[:8]}"
        self._clock = clock
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """True between a successful :meth:`acquire` and :meth:`release`."""
        return self._fd is not None

    def acquire(self) -> EngineLock:
        """Take the lock or explain who holds it.

        Raises:
            StateError: another live process holds it (naming pid, host and start time), or the
                lock file cannot be created.
        """
        if self._fd is not None:
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StateError(
                f"cannot create the engine lock {self.path}: {exc.strerror}; make the directory "
                "writable or pass --state-dir DIR"
            ) from exc
        if not _flock_with_patience(fd):
            holder = read_holder(self.path)
            os.close(fd)
            raise StateError(self._held_message(holder))
        self._fd = fd
        self._write_holder(fd)
        return self

    def release(self) -> None:
        """Empty the lock file and release the lock; safe to call twice."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> EngineLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _write_holder(self, fd: int) -> None:
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": self._clock(),
            "engine_id": self.engine_id,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)

    def _held_message(self, holder: dict | None) -> str:
        if holder is None or holder.get("pid") is None:
            who = "another process (it has not written its pid yet)"
        else:
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder["started_at"] or 0))
            who = f"pid {holder['pid']} on {holder['host']} since {since}"
        return (
            f"the engine for course {self.course} is already running: {who}; "
            f"attach with `whodidthis {self.course}` or wait"
        )


def read_holder(path: Path) -> dict | None:
    """Who holds the engine lock at ``path``: pid, host, started_at, engine_id; None if nobody.

    A file left behind by a killed engine still names it, so the content alone proves nothing:
    when it names someone, a shared non-blocking lock tells whether that someone is alive.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        holder = _parse_holder(os.pread(fd, 4096, 0))
        if holder is None:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return holder
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _parse_holder(raw: bytes) -> dict | None:
    try:
        data = json.loads(raw.decode())
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return {key: data.get(key) for key in ("pid", "host", "started_at", "engine_id")}


def _flock_with_patience(fd: int) -> bool:
    deadline = time.monotonic() + ACQUIRE_PATIENCE_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(ACQUIRE_STEP_S)
