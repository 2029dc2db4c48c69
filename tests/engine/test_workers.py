"""The engine's worker pool: how many workers, and what happens when none can start.

The pool's real work (trainees built on workers, a worker killed mid-build) is drilled in
tests/drills/test_kill9_worker.py against the stand-in."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from console.course.model import load_course
from console.engine.workers import (
    TRAINEES_PER_WORKER,
    WorkerDied,
    WorkerPool,
    prestart,
    worker_count,
)
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
    with pytest.raises(ValueError, match="WHODIDTHIS_WORKERS=two: give a whole number"):
        worker_count(12, "two")


@pytest.mark.parametrize(
    ("argv", "env", "said"),
    [
        (["--workers", "0"], {}, "argument --workers: '0': give a whole number of at least 1"),
        ([], {"WHODIDTHIS_WORKERS": "two"}, "WHODIDTHIS_WORKERS=two: give a whole number"),
    ],
)
def test_a_bad_worker_count_is_a_usage_error_before_anything_runs(tmp_path, argv, env, said):
    course = tmp_path / "course.toml"
    course.write_text('[course]\nname = "c"\nregion = "us-east-1"\n')
    done = subprocess.run(
        [sys.executable, "-m", "console", "apply", str(course), "--state-dir", str(tmp_path),
         *argv],
        env={**os.environ, **env}, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2 and said in done.stderr
    assert list(tmp_path.iterdir()) == [course]  # no store, no engine


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


async def test_the_pool_takes_prestarted_workers_and_the_rest_exit_untouched(
    sandbox, tmp_path, monkeypatch
):
    """Workers start loading before the engine holds its lock (``prestart``): the pool serves
    with those very processes; ones it never takes (another engine serves the course, the
    host was refused) exit when the block ends, without having opened the store."""
    for key, value in sandbox.clean_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("WHODIDTHIS_WORKERS", "2")
    course = load_course(sandbox.course_path)
    host = SimpleNamespace(arn="arn:aws:sts::100000000000:assumed-role/AdminEnvRole/i", user_id="x")

    with prestart(course, tmp_path / "unused") as unused:
        idle = unused.waiting
        assert len(idle) == 2
    assert all(process.returncode is not None for process in idle)  # stopped, not left
    assert not (tmp_path / "unused").exists()  # they never opened (or created) the store

    with prestart(course, tmp_path) as early:
        started = {process.pid for process in early.waiting}
        pool = WorkerPool(course, tmp_path, host, Operator("alice"), 2)
        await pool.start(early.take())
        try:
            assert {worker.pid for worker in pool.processes()} == started
        finally:
            await pool.close()
    assert all(process.returncode == 0 for process in pool.processes())
