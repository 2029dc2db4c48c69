"""The event log: what consoles poll to follow a run, by a monotonically increasing id.

SQLite runs one write transaction at a time and an event id is assigned inside it, so ids are
committed in increasing order: a poller that remembers the last id it saw and asks for the ones
after it never misses an event and never sees one twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from console.model import Event
from console.store.db import Database
from console.store.guard import refuse_credentials


class EventLog:
    """The part of :class:`console.store.state.Store` that writes and reads events."""

    _db: Database
    _clock: Callable[[], float]

    def add_event(self, type: str, trainee: str | None, **fields: object) -> Event:
        """Append one event, in its own transaction, and return it with its id.

        Args:
            type: ``trainee``, ``step``, ``action``, ``summary`` or another word consoles know.
            trainee: the trainee it is about, or None for course-wide events.
            **fields: JSON-serialisable values (enums are written as their value).
        """
        refuse_credentials(fields, f"events.{type}")
        with self._db.write() as conn:
            return self._insert_event(conn, type, trainee, fields)

    def events_since(self, event_id: int, limit: int = 10_000) -> list[Event]:
        """Events with an id greater than ``event_id``, oldest first, at most ``limit``."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT id, ts, type, trainee, fields FROM events WHERE id > ? ORDER BY id LIMIT ?",
                (event_id, limit),
            ).fetchall()
        return [_event(row) for row in rows]

    def latest_events(self, type: str, trainee: str, limit: int = 20) -> list[Event]:
        """The newest ``limit`` events of one type about one trainee, oldest first (the trust
        check's warnings for a trainee's x-ray)."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT id, ts, type, trainee, fields FROM events WHERE type = ? AND trainee = ? "
                "ORDER BY id DESC LIMIT ?",
                (type, trainee, limit),
            ).fetchall()
        return [_event(row) for row in reversed(rows)]

    def last_event_id(self) -> int:
        """The newest event's id, or 0 when there is none."""
        return int(self._db.scalar("SELECT coalesce(max(id), 0) FROM events"))

    def _insert_event(
        self,
        conn: sqlite3.Connection,
        type: str,
        trainee: str | None,
        fields: dict,
        ts: float | None = None,
    ) -> Event:
        """Insert an event inside the caller's transaction; the caller has guarded ``fields``."""
        ts = self._clock() if ts is None else ts
        encoded = _EVENT_JSON.encode(fields)
        cursor = conn.execute(
            "INSERT INTO events (ts, type, trainee, fields) VALUES (?, ?, ?, ?)",
            (ts, type, trainee, encoded),
        )
        # Return what a poller will read back (enums as plain strings), not the caller's objects.
        return Event(cursor.lastrowid, ts, type, trainee, _read_back(fields, encoded))


def _event(row: sqlite3.Row) -> Event:
    return Event(row["id"], row["ts"], row["type"], row["trainee"], json.loads(row["fields"]))


_PLAIN = (str, int, float, bool, type(None))
#: ``json.dumps(fields, separators=(",", ":"), default=str)`` made once (``dumps`` with options
#: builds an encoder per call; the engine writes several events per AWS call).
_EVENT_JSON = json.JSONEncoder(separators=(",", ":"), default=str)


def _read_back(fields: dict, encoded: str) -> dict:
    """What ``json.loads(encoded)`` gives, without decoding when every value is a plain str,
    number or None (the engine's every trainee, step and ledger event): then it is a copy.

    An enum, list or anything else goes through JSON, as a poller would see it."""
    if all(type(value) in _PLAIN for value in fields.values()) and all(
        type(key) is str for key in fields
    ):
        return dict(fields)
    return json.loads(encoded)
