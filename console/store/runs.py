"""The engine of a course and its runs: who is running, since when, and what each run did.

An engine is alive exactly while it holds the course's engine lock (:mod:`console.store.lock`), so
"is this run still going?" is answered by the lock, not by a pid that may have been reused.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from console.errors import StateError
from console.store.db import Database, row_dict
from console.store.guard import refuse_credentials
from console.store.lock import EngineLock, read_holder

LOCK_FILE = "engine.lock"


class EngineRuns:
    """The part of :class:`console.store.state.Store` about the engine lock and the runs."""

    _db: Database
    _clock: Callable[[], float]
    course_dir: Path
    course_name: str
    readonly: bool
    _held_lock: EngineLock | None = None

    def engine_lock(self) -> EngineLock:
        """The course's engine lock, to use as a context manager (acquired on entry).

        Runs begun on this store while the lock is held record its engine id.

        Raises:
            StateError: on entry, when a live process holds it (naming pid, host and start
                time); here, when the store is read-only (an engine must write).
        """
        if self.readonly:
            raise StateError(
                f"cannot run the engine for course {self.course_name}: its state store "
                f"{self.course_dir} is read-only for this user; use a writable --state-dir"
            )
        self._held_lock = EngineLock(
            self.course_dir / LOCK_FILE, self.course_name, clock=self._clock
        )
        return self._held_lock

    def engine_holder(self) -> dict | None:
        """``pid``, ``host``, ``started_at`` and ``engine_id`` of the live engine, else None."""
        return read_holder(self.course_dir / LOCK_FILE)

    def engine_alive(self, engine_id: str) -> bool:
        """True when ``engine_id`` holds the course's engine lock now (for reclaim_abandoned)."""
        holder = self.engine_holder()
        return holder is not None and holder["engine_id"] == engine_id

    def begin_run(self, kind: str, operator: str, pid: int, trainees: Iterable[str]) -> int:
        """Record the start of a run (apply, retry, teardown); returns its id."""
        names = list(trainees)
        lock = self._held_lock
        engine_id = lock.engine_id if lock is not None and lock.held else None
        refuse_credentials({"kind": kind, "operator": operator, "trainees": names}, "runs")
        with self._db.write() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (kind, operator, pid, host, engine_id, trainees, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    operator,
                    pid,
                    socket.gethostname(),
                    engine_id,
                    json.dumps(names),
                    self._clock(),
                ),
            )
            return int(cursor.lastrowid or 0)  # an INSERT always sets it

    def finish_run(self, run_id: int, summary: dict) -> None:
        """Record the end of a run with its summary (counts of trainees per state, ...).

        Raises:
            StateError: no such run, or it already finished.
        """
        refuse_credentials(summary, "runs.summary")
        with self._db.write() as conn:
            changed = conn.execute(
                "UPDATE runs SET finished_at = ?, summary = ? WHERE id = ? AND finished_at IS NULL",
                (self._clock(), json.dumps(summary, default=str), run_id),
            ).rowcount
        if changed != 1:
            raise StateError(f"run {run_id} does not exist or has already finished")

    def runs(self) -> list[dict]:
        """Every run, oldest first, each a dict of its columns plus ``alive``.

        ``alive`` is True only for an unfinished run whose engine holds the lock now; an
        unfinished run that is not alive was interrupted (its engine crashed or was killed).
        """
        with self._db.read() as conn:
            rows = conn.execute("SELECT * FROM runs ORDER BY id").fetchall()
        holder = self.engine_holder()
        return [_run(row, holder) for row in rows]

    def current_run(self) -> dict | None:
        """The latest unfinished run whose engine is alive, else None."""
        holder = self.engine_holder()
        if holder is None:
            return None
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT * FROM runs WHERE finished_at IS NULL ORDER BY id DESC"
            ).fetchall()
        for row in rows:
            run = _run(row, holder)
            if run["alive"]:
                return run
        return None


def _run(row: sqlite3.Row, holder: dict | None) -> dict:
    run = row_dict(row)
    run["trainees"] = json.loads(run["trainees"])
    run["summary"] = None if run["summary"] is None else json.loads(run["summary"])
    run["alive"] = run["finished_at"] is None and _held_by(run, holder)
    return run


def _held_by(run: dict, holder: dict | None) -> bool:
    if holder is None:
        return False
    if run["engine_id"] is not None:
        return run["engine_id"] == holder["engine_id"]
    # A run begun without the lock in hand: its process must be the holder.
    return run["pid"] == holder["pid"] and run["host"] == holder["host"]
