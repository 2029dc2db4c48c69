"""Running the engine as a process: the host identity check, the lock, the detached engine.

The engine runs in the foreground for ``apply``/``retry``/``teardown`` (Jenkins, scripts) or
detached, as its own process session, for ``--detach`` and the console: a dropped SSM session,
a closed terminal or a killed console never stops it.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import inspect
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from console.aws.identity import HostIdentity
from console.aws.operator import resolve_operator
from console.course.model import Course, load_course
from console.engine import interruptible
from console.engine.opening import open_course
from console.engine.ports import LedgerWriter
from console.engine.workers import Prestarted, prestart
from console.errors import StateError, StateRefused
from console.idle_gc import freeze_startup
from console.model import LedgerRecord, Operator, Outcome
from console.redaction import (
    RedactingStream,
    open_private_log,
    quiet_sdk_loggers,
    redacting_handler,
)
from console.store.state import Store, course_state_dir

log = logging.getLogger("whodidthis.engine")
IDLE_SECONDS_DETACHED = 5.0
#: How much the detached engine steps back for the consoles watching it (``nice`` increment).
#: The engine is background work; the operator's keystrokes are not. On an idle host it still
#: gets every cycle; when a console needs the CPU, the console wins. ``WHODIDTHIS_ENGINE_NICE=0``
#: turns it off. 19, not 10: at 10 the kernel still let a worker keep a core for 20-47 ms while
#: the console waited to draw a key (its main thread's ``schedstat`` during
#: ``bench/console_bench.py``, 5,000 trainees: 1.3 s of 6.4 s waiting for a CPU); keys p99
#: 42-47 ms at 10, 26-32 ms at 19, the build as fast (the bench's "trainees built by then").
ENGINE_NICE = 19
#: Set by SIGTERM to the detached engine: serve no further command after the current ones stop.
TERMINATED = threading.Event()
GC_YOUNG_THRESHOLD = 10_000  # allocations between young collections (CPython's default: 700)


class StoreRecorder:
    """The ledger's recorder backed by the state store."""

    def __init__(self, store: LedgerWriter):
        self.store = store

    def intent(self, record: LedgerRecord) -> int:
        return self.store.ledger_intent(record)

    def settle(
        self,
        token: int,
        *,
        outcome: Outcome,
        request_id: str | None,
        error_code: str | None = None,
        error_message: str | None = None,
        **attribution,
    ) -> None:
        """Settle the record; ``attribution`` carries every attempt's request id and the
        AssumeRole that issued the signing credentials (``install_ledger_hooks``)."""
        self.store.ledger_settle(
            token,
            outcome=outcome,
            request_id=request_id,
            error_code=error_code,
            error_message=error_message,
            **attribution,
        )


async def run_engine(
    course: Course,
    store: Store,
    *,
    operator: Operator | str,
    host: HostIdentity,
    idle_seconds: float,
    engine_id: str,
    companion=None,
    prestarted: Prestarted | None = None,
) -> list:
    """Serve the course's command queue with one host session until idle.

    ``companion``, when given, is a coroutine run beside the engine (the foreground CLI's
    event printer); it is awaited after the engine goes idle. ``prestarted``: worker processes
    already loading (``console.engine.workers.prestart``), which the pool takes.
    """
    from console.aws import sdk
    from console.aws.sessions import broker_for
    from console.engine.scheduler import Engine
    from console.steps import registry

    quiet_sdk_loggers()
    sdk.install()  # the SDK speed-ups: process-wide, so never in a console's process
    recorder = StoreRecorder(store)
    kinds = registry()
    pool = await _start_workers(course, store, host, operator, prestarted)
    try:
        async with broker_for(course, host, operator=operator, recorder=recorder) as broker:
            if pool is None:  # with workers, they make every trainee's clients, not this one
                await broker.warm(kinds[step.kind].service for step in course.steps)
            _settle_garbage_collector()
            engine = Engine(
                course,
                store,
                broker=broker,
                kinds=kinds,
                recorder=recorder,
                engine_id=engine_id,
                operator=operator,
                pool=pool,
            )
            if companion is None:
                return await _serve_until_terminated(engine, idle_seconds)
            runs, _ = await asyncio.gather(engine.serve(idle_seconds), companion)
            return runs
    finally:
        if pool is not None:
            await pool.close()
        if companion is not None and inspect.getcoroutinestate(companion) == "CORO_CREATED":
            companion.close()  # never started (the broker failed): no "never awaited" warning


