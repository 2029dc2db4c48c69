"""The engine's worker pool: how many workers, and what happens when none can start.

The pool's real work (trainees built on workers, a worker killed mid-build) is drilled in
tests/drills/test_kill9_worker.py against the stand-in."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from console.engine.workers import TRAINEES_PER_WORKER, WorkerDied, WorkerPool, worker_count
from console.model import Operator


def test_by_default_one_worker_per_core_but_none_for_a_small_class(monkeypatch):
    monkeypatch.delenv("WHODIDTHIS_WORKERS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert worker_count(12) == 1  # the engine's own process: a worker would not pay
    assert worker_count(2 * TRAINEES_PER_WORKER) == 2
    assert worker_count(5000) == 4


def test_the_setting_wins_and_a_bad_one_says_what_to_give(monkeypatch):
    monkeypatch.setenv("WHODIDTHIS_WORKERS", "3")
    assert worker_count(12) == 3
    with pytest.raises(ValueError, match="WHODIDTHIS_WORKERS=0: give a whole number"):
        worker_count(12, "0")


async def test_workers_that_cannot_start_fail_the_trainee_with_a_reason(tmp_path):
    missing = SimpleNamespace(path=tmp_path / "no-such-course.toml")
    host = SimpleNamespace(arn="arn:aws:sts::100000000000:assumed-role/AdminEnvRole/i", user_id="x")
    pool = WorkerPool(missing, Path(tmp_path), host, Operator("alice"), 1)
    await pool.start()
    try:
        with pytest.raises(WorkerDied, match="keep exiting .* before answering"):
            await pool.run("alice", teardown=False, operator=Operator("alice"))
    finally:
        await pool.close()
