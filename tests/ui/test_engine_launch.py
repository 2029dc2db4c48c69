"""The console starts the detached engine itself, and its own store survives the engine's exit.

A regression test: opening the store file a second time in the console's process (as
``runner.ensure_engine`` does) drops the POSIX locks of the console's connection; the engine
exiting then deleted the WAL under the console, and the console's next command was lost.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from console.model import CommandKind

from .conftest import settle

NO_CREDENTIALS = {
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "AWS_CONFIG_FILE": "/nonexistent/config",
}


def commands_seen_by_another_process(state_dir) -> list[str]:
    code = (
        "import sys; from pathlib import Path; from console.store.state import Store; "
        "s = Store.open(Path(sys.argv[1]), 'dojo-2026-12', readonly=True); "
        "print(' '.join(c.kind.value for c in s.commands()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(state_dir)], capture_output=True, text=True, check=True
    )
    return out.stdout.split()


async def test_the_engine_started_by_the_console_leaves_its_store_intact(
    console, scene, monkeypatch
):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in NO_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    app = console(engine_launcher=None)  # the real launcher
    started: list[int] = []
    real = app.services.engine_launcher
    app.services.engine_launcher = lambda: started.append(real()) or started[-1]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "y")
        await settle(pilot)
        assert started and started[0] is not None
        # The engine refuses to act without a host identity (exit 3) and closes the store.
        _, status = await asyncio.to_thread(os.waitpid, started[0], 0)
        assert os.waitstatus_to_exitcode(status) == 3
        await pilot.press("down", "r", "y")  # bob: alice's retry is still queued, and would absorb
        await settle(pilot)
    log = (scene.state_dir / "dojo-2026-12" / "engine.log").read_text()
    assert "engine starting for dojo-2026-12" in log
    assert commands_seen_by_another_process(scene.state_dir) == [
        CommandKind.APPLY.value,
        CommandKind.RETRY.value,
        CommandKind.RETRY.value,
    ]