async def _start_workers(
    course: Course, store: Store, host: HostIdentity, operator, prestarted: Prestarted | None
):
    """The worker processes for this course (``console.engine.workers``), or None for none."""
    from console.engine.workers import WorkerPool, worker_count

    count = worker_count(len(course.trainees))
    if count <= 1:
        return None
    log.info("engine runs trainees on %d worker processes", count)
    pool = WorkerPool(course, store.course_dir.parent, host, Operator.of(operator), count)
    await pool.start(prestarted.take() if prestarted is not None else [])
    return pool


async def _serve_until_terminated(engine, idle_seconds: float) -> list:
    """Serve; SIGTERM (a plain ``kill``, a shutdown) is handled like Ctrl+C on a foreground
    command: the calls in flight finish and are recorded, the trainees stop CANCELLED between
    two steps, and the engine exits, instead of dying with a ledger record left ``unknown``."""
    loop = asyncio.get_running_loop()

    def terminate() -> None:
        log.info("SIGTERM: stopping every trainee after its current step, then exiting")
        TERMINATED.set()
        engine.terminate()

    loop.add_signal_handler(signal.SIGTERM, terminate)
    try:
        return await engine.serve(idle_seconds)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def _settle_garbage_collector() -> None:
    """Keep the collector's full passes off what the engine keeps for its whole life.

    With the models and endpoint rules loaded, they are frozen out of the collector's sight,
    and young collections run every 10,000 allocations instead of 700: measured with
    ``gc.callbacks`` on a 200-trainee build, collection took 1.96 s of 13 s of engine CPU (16
    full passes of 67 ms over every live client), and 0.9 s after this.
    """
    freeze_startup(GC_YOUNG_THRESHOLD, 10, 10)


def serve_locked(
    course: Course,
    store: Store,
    *,
    operator: Operator | str,
    host: HostIdentity,
    idle_seconds: float,
    companion_factory=None,
    prestarted: Prestarted | None = None,
) -> list | None:
    """Hold the course's engine lock and serve; None when another engine holds it.

    After releasing the lock the queue is checked once more, so that a command enqueued while
    this engine was deciding to stop is not stranded.
    """
    runs: list = []
    while True:
        try:
            lock = store.engine_lock()
            lock.acquire()
        except StateError:
            return runs or None
        companion = None
        try:
            store.reclaim_abandoned(store.engine_alive)
            companion = companion_factory() if companion_factory else None
            companion_factory = None  # the printer follows one command, once
            runs += interruptible.run(
                functools.partial(
                    run_engine,
                    course,
                    store,
                    operator=operator,
                    host=host,
                    idle_seconds=idle_seconds,
                    engine_id=lock.engine_id,
                    companion=companion,
                    prestarted=prestarted,
                )
            )
        finally:
            lock.release()
            if companion is not None and inspect.getcoroutinestate(companion) == "CORO_CREATED":
                companion.close()  # Ctrl+C before the engine began: no "never awaited" warning
        if TERMINATED.is_set() or not store.pending_commands():
            return runs


def engine_log_path(state_dir: Path, course_name: str) -> Path:
    """The detached engine's (redacted) log: ``engine.log`` in the course's state directory."""
    return course_state_dir(state_dir, course_name) / "engine.log"


def spawn_detached(
    course_path: Path,
    state_dir: Path,
    operator: Operator | str,
    allow_long_term: bool = False,
    course_name: str | None = None,
) -> int:
    """Start ``whodidthis engine`` as its own process session; returns its pid.

    Its own session: a dropped SSM session, a closed terminal or a killed console never
    reaches it. It logs (redacted) to ``engine.log`` in the course's state directory.
    """
    argv = [
        sys.executable,
        # -P: the operator's working folder is not put on sys.path, so a console/ folder
        # there cannot stand in for the product (Python 3.11+).
        "-P",
        "-m",
        "console",
        "engine",
        str(course_path),
        "--state-dir",
        str(state_dir),
        "--operator",
        Operator.of(operator).name,  # only for commands queued without one
    ]
    if allow_long_term:
        argv.append("--allow-long-term-keys")
    course_name = course_name or load_course(course_path).name
    log_path = engine_log_path(state_dir, course_name)
    log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    out = _open_engine_log(log_path)
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            close_fds=True,
        )
    finally:
        os.close(out)
    return process.pid


