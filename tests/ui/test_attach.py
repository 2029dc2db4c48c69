"""The console follows a run written by another process (a headless ``whodidthis apply``, or the
detached engine): it only reads the store, so whatever another process commits shows up live."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from widgets.ledger_log import LedgerLog
from widgets.trainee_table import TraineeTable

from .conftest import plain, row_of, settle

REPO = Path(__file__).resolve().parents[2]


async def step(writer: subprocess.Popen, move: str) -> None:
    """Ask the writer for one move and wait until it says the write is committed."""
    writer.stdin.write(move + "\n")
    writer.stdin.flush()
    answer = await asyncio.to_thread(writer.stdout.readline)
    assert answer.strip() == "done"


async def test_a_run_written_by_another_process_shows_live(console, scene):
    app = console()
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.writer", str(scene.state_dir)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            table = app.screen.query_one(TraineeTable)
            assert row_of(table, "heidi")["state"] == "✖ FAILED"

            await step(writer, "running")
            await settle(pilot)
            assert row_of(table, "heidi")["state"] == "▶ RUNNING"
            assert row_of(table, "heidi")["principal"] == "kenji"
            log = "\n".join(line.text for line in app.screen.query_one(LedgerLog).lines)
            assert "iam:CreateUser" in log.splitlines()[-1]
            assert "heidi" in log.splitlines()[-1]

            await step(writer, "ready")
            await settle(pilot)
            assert row_of(table, "heidi")["state"] == "✔ READY"
            assert row_of(table, "heidi")["step"].strip().startswith("4/4")
    finally:
        writer.stdin.close()
        writer.wait(timeout=30)
    assert writer.returncode == 0


async def test_the_detail_screen_follows_its_trainee_live(console, scene):
    from console.model import StepState, TraineeState
    from console.screens.detail import TraineeDetailScreen
    from console.store.state import Store

    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f", "enter")  # failures only: heidi first
        await settle(pilot)
        assert isinstance(app.screen, TraineeDetailScreen) and app.screen.trainee == "heidi"
        writer = Store.open(scene.state_dir, "dojo-2026-12", clock=scene.clock)
        writer.set_trainee(
            "heidi",
            state=TraineeState.RUNNING,
            error=None,
            error_code=None,
            step_index=0,
            last_action="iam_user:heidi",
        )
        writer.set_step("heidi", 0, state=StepState.RUNNING)
        writer.close()
        await settle(pilot)
        head = str(app.screen.query_one("#detail-head").render())
        assert "RUNNING" in head and "FAILED" not in head
        assert not app.screen.query_one("#detail-error").display
        steps = plain(app.screen.query_one("#detail-steps")).splitlines()
        assert "▶ RUNNING" in next(line for line in steps if "iam_user:heidi" in line)
