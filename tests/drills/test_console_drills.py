"""Drills on the console: killed mid-run (SIGKILL, and SIGHUP as a dropped SSM session does),
and two consoles retrying the same trainee at the same moment."""

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from console.aws.ssm_host import _stat
from console.model import CommandKind, TraineeState
from console.store.state import Store
from tests.engine.test_crash import wait_for
from tests.ui.test_tmux import Terminal, row, wait_for_engine_to_finish

COURSE = "dojo-2026-12"


@pytest.fixture
def terminals(tmp_path):
    made = []
    yield lambda: made.append(Terminal(tmp_path)) or made[-1]
    for term in made:
        term.stop()


def console_argv(sandbox, state_dir):
    return [
        sys.executable,
        "-m",
        "console",
        "run",
        str(sandbox.course_path),
        "--state-dir",
        str(state_dir),
        "--operator",
        "kenji",
    ]


@pytest.mark.parametrize("how", ["SIGKILL", "SIGHUP"])
def test_the_engine_finishes_when_the_console_dies(sandbox, terminals, tmp_path, how):
    sandbox.faults.set_latency(150)
    state_dir = tmp_path / "state"
    env = {**sandbox.clean_env(), "TERM": "xterm-256color", "HOME": str(tmp_path)}
    console = terminals()
    console.start(console_argv(sandbox, state_dir), env)
    console.wait_for(lambda s: "AdminEnvRole" in s and "alice" in s, "the console")
    console.keys("A")  # the whole course
    console.wait_for(lambda s: "Apply all" in s, "the apply question")
    console.keys("y")
    store = Store.open(state_dir, COURSE, readonly=True)
    wait_for(
        lambda: any(t.state == TraineeState.RUNNING for t in store.trainees()),
        what="the run to start",
    )
    pid = int(console.tmux("display-message", "-p", "#{pane_pid}").strip())
    if how == "SIGKILL":
        os.kill(pid, signal.SIGKILL)
    else:
        console.stop()  # tmux hangs up on the pane: SIGHUP, as a dropped SSM session
    wait_for(lambda: not _alive(pid), what="the console to die")
    assert store.engine_holder() is not None  # the engine outlived it
    sandbox.faults.set_latency(0)
    wait_for_engine_to_finish(state_dir)
    assert {t.state for t in store.trainees()} == {TraineeState.READY}

    again = terminals()  # a new console shows the final state
    again.start(console_argv(sandbox, state_dir), env)
    screen = again.wait_for(lambda s: "12 READY" in s, "the final state")
    assert all("READY" in row(screen, name) for name in ("alice", "bob", "carol"))
    again.keys("q")


# Two ways a terminal hangs up without the console hearing it: the session's leader catches the
# SIGHUP the kernel sends it and waits for its children (as make does, running `make demo`), or
# SIGHUP is ignored from the start (as nohup leaves it).
CATCHING_LEADER = (
    "import signal, subprocess, sys; signal.signal(signal.SIGHUP, lambda *_: None); "
    "sys.exit(subprocess.call(sys.argv[1:]))"
)
IGNORING = "import os, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); " + (
    "os.execv(sys.argv[1], sys.argv[1:])"
)


@pytest.mark.parametrize("parent", ["catches SIGHUP", "SIGHUP ignored"])
def test_a_console_whose_terminal_hangs_up_unheard_ends(sandbox, terminals, tmp_path, parent):
    """Without its SIGHUP the console would read end of file for ever on a third of a core."""
    env = {**sandbox.clean_env(), "TERM": "xterm-256color", "HOME": str(tmp_path)}
    console = terminals()
    _start_under(console, parent, console_argv(sandbox, tmp_path / "state"), env)
    console.wait_for(lambda s: "AdminEnvRole" in s and "alice" in s, "the console")
    pid = _program_pid(console, parent)
    console.stop()  # tmux closes the pane's terminal
    wait_for(lambda: not _alive(pid), timeout=20, what="the console to end")


