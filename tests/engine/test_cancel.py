"""Cancel: ``whodidthis cancel`` and Ctrl+C on a foreground command stop trainees cleanly
(issue 14, item 13): CANCELLED, every ledger record completed, exit 130 for Ctrl+C."""

import signal
import subprocess
import sys

from console.model import CommandKind, Outcome, StepState
from console.store.state import Store
from tests.engine.helpers import cli, status
from tests.engine.test_crash import COURSE, counts, wait_for


def foreground(sandbox, state_dir, kind="apply", *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "console", kind, str(sandbox.course_path)]
        + ["--state-dir", str(state_dir), "--operator", "alice", *extra],
        env=sandbox.clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def open_store(state_dir):
    return wait_for(
        lambda: (state_dir / COURSE / "state.sqlite3").exists() and Store.open(state_dir, COURSE),
        what="the store",
    )


def a_step_done(store):
    return any(s.state == StepState.DONE for t in store.trainees() for s in t.steps)


def test_ctrl_c_on_a_foreground_apply_cancels_cleanly_and_exits_130(sandbox, tmp_path):
    sandbox.faults.set_latency(250)
    apply = foreground(sandbox, tmp_path)
    store = open_store(tmp_path)
    wait_for(lambda: a_step_done(store), what="a first step done")
    apply.send_signal(signal.SIGINT)
    out, err = apply.communicate(timeout=120)
    sandbox.faults.set_latency(0)

    assert apply.returncode == 130, out[-2000:] + err[-2000:]
    assert "cancelling" in err and "Traceback" not in err
    states = {t.name: t.state for t in store.trainees()}
    assert "CANCELLED" in {s.value for s in states.values()}
    assert not [name for name, state in states.items() if state.is_active]
    assert not [r for r in store.ledger() if r.outcome == Outcome.UNKNOWN]  # ledger closed
    assert all(c.done_at for c in store.commands())
    assert store.engine_holder() is None
    cancelled = [t for t in status(sandbox, tmp_path).values() if t["state"] == "CANCELLED"]
    assert cancelled and all(t["error"] == "cancelled by an operator" for t in cancelled)

    again = cli(sandbox, tmp_path, "apply")  # a cancelled trainee resumes where it stopped
    assert again.returncode == 0, again.stderr
    assert {t["state"] for t in status(sandbox, tmp_path).values()} == {"READY"}
    assert counts(sandbox) == [(1, 1, 1, 1)] * len(sandbox.trainees)


def test_a_second_ctrl_c_forces(sandbox, tmp_path):
    sandbox.faults.set_latency(3000)  # a step would take far longer than the test waits
    apply = foreground(sandbox, tmp_path)
    store = open_store(tmp_path)
    wait_for(
        lambda: any(r.operation == "GetCallerIdentity" for r in store.ledger()),
        what="trainees at work",
    )
    apply.send_signal(signal.SIGINT)
    wait_for(lambda: any(c.kind == CommandKind.CANCEL for c in store.commands()), what="cancel")
    apply.send_signal(signal.SIGINT)
    apply.communicate(timeout=60)
    sandbox.faults.set_latency(0)
    assert apply.returncode == 130
    # Forced: it did not wait for the trainees to reach the end of their step.
    assert [t for t in store.trainees() if t.state.is_active]


def test_cancel_stops_the_named_trainee_of_a_detached_run(sandbox, tmp_path):
    sandbox.faults.set_latency(250)
    (victim, _), *_ = sandbox.trainees
    started = cli(sandbox, tmp_path, "apply", "--detach")
    assert started.returncode == 0, started.stderr
    store = open_store(tmp_path)
    wait_for(
        lambda: any(
            r.operation == "GetCallerIdentity" and r.trainee == victim for r in store.ledger()
        ),
        what="the victim at work",
    )
    cancel = cli(sandbox, tmp_path, "cancel", "--trainee", victim)
    assert cancel.returncode == 0, cancel.stderr
    assert "cancel sent" in cancel.stdout and "1 trainee" in cancel.stdout
    wait_for(lambda: store.engine_holder() is None, timeout=180, what="the engine to finish")
    sandbox.faults.set_latency(0)

    states = status(sandbox, tmp_path)
    assert states[victim]["state"] == "CANCELLED"
    assert {t["state"] for name, t in states.items() if name != victim} == {"READY"}
    assert not [r for r in store.ledger() if r.outcome == Outcome.UNKNOWN]


def test_cancel_without_an_engine_queues_nothing(sandbox, tmp_path):
    result = cli(sandbox, tmp_path, "cancel")
    assert result.returncode == 0, result.stderr
    assert "nothing to cancel" in result.stdout
    store = Store.open(tmp_path, COURSE)
    assert store.commands() == []


def test_ctrl_c_on_a_foreground_teardown_stops_between_steps(sandbox, tmp_path):
    assert cli(sandbox, tmp_path, "apply").returncode == 0
    sandbox.faults.set_latency(250)
    teardown = foreground(sandbox, tmp_path, "teardown", "--yes")
    store = open_store(tmp_path)
    wait_for(
        lambda: any(s.state == StepState.TORN_DOWN for t in store.trainees() for s in t.steps),
        what="a first step torn down",
    )
    teardown.send_signal(signal.SIGINT)
    out, err = teardown.communicate(timeout=120)
    sandbox.faults.set_latency(0)

    assert teardown.returncode == 130, out[-2000:] + err[-2000:]
    states = {t.name: t.state.value for t in store.trainees()}
    assert "CANCELLED" in states.values()
    assert set(states.values()) <= {"CANCELLED", "TORN_DOWN"}
    assert not [r for r in store.ledger() if r.outcome == Outcome.UNKNOWN]
    again = cli(sandbox, tmp_path, "teardown", "--yes")  # and it can be finished after
    assert again.returncode == 0, again.stderr
    assert {t["state"] for t in status(sandbox, tmp_path).values()} == {"TORN_DOWN"}
    assert counts(sandbox) == [(0, 0, 0, 0)] * len(sandbox.trainees)


def test_ctrl_c_on_an_apply_attached_to_a_detached_engine_cancels_there(sandbox, tmp_path):
    sandbox.faults.set_latency(250)
    assert cli(sandbox, tmp_path, "apply", "--detach").returncode == 0
    store = open_store(tmp_path)
    wait_for(store.engine_holder, what="the detached engine")
    attached = foreground(sandbox, tmp_path)
    wait_for(lambda: a_step_done(store), what="a first step done")
    # Slower still once a step is done: on a loaded machine the attaching process can take
    # longer to start than the rest of the build at 250 ms, and nothing would be left to cancel.
    sandbox.faults.set_latency(1000)
    wait_for(lambda: attached.stderr.readline().startswith("attached"), what="the attach")
    attached.send_signal(signal.SIGINT)
    out, err = attached.communicate(timeout=120)
    wait_for(lambda: store.engine_holder() is None, timeout=120, what="the engine to finish")
    sandbox.faults.set_latency(0)

    assert attached.returncode == 130, out[-2000:] + err[-2000:]
    states = {t.name: t.state for t in store.trainees()}
    assert "CANCELLED" in {s.value for s in states.values()}
    assert not [name for name, state in states.items() if state.is_active]
    assert not [r for r in store.ledger() if r.outcome == Outcome.UNKNOWN]
