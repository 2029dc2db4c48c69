"""The SQLite connection under the store: opening, transactions, and errors a user can act on.

Writers open the file read-write in WAL mode with ``synchronous=NORMAL``: a commit is one
append to the WAL without an fsync, and a crash (even ``kill -9``) loses nothing committed and
never corrupts the file; only a power cut may drop the last commits. Readers never block the
writer and the writer never blocks readers. Every write is one short ``BEGIN IMMEDIATE``
transaction, so writers queue on the busy timeout instead of failing half-way.
"""

from __future__ import annotations

import contextlib
import getpass
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from console.errors import StateError, StateRefused
from console.store.schema import SCHEMA_VERSION, check_version, migrate, schema_version

BUSY_TIMEOUT_MS = 5000
WAL_SWITCH_RETRY_S = 0.005


class Database:
    """One connection to a course's ``state.sqlite3``, used one call at a time.

    Attributes:
        path: the database file.
        readonly: True when opened with ``mode=ro`` (or ``immutable=1``); every write raises.
        snapshot: True while the file can only be read ``immutable=1`` (read-only directory
            and no writer): reads then show the main file as it is. As soon as a writer opens
            it (its ``-shm`` file appears) the next read switches to a live ``mode=ro``
            connection, so a watching console follows an engine started after it.
    """

    def __init__(self, path: Path, *, readonly: bool):
        self.path = Path(path)
        self.readonly = readonly
        self.snapshot = False
        # check_same_thread=False lets a console open the store on one thread and poll it from a
        # worker thread; the lock keeps calls from two threads from interleaving transactions.
        self._lock = threading.RLock()
        with translate_errors(self.path, "open"):
            self._conn = self._connect_readonly() if readonly else self._connect_writable()
        self._conn.row_factory = sqlite3.Row

    def _connect_writable(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            check_integrity(conn, self.path)
            _switch_to_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn, str(self.path))
        except BaseException:
            conn.close()
            raise
        return conn

    def _connect_readonly(self) -> sqlite3.Connection:
        uri = self.path.absolute().as_uri()
        try:
            conn = self._probe(f"{uri}?mode=ro")
        except sqlite3.OperationalError:
            # A WAL database needs its -shm file to be read; with no writer around and no right
            # to create it, only an immutable open can read the (then complete) main file.
            conn = self._probe(f"{uri}?immutable=1")
            self.snapshot = True
        try:
            check_integrity(conn, self.path)
            found = schema_version(conn)
            check_version(found, str(self.path))
            if found < SCHEMA_VERSION:
                raise StateError(
                    f"the state store {self.path} has schema version {found}, older than this "
                    "whodidthis; open it once with write access (any command) to migrate it"
                )
        except BaseException:
            conn.close()
            raise
        return conn

    def _follow_writer(self) -> None:
        """Leave the immutable snapshot for a live read-only connection once a writer exists."""
        if not self.path.with_name(self.path.name + "-shm").exists():
            return
        try:
            conn = self._probe(f"{self.path.absolute().as_uri()}?mode=ro")
        except sqlite3.Error:
            return  # not readable live yet; keep the snapshot and try on the next read
        conn.row_factory = sqlite3.Row
        self._conn.close()
        self._conn, self.snapshot = conn, False

    def _probe(self, uri: str) -> sqlite3.Connection:
        conn = sqlite3.connect(
            uri,
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on any error."""
        if self.readonly:
            raise StateError(
                f"the state store {self.path} is open read-only; this command needs write "
                "access to it (check the directory's permissions or pass --state-dir DIR)"
            )
        with self._lock, translate_errors(self.path, "write"):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                # SQLite may already have rolled back by itself (disk full, I/O error).
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same snapshot."""
        with self._lock, translate_errors(self.path, "read"):
            if self.snapshot:
                self._follow_writer()
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                if self._conn.in_transaction:
                    self._conn.execute("COMMIT")

    def scalar(self, sql: str, params: tuple = ()) -> Any:
        """The first column of the first row of one query (its own snapshot)."""
        with self._lock, translate_errors(self.path, "read"):
            if self.snapshot:
                self._follow_writer()
            row = self._conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def total_changes(self) -> int:
        """Rows this connection changed since it opened (sees our own writes)."""
        return self._conn.total_changes

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        with self._lock:
            self._conn.close()


def check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    """``PRAGMA quick_check`` at open: a store damaged in the middle (a page overwritten, a
    b-tree cut) is refused before anything reads or writes it, not found half-way through a
    run. quick_check reads every page once without the index cross-checks of integrity_check:
    measured 0.44 s on a 52 MB database (8 ms per MB; integrity_check took 0.97 s) on the
    2-core build host, so a store of a few MB costs an open some tens of milliseconds.

    Raises:
        StateRefused: the check found damage (through :func:`translate_errors`).
    """
    rows = conn.execute("PRAGMA quick_check(5)").fetchall()
    found = [str(row[0]) for row in rows]
    if found != ["ok"]:
        raise sqlite3.DatabaseError("; ".join(found)[:300])


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """Put the database in WAL mode (a lasting property of the file), waiting for other openers.

    Switching needs an exclusive lock, and SQLite answers "database is locked" at once instead
    of calling the busy handler when another process opening a new store holds it: so wait
    here, as the busy handler would, up to the same timeout.
    """
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            # A file system without WAL support answers another mode; SQLite then still works.
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(WAL_SWITCH_RETRY_S)


def row_dict(row: sqlite3.Row) -> dict:
    """A row as a plain dict of column name to value."""
    return dict(zip(row.keys(), row, strict=True))


@contextlib.contextmanager
def translate_errors(path: Path, doing: str) -> Iterator[None]:
    """Turn SQLite's operational errors into a :class:`StateError` saying what to do."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise StateError(operational_message(path, doing, str(exc))) from exc
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
            raise  # our bug, not the user's problem: keep the traceback
        raise StateRefused(
            f"the state store {path} is damaged ({exc}); nothing was changed. To keep its "
            f"ledger, move it aside (mv {path.parent} {path.parent}.damaged) and run the "
            "command again: a new store is created, and resources in AWS carry their tags and "
            "are adopted, not duplicated"
        ) from exc


def operational_message(path: Path, doing: str, detail: str) -> str:
    """The message for one of SQLite's operational errors, by what the user can do about it."""
    lowered = detail.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return (
            f"cannot {doing} the state store {path}: it is read-only for user "
            f"{_user()} ({detail}); make {path.parent} and the files in it writable by "
            "that user, or pass --state-dir DIR"
        )
    if "full" in lowered:
        return (
            f"cannot {doing} the state store {path}: the disk is full ({detail}); nothing was "
            f"half-written. Free space on the disk holding {path.parent}, then run the command "
            "again: the run resumes where it stopped"
        )
    if "disk i/o error" in lowered:
        return (
            f"cannot {doing} the state store {path}: the system refused the write ({detail}): "
            f"the disk holding {path.parent} may be full, or a file size limit reached. Nothing "
            "was half-written; free space (or lift the limit), then run the command again: the "
            "run resumes where it stopped"
        )
    if "locked" in lowered or "busy" in lowered:
        return (
            f"the state store {path} stayed locked by another process for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s ({detail}); try again, and if it persists look for a "
            "stuck whodidthis process"
        )
    if "unable to open" in lowered:
        return (
            f"cannot open the state store {path} ({detail}); check that {path.parent} exists and "
            f"is readable by user {_user()}, or pass --state-dir DIR"
        )
    return f"cannot {doing} the state store {path}: {detail}"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "this user"
