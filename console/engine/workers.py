"""Worker processes under one engine: every core works on trainees.

The engine keeps everything that makes it one engine: the lock, the command queue, the runs,
the concurrency limit, failure tolerance and cancel. Only a trainee's pipeline moves to a worker
(``console.engine.worker``), and each trainee is on one worker at a time. Each worker has its
own SDK session and broker and writes the store itself; the ledger's intent is committed before
each call whichever process makes it.

A worker that dies (``kill -9``, out of memory) loses nothing: the engine starts another and
hands it the dead one's trainees, whose pipelines resume from the store and ledger exactly as
after an engine crash (a create that may have happened is found by its tags, not made twice).
A trainee whose worker dies ``MAX_RESTARTS`` times in a row fails with that reason instead.

A worker opens in two halves. The first (the course file and state folder: imports, the SDK's
speed-ups, the course, one client per service) needs nothing from the engine, so a command that
will run an engine starts its workers (:func:`prestart`) before it asks AWS who the host is and
takes the engine lock: measured on a 200-trainee build at 50 ms per call on 2 cores, the first
trainee call came 1.9 s after ``apply`` started when the workers were started by the engine,
with one core idle for most of that. The second half (the host, the operator, the share of the
AssumeRole pace) is sent once the engine holds the lock; only then does a worker open the store.

How many: ``WHODIDTHIS_WORKERS`` (a number; ``1`` keeps every pipeline in the engine's own
process). By default one per core, but no more than one per ``TRAINEES_PER_WORKER`` trainees: a
worker costs about a second of CPU to start and its own connections, which a small class never
earns back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from console.model import Operator, TraineeState

log = logging.getLogger("whodidthis.engine")
TRAINEES_PER_WORKER = 100
MAX_RESTARTS = 3


def worker_count(trainees: int, setting: str | None = None) -> int:
    """How many worker processes for a course of ``trainees`` (1: none, all in the engine).

    Raises:
        ValueError: ``setting`` is not a whole number of at least 1.
    """
    setting = os.environ.get("WHODIDTHIS_WORKERS") if setting is None else setting
    if setting not in (None, ""):
        count = int(setting) if setting.strip().isdigit() else 0
        if count < 1:
            raise ValueError(f"WHODIDTHIS_WORKERS={setting}: give a whole number of at least 1")
        return count
    return max(1, min(os.cpu_count() or 1, trainees // TRAINEES_PER_WORKER))


def launch(opening: dict) -> subprocess.Popen:
    """Start one worker and send it the first half of its opening (``course``, ``state_dir``).

    Called on the main thread only: a worker asks Linux to kill it when the thread that
    started it ends (``console.engine.worker.die_with_parent``). It starts with SIGINT
    blocked (a blocked signal stays blocked across fork and exec; the worker then ignores it):
    the terminal's Ctrl+C reaches the whole foreground group, and the engine turns it into a
    cancel; a worker still importing would otherwise die of it with a traceback on the
    operator's screen. Blocked, not ignored, in this process meanwhile: a Ctrl+C during the
    fork waits and is then delivered here, where ignoring it would have lost it.
    """
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "console.engine.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    assert process.stdin is not None
    process.stdin.write((json.dumps(opening) + "\n").encode())
    process.stdin.flush()
    return process


def opening_of(course, state_dir) -> dict:
    """The first half of a worker's opening: what it can load before the engine is sure."""
    return {"course": str(course.path), "state_dir": str(state_dir)}


class Prestarted:
    """Workers started before the engine holds its lock (see the module's docstring); the
    engine's pool takes them, and whatever it did not take is closed on leaving the block."""

    def __init__(self, processes: list[subprocess.Popen] | None = None):
        self._processes = processes or []

    @property
    def waiting(self) -> tuple[subprocess.Popen, ...]:
        """The workers started and not yet taken."""
        return tuple(self._processes)

    def take(self) -> list[subprocess.Popen]:
        taken, self._processes = self._processes, []
        return taken

    def __enter__(self) -> Prestarted:
        return self

    def __exit__(self, *exc) -> None:
        # Not taken (another engine serves, the host was refused...): a worker that was never
        # told to serve has loaded only the course and the SDK, so it is stopped at once
        # rather than waited for (the CLI would hang about a second on an attach).
        for process in self.take():
            process.kill()
            process.wait()
            with contextlib.suppress(OSError):
                assert process.stdin is not None and process.stdout is not None
                process.stdin.close()
                process.stdout.close()


def prestart(course, state_dir) -> Prestarted:
    """The workers the engine will want for ``course`` (none when it runs pipelines itself, or
    when ``WHODIDTHIS_WORKERS`` is not a whole number: the command refuses that itself)."""
    try:
        count = worker_count(len(course.trainees))
    except ValueError:
        return Prestarted()
    if count <= 1:
        return Prestarted()
    return Prestarted([launch(opening_of(course, state_dir)) for _ in range(count)])


@dataclass
class _Process:
    """One worker: its process and pipes, the trainees it is running and what each was
    asked."""

    process: subprocess.Popen
    writer: asyncio.WriteTransport
    lines: asyncio.StreamReader
    running: dict[str, tuple[asyncio.Future, dict]] = field(default_factory=dict)
    reader: asyncio.Task | None = None


