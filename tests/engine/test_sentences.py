"""Sentences where tracebacks were: a denied AssumeRole, a reader that went away, a course
file that is a FIFO or a device (issue 14, item 10).

Every command runs as the operator runs it, in its own process against the sandbox.
"""

import json
import os
import subprocess
import sys

import pytest

from console.store.state import Store
from tests.engine.helpers import cli
from tests.engine.test_crash import wait_for

COURSE = "dojo-2026-12"


@pytest.fixture
def denied(sandbox_factory):
    """Two trainees whose ManageEnvRole does not trust the host: every AssumeRole is denied."""
    return sandbox_factory(trainees=2, before={"alice": "other-account", "bob": "no-role"})


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr and 'File "' not in stderr, stderr
    assert "Refreshing temporary credentials failed" not in stderr, stderr


@pytest.mark.parametrize(
    "command",
    [("preflight",), ("apply",), ("teardown",), ("retry", "--trainee", "alice")],
    ids=lambda c: c[0],
)
def test_a_denied_assume_role_is_a_sentence_not_a_traceback(denied, tmp_path, command):
    result = cli(denied, tmp_path, *command)
    _no_traceback(result.stderr)
    said = result.stdout + result.stderr
    assert "AccessDenied" in said and "alice" in said
    assert result.returncode == (0 if command[0] == "teardown" else 1), said


def test_the_detached_engine_logs_a_denied_assume_role_as_a_sentence(denied, tmp_path):
    started = cli(denied, tmp_path, "apply", "--detach")
    assert started.returncode == 0, started.stderr
    store = Store.open(tmp_path, COURSE)
    wait_for(store.engine_holder, what="the detached engine")
    wait_for(lambda: store.engine_holder() is None, what="the engine to go idle and exit")
    path = tmp_path / COURSE / "engine.log"
    # Its last line follows the lock's release: wait for it, do not race it.
    wait_for(lambda: "engine idle after 1 command(s)" in path.read_text(), what="its last line")
    _no_traceback(path.read_text())
    assert oct((tmp_path / COURSE / "engine.log").stat().st_mode & 0o777) == "0o600"


def _with_the_reader_gone(sandbox, argv: list[str]) -> subprocess.CompletedProcess:
    """``argv`` with stdout a pipe whose reader has already closed (``... | head`` at its end)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [sys.executable, "-m", "console", *argv],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            env=sandbox.clean_env(),
            timeout=120,
        )
    finally:
        os.close(writer)


def test_ledger_into_a_closed_pipe_exits_0_quietly(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(trainees=1)
    assert cli(sandbox, tmp_path, "apply").returncode == 0
    course = str(sandbox.course_path)
    for argv in (["ledger", course], ["ledger", course, "--json"], ["status", course]):
        result = _with_the_reader_gone(sandbox, [*argv, "--state-dir", str(tmp_path)])
        assert (result.returncode, result.stderr) == (0, ""), argv


def test_apply_into_a_closed_pipe_still_finishes_the_work(sandbox_factory, tmp_path):
    """``apply --json | head -1``: the listing stops, the build does not."""
    sandbox = sandbox_factory(trainees=2)
    course = str(sandbox.course_path)
    argv = ["apply", course, "--json", "--state-dir", str(tmp_path), "--operator", "alice"]
    result = _with_the_reader_gone(sandbox, argv)
    assert (result.returncode, result.stderr) == (0, "")
    states = cli(sandbox, tmp_path, "status", "--json")
    assert states.returncode == 0
    trainees = json.loads(states.stdout)["trainees"]
    assert [t["state"] for t in trainees] == ["READY", "READY"]


def test_iam_templates_into_a_closed_pipe_exits_0_quietly(sandbox):
    result = _with_the_reader_gone(sandbox, ["iam-templates", "--admin-account", "111122223333"])
    assert result.returncode == 0, result.stderr
    assert "BrokenPipe" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "/dev/null"])
@pytest.mark.parametrize("command", ["apply", "status", "preflight", "ledger"])
def test_a_fifo_or_a_device_as_course_file_is_not_a_regular_file(sandbox, tmp_path, kind, command):
    path = tmp_path / "course.toml"
    if kind == "fifo":
        os.mkfifo(path)  # nobody ever writes to it: opening it for reading would hang
    else:
        path = "/dev/null"
    result = cli(sandbox, tmp_path / "state", command, course=path, timeout=60)
    assert result.returncode == 2
    assert f"course file {path} is not a regular file" in result.stderr
    assert "does not exist" not in result.stderr
    assert sandbox.trail() == []
