"""Drill: ``apply --detach`` then ``kill -9`` of its engine, again and again; the next ``apply``
still finishes, with every trainee READY and nothing created twice (issue 14, item 1)."""

import os
import signal

import pytest

from console.store.state import Store
from tests.engine.helpers import cli, status
from tests.engine.test_crash import COURSE, counts, wait_for


def gone(pid: int) -> bool:
    """True once ``pid`` is dead (a zombie waiting for init counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):  # reaped while we looked
        return True


def kill_the_engine_mid_run(sandbox, state_dir, store_box: list) -> None:
    started = cli(sandbox, state_dir, "apply", "--detach")
    assert started.returncode == 0, started.stderr
    if not store_box:
        store_box.append(
            wait_for(
                lambda: (
                    (state_dir / COURSE / "state.sqlite3").exists()
                    and Store.open(state_dir, COURSE)
                ),
                what="the store",
            )
        )
    store = store_box[0]
    holder = wait_for(store.engine_holder, what="the detached engine")
    seen = len(store.ledger())
    # Killed while it works: after it made at least one more call of its own.
    wait_for(lambda: len(store.ledger()) > seen, what="the engine's next ledger record")
    os.kill(int(holder["pid"]), signal.SIGKILL)
    wait_for(lambda: gone(int(holder["pid"])), what="the engine to die")


@pytest.mark.parametrize("crashes", [2, 4])
def test_apply_finishes_after_any_number_of_engine_crashes(sandbox, tmp_path, crashes):
    sandbox.faults.set_latency(150)
    store_box: list = []
    for _ in range(crashes):
        kill_the_engine_mid_run(sandbox, tmp_path, store_box)
    sandbox.faults.set_latency(0)

    final = cli(sandbox, tmp_path, "apply")
    assert final.returncode == 0, final.stdout[-2000:] + final.stderr[-2000:]
    assert "READY" in final.stdout  # it ran and said so: not swallowed
    assert {t["state"] for t in status(sandbox, tmp_path).values()} == {"READY"}
    assert counts(sandbox) == [(1, 1, 1, 1)] * len(sandbox.trainees)  # nothing twice
    store = store_box[0]
    assert not [c for c in store.commands() if (c.result or "").startswith("abandoned")]
    assert all(c.done_at for c in store.commands())
