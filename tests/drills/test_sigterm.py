"""Drill: a plain ``kill`` (SIGTERM) is handled like Ctrl+C (issue 26): the call in flight
finishes and is recorded, the trainees stop CANCELLED between two steps, nothing is left
``unknown`` in the ledger, and the engine lets go of its lock."""

import os
import signal

from console.model import Outcome
from tests.engine.helpers import cli
from tests.engine.test_cancel import a_step_done, foreground, open_store
from tests.engine.test_crash import wait_for


def _stopped_cleanly(store) -> None:
    assert not [t.name for t in store.trainees() if t.state.is_active]
    assert not [r.id for r in store.ledger() if r.outcome == Outcome.UNKNOWN]  # ledger closed
    assert "CANCELLED" in {t.state.value for t in store.trainees()}
    assert store.engine_holder() is None


def test_sigterm_on_a_foreground_apply_stops_cleanly(sandbox, tmp_path):
    sandbox.faults.set_latency(250)
    apply = foreground(sandbox, tmp_path)
    store = open_store(tmp_path)
    wait_for(lambda: a_step_done(store), what="a first step done")
    apply.send_signal(signal.SIGTERM)
    out, err = apply.communicate(timeout=120)
    sandbox.faults.set_latency(0)
    assert apply.returncode == 130, out[-2000:] + err[-2000:]
    assert "cancelling" in err and "Traceback" not in err
    _stopped_cleanly(store)


def test_sigterm_to_the_detached_engine_stops_it_cleanly(sandbox, tmp_path):
    sandbox.faults.set_latency(250)
    started = cli(sandbox, tmp_path, "apply", "--detach")
    assert started.returncode == 0, started.stderr
    store = open_store(tmp_path)
    wait_for(lambda: a_step_done(store), what="a first step done")
    holder = wait_for(store.engine_holder, what="the engine's lock")
    os.kill(int(holder["pid"]), signal.SIGTERM)
    wait_for(lambda: store.engine_holder() is None, timeout=120, what="the engine to stop")
    sandbox.faults.set_latency(0)
    _stopped_cleanly(store)
    log = (tmp_path / "dojo-2026-12" / "engine.log").read_text()
    assert "SIGTERM" in log and "Traceback" not in log
