"""The demo in a real terminal, closed the way an instructor's laptop closes it: ``tmux
kill-session`` hangs up on the pane (SIGHUP). Within two seconds nothing the demo started is
left: not the demo, not its stand-in (a child process), not the detached engine."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from console.store.state import Store
from tests.ui.test_tmux import Terminal

pytestmark = [pytest.mark.tmux]

GONE_WITHIN = 2.0


def living_with(marker: str) -> list[tuple[int, str]]:
    """Processes (not zombies) whose command line names ``marker``: pid and state."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # it ended while being read
        if marker in cmdline and state != "Z":
            found.append((int(entry.name), state))
    return found


def stand_ins_of(parent: int) -> list[int]:
    """The demo's stand-in: its child processes running ``python -m standin``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and "-m standin serve" in cmdline:
            found.append(int(entry.name))
    return found


def engine_pid(state_dir: Path) -> int | None:
    if not (state_dir / "dojo-2026-12").exists():
        return None
    store = Store.open(state_dir, "dojo-2026-12", readonly=True)
    try:
        holder = store.engine_holder()
        return int(holder["pid"]) if holder else None
    finally:
        store.close()


def test_kill_session_leaves_no_demo_sandbox_or_engine_after_two_seconds(tmp_path):
    state_dir = tmp_path / "demo-state"
    terminal = Terminal(tmp_path)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    argv = [sys.executable, "-m", "console", "demo", "--trainees", "4"]
    argv += ["--state-dir", str(state_dir), "--operator", "kenji"]
    try:
        terminal.start(argv, env)
        terminal.wait_for(lambda s: "AdminEnvRole" in s and "alice" in s, "the demo's console")
        deadline = time.monotonic() + 60
        while engine_pid(state_dir) is None and time.monotonic() < deadline:
            time.sleep(0.1)  # the engine is another process: nothing to be notified by
        engine = engine_pid(state_dir)
        assert engine is not None, "the demo started no engine"
        assert len(living_with(str(state_dir))) >= 2  # the demo and its engine
        demos = [pid for pid, _ in living_with(str(state_dir)) if pid != engine]
        stand_ins = [child for demo in demos for child in stand_ins_of(demo)]
        assert len(stand_ins) == 1, "the demo runs its stand-in as a child process"
        terminal.tmux("kill-session")
        hung_up = time.monotonic()
        while (
            living_with(str(state_dir)) or _alive(stand_ins[0])
        ) and time.monotonic() - hung_up < GONE_WITHIN:
            time.sleep(0.05)
        assert living_with(str(state_dir)) == []
        assert not _alive(engine)
        assert not _alive(stand_ins[0])
    finally:
        terminal.stop()


def _alive(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