@pytest.mark.parametrize(
    ("watch", "parent"),
    [(["ledger", "--follow"], "catches SIGHUP"), (["status", "--watch"], "SIGHUP ignored")],
)
def test_a_watch_whose_terminal_hangs_up_unheard_ends_while_the_build_goes_on(
    sandbox, terminals, tmp_path, watch, parent
):
    """A watch would otherwise sleep on until its next write failed: ``ledger --follow`` prints
    nothing while every call in flight waits (minutes for a stack). It must end; the run it
    watched goes on."""
    from tests.engine.helpers import cli, cli_argv

    state_dir = tmp_path / "state"
    sandbox.faults.set_latency(1000)
    assert cli(sandbox, state_dir, "apply", "--detach").returncode == 0
    store = Store.open(state_dir, COURSE, readonly=True)
    wait_for(
        lambda: any(t.state == TraineeState.RUNNING for t in store.trainees()),
        what="the run to start",
    )
    env = {**sandbox.clean_env(), "TERM": "xterm-256color", "HOME": str(tmp_path)}
    term = terminals()
    _start_under(term, parent, cli_argv(sandbox, state_dir, *watch), env)
    term.wait_for(lambda s: "alice" in s, "the watch's first screen")
    pid = _program_pid(term, parent)
    sandbox.faults.set_latency(12_000)  # from here no call is answered for 12 s, ...
    time.sleep(3)  # ... once the calls in flight (1 s each) are, and the watch has shown them
    term.stop()  # tmux closes the pane's terminal: nothing new to show for 9 s and more
    wait_for(lambda: not _alive(pid), timeout=6, what="the watch to end")
    assert store.engine_holder() is not None  # it ended for the hang-up, not for the run's end
    assert any(t.state.is_active for t in store.trainees())
    sandbox.faults.set_latency(0)
    wait_for_engine_to_finish(state_dir)
    assert {t.state for t in store.trainees()} == {TraineeState.READY}


def _start_under(term, parent: str, argv: list[str], env: dict[str, str]) -> None:
    """``argv`` in ``term``'s pane under a parent that catches SIGHUP or has it ignored."""
    wrapper = CATCHING_LEADER if parent == "catches SIGHUP" else IGNORING
    term.start([sys.executable, "-c", wrapper, *argv], env)


def _program_pid(term, parent: str) -> int:
    """The pid of the program ``_start_under`` started: the pane's own (the ignoring parent
    execs it), or the catching leader's one child."""
    pid = int(term.tmux("display-message", "-p", "#{pane_pid}").strip())
    if parent != "catches SIGHUP":
        return pid
    children = _children_of(pid)
    assert len(children) == 1, children
    return children[0]


def _children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, from each one's ``/proc/PID/stat`` as the SSM
    operator check reads it (no kernel option needed, unlike ``/proc/PID/task/TID/children``)."""
    proc = Path("/proc")
    found = [(int(entry.name), _stat(proc, int(entry.name))) for entry in proc.glob("[0-9]*")]
    return [child for child, stat in found if stat is not None and stat[1] == pid]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead for our purpose
            return stat.read().split()[2] != "Z"
    except (ProcessLookupError, FileNotFoundError):  # it went between the two looks
        return False


def test_two_consoles_retrying_one_trainee_run_one_retry(sandbox_factory, terminals, tmp_path):
    sandbox = sandbox_factory(trainees=4, before={"dave": "no-role"})
    state_dir = tmp_path / "state"
    from tests.engine.helpers import cli

    assert cli(sandbox, state_dir, "apply").returncode == 1
    sandbox.apply_before_state("dave", "trusted")
    sandbox.faults.set_latency(100)  # the retry takes long enough for both key presses
    env = {**sandbox.clean_env(), "TERM": "xterm-256color", "HOME": str(tmp_path)}
    consoles = [terminals(), terminals()]
    for console in consoles:
        console.start(console_argv(sandbox, state_dir), env)
        console.wait_for(lambda s: "FAILED" in row(s, "dave"), "dave FAILED")
        console.keys("f")  # failures only: dave alone, under the cursor
        console.wait_for(lambda s: "READY" not in row(s, "alice"), "the failures filter")
    for console in consoles:
        console.keys("r")
    for console in consoles:
        console.wait_for(lambda s: "Retry dave" in s, "the retry question naming dave")
    for console in consoles:
        console.keys("y")
    for console in consoles:
        console.wait_for(lambda s: "retry queued" in s, "the retry being queued")
    store = Store.open(state_dir, COURSE, readonly=True)
    wait_for(
        lambda: [c for c in store.commands() if c.kind == CommandKind.RETRY and c.done_at],
        what="the retry to finish",
    )
    wait_for_engine_to_finish(state_dir)
    assert store.trainee("dave").state == TraineeState.READY
    assert len([c for c in store.commands() if c.kind == CommandKind.RETRY]) == 1
    retries = [run for run in store.runs() if run["kind"] == "retry"]
    assert len(retries) == 1
    assumes = [
        r
        for r in store.ledger(trainee="dave")
        if r.operation == "AssumeRole" and r.outcome.value == "ok"
    ]
    assert len(assumes) == 1  # one retry assumed once; the failed apply's assume was denied
