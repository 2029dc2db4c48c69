"""The state store's schema and its migrations, versioned with ``PRAGMA user_version``.

Each migration is a function from version N-1 to N, run inside the same ``BEGIN IMMEDIATE``
transaction as the ``user_version`` bump, so two processes opening a new database at once
cannot both migrate it and a crash mid-migration leaves the previous version intact. Add a
migration by appending a function to ``MIGRATIONS``; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from console.errors import StateError


def _v1_tables(conn: sqlite3.Connection) -> None:
    """The first schema: runs, trainees, steps, events, ledger, commands, meta."""
    statements = [
        """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT
        )""",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            operator TEXT,
            pid INTEGER,
            host TEXT,
            engine_id TEXT,
            trainees TEXT NOT NULL DEFAULT '[]',
            started_at REAL NOT NULL,
            finished_at REAL,
            summary TEXT
        )""",
        """CREATE TABLE trainees (
            name TEXT PRIMARY KEY,
            account TEXT NOT NULL,
            removed INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL DEFAULT 'PENDING',
            step_index INTEGER,
            principal_arn TEXT,
            session_name TEXT,
            source_identity TEXT,
            last_action TEXT,
            error TEXT,
            error_code TEXT,
            started_at REAL,
            updated_at REAL,
            finished_at REAL
        )""",
        """CREATE TABLE steps (
            trainee TEXT NOT NULL,
            idx INTEGER NOT NULL,
            kind TEXT NOT NULL,
            name_template TEXT,
            name TEXT,
            state TEXT NOT NULL DEFAULT 'PENDING',
            error TEXT,
            resource_arn TEXT,
            updated_at REAL,
            PRIMARY KEY (trainee, idx)
        ) WITHOUT ROWID""",
        # AUTOINCREMENT: an id is never reused, even after the newest rows are deleted, so a
        # console polling "events after id N" can never miss or repeat one.
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts REAL NOT NULL,
            type TEXT NOT NULL,
            trainee TEXT,
            fields TEXT NOT NULL DEFAULT '{}'
        )""",
        """CREATE TABLE ledger (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts REAL NOT NULL,
            course TEXT NOT NULL,
            trainee TEXT NOT NULL,
            account TEXT NOT NULL,
            step TEXT,
            service TEXT NOT NULL,
            operation TEXT NOT NULL,
            principal_arn TEXT,
            session_name TEXT,
            source_identity TEXT,
            request_id TEXT,
            outcome TEXT NOT NULL DEFAULT 'unknown',
            error_code TEXT,
            error_message TEXT,
            resource_arn TEXT,
            completed_at REAL
        )""",
        "CREATE INDEX ledger_by_trainee ON ledger (trainee, id)",
        """CREATE TABLE commands (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            trainees TEXT NOT NULL DEFAULT '[]',
            operator TEXT,
            created_at REAL NOT NULL,
            claimed_by TEXT,
            claimed_at REAL,
            done_at REAL,
            result TEXT,
            reclaims INTEGER NOT NULL DEFAULT 0
        )""",
        # The engine asks "the oldest command not done" every poll: keep that a short seek.
        "CREATE INDEX commands_open ON commands (id) WHERE done_at IS NULL",
    ]
    for statement in statements:
        conn.execute(statement)


def _v2_who_did_this(conn: sqlite3.Connection) -> None:
    """Each command's operator and how it was known; the ledger's ties to CloudTrail.

    A command carries where its operator came from (``ssm-session``, ``flag``, ``login``) and
    the SSM session owner's ARN; a ledger record carries the region, CloudTrail's principal id,
    the AssumeRole that issued the credentials used, the operator, and every attempt's request
    id (a JSON list). Rows written before stay as they were, with these columns empty.
    """
    for column in ("operator_source", "operator_arn"):
        conn.execute(f"ALTER TABLE commands ADD COLUMN {column} TEXT")
    for column in (
        "region",
        "principal_id",
        "assume_request_id",
        "operator",
        "operator_source",
        "operator_arn",
    ):
        conn.execute(f"ALTER TABLE ledger ADD COLUMN {column} TEXT")
    conn.execute("ALTER TABLE ledger ADD COLUMN attempt_request_ids TEXT NOT NULL DEFAULT '[]'")


def _v3_sweep(conn: sqlite3.Connection) -> None:
    """The teardown sweep's findings per trainee: leftovers (a JSON list of {arn, type}) and
    the clean sweep's receipt."""
    conn.execute("ALTER TABLE trainees ADD COLUMN leftovers TEXT NOT NULL DEFAULT '[]'")
    conn.execute("ALTER TABLE trainees ADD COLUMN receipt TEXT")


