"""The store under stress: read-only directories, a full disk, ``kill -9`` mid-write.

Each test ends by reopening the database and running ``PRAGMA integrity_check``: whatever
happened, the file must be intact and hold only whole transactions.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest

from console.errors import StateError
from console.model import Acting, LedgerRecord
from console.store.state import Store

from .conftest import COURSE, ROSTER, STEPS, integrity
from .workers import open_and_note


def _unprivileged() -> list[str]:
    """A command prefix that makes a child obey file permissions, even when we are root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    # With an empty capability bounding set, root loses CAP_DAC_OVERRIDE and obeys modes.
    return [setpriv, "--bounding-set=-all", "--inh-caps=-all"]


def _run_try_write(workers, state_dir: Path, how: str = "open") -> dict:
    proc = workers("try-write", str(state_dir), COURSE, how, prefix=_unprivileged())
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    return json.loads(out)


@pytest.fixture
def filled(state_dir: Path) -> Path:
    """A closed store with a roster and one event; returns the course directory."""
    with Store.open(state_dir, COURSE) as store:
        store.sync_roster(ROSTER, STEPS)
        store.add_event("note", None, text="before")
        return store.course_dir


def test_readonly_directory_reads_and_refuses_writes_clearly(workers, state_dir, filled):
    filled.chmod(0o500)
    try:
        result = _run_try_write(workers, state_dir)
    finally:
        filled.chmod(0o700)
    assert (result["readonly"], result["snapshot"]) == (True, True)
    assert result["trainees"] == ["alice", "bob", "carol"]
    assert "read-only" in result["error"] and str(filled / "state.sqlite3") in result["error"]
    assert integrity(filled / "state.sqlite3") == "ok"
    with Store.open(state_dir, COURSE) as store:
        assert [e.fields.get("text") for e in store.events_since(0)][-1] == "before"


def test_readonly_directory_while_the_engine_has_it_open(workers, state_dir, filled):
    with Store.open(state_dir, COURSE) as engine:
        engine.add_event("note", None, text="live")  # the WAL and its index now exist
        filled.chmod(0o500)
        try:
            result = _run_try_write(workers, state_dir)
        finally:
            filled.chmod(0o700)
        assert result["readonly"] is True and result["trainees"] == ["alice", "bob", "carol"]
        assert result["snapshot"] is False  # read through the live WAL, not a frozen copy
        assert "read-only" in result["error"]
        engine.add_event("note", None, text="still writing")
    assert integrity(filled / "state.sqlite3") == "ok"


def test_a_watcher_opened_before_the_engine_follows_it(workers, state_dir, filled):
    filled.chmod(0o500)
    watcher = workers("watch", str(state_dir), COURSE, prefix=_unprivileged())
    try:
        first = json.loads(watcher.stdout.readline())
    finally:
        filled.chmod(0o700)
    assert first == {"snapshot": True, "texts": [None, "before"]}

    with Store.open(state_dir, COURSE) as engine:
        engine.add_event("note", None, text="engine started")
        watcher.stdin.write("again\n")
        watcher.stdin.flush()
        second = json.loads(watcher.stdout.readline())
    assert second == {"snapshot": False, "texts": [None, "before", "engine started"]}


def test_sqlite_readonly_error_becomes_a_state_error(workers, state_dir, filled):
    db = filled / "state.sqlite3"
    db.chmod(0o400)
    filled.chmod(0o500)
    try:
        result = _run_try_write(workers, state_dir, how="force")
    finally:
        filled.chmod(0o700)
        db.chmod(0o600)
    assert result["error"].startswith(f"cannot open the state store {db}: it is read-only")
    assert "--state-dir" in result["error"]
    assert integrity(db) == "ok"


