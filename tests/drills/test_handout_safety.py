"""Drill: ``handout`` never loses a password silently (issue 26, item 5).

Two runs at once, a closed or full stdout, ``--out`` into a missing folder, Ctrl+C midway:
each either changes nothing or names every trainee whose password changed, with an exit code
that is not 0.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys

from console.model import Outcome
from console.store.state import Store
from tests.engine.helpers import cli
from tests.engine.test_crash import wait_for
from tests.engine.test_handout import COURSE, handout, login_course

PASSWORD_CALLS = ("CreateLoginProfile", "UpdateLoginProfile")


def _built(sandbox, tmp_path, count: int = 2):
    state = tmp_path / "state"
    course = login_course(sandbox, tmp_path, count=count)
    assert cli(sandbox, state, "apply", course=course).returncode == 0
    return state, course


def _password_calls(sandbox, since: int) -> list[str]:
    return [r["operation"] for r in sandbox.trail()[since:] if r["operation"] in PASSWORD_CALLS]


def test_a_second_handout_at_once_is_refused_and_changes_nothing(sandbox, tmp_path):
    state, course = _built(sandbox, tmp_path)
    before = len(sandbox.trail())
    fd = os.open(state / COURSE / "handout.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # the first handout, still running
        second = handout(sandbox, state, course)
    finally:
        os.close(fd)
    assert second.returncode == 2, second.stderr
    assert "another handout for this course is running" in second.stderr
    assert _password_calls(sandbox, before) == []


def test_out_into_a_missing_folder_changes_nothing(sandbox, tmp_path):
    state, course = _built(sandbox, tmp_path)
    before = len(sandbox.trail())
    result = handout(sandbox, state, course, "--out", str(tmp_path / "missing" / "p.txt"))
    assert result.returncode == 2, result.stderr
    assert "nothing was changed" in result.stderr and "Traceback" not in result.stderr
    assert _password_calls(sandbox, before) == []


def _handout_process(sandbox, state, course, stdout):
    return subprocess.Popen(
        [sys.executable, "-m", "console", "handout", str(course), "--state-dir", str(state)]
        + ["--operator", "alice", "--stdout"],
        env=sandbox.clean_env(),
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_full_stdout_names_every_changed_password_and_exits_1(sandbox, tmp_path):
    state, course = _built(sandbox, tmp_path)
    with open("/dev/full", "w") as full:
        process = _handout_process(sandbox, state, course, full)
        _, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    assert "could not be delivered to stdout" in err and "Traceback" not in err
    for name, _ in sandbox.trainees[:2]:
        assert name in err


def test_a_reader_gone_names_every_changed_password_and_exits_1(sandbox, tmp_path):
    state, course = _built(sandbox, tmp_path)
    process = _handout_process(sandbox, state, course, subprocess.PIPE)
    process.stdout.close()  # `handout | head -c 0`: the reader left before the output came
    err = process.stderr.read()
    process.wait(timeout=120)
    assert process.returncode == 1, err
    assert "the reader went away" in err and "Traceback" not in err


def test_ctrl_c_midway_hands_out_what_changed_and_names_it(sandbox, tmp_path):
    state, course = _built(sandbox, tmp_path, count=4)
    sandbox.faults.set_latency(400)
    process = _handout_process(sandbox, state, course, subprocess.PIPE)
    store = Store.open(state, COURSE, readonly=True)
    try:
        wait_for(
            lambda: any(
                r.operation in PASSWORD_CALLS and r.outcome == Outcome.OK for r in store.ledger()
            ),
            what="a first password changed",
        )
    finally:
        store.close()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    sandbox.faults.set_latency(0)
    assert process.returncode == 130, err
    assert "interrupted" in err and "now have a new password" in err, err
    assert "password:" in out  # the passwords that changed were handed out, not lost
