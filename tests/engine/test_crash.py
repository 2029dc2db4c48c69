"""Work survives the terminal: kill -9 of the engine, detached engines, a second apply."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

from console.engine.process import ENGINE_NICE
from console.model import Outcome
from console.store.state import Store
from tests.engine.helpers import cli, status

COURSE = "dojo-2026-12"


def wait_for(predicate, timeout=60.0, what="condition"):
    """Poll the store until ``predicate()`` holds (an event we wait for, not a sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def apply_process(sandbox, state_dir, *extra):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console",
            "apply",
            str(sandbox.course_path),
            "--state-dir",
            str(state_dir),
            "--operator",
            "alice",
            *extra,
        ],
        env=sandbox.clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def niceness(pid: int) -> int:
    """A process's nice value, from /proc (field 19 of its stat line)."""
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[16])


def counts(sandbox):
    per_account = []
    for _, account in sandbox.trainees:
        session = sandbox.backdoor_session(account)
        per_account.append(
            (
                len(session.client("iam").list_users()["Users"]),
                len(session.client("codecommit").list_repositories()["repositories"]),
                len(session.client("s3").list_buckets()["Buckets"]),
                len(session.client("eks").list_clusters()["clusters"]),
            )
        )
    return per_account


def test_kill_9_between_intent_and_outcome_loses_nothing(sandbox, tmp_path):
    sandbox.faults.set_latency(300)
    engine = apply_process(sandbox, tmp_path)
    store = wait_for(
        lambda: (tmp_path / COURSE / "state.sqlite3").exists() and Store.open(tmp_path, COURSE),
        what="the store",
    )
    interrupted = wait_for(
        lambda: [
            r
            for r in store.ledger()
            if r.outcome == Outcome.UNKNOWN and r.operation.startswith("Create")
        ],
        what="a create call",
    )
    os.kill(engine.pid, signal.SIGKILL)
    engine.wait(timeout=10)
    sandbox.faults.set_latency(0)

    again = cli(sandbox, tmp_path, "apply")
    assert again.returncode == 0, again.stderr
    assert all(t["state"] == "READY" for t in status(sandbox, tmp_path).values())
    assert counts(sandbox) == [(1, 1, 1, 1)] * len(sandbox.trainees)  # no duplicates
    left = [r for r in store.ledger() if r.id == interrupted[0].id]
    assert left[0].outcome == Outcome.UNKNOWN  # the evidence of the crash stays
    db = sqlite3.connect(tmp_path / COURSE / "state.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_detached_engine_survives_its_parent_and_a_second_apply_attaches(sandbox, tmp_path):
    sandbox.faults.set_latency(100)
    started = cli(sandbox, tmp_path, "apply", "--detach")
    assert started.returncode == 0 and "engine started" in started.stderr
    store = Store.open(tmp_path, COURSE)
    holder = wait_for(store.engine_holder, what="the detached engine")
    assert holder["pid"] != os.getpid()
    # It steps back for the consoles, by $WHODIDTHIS_ENGINE_NICE (the suite's) or ENGINE_NICE.
    step = int(os.environ.get("WHODIDTHIS_ENGINE_NICE") or ENGINE_NICE)
    assert niceness(int(holder["pid"])) == min(19, os.nice(0) + step)
    attached = cli(sandbox, tmp_path, "apply")
    assert attached.returncode == 0, attached.stderr
    assert "attached to the running engine" in attached.stderr
    assert all(t["state"] == "READY" for t in status(sandbox, tmp_path).values())
    wait_for(lambda: store.engine_holder() is None, what="the engine to go idle and exit")
