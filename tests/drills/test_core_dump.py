"""Drill: a whodidthis process that crashes leaves no core file, so no credential reaches the
disk (issue 14, item 6). The engine runs with ``ulimit -c unlimited`` in a folder of its own
(``core_pattern`` here writes ``core`` into the crashing process's cwd), holding the host's
and the trainees' session keys, and is killed with SIGABRT (the foreground engine) and SIGSEGV
(the detached one). A plain Python process, killed the same way, shows a core would appear."""

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.model import StepState
from console.store.state import Store
from tests.engine.test_crash import COURSE, wait_for

UNLIMITED = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)


def _unlimited_cores() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, UNLIMITED)


def _cores(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.name.startswith("core")]


def _start(sandbox, cwd: Path, state_dir: Path, *extra: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "console", "apply", str(sandbox.course_path)]
    return subprocess.Popen(
        [*argv, "--state-dir", str(state_dir), "--operator", "alice", *extra],
        cwd=cwd,
        env={**sandbox.clean_env(), "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        preexec_fn=_unlimited_cores,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def crash_folder(tmp_path: Path) -> Path:
    """A folder where a crashing process's core file lands; skips if cores go elsewhere."""
    control = tmp_path / "control"
    control.mkdir()
    child = subprocess.run(
        [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGABRT)"],
        cwd=control,
        preexec_fn=_unlimited_cores,
    )
    assert child.returncode == -signal.SIGABRT
    if not _cores(control):
        pytest.skip("this machine's core_pattern does not write core files into the cwd")
    folder = tmp_path / "cwd"
    folder.mkdir()
    return folder


def _steps_done(store: Store) -> bool:
    return any(s.state == StepState.DONE for t in store.trainees() for s in t.steps)


def _core_limit(pid: int) -> str:
    line = next(
        row
        for row in Path(f"/proc/{pid}/limits").read_text().splitlines()
        if row.startswith("Max core file size")
    )
    return line.split()[4]  # the soft limit


def _no_secret_on_disk(sandbox, folder: Path) -> None:
    secrets = sandbox.issued_secrets()
    assert secrets
    for path in (p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert not [s for s in secrets if s.encode() in data], f"a credential in {path}"


def test_the_foreground_engine_killed_by_sigabrt_leaves_no_core(sandbox, tmp_path, crash_folder):
    sandbox.faults.set_latency(100)
    engine = _start(sandbox, crash_folder, tmp_path / "state")
    store = wait_for(lambda: _open(tmp_path / "state"), what="the store")
    wait_for(lambda: _steps_done(store), what="a step done (sessions live in memory)")
    assert _core_limit(engine.pid) == "0"
    engine.send_signal(signal.SIGABRT)
    assert engine.wait(timeout=60) == -signal.SIGABRT
    assert _cores(crash_folder) == []
    _no_secret_on_disk(sandbox, tmp_path)


def test_the_detached_engine_killed_by_sigsegv_leaves_no_core(sandbox, tmp_path, crash_folder):
    sandbox.faults.set_latency(100)
    starter = _start(sandbox, crash_folder, tmp_path / "state", "--detach")
    assert starter.wait(timeout=60) == 0
    store = wait_for(lambda: _open(tmp_path / "state"), what="the store")
    pid = int(wait_for(store.engine_holder, what="the detached engine")["pid"])
    wait_for(lambda: _steps_done(store), what="a step done (sessions live in memory)")
    assert _core_limit(pid) == "0"
    os.kill(pid, signal.SIGSEGV)
    wait_for(lambda: _gone(pid), what="the engine to die")
    assert _cores(crash_folder) == [] and _cores(tmp_path / "state") == []
    _no_secret_on_disk(sandbox, tmp_path)


def _open(state_dir: Path) -> Store | None:
    if not (state_dir / COURSE / "state.sqlite3").exists():
        return None
    try:
        return Store.open(state_dir, COURSE, readonly=True)
    except Exception:  # still being created
        return None


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):  # reaped while we looked
        return True
    return state in ("Z", "X")  # a zombie has dumped (or not) already
