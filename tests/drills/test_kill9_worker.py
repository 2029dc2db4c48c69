"""Drill: ``kill -9`` of one engine worker process mid-build. The engine starts another, hands
it the dead one's trainees, and the same ``apply`` finishes: no duplicate resource, no ledger
record lost, and every create AWS saw has its ledger record (written before the call)."""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from console.model import Outcome
from console.store.state import Store
from tests.engine.helpers import status
from tests.engine.test_crash import COURSE, counts, wait_for


def three_steps(sandbox, where: Path) -> Path:
    """The sample course up to its EKS step (user, repository, bucket): what a worker's death
    can duplicate is a create, and these three have every kind of create check there is."""
    text = sandbox.course_path.read_text()
    course = where / "three-steps.toml"
    course.write_text(text[: text.index('[[step]]\nkind = "eks_cluster"')])
    return course


def apply_on_workers(sandbox, course: Path, state_dir, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console",
            "apply",
            str(course),
            "--state-dir",
            str(state_dir),
            "--operator",
            "alice",
        ],
        env={**sandbox.clean_env(), "WHODIDTHIS_WORKERS": str(workers)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def workers_of(engine_pid: int) -> list[int]:
    """The engine's worker processes, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if parent == engine_pid and b"console.engine.worker" in argv:
            found.append(int(entry.name))
    return found


def mid_create(store):
    return any(
        r.operation.startswith("Create") and r.outcome == Outcome.UNKNOWN for r in store.ledger()
    )


def test_kill_9_of_a_worker_mid_build_the_same_apply_finishes(sandbox, tmp_path):
    sandbox.faults.set_latency(150)
    course = three_steps(sandbox, sandbox.course_path.parent)
    engine = apply_on_workers(sandbox, course, tmp_path, 2)
    store = wait_for(
        lambda: (tmp_path / COURSE / "state.sqlite3").exists() and Store.open(tmp_path, COURSE),
        what="the store",
    )
    workers = wait_for(lambda: len(workers_of(engine.pid)) == 2 and workers_of(engine.pid))
    wait_for(lambda: mid_create(store), what="a create in flight")
    before = store.ledger()
    os.kill(workers[0], signal.SIGKILL)
    wait_for(lambda: set(workers_of(engine.pid)) - set(workers), what="a new worker")
    sandbox.faults.set_latency(0)
    _, err = engine.communicate(timeout=240)
    assert engine.returncode == 0, err.decode()[-3000:]
    assert "exited (-9) running" in err.decode()  # the engine saw it and replaced it

    assert {t["state"] for t in status(sandbox, tmp_path, course).values()} == {"READY"}
    assert counts(sandbox) == [(1, 1, 1, 0)] * len(sandbox.trainees)  # nothing made twice
    after = {r.id: r for r in store.ledger()}
    for record in before:  # no ledger record lost; completed ones unchanged
        assert record.id in after
        if record.outcome != Outcome.UNKNOWN:
            assert after[record.id] == record
    creates = [r for r in sandbox.trail() if r["operation"].startswith("Create")]
    recorded = [r for r in after.values() if r.operation.startswith("Create")]
    assert len(recorded) >= len(creates)  # every create AWS saw was in the ledger first
    db = sqlite3.connect(tmp_path / COURSE / "state.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_kill_9_of_the_engine_takes_its_workers_and_the_next_apply_finishes(sandbox, tmp_path):
    sandbox.faults.set_latency(150)
    course = three_steps(sandbox, sandbox.course_path.parent)
    engine = apply_on_workers(sandbox, course, tmp_path, 2)
    store = wait_for(
        lambda: (tmp_path / COURSE / "state.sqlite3").exists() and Store.open(tmp_path, COURSE),
        what="the store",
    )
    workers = wait_for(lambda: len(workers_of(engine.pid)) == 2 and workers_of(engine.pid))
    wait_for(lambda: mid_create(store), what="a create in flight")
    before = store.ledger()
    os.kill(engine.pid, signal.SIGKILL)
    engine.wait(timeout=10)
    # No worker outlives the engine: none may work on a trainee the next engine resumes.
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=10)
    sandbox.faults.set_latency(0)

    again = apply_on_workers(sandbox, course, tmp_path, 2)
    _, err = again.communicate(timeout=240)
    assert again.returncode == 0, err.decode()[-3000:]
    assert counts(sandbox) == [(1, 1, 1, 0)] * len(sandbox.trainees)
    after = {r.id: r for r in store.ledger()}
    assert all(record.id in after for record in before)


def test_ctrl_c_with_workers_cancels_between_steps_and_leaves_no_call_unknown(sandbox, tmp_path):
    sandbox.faults.set_latency(250)
    course = three_steps(sandbox, sandbox.course_path.parent)
    engine = apply_on_workers(sandbox, course, tmp_path, 2)
    store = wait_for(
        lambda: (tmp_path / COURSE / "state.sqlite3").exists() and Store.open(tmp_path, COURSE),
        what="the store",
    )
    wait_for(lambda: len(workers_of(engine.pid)) == 2, what="two workers")
    wait_for(lambda: any(s.state.value == "DONE" for t in store.trainees() for s in t.steps))
    engine.send_signal(signal.SIGINT)  # the terminal sends it to the workers too
    _, err = engine.communicate(timeout=120)
    sandbox.faults.set_latency(0)

    assert engine.returncode == 130, err.decode()[-2000:]
    states = {t.state.value for t in store.trainees()}
    assert "CANCELLED" in states and not [t for t in store.trainees() if t.state.is_active]
    assert not [r for r in store.ledger() if r.outcome == Outcome.UNKNOWN]  # ledger closed
