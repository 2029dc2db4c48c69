"""``whodidthis demo`` (and ``make demo``): the whole story in one command, on loopback.

It starts the sandbox with twelve trainee accounts, where ``heidi``'s ManageEnvRole still trusts
another account (her assume is denied, as in the story) and ``dave``'s account throttles his first
IAM calls (his client retries and absorbs it). It queues an apply, starts the detached engine and
opens the console. About twenty seconds later the sandbox fixes heidi's trust policy, so the
operator can read why she failed and press ``r`` to watch her go READY.

The sandbox answers every call after ``--latency`` ms (default 400, about AWS's own pace for
IAM and EKS), so the build takes long enough to watch the live table fill in.

Quitting the demo (``q``) stops its engine (its whole process group) and its sandbox, and
removes the temporary folder: nothing is left running. That is the demo's own rule: quitting a
real console never stops its engine. Closing the terminal (SIGHUP, ``tmux kill-session``, a
dropped SSM session) stops everything within two seconds, without waiting for the console to
restore a terminal that is gone. The state goes to ``--state-dir`` or
``$WHODIDTHIS_STATE_DIR`` when given (and stays there), else into the temporary folder.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from console.aws.operator import resolve_operator
from console.devtools.sandbox import (
    host_env,
    prepare_roles,
    read_exports,
    start_standin,
    stop_standin,
)
from console.errors import WhodidthisError
from console.model import CommandKind, Operator
from console.store.state import Store

FIX_AFTER_SECONDS = 20.0
DENIED = "heidi"
THROTTLED = "dave"
THROTTLED_CALLS = 4  # well under the 10 attempts and the 500-token retry budget
ENGINE_STOP_SECONDS = 5.0
HANGUP_STOP_SECONDS = 1.0  # on SIGHUP the whole demo must be gone within 2 s
DEMO_LATENCY_MS = 400.0
DEMO_JITTER_MS = 200.0
STORY_SECONDS = 15.0  # long enough to read three lines; it covers no trainee meanwhile
QUIT_NOTE = (
    "Quit the demo: this stops its engine and its sandbox too. "
    "(Quitting a real console never stops its engine.)"
)


def _pick(names: list[str], wanted: str, fallback: int) -> str | None:
    if wanted in names:
        return wanted
    return names[fallback] if names else None


class StandIn:
    """The stand-in (``python -m standin serve``) as the demo's child process.

    Its stdout gives the environment (``export`` lines, then EOF); its stderr is read on a
    thread so that the console's screen stays clean, and tells when the story's fix happened.
    """

    def __init__(self, process: subprocess.Popen, env: dict[str, str]):
        self.process = process
        self.env = env
        self.course_path = Path(env.get("WHODIDTHIS_COURSE", ""))
        self.on_fixed: Callable[[str], None] | None = None
        self.said: collections.deque[str] = collections.deque(maxlen=20)
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        for line in self.process.stderr or ():
            self.said.append(line.rstrip())
            name = line.removeprefix("sandbox: fixed ").partition("'s trust policy")[0]
            if line.startswith("sandbox: fixed ") and self.on_fixed is not None:
                self.on_fixed(name)

    def stop(self, wait: float = ENGINE_STOP_SECONDS) -> None:
        """Stop the stand-in (SIGKILL after ``wait`` seconds)."""
        stop_standin(self.process, wait)


def start_sandbox(directory: Path, trainees: int, latency_ms: float = DEMO_LATENCY_MS):
    """The stand-in with the story's two troubles; returns it with the names it chose."""
    sample = prepare_roles(directory / "roles", trainees)
    names = [name for name, _ in sample.trainees]
    denied, throttled = _pick(names, DENIED, -1), _pick(names, THROTTLED, 0)
    argv = ["--trainees", str(trainees), "--latency", str(latency_ms)]
    argv += ["--jitter", str(DEMO_JITTER_MS if latency_ms else 0.0)]
    argv += ["--dir", str(directory / "sandbox"), "--roles", str(directory / "roles")]
    if denied:
        argv += ["--before", f"{denied}=other-account"]
        argv += ["--fix-after", f"{denied}={FIX_AFTER_SECONDS:g}"]
    if throttled:
        argv += ["--throttle-first", f"{throttled}:iam:{THROTTLED_CALLS}"]
    process = start_standin(argv)
    exports = read_exports(process.stdout)
    if "AWS_ENDPOINT_URL" not in exports:
        stop_standin(process, ENGINE_STOP_SECONDS)
        said = (process.stderr.read() if process.stderr else "").strip()
        raise WhodidthisError(f"the sandbox did not start: {said or 'no reason given'}")
    return StandIn(process, host_env(exports, directory, dict(os.environ))), denied, throttled


def stop_engines(
    state_dir: Path, course_name: str, pids: set[int], wait: float = ENGINE_STOP_SECONDS
) -> None:
    """Stop every engine this demo started: each runs as its own process group."""
    with contextlib.suppress(Exception):  # a store that cannot be read: the pids we know
        store = Store.open(state_dir, course_name, readonly=True)
        holder = store.engine_holder()
        store.close()
        if holder:
            pids.add(int(holder["pid"]))
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)  # all at once, then wait for each
    for pid in pids:
        _stop_group(pid, wait)


