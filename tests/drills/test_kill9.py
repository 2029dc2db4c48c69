"""Drill: ``kill -9`` of the engine at five points of a run; the next run finishes with no
duplicate resource, no lost ledger record and a consistent store."""

import os
import signal
import sqlite3

import pytest

from console.model import Outcome, StepState, TraineeState
from console.store.state import Store
from tests.engine.helpers import cli, status
from tests.engine.test_crash import COURSE, apply_process, counts, wait_for


def teardown_process(sandbox, state_dir):
    import subprocess
    import sys

    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console",
            "teardown",
            "--yes",
            str(sandbox.course_path),
            "--state-dir",
            str(state_dir),
            "--operator",
            "alice",
        ],
        env=sandbox.clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def after_assume(store):
    return any(
        r.operation == "GetCallerIdentity" and r.outcome == Outcome.OK for r in store.ledger()
    )


def mid_create(store):
    return any(
        r.operation.startswith("Create") and r.outcome == Outcome.UNKNOWN for r in store.ledger()
    )


def after_a_step(store):
    return any(s.state == StepState.DONE for t in store.trainees() for s in t.steps)


def half_ready(store):
    return sum(t.state == TraineeState.READY for t in store.trainees()) >= 6


def mid_delete(store):
    return any(
        r.operation.startswith("Delete") and r.outcome == Outcome.UNKNOWN for r in store.ledger()
    )


POINTS = {
    "after-assume": after_assume,
    "between-intent-and-outcome": mid_create,
    "after-first-step": after_a_step,
    "half-ready": half_ready,
    "during-teardown": mid_delete,
}


@pytest.mark.parametrize("point", list(POINTS))
def test_kill_9_then_run_again(sandbox, tmp_path, point):
    teardown = point == "during-teardown"
    if teardown:
        assert cli(sandbox, tmp_path, "apply").returncode == 0
    sandbox.faults.set_latency(150)
    engine = (teardown_process if teardown else apply_process)(sandbox, tmp_path)
    store = wait_for(
        lambda: (tmp_path / COURSE / "state.sqlite3").exists() and Store.open(tmp_path, COURSE),
        what="the store",
    )
    wait_for(lambda: POINTS[point](store), what=point)
    before = store.ledger()
    os.kill(engine.pid, signal.SIGKILL)
    engine.wait(timeout=10)
    sandbox.faults.set_latency(0)

    again = cli(
        sandbox, tmp_path, "teardown" if teardown else "apply", *(["--yes"] if teardown else [])
    )
    assert again.returncode == 0, again.stdout + again.stderr
    goal = "TORN_DOWN" if teardown else "READY"
    assert {t["state"] for t in status(sandbox, tmp_path).values()} == {goal}
    expected = (0, 0, 0, 0) if teardown else (1, 1, 1, 1)
    assert counts(sandbox) == [expected] * len(sandbox.trainees)  # nothing twice, nothing left
    after = {r.id: r for r in store.ledger()}
    for record in before:  # no ledger record lost; completed ones unchanged
        assert record.id in after
        if record.outcome != Outcome.UNKNOWN:
            assert after[record.id] == record
    db = sqlite3.connect(tmp_path / COURSE / "state.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not [t for t in store.trainees() if t.state.is_active]