def test_full_disk_is_a_state_error_and_leaves_only_whole_transactions(state_dir, store: Store):
    conn = store._db._conn  # a tiny max_page_count stands in for a full disk
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 3}")
    written = 0
    with pytest.raises(StateError, match="the disk is full") as full:
        for n in range(100_000):
            store.ledger_intent(_record(n))
            written += 1
    assert "nothing was half-written" in str(full.value) and written > 0
    store.close()

    assert integrity(store.path) == "ok"
    with Store.open(state_dir, COURSE) as reopened:
        assert len(reopened.ledger()) == written
        assert len(reopened.events_since(0)) == written  # each intent with its action event
        reopened.add_event("note", None, text="space again")  # usable once space is back


def test_kill_9_during_writes_loses_no_transaction_and_leaves_no_partial_one(workers, state_dir):
    writer = workers("write-loop", str(state_dir), COURSE)
    reported = 0
    while reported < 300:
        reported = int(writer.stdout.readline())
    writer.send_signal(signal.SIGKILL)
    writer.wait()

    path = state_dir / COURSE / "state.sqlite3"
    assert integrity(path) == "ok"
    with Store.open(state_dir, COURSE) as store:
        ledger = store.ledger()
        events = store.events_since(0)
        assert len(ledger) >= reported  # everything the writer saw committed survived
        intents = {e.fields["ledger_id"] for e in events if e.fields.get("phase") == "intent"}
        dones = {e.fields["ledger_id"] for e in events if e.fields.get("phase") == "done"}
        # A ledger row and its action event commit together, or not at all.
        assert intents == {record.id for record in ledger}
        assert dones == {record.id for record in ledger if record.outcome != "unknown"}
        # Only the last call can have been cut between intent and completion.
        assert [r.id for r in ledger if r.outcome == "unknown"] in ([], [ledger[-1].id])
        store.add_event("note", None, text="after the crash")


def test_processes_creating_the_store_at_once_all_get_it(state_dir):
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(6), context.Queue()
    args = (str(state_dir), COURSE, barrier, results)
    openers = [context.Process(target=open_and_note, args=args) for _ in range(6)]
    for opener in openers:
        opener.start()
    ids = [results.get(timeout=120) for _ in openers]
    for opener in openers:
        opener.join(timeout=60)
    assert all(isinstance(event_id, int) for event_id in ids), ids
    with Store.open(state_dir, COURSE) as store:
        assert sorted(event.id for event in store.events_since(0)) == sorted(ids)
        assert store.meta()["course"] == COURSE
    assert integrity(state_dir / COURSE / "state.sqlite3") == "ok"


def test_a_moved_course_directory_is_recognised(state_dir, filled):
    filled.rename(state_dir / "other-course")
    with pytest.raises(StateError, match="belongs to course dojo, not other-course"):
        Store.open(state_dir, "other-course")


def test_a_store_from_a_newer_whodidthis_is_refused(state_dir, store: Store):
    store.close()
    conn = sqlite3.connect(store.path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    for readonly in (False, True):
        with pytest.raises(StateError, match="schema version 99, newer"):
            Store.open(state_dir, COURSE, readonly=readonly)


def test_a_new_store_is_migrated_private_and_in_wal_mode(state_dir, store: Store):
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    assert {"runs", "trainees", "steps", "events", "ledger", "commands", "meta"} <= tables
    assert store.path.stat().st_mode & 0o777 == 0o600
    assert store.course_dir.stat().st_mode & 0o777 == 0o700


def test_readonly_open_of_a_course_with_no_state_says_so(state_dir):
    with pytest.raises(StateError, match="no state for course nothing-yet"):
        Store.open(state_dir, "nothing-yet", readonly=True)


@pytest.mark.parametrize("name", ["../escape", "Dojo", "", "a/b"])
def test_a_course_name_cannot_leave_the_state_dir(state_dir, name: str):
    with pytest.raises(StateError, match="not a course name"):
        Store.open(state_dir, name)


def _record(n: int) -> LedgerRecord:
    return LedgerRecord(
        id=None,
        ts=float(n),
        course="dojo",
        trainee="alice",
        account="111111111111",
        step="iam_user",
        service="iam",
        operation="CreateUser",
        acting=Acting(
            principal_arn="arn:aws:sts::111111111111:assumed-role/ManageEnvRole/op@dojo",
            session_name="op@dojo",
            source_identity="op",
        ),
    )