def _open_engine_log(path: Path) -> int:
    """``engine.log`` opened for this user only, never through a symlink; its descriptor.

    Raises:
        StateRefused: the log is a symlink or not a regular file (nothing was written).
    """
    try:
        return open_private_log(path)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EINVAL):
            raise StateRefused(
                f"{path} is a symlink or not a regular file; the engine's log is never written "
                "through one: remove it (rm) and run the command again"
            ) from None
        raise


def ensure_engine(
    course_path: Path, state_dir: Path, operator: Operator | str, allow_long_term: bool = False
) -> int | None:
    """Start a detached engine unless one holds the course's lock; its pid, or None."""
    course = load_course(course_path)
    store = Store.open(state_dir, course.name)
    try:
        if store.engine_holder():
            return None
        return spawn_detached(course_path, state_dir, operator, allow_long_term, course.name)
    finally:
        store.close()


def _step_back(setting: str | None) -> None:
    """Lower the detached engine's CPU priority by ``setting`` (default ``ENGINE_NICE``)."""
    try:
        increment = ENGINE_NICE if setting in (None, "") else int(setting)
    except ValueError:
        log.warning(
            "WHODIDTHIS_ENGINE_NICE=%r is not a whole number; using %d", setting, ENGINE_NICE
        )
        increment = ENGINE_NICE
    increment = max(0, min(19, increment))
    if increment:
        log.info("engine niceness now %d (WHODIDTHIS_ENGINE_NICE)", os.nice(increment))
        if step_back_session(increment):
            log.info("engine session's autogroup niceness now %d", increment)


def step_back_session(increment: int) -> bool:
    """The same for the engine's session, where Linux schedules by session (autogroups,
    ``sched_autogroup_enabled``: the default of most distributions). There a nice value only
    ranks a process among those of its own session, and the detached engine has a session of
    its own, so its plain nice gave the operator's console nothing: both sessions shared the
    CPU equally (measured with the console bench, keys at 5,000 rows: p99 71-77 ms without,
    40-70 ms with). Only a session leader (``spawn_detached``'s engine) changes its group, so
    the group holds the engine and its workers and no one else. True when the group changed.
    (The benchmarks step their stand-in back with it too.)"""
    if os.getsid(0) != os.getpid():
        return False
    group = Path("/proc/self/autogroup")
    try:
        if not group.read_text().strip():  # the default autogroup, everyone's: not ours to lower
            return False
        group.write_text(str(increment))
    except OSError:  # no autogroups (or not Linux): the plain nice is the whole story
        return False
    return True


def _log_redacted(path: Path) -> None:
    """Send every log record, the SDK's too, to ``path`` through the redacting handler.

    stdout and stderr are ``engine.log`` too (see :func:`spawn_detached`): whatever Python
    prints there without logging (an uncaught exception, a warning) is redacted on its way.
    """
    sys.stdout, sys.stderr = RedactingStream(sys.stdout), RedactingStream(sys.stderr)
    stream = os.fdopen(_open_engine_log(path), "a", encoding="utf-8", buffering=1)
    logging.getLogger().addHandler(redacting_handler(logging.StreamHandler(stream)))


def cli_engine(args) -> int:
    """``whodidthis engine COURSE``: the detached engine's entry point."""
    opened = open_course(
        args.course, args.state_dir, sync=False, allow_long_term=args.allow_long_term_keys
    )
    course, state_dir, store = opened.course, opened.state_dir, opened.store
    _log_redacted(engine_log_path(state_dir, course.name))
    logging.getLogger("whodidthis").setLevel(logging.INFO)
    log.info("engine starting for %s (pid %d)", course.name, os.getpid())
    _step_back(os.environ.get("WHODIDTHIS_ENGINE_NICE"))  # before its workers: they inherit it
    try:
        with prestart(course, state_dir) as early:  # loading while the host is asked
            host = opened.host()
            runs = serve_locked(
                course,
                store,
                operator=resolve_operator(args.operator, ssm=False),  # the queue names who acts
                host=host,
                idle_seconds=IDLE_SECONDS_DETACHED,
                prestarted=early,
            )
    finally:
        store.close()  # a clean exit leaves the store checkpointed (no WAL left over)
    if runs is None:
        log.info("another engine holds the lock; nothing to do")
    else:
        log.info("engine idle after %d command(s); exiting", len(runs))
    return 0