class WorkerPool:
    """Starts the workers, hands them trainees, and replaces any that dies."""

    def __init__(self, course, state_dir, host, operator: Operator, count: int):
        self.count = count
        self._opening = opening_of(course, state_dir)
        self._serving = {
            "host_arn": host.arn,
            "host_user_id": host.user_id,
            "operator": operator.name,
            "share": 1 / count,
        }
        self._workers: list[_Process] = []
        self._deaths: dict[str, int] = {}  # trainee -> workers that died running it, in a row
        self._closing = False
        self._silent_deaths = 0  # workers in a row that died before answering anything
        self._broken: str | None = None  # why no worker can be started

    async def start(self, prestarted: Sequence[subprocess.Popen] = ()) -> None:
        """Serve with the ``prestarted`` workers (as many as it needs) and start the rest."""
        taken = list(prestarted)[: self.count]
        taken += [launch(self._opening) for _ in range(self.count - len(taken))]
        self._workers = [await self._attach(process) for process in taken]

    async def _attach(self, process: subprocess.Popen) -> _Process:
        """The engine's end of a launched worker's pipes; sends it the second half."""
        loop = asyncio.get_running_loop()
        lines = asyncio.StreamReader(limit=1 << 20)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(lines), process.stdout)
        writer, _ = await loop.connect_write_pipe(asyncio.Protocol, process.stdin)
        worker = _Process(process, writer, lines)
        self._send(worker, self._serving)
        worker.reader = asyncio.create_task(self._answers(worker))  # kept: the loop holds weakly
        return worker

    def _send(self, worker: _Process, message: dict) -> None:
        worker.writer.write((json.dumps(message) + "\n").encode())

    async def run(self, name: str, *, teardown: bool, operator: Operator) -> TraineeState:
        """Run ``name``'s pipeline on the least busy worker; its final state."""
        message = {"run": name, "teardown": teardown, "operator": asdict(operator)}
        return await self._dispatch(name, message)

    async def _dispatch(self, name: str, message: dict) -> TraineeState:
        if self._broken:
            raise WorkerDied(name, 0, self._broken)
        worker = min(self._workers, key=lambda w: len(w.running))
        future = asyncio.get_running_loop().create_future()
        worker.running[name] = (future, message)
        self._send(worker, message)
        return await future

    def processes(self) -> list[subprocess.Popen]:
        """The worker processes serving now."""
        return [worker.process for worker in self._workers]

    def cancel(self, names: set[str]) -> None:
        """Tell every worker these trainees are cancelled (they stop between two steps)."""
        for worker in self._workers:
            self._send(worker, {"cancel": sorted(names)})

    async def _answers(self, worker: _Process) -> None:
        answered = False
        while line := await worker.lines.readline():
            answer = json.loads(line)
            answered, self._silent_deaths = True, 0
            future, _ = worker.running.pop(answer["done"])
            self._deaths.pop(answer["done"], None)
            if not future.done():
                future.set_result(TraineeState(answer["state"]))
        code = await asyncio.to_thread(worker.process.wait)  # its stdout closed: it is exiting
        self._silent_deaths += not answered
        if self._silent_deaths > MAX_RESTARTS * self.count:
            self._give_up(worker, code)
        elif not self._closing:
            await self._replace(worker, code)

    def _give_up(self, dead: _Process, code: int) -> None:
        """Workers keep dying before any answer (they cannot start): fail what they had."""
        self._broken = f"worker processes keep exiting ({code}) before answering"
        log.error("engine workers: %s; see the lines above in this log", self._broken)
        for name, (future, _) in dead.running.items():
            if not future.done():
                future.set_exception(WorkerDied(name, 0, self._broken))

    async def _replace(self, dead: _Process, code: int) -> None:
        """Start a worker in the dead one's place and hand it the dead one's trainees."""
        log.warning(
            "engine worker %d exited (%d) running %d trainee(s); starting another",
            dead.process.pid,
            code,
            len(dead.running),
        )
        fresh = await self._attach(launch(self._opening))
        self._workers[self._workers.index(dead)] = fresh
        for name, (future, message) in dead.running.items():
            self._deaths[name] = self._deaths.get(name, 0) + 1
            if self._deaths[name] > MAX_RESTARTS:
                future.set_exception(WorkerDied(name, self._deaths[name]))
                continue
            fresh.running[name] = (future, message)
            self._send(fresh, message)

    async def close(self) -> None:
        """Close every worker's pipe and wait for them to exit."""
        self._closing = True
        for worker in self._workers:
            worker.writer.close()
        for worker in self._workers:
            await asyncio.to_thread(worker.process.wait)
            if worker.reader is not None:
                await worker.reader


class WorkerDied(Exception):
    """The workers running a trainee kept dying (or none could start)."""

    def __init__(self, trainee: str, times: int, why: str | None = None):
        what = why or f"the engine's worker process died {times} times running {trainee}"
        super().__init__(
            f"{what}; see engine.log and the system log (out of memory?), then retry the "
            "trainee (WHODIDTHIS_WORKERS=1 runs it in the engine's own process)"
        )
