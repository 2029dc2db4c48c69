"""The state store: one SQLite database per course, shared by the engine and every console.

``<state dir>/<course>/state.sqlite3`` holds the runs, the trainee and step states, the events
consoles poll, the ledger and the command queue; ``engine.lock`` beside it says which process
is the course's engine. Several processes open the same database at once (one engine, any
number of consoles); each write is one short transaction, so a console never sees half of one
and a crash never leaves one behind. No credential is ever written (:mod:`console.store.guard`).

Layout of the code: :mod:`console.store.db` (connection, transactions, errors),
:mod:`console.store.schema` (tables, migrations), :mod:`console.store.events`,
:mod:`console.store.ledger`, :mod:`console.store.queue` and :mod:`console.store.runs` (the
parts of :class:`Store`), :mod:`console.store.lock` (the engine lock).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from console.course.placeholders import render_text
from console.errors import StateError
from console.model import Event, Leftover, StepState, StepStatus, TraineeState, TraineeStatus
from console.store.db import Database, row_dict
from console.store.folder import (
    course_state_dir,
    prepare_writable,
    refuse_empty_database,
    refuse_untrusted_contents,
)
from console.store.folder import resolve_state_dir as resolve_state_dir  # where callers look
from console.store.guard import refuse_credentials
from console.store.ledger import Ledger
from console.store.milestones import Milestones
from console.store.queue import CommandQueue
from console.store.roster import sync_steps, sync_trainees
from console.store.runs import EngineRuns

DB_FILE = "state.sqlite3"
COURSE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,127}")

TRAINEE_FIELDS = frozenset(
    {
        "state",
        "step_index",
        "principal_arn",
        "session_name",
        "source_identity",
        "last_action",
        "error",
        "error_code",
        "started_at",
        "finished_at",
        "leftovers",
        "receipt",
        "ou_note",
    }
)
STEP_FIELDS = frozenset({"state", "error", "resource_arn", "name"})


class Store(Ledger, CommandQueue, EngineRuns, Milestones):
    """A course's state store. Each process opens its own; calls on one instance are serialised.

    Attributes:
        path: the database file.
        course_dir: the directory holding it and the engine lock.
        course_name: the course.
        readonly: True when writes are refused (asked for, or the directory is not writable).
    """

    def __init__(self, db: Database, course_name: str, clock: Callable[[], float]):
        self._db = db
        self._clock = clock
        self.path = db.path
        self.course_dir = db.path.parent
        self.course_name = course_name
        self.readonly = db.readonly
        self._version = 0
        self._version_key: tuple[int, int, int] | None = None

    @property
    def snapshot(self) -> bool:
        """True while a read-only store reads the file without a live writer (see Database)."""
        return self._db.snapshot

    @classmethod
    def open(
        cls,
        state_dir: Path,
        course_name: str,
        *,
        readonly: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> Store:
        """Open (creating if needed) the store of ``course_name`` under ``state_dir``.

        Falls back to read-only when the course directory or database is not writable.

        Args:
            state_dir: from :func:`resolve_state_dir`.
            course_name: ``[a-z0-9-]``, as the course file allows.
            readonly: never write (a console that only watches).
            clock: seconds since the epoch; tests pass a fixed clock.

        Raises:
            StateError: the name is not a course name, the store does not exist and cannot be
                created, or it cannot be opened (with what to do).
        """
        if not COURSE_NAME.fullmatch(course_name):
            raise StateError(f"{course_name!r} is not a course name: use [a-z0-9-]")
        course_dir = course_state_dir(state_dir, course_name)
        path = course_dir / DB_FILE
        refuse_untrusted_contents(course_dir, path)
        refuse_empty_database(path)
        if not readonly:
            readonly = not prepare_writable(course_dir, path)
        if readonly and not path.exists():
            raise StateError(
                f"there is no state for course {course_name} in {Path(state_dir)} yet, and it "
                "cannot be created there: run the command with a writable --state-dir"
            )
        store = cls(Database(path, readonly=readonly), course_name, clock)
        try:
            store._check_meta()
        except StateError:
            store.close()
            raise
        return store

    def meta(self) -> dict[str, str]:
        """The store's own facts: ``course``, ``created_at``."""
        with self._db.read() as conn:
            return {row["key"]: row["value"] for row in conn.execute("SELECT key, value FROM meta")}

    def _check_meta(self) -> None:
        """Record which course this database belongs to, or check it (a moved directory)."""
        course = self.meta().get("course")
        if course is None and not self.readonly:
            with self._db.write() as conn:
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value)"
                    " VALUES ('course', ?), ('created_at', ?)",
                    (self.course_name, repr(self._clock())),
                )
        elif course is not None and course != self.course_name:
            raise StateError(
                f"the state store {self.path} belongs to course {course}, not {self.course_name}; "
                f"was the directory renamed? Move it back to {self.course_dir.parent / course}"
            )

    def close(self) -> None:
        """Close the database connection; the store is unusable afterwards."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- roster ------------------------------------------------------------------------------

    def sync_roster(self, trainees: list[tuple[str, str]], steps: list[tuple[str, str]]) -> None:
        """Make the trainee and step rows match the course, keeping the states already there.

        New trainees start PENDING. A trainee no longer in the course is kept (its ledger and
        resources still matter to teardown and reports) but marked removed and hidden from
        :meth:`trainees`; it comes back with its state if the course lists it again. A trainee
        whose account changed starts again at PENDING: its old state described another
        account. A step keeps its state while its kind and name template at that position are
        unchanged; otherwise it starts again at PENDING.

        Args:
            trainees: ``(name, account)`` pairs.
            steps: ``(kind, name_template)`` pairs in course order.
        """
        refuse_credentials({"trainees": trainees, "steps": steps}, "roster")
        with self._db.write() as conn:
            counts = sync_trainees(conn, dict(trainees))
            sync_steps(conn, [name for name, _ in trainees], list(steps))
            if any(counts.values()):
                self._insert_event(conn, "roster", None, counts)

    def set_ou_notes(self, notes: Mapping[str, str]) -> None:
        """Each OU trainee's note (``console/aws/ou_pins.py``); cleared for every other one."""
        refuse_credentials(dict(notes), "trainees.ou_note")
        with self._db.write() as conn:
            conn.execute("UPDATE trainees SET ou_note = NULL WHERE ou_note IS NOT NULL")
            conn.executemany(
                "UPDATE trainees SET ou_note = ? WHERE name = ?",
                [(text, name) for name, text in notes.items()],
            )

    def trainees(self, *, include_removed: bool = False) -> list[TraineeStatus]:
        """Every trainee of the course, sorted by name, with its steps."""
        where = "" if include_removed else "WHERE removed = 0"
        with self._db.read() as conn:
            rows = conn.execute(f"SELECT * FROM trainees {where} ORDER BY name").fetchall()
            step_rows = conn.execute("SELECT * FROM steps ORDER BY trainee, idx").fetchall()
        return self._statuses(rows, step_rows)

    def trainees_named(self, names: Iterable[str]) -> list[TraineeStatus]:
        """The named trainees (not removed) with their steps, sorted by name; unknown names are
        left out. Two queries whatever the count: a console reads a poll's changes with it."""
        wanted = json.dumps(sorted(set(names)))
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT * FROM trainees WHERE removed = 0 AND name IN "
                "(SELECT value FROM json_each(?)) ORDER BY name",
                (wanted,),
            ).fetchall()
            step_rows = conn.execute(
                "SELECT * FROM steps WHERE trainee IN (SELECT value FROM json_each(?)) "
                "ORDER BY trainee, idx",
                (wanted,),
            ).fetchall()
        return self._statuses(rows, step_rows)

    def trainee(self, name: str, *, include_removed: bool = False) -> TraineeStatus | None:
        """One trainee with its steps, or None when the course has no such trainee."""
        with self._db.read() as conn:
            row = conn.execute("SELECT * FROM trainees WHERE name = ?", (name,)).fetchone()
            step_rows = conn.execute(
                "SELECT * FROM steps WHERE trainee = ? ORDER BY idx", (name,)
            ).fetchall()
        if row is None or (row["removed"] and not include_removed):
            return None
        return self._status(row, step_rows)

    def set_trainee(self, name: str, **fields: object) -> Event:
        """Update a trainee's fields and write a ``trainee`` event; returns the event.

        The event carries the fields whose value changed, and always ``state``.

        Raises:
            TypeError: a field that is not one of TraineeStatus's writable fields.
            StateError: no such trainee.
        """
        values = _columns(fields, TRAINEE_FIELDS, "set_trainee")
        if "state" in values:
            values["state"] = TraineeState(values["state"]).value
        if "leftovers" in values:
            values["leftovers"] = json.dumps(
                [{"arn": item.arn, "type": item.type} for item in values["leftovers"] or ()]
            )
        refuse_credentials(values, "trainees")
        now = self._clock()
        with self._db.write() as conn:
            row = self._trainee_row(conn, name)
            changed = {key: value for key, value in values.items() if row[key] != value}
            assignments = "".join(f"{key} = ?, " for key in values)
            conn.execute(
                f"UPDATE trainees SET {assignments}updated_at = ? WHERE name = ?",
                (*values.values(), now, name),
            )
            fields_out = {"state": values.get("state", row["state"]), **changed}
            if "leftovers" in changed:  # the event carries the list, as status --json does
                fields_out["leftovers"] = json.loads(changed["leftovers"])
            return self._insert_event(conn, "trainee", name, fields_out, now)

    def set_step(self, trainee: str, index: int, **fields: object) -> Event:
        """Update one step of a trainee and write a ``step`` event; returns the event.

        The event carries ``index``, ``kind``, ``step`` (the step's name) and ``state`` always,
        and the other fields whose value changed.

        Raises:
            TypeError: a field other than state, error, resource_arn and name.
            StateError: no such trainee or step.
        """
        values = _columns(fields, STEP_FIELDS, "set_step")
        if "state" in values:
            values["state"] = StepState(values["state"]).value
        refuse_credentials(values, "steps")
        now = self._clock()
        with self._db.write() as conn:
            owner = self._trainee_row(conn, trainee)
            row = conn.execute(
                "SELECT * FROM steps WHERE trainee = ? AND idx = ?", (trainee, index)
            ).fetchone()
            if row is None:
                raise StateError(
                    f"trainee {trainee} has no step {index} in course {self.course_name}"
                )
            changed = {key: value for key, value in values.items() if row[key] != value}
            assignments = "".join(f"{key} = ?, " for key in values)
            conn.execute(
                f"UPDATE steps SET {assignments}updated_at = ? WHERE trainee = ? AND idx = ?",
                (*values.values(), now, trainee, index),
            )
            merged = {**row_dict(row), **values}
            fields_out = {
                "index": index,
                "kind": row["kind"],
                "step": self._step_name(merged, owner),
                "state": merged["state"],
                **{key: value for key, value in changed.items() if key != "name"},
            }
            return self._insert_event(conn, "step", trainee, fields_out, now)

    def data_version(self) -> int:
        """A number that grows whenever the database changed since the previous call.

        Cheap enough to poll several times a second: it combines ``PRAGMA data_version``
        (commits by other connections), this connection's own change count and the last
        event id, and counts how often that combination changed.
        """
        with self._db.read() as conn:
            other = conn.execute("PRAGMA data_version").fetchone()[0]
            last = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        key = (int(other), self._db.total_changes(), int(last))
        if key != self._version_key:
            self._version_key = key
            self._version += 1
        return self._version

    # -- rows to records ---------------------------------------------------------------------

    def _trainee_row(self, conn: sqlite3.Connection, name: str) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM trainees WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise StateError(f"course {self.course_name} has no trainee named {name}")
        return row

    def _statuses(
        self, rows: list[sqlite3.Row], step_rows: list[sqlite3.Row]
    ) -> list[TraineeStatus]:
        """Trainee rows joined with their step rows (ordered by trainee, then index)."""
        steps: dict[str, list[sqlite3.Row]] = {}
        for step in step_rows:
            steps.setdefault(step["trainee"], []).append(step)
        return [self._status(row, steps.get(row["name"], [])) for row in rows]

    def _status(self, row: sqlite3.Row, steps: list[sqlite3.Row]) -> TraineeStatus:
        return TraineeStatus(
            name=row["name"],
            account=row["account"],
            state=TraineeState(row["state"]),
            step_index=row["step_index"],
            step_count=len(steps),
            principal_arn=row["principal_arn"],
            session_name=row["session_name"],
            source_identity=row["source_identity"],
            last_action=row["last_action"],
            error=row["error"],
            error_code=row["error_code"],
            started_at=row["started_at"],
            updated_at=row["updated_at"],
            finished_at=row["finished_at"],
            leftovers=tuple(
                Leftover(item["arn"], item["type"]) for item in json.loads(row["leftovers"] or "[]")
            ),
            receipt=row["receipt"],
            ou_note=row["ou_note"],
            steps=tuple(
                StepStatus(
                    index=step["idx"],
                    kind=step["kind"],
                    name=self._step_name(step, row),
                    state=StepState(step["state"]),
                    error=step["error"],
                    resource_arn=step["resource_arn"],
                )
                for step in steps
            ),
        )

    def _step_name(self, step: Mapping | sqlite3.Row, trainee: Mapping | sqlite3.Row) -> str:
        """The name the engine set, else the course's template with the placeholders filled."""
        if step["name"]:
            return step["name"]
        values = {"trainee": trainee["name"], "course": self.course_name}
        return render_text(step["name_template"] or "", values | {"account": trainee["account"]})


def _columns(fields: Mapping[str, object], allowed: frozenset[str], method: str) -> dict:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise TypeError(f"{method}() got unknown fields {unknown}; allowed: {sorted(allowed)}")
    return {
        key: (value.value if isinstance(value, TraineeState | StepState) else value)
        for key, value in fields.items()
    }
