"""Schema migrations: applied in order, all or nothing, once, never backwards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.errors import StateError
from console.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version
from console.store.state import Store

from .conftest import COURSE


def _add_note_column(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE trainees ADD COLUMN note TEXT")


def _broken(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE half_done (x)")
    raise RuntimeError("migration bug")


@pytest.fixture
def conn(tmp_path: Path):
    connection = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    yield connection
    connection.close()


def test_a_new_database_gets_every_migration(conn):
    assert migrate(conn, "db") == 0
    assert schema_version(conn) == SCHEMA_VERSION
    assert migrate(conn, "db") == SCHEMA_VERSION  # nothing left to do the second time


def test_a_later_migration_runs_on_an_existing_store(state_dir, store: Store):
    store.sync_roster([("alice", "111111111111")], [])
    store.close()
    conn = sqlite3.connect(store.path, isolation_level=None)
    try:
        assert migrate(conn, "db", [*MIGRATIONS, _add_note_column]) == SCHEMA_VERSION
        assert schema_version(conn) == SCHEMA_VERSION + 1
        assert conn.execute("SELECT name, note FROM trainees").fetchall() == [("alice", None)]
    finally:
        conn.close()
    with pytest.raises(StateError, match="newer than this whodidthis"):
        Store.open(state_dir, COURSE)


def test_a_failing_migration_leaves_the_database_as_it_was(conn):
    migrate(conn, "db")
    with pytest.raises(RuntimeError, match="migration bug"):
        migrate(conn, "db", [*MIGRATIONS, _add_note_column, _broken])
    assert schema_version(conn) == SCHEMA_VERSION
    columns = [row[1] for row in conn.execute("PRAGMA table_info(trainees)")]
    assert "note" not in columns
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchall() == []