def _v4_confirmed_by_aws(conn: sqlite3.Connection) -> None:
    """What ``whodidthis audit`` checks against CloudTrail (issue 20).

    A command and a ledger record keep the operator's SSM evidence (session ids, and why a
    local check could be forged) as JSON. The session's access key id is not kept: the drills
    treat a session key id as a credential, and CloudTrail gives it back from the AssumeRole
    whose request id the ledger already keeps (``assume_request_id``).
    """
    conn.execute("ALTER TABLE ledger ADD COLUMN operator_evidence TEXT")
    conn.execute("ALTER TABLE commands ADD COLUMN operator_evidence TEXT")


def _v5_milestones(conn: sqlite3.Connection) -> None:
    """Lab milestones per trainee: when each was first reached and last checked."""
    conn.execute(
        """CREATE TABLE milestones (
            trainee TEXT NOT NULL,
            name TEXT NOT NULL,
            reached_at REAL,
            first_checked_at REAL NOT NULL,
            checked_at REAL NOT NULL,
            detail TEXT,
            PRIMARY KEY (trainee, name)
        )"""
    )


def _v6_chain(conn: sqlite3.Connection) -> None:
    """The ledger's hash chain (:mod:`console.store.chain`), every record already there linked
    in id order; and the digest of the access key id each call was signed with (CloudTrail
    names the key: comparing digests needs no key id in the store)."""
    from console.store.chain import chain_existing

    conn.execute(
        """CREATE TABLE ledger_chain (
            seq INTEGER PRIMARY KEY,
            ledger_id INTEGER NOT NULL,
            phase TEXT NOT NULL,
            digest TEXT NOT NULL
        )"""
    )
    conn.execute("ALTER TABLE ledger ADD COLUMN access_key_digest TEXT")
    # An OU trainee's listing disagreeing with its pinned account (console/aws/ou_pins.py).
    conn.execute("ALTER TABLE trainees ADD COLUMN ou_note TEXT")
    chain_existing(conn)


def _v7_events_by_trainee(conn: sqlite3.Connection) -> None:
    """A trainee's newest events of one type without reading the whole log: the x-ray's
    "Trust policy" section (``EventLog.latest_events``) scanned every event of a large course
    for a trainee that had none (300,000 events: 22 ms a keypress; with the index 0.005 ms)."""
    conn.execute("CREATE INDEX events_by_trainee ON events (trainee, type, id)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_tables,
    _v2_who_did_this,
    _v3_sweep,
    _v4_confirmed_by_aws,
    _v5_milestones,
    _v6_chain,
    _v7_events_by_trainee,
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The database's ``user_version``: 0 for a new file, else the migrations applied."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(
    conn: sqlite3.Connection,
    path: str,
    migrations: list[Callable[[sqlite3.Connection], None]] = MIGRATIONS,
) -> int:
    """Bring the database up to ``len(migrations)``; returns the version it was at.

    ``conn`` must be in autocommit mode (``isolation_level=None``); all the migrations needed
    run in one ``BEGIN IMMEDIATE`` transaction: a failure leaves the database as it was.

    Raises:
        StateError: the database was written by a newer whodidthis.
    """
    target = len(migrations)
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = schema_version(conn)
        check_version(found, path, target)
        for version in range(found, target):
            migrations[version](conn)
        conn.execute(f"PRAGMA user_version = {target}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return found


def check_version(found: int, path: str, known: int = SCHEMA_VERSION) -> None:
    """Refuse a database from a newer whodidthis, whose schema this one cannot read safely."""
    if found > known:
        raise StateError(
            f"the state store {path} has schema version {found}, newer than this whodidthis "
            f"understands ({known}); upgrade whodidthis or use another --state-dir"
        )