def _stop_group(pid: int, wait: float) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if _gone(pid):
            return
        time.sleep(0.05)  # waiting for another process to exit: nothing to be notified by
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _gone(pid: int) -> bool:
    """True once the engine's process group is empty; reaps the engine if it is our child
    (a zombie still counts as a member of its group)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def cli_demo(args) -> int:
    """Run the demo until the operator quits; returns 0."""
    from console.commands.screen import forget_stale_size
    from console.course.model import load_course
    from console.store.state import resolve_state_dir

    directory = Path(tempfile.mkdtemp(prefix="whodidthis-demo-"))
    chosen = args.state_dir or os.environ.get("WHODIDTHIS_STATE_DIR")
    state_dir = resolve_state_dir(args.state_dir) if chosen else directory / "state"
    pids: set[int] = set()
    saved_env = dict(os.environ)
    sandbox = course = None
    print("whodidthis demo: starting the sandbox (moto, the gateway, IMDS)…", file=sys.stderr)
    try:
        latency = args.latency
        sandbox, denied, throttled = start_sandbox(directory, args.trainees, latency)
        # The detached engine inherits this environment: it acts as the sandbox's EC2 host.
        os.environ.clear()
        os.environ.update(host_env(sandbox.env, directory, saved_env))
        course = load_course(sandbox.course_path)
        app = open_console(
            sandbox.course_path, state_dir, resolve_operator(args.operator, ssm=False), pids
        )
        sandbox.on_fixed = lambda name: _fixed(name, app)
        app.quit_note = QUIT_NOTE
        app.engine_note = "the demo's q stops it"
        tell_story(app, denied, throttled)
        # A kill (SIGTERM) ends the demo like q, cleaned up. A closed terminal (SIGHUP) cannot
        # wait for the console to restore a terminal that is gone: stop everything, now.
        signal.signal(signal.SIGTERM, lambda *_: app.exit())
        signal.signal(
            signal.SIGHUP,
            lambda *_: _hang_up(state_dir, course.name, pids, sandbox, directory),
        )
        forget_stale_size()
        app.run()
        app.store.close()
    finally:
        if course is not None:
            stop_engines(state_dir, course.name, pids)
        if sandbox is not None:
            sandbox.stop()
        os.environ.clear()
        os.environ.update(saved_env)
        shutil.rmtree(directory, ignore_errors=True)
    print(
        "whodidthis demo: stopped the engine and the sandbox; nothing is left running.",
        file=sys.stderr,
    )
    return 0


def _hang_up(state_dir: Path, course_name: str, pids: set[int], sandbox, directory) -> None:
    """SIGHUP: the terminal is gone. Stop the engines (SIGKILL after a second), the stand-in
    (SIGKILL after half a second), remove the temporary folder, and exit."""
    stop_engines(state_dir, course_name, pids, wait=HANGUP_STOP_SECONDS)
    sandbox.stop(wait=HANGUP_STOP_SECONDS / 2)  # SIGKILL after that
    shutil.rmtree(directory, ignore_errors=True)
    os._exit(128 + signal.SIGHUP)


def open_console(course_path: Path, state_dir: Path, operator: Operator | str, pids: set[int]):
    """The console on the demo's course with an apply queued and the engine started; every
    engine it starts is noted in ``pids`` so that quitting can stop it."""
    from console.launch import make_app

    app = make_app(course_path, state_dir, operator)
    start_engine = app.services.engine_launcher

    def launch() -> int | None:
        pid = start_engine()
        if pid is not None:
            pids.add(pid)
        return pid

    app.services.engine_launcher = launch
    app.store.enqueue(CommandKind.APPLY, [], operator)
    launch()
    return app


def _fixed(name: str, app) -> None:
    """The stand-in's administrator fixed the trust policy, as the story's fix does."""
    app.call_from_thread(tell_fixed, app, name)


def tell_fixed(app, name: str) -> None:
    """Says the fix happened and what to do, in one short line (a toast over the identity
    panel: the stack must not reach the trainee table, see console.screens.toasts)."""
    app.notify(
        f"{name} can be retried: select her, press r.", title="Trust policy fixed", timeout=30
    )


def tell_story(app, denied: str | None, throttled: str | None) -> None:
    """The demo's story as a toast of short lines: at 80x24 it sits over the identity panel,
    never over the trainee table, whose Error column shows the story's denial."""
    app.notify(_story(denied, throttled), title="The demo", timeout=STORY_SECONDS)


def _story(denied: str | None, throttled: str | None) -> str:
    """One line per fact, each within a toast's width (``Toast`` in app.tcss); the rest (why
    q here stops the engine, what enter shows) is said where it happens: q's confirmation,
    the detail."""
    lines = ["An apply runs on the sandbox; q ends the demo."]
    if denied:
        lines.append(f"{denied}'s role trusts another account: denied.")
    if throttled:
        lines.append(f"{throttled}'s account throttles; retries absorb it.")
    return "\n".join(lines)
