"""One engine per course: the lock names its live holder and dies with it."""

from __future__ import annotations

import json
import os
import signal
import socket

import pytest

from console.errors import StateError
from console.store.state import Store

from .conftest import COURSE


def test_a_second_engine_is_told_who_holds_the_lock(state_dir, store: Store):
    other = Store.open(state_dir, COURSE)
    try:
        with store.engine_lock() as lock:
            holder = other.engine_holder()
            assert holder == {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "started_at": holder["started_at"],
                "engine_id": lock.engine_id,
            }
            with pytest.raises(StateError) as refused:
                other.engine_lock().acquire()
        message = str(refused.value)
        assert f"course {COURSE} is already running: pid {os.getpid()} on " in message
        assert f"attach with `whodidthis {COURSE}` or wait" in message
        assert other.engine_holder() is None
        with other.engine_lock() as again:  # released on exit: free for the next engine
            assert again.held and other.engine_holder()["engine_id"] == again.engine_id
    finally:
        other.close()


def test_lock_held_by_another_process_then_free_after_sigkill(store: Store, workers):
    engine = workers("hold-lock", str(store.course_dir.parent), COURSE)
    started = json.loads(engine.stdout.readline())

    holder = store.engine_holder()
    assert (holder["pid"], holder["engine_id"]) == (engine.pid, started["engine_id"])
    with pytest.raises(StateError, match=f"already running: pid {engine.pid} on "):
        store.engine_lock().acquire()

    engine.send_signal(signal.SIGKILL)
    engine.wait()
    # The dead engine's details are still in the file; the kernel dropped its lock.
    assert json.loads((store.course_dir / "engine.lock").read_text())["pid"] == engine.pid
    assert store.engine_holder() is None
    with store.engine_lock() as lock:
        assert store.engine_holder()["engine_id"] == lock.engine_id


def test_current_run_is_the_live_engines_run_only(store: Store, workers):
    engine = workers("hold-lock", str(store.course_dir.parent), COURSE)
    started = json.loads(engine.stdout.readline())
    current = store.current_run()
    assert (current["id"], current["pid"]) == (started["run_id"], engine.pid)
    assert current["alive"] is True

    engine.send_signal(signal.SIGKILL)
    engine.wait()
    assert store.current_run() is None
    (interrupted,) = store.runs()
    assert interrupted["finished_at"] is None and interrupted["alive"] is False


def test_runs_record_engine_kind_operator_and_summary(store: Store):
    with store.engine_lock() as lock:
        run_id = store.begin_run("apply", "op", os.getpid(), ["alice", "bob"])
        assert store.current_run()["engine_id"] == lock.engine_id
        store.finish_run(run_id, {"READY": 2})
        assert store.current_run() is None
    (run,) = store.runs()
    assert (run["kind"], run["operator"], run["trainees"], run["summary"]) == (
        "apply",
        "op",
        ["alice", "bob"],
        {"READY": 2},
    )
    assert run["finished_at"] is not None and run["alive"] is False
    with pytest.raises(StateError, match="already finished"):
        store.finish_run(run_id, {})


def test_a_readonly_store_cannot_run_an_engine(state_dir, store: Store):
    watcher = Store.open(state_dir, COURSE, readonly=True)
    try:
        with pytest.raises(StateError, match="read-only"):
            watcher.engine_lock()
        assert watcher.engine_holder() is None
    finally:
        watcher.close()
