"""The real console in a real terminal: tmux at 80x24, as an instructor over SSM would see it.

The sandbox runs in this test process; the console runs in tmux (its own server per test) with
the sandbox's clean environment, so it resolves the host identity through IMDS and starts the
detached engine itself. A terminal offers no event to wait on, so the test reads the screen
with ``capture-pane`` until what it expects appears, within a deadline.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from console.model import TraineeState
from console.store.state import Store

pytestmark = [pytest.mark.tmux]


@pytest.fixture(autouse=True)
def _tmux_installed():
    """Fail loudly, never skip: .ci/run installs tmux; a machine without it must say so."""
    assert shutil.which("tmux"), "tmux is not installed: `apt-get install -y tmux` (.ci/run does)"


DEADLINE = 120.0


class Terminal:
    """One tmux server (its own socket) running one command in an 80x24 pane."""

    def __init__(self, tmp_path: Path):
        self.socket = f"whodidthis-{uuid.uuid4().hex[:12]}"
        self.tmp_path = tmp_path

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return result.stdout

    def start(self, argv: list[str], env: dict[str, str]) -> None:
        # A person's terminal: the CI runner's CI=true turns redraws into plain lines (as CI
        # logs want) and is the runner's, not the person's. An exported COLUMNS/LINES is left
        # in: the watch and the console must take the terminal's own size over it.
        env = {k: v for k, v in env.items() if k != "CI"}
        script = self.tmp_path / f"console-{uuid.uuid4().hex[:6]}.sh"
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(env.items()))
        script.write_text(f"exec env -i {assignments} {shlex.join(argv)}\n")
        self.tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "80",
            "-y",
            "24",
            f"sh {shlex.quote(str(script))}",
        )
        self.tmux("set-option", "-g", "remain-on-exit", "on")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", *keys)

    def dead(self) -> bool:
        return self.tmux("display-message", "-p", "#{pane_dead}").strip() == "1"

    def wait_for(self, predicate, what: str) -> str:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.2)  # the terminal offers nothing to wait on
        raise AssertionError(f"never saw {what}; the screen was:\n{self.screen()}")

    def stop(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def row(screen: str, name: str) -> str:
    """The table row of trainee ``name`` (not the identity panel's line about it)."""
    pattern = re.compile(rf"^\s+●?\s*{name}\s+[·◌▶✔✖⊘▼○] ")
    return next((line for line in screen.splitlines() if pattern.match(line)), "")


def wait_for_engine_to_finish(state_dir: Path) -> None:
    """The detached engine outlives the console; wait until it let go of the course."""
    store = Store.open(state_dir, "dojo-2026-12", readonly=True)
    try:
        deadline = time.monotonic() + DEADLINE
        while store.engine_holder() and time.monotonic() < deadline:
            time.sleep(0.2)  # another process: nothing to be notified by
        assert store.engine_holder() is None
    finally:
        store.close()


@pytest.fixture
def terminal(tmp_path):
    made: list[Terminal] = []

    def make() -> Terminal:
        made.append(Terminal(tmp_path))
        return made[-1]

    yield make
    for term in made:
        term.stop()


@pytest.mark.parametrize("term", ["xterm-256color", "xterm"])
def test_the_console_in_tmux_retries_a_denied_trainee_and_quits_leaving_the_engine(
    sandbox_factory, terminal, tmp_path, term
):
    sandbox = sandbox_factory(trainees=8, before={"heidi": "other-account"})
    state_dir = tmp_path / "state"
    env = {**sandbox.clean_env(), "TERM": term, "HOME": str(tmp_path)}
    argv = [
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
    console = terminal()
    console.start(argv, env)

    screen = console.wait_for(
        lambda s: "AdminEnvRole" in s and "heidi" in s, "the identity panel and the rows"
    )
    assert "instance profile via IMDSv2" in screen
    console.keys("A")  # the whole course: a alone would apply the selected trainee
    console.wait_for(lambda s: "Apply all 8 trainees" in s, "the apply question")
    console.keys("y")
    console.wait_for(
        lambda s: (
            "FAILED" in row(s, "heidi")
            and sum("READY" in row(s, n) for n in ("alice", "bob", "grace")) == 3
        ),
        "heidi denied and the others READY",
    )

    sandbox.apply_before_state("heidi", "trusted")
    console.keys("/")  # the filter leaves heidi alone under the cursor
    console.wait_for(lambda s: "filter: regex" in s, "the filter line")
    console.keys("heidi")
    console.wait_for(lambda s: "1/8 shown" in s, "the filter applied")
    console.keys("Enter")
    console.wait_for(lambda s: "filter: regex" not in s and "a Apply" in s, "the table again")
    console.keys("r")
    console.wait_for(lambda s: "Retry heidi" in s, "the retry question naming heidi")
    console.keys("y")
    console.wait_for(lambda s: "retry queued" in s, "the retry being queued")
    console.keys("q")
    console.wait_for(lambda s: console.dead(), "the console to exit")
    assert console.dead()

    wait_for_engine_to_finish(state_dir)  # the engine went on without the console
    store = Store.open(state_dir, "dojo-2026-12", readonly=True)
    assert store.trainee("heidi").state == TraineeState.READY
    store.close()

    again = terminal()  # a new console attaches to what the engine did
    again.start(argv, env)
    # The rows and the summary line can reach the terminal in two frames on a busy machine.
    again.wait_for(
        lambda s: "READY" in row(s, "heidi") and ("✔ 8 READY" in s or "✔8" in s),
        "heidi READY and all eight READY in the summary on attaching",
    )
    again.keys("q")
    again.wait_for(lambda s: again.dead(), "the second console to exit")
    assert os.path.exists(state_dir / "dojo-2026-12" / "engine.log")


def test_status_watch_in_tmux_follows_a_detached_apply_within_one_screen(
    sandbox_factory, terminal, tmp_path
):
    """30 trainees at 80x24: the watch redraws in place (the alternate screen), ends with the
    apply's exit code, and leaves at most one screen in the scrollback."""
    sandbox = sandbox_factory(trainees=30, latency_ms=20.0)
    text = sandbox.course_path.read_text()  # without its CloudFormation step: quicker
    course = tmp_path / "course.toml"
    course.write_text(text[: text.index('[[step]]\nkind = "cloudformation_stack"')])
    common = [str(course), "--state-dir", str(tmp_path / "state")]
    whodidthis = [sys.executable, "-m", "console"]
    script = (
        f"{shlex.join([*whodidthis, 'apply', *common, '--detach'])}; "
        f"{shlex.join([*whodidthis, 'status', *common, '--watch'])}; echo EXIT=$?"
    )
    env = {**sandbox.clean_env(), "TERM": "xterm-256color", "HOME": str(tmp_path)}
    shell = terminal()
    shell.start(["sh", "-c", script], env)

    running = shell.wait_for(lambda s: "following apply" in s, "the watch following the apply")
    assert "more (`whodidthis status COURSE`" in running  # 30 rows cut to the screen
    assert len(running.rstrip("\n").splitlines()) <= 24
    screen = shell.wait_for(lambda s: "EXIT=" in s, "the watch to end")
    assert "EXIT=0" in screen
    everything = shell.tmux("capture-pane", "-p", "-S", "-", "-E", "-")  # scrollback too
    assert "30 READY" in everything  # the last frame, on the normal screen...
    assert everything.count("TRAINEE ") == 1  # ...once: no frame was pushed into scrollback
    history = int(shell.tmux("display-message", "-p", "#{history_size}").strip())
    assert history <= 24, everything
