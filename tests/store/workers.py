"""Processes the store tests start: an engine holding the lock, a writer to kill, a claimer.

Run as ``python -m tests.store.workers COMMAND STATE_DIR COURSE``; each prints one line per
milestone and flushes, so the test waits on its output instead of sleeping.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from console.errors import StateError
from console.model import Acting, CommandKind, LedgerRecord, Outcome, TraineeState
from console.store.db import Database
from console.store.state import DB_FILE, Store


def hold_lock(state_dir: str, course: str) -> None:
    """Take the engine lock, begin a run, claim one command, then wait to be killed."""
    store = Store.open(Path(state_dir), course)
    lock = store.engine_lock().acquire()
    run_id = store.begin_run("apply", "worker", os.getpid(), ["alice"])
    command = store.claim_next(lock.engine_id)
    print(
        json.dumps(
            {"engine_id": lock.engine_id, "run_id": run_id, "command": command and command.id}
        ),
        flush=True,
    )
    sys.stdin.read()  # until the test closes stdin or kills us


def write_loop(state_dir: str, course: str) -> None:
    """Write ledger records, trainee updates and completions forever; report every 50."""
    store = Store.open(Path(state_dir), course)
    store.sync_roster([("alice", "111111111111")], [("iam_user", "{trainee}")])
    states = [TraineeState.RUNNING, TraineeState.READY]
    count = 0
    while True:
        record_id = store.ledger_intent(_record(count))
        store.set_trainee("alice", state=states[count % 2], last_action=f"call {count}")
        store.ledger_settle(record_id, outcome=Outcome.OK, request_id=f"req-{count}")
        count += 1
        if count % 50 == 0:
            print(count, flush=True)


def try_write(state_dir: str, course: str, how: str = "open") -> None:
    """Open the store as this (unprivileged) process can, read, then try one write.

    ``how`` is ``open`` (Store.open, which falls back to read-only) or ``force`` (insist on a
    read-write connection, to meet SQLite's own read-only error).
    """
    result: dict = {}
    try:
        if how == "force":
            path = Path(state_dir) / course / DB_FILE
            store = Store(Database(path, readonly=False), course, time.time)
        else:
            store = Store.open(Path(state_dir), course)
        result["readonly"], result["snapshot"] = store.readonly, store.snapshot
        result["trainees"] = [t.name for t in store.trainees()]
        store.add_event("note", None, text="written")
        result["wrote"] = True
    except StateError as exc:
        result["error"] = str(exc)
    print(json.dumps(result), flush=True)


def watch(state_dir: str, course: str) -> None:
    """Open the store read-only and report what it sees, once now and once per stdin line."""
    store = Store.open(Path(state_dir), course, readonly=True)
    while True:
        texts = [event.fields.get("text") for event in store.events_since(0)]
        print(json.dumps({"snapshot": store.snapshot, "texts": texts}), flush=True)
        if not sys.stdin.readline():
            return


def claim_all(state_dir: str, course: str, engine_id: str, barrier, results) -> None:
    """Claim and finish commands until the queue is empty; send back the ids claimed."""
    store = Store.open(Path(state_dir), course)
    claimed = []
    barrier.wait()
    while (command := store.claim_next(engine_id)) is not None:
        claimed.append(command.id)
        store.pending_commands()  # an engine's work between claims: here, a read
        store.finish_command(command.id, f"done by {engine_id}")
    store.close()
    results.put((engine_id, claimed))


def open_and_note(state_dir: str, course: str, barrier, results) -> None:
    """Open (and so create or migrate) the store at the same moment as others; write once."""
    barrier.wait()
    try:
        with Store.open(Path(state_dir), course) as store:
            results.put(store.add_event("note", None, pid=os.getpid()).id)
    except StateError as exc:
        results.put(str(exc))


def enqueue_many(store: Store, count: int) -> list[int]:
    """Queue ``count`` retry commands; returns their ids."""
    return [store.enqueue(CommandKind.RETRY, [f"t{i}"], "op") for i in range(count)]


def _record(count: int) -> LedgerRecord:
    return LedgerRecord(
        id=None,
        ts=float(count),
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


COMMANDS = {
    "hold-lock": hold_lock,
    "write-loop": write_loop,
    "try-write": try_write,
    "watch": watch,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
