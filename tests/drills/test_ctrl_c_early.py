"""Drill: Ctrl+C in the first second of a foreground ``apply`` on worker processes, before the
engine follows its command (so before Ctrl+C means "cancel"). A terminal sends SIGINT to the
whole foreground group: the command and its workers.

Whenever it lands, the command exits 130, leaves no worker behind (and, while they load, no
worker prints a traceback: one still importing used to die of it with one), and leaves nothing
queued: a command no engine had
begun is withdrawn, so no later engine builds what its operator stopped (it used to stay
queued)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.store.state import Store
from tests.drills.test_kill9_worker import workers_of
from tests.engine.test_crash import COURSE, wait_for


def _started(sandbox, state_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "console", "apply", str(sandbox.course_path)]
        + ["--state-dir", str(state_dir), "--operator", "alice"],
        env={**sandbox.clean_env(), "WHODIDTHIS_WORKERS": "2"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job
    )


def _queued(state_dir: Path) -> bool:
    path = state_dir / COURSE / "state.sqlite3"
    if not path.exists():
        return False
    store = Store.open(state_dir, COURSE, readonly=True)
    try:
        return bool(store.commands())
    finally:
        store.close()


def _ctrl_c_when(
    sandbox, state_dir: Path, ready, signum=signal.SIGINT
) -> tuple[subprocess.Popen, str, list[int]]:
    apply = _started(sandbox, state_dir)
    workers = wait_for(lambda: ready(apply), timeout=30, what="the moment")
    if signum == signal.SIGINT:
        os.killpg(apply.pid, signum)  # a terminal's Ctrl+C: the whole foreground group
    else:
        apply.send_signal(signum)  # a plain kill: the command alone
    _, err = apply.communicate(timeout=120)
    return apply, err, workers if isinstance(workers, list) else []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_while_workers_load_or_once_queued_leaves_nothing_behind(sandbox, tmp_path, signum):
    sandbox.faults.set_latency(400)  # the host check waits: the workers are still loading
    try:
        early = tmp_path / "early"
        apply, err, workers = _ctrl_c_when(sandbox, early, lambda p: workers_of(p.pid), signum)
        # Before anything is queued a plain kill may end it as kills do: nothing to undo.
        assert apply.returncode in ((130, -signal.SIGTERM) if signum == signal.SIGTERM else (130,))
        assert "Traceback" not in err and "never awaited" not in err, err[-2000:]
        wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=10)
        assert not _queued(early)  # stopped before anything was queued

        queued = tmp_path / "queued"
        apply, err, _ = _ctrl_c_when(sandbox, queued, lambda p: _queued(queued), signum)
    finally:
        sandbox.faults.set_latency(0)
    assert apply.returncode == 130, err[-2000:]
    # A Ctrl+C while the loop is built is held back until the command runs (interruptible.run):
    # none of CPython's "Exception ignored in BaseEventLoop.__del__" on the terminal.
    assert "Exception ignored" not in err and "never awaited" not in err, err[-2000:]
    store = Store.open(queued, COURSE)
    [command] = [c for c in store.commands() if c.kind.value == "apply"]
    # Withdrawn before an engine began it, or begun and cancelled: never left to run later.
    assert command.done_at is not None, (command, err[-1000:])
    assert not store.pending_commands()
    assert not [t.name for t in store.trainees() if t.state.is_active]
