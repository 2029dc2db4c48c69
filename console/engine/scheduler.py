"""The engine: takes commands from the store's queue and runs trainee pipelines concurrently.

At most ``concurrency`` trainees are worked on at once, across every command. A command's
``failure_tolerance`` works as in StackSets: once exceeded, no new trainee of that command
starts, running ones finish, and the rest become CANCELLED with that reason. Each trainee is
worked on by one pipeline at a time; a retry asked while it runs waits for it.

A ``cancel`` command (``whodidthis cancel``, Ctrl+C on a foreground command) names trainees, or
none for all of them: every run in progress stops those trainees cleanly, between two steps,
never inside an AWS call, so no ledger record is left ``unknown`` by a cancel. A trainee still
waiting for a slot becomes CANCELLED without starting. Commands queued after the cancel run
normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from console.aws.attribution import Recorder
from console.aws.sessions import SessionBroker
from console.course.model import Course
from console.engine.pipeline import TraineePipeline
from console.engine.ports import EngineStore
from console.engine.workers import WorkerDied, WorkerPool
from console.model import Command, CommandKind, Operator, TraineeState

POLL_SECONDS = 0.2
log = logging.getLogger("whodidthis.engine")


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class CommandRun:
    """One command being executed: its trainees, failures so far, and whether it was stopped."""

    command: Command
    names: list[str]
    run_id: int
    failures: int = 0
    stop_reason: str | None = None
    finals: dict[str, TraineeState] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)  # trainees an operator cancelled
    #: Who the command acts for: every trainee session of this command is that operator's.
    operator: Operator = field(default_factory=lambda: Operator("unknown"))

    def summary(self) -> dict:
        counts = Counter(state.value for state in self.finals.values())
        return {
            "command": self.command.kind.value,
            "command_id": self.command.id,
            "trainees": len(self.names),
            "states": dict(sorted(counts.items())),
        }


class Engine:
    """Serves the command queue of one course until it is idle."""

    def __init__(
        self,
        course: Course,
        store: EngineStore,
        *,
        broker: SessionBroker,
        kinds: dict,
        recorder: Recorder,
        engine_id: str,
        operator: Operator | str,
        pool: WorkerPool | None = None,
    ):
        self.course, self.store, self.broker = course, store, broker
        self.pool = pool  # worker processes run the pipelines; None: this process does
        self.kinds, self.recorder = kinds, recorder
        # Who started the engine: only for commands queued without an operator (old rows).
        self.engine_id, self.operator = engine_id, Operator.of(operator)
        self._slots = asyncio.Semaphore(course.concurrency)
        self._trainee_locks: dict[str, asyncio.Lock] = {}
        self._runs: set[asyncio.Task] = set()
        self._active: list[CommandRun] = []  # the runs in progress, for cancel
        self.stopping = False  # set by terminate(): finish cleanly, claim nothing more

    @property
    def slots(self) -> asyncio.Semaphore:
        """The course's concurrency, shared by every command's trainees."""
        return self._slots

    def trainee_lock(self, name: str) -> asyncio.Lock:
        """Held while anything works on ``name``'s account: one pipeline at a time."""
        return self._trainee_locks.setdefault(name, asyncio.Lock())

    def terminate(self) -> None:
        """SIGTERM to the detached engine: every trainee stops after its current step (as a
        ``cancel`` of the whole course), then the engine exits; queued commands stay queued
        for the next engine."""
        self.stopping = True
        for run in self._active:
            run.cancelled |= set(run.names) - set(run.finals)

    async def serve(self, idle_seconds: float = 1.0) -> list[CommandRun]:
        """Claim and execute commands until none is pending or running for ``idle_seconds``."""
        finished: list[CommandRun] = []
        crashed: list[BaseException] = []

        def done(task: asyncio.Task) -> None:
            self._runs.discard(task)
            if task.cancelled():
                return
            if (error := task.exception()) is not None:
                crashed.append(error)
            else:
                finished.append(task.result())

        idle_since = time.monotonic()
        while True:
            if crashed:
                raise crashed[0]
            if self.stopping:  # SIGTERM: let the runs stop cleanly, claim nothing new
                if not self._runs:
                    return finished
                await asyncio.sleep(POLL_SECONDS)
                continue
            command = self.store.claim_next(self.engine_id)
            if command is not None:
                task = asyncio.create_task(self.execute(command))
                self._runs.add(task)
                task.add_done_callback(done)
                continue
            if self._runs:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= idle_seconds:
                return finished
            await asyncio.sleep(POLL_SECONDS)

    async def execute(self, command: Command) -> CommandRun:
        """Run one command to its end and mark it done in the queue."""
        if command.kind == CommandKind.CANCEL:
            return self._cancel(command)
        if command.kind == CommandKind.TRAINEE_MADE:
            from console.engine import trainee_made

            return await trainee_made.serve(self, command, CommandRun)
        names = self._targets(command)
        operator = command.operator or self.operator
        run_id = self.store.begin_run(command.kind.value, operator.name, os.getpid(), names)
        run = CommandRun(command, names, run_id, operator=operator)
        with self.cancellable(run):
            return await self._execute(run)

    @contextlib.contextmanager
    def cancellable(self, run: CommandRun) -> Iterator[CommandRun]:
        """While in the block, a ``cancel`` command (or SIGTERM) marks ``run``'s trainees in
        ``run.cancelled``; each stops before its next step."""
        self._active.append(run)
        try:
            yield run
        finally:
            self._active.remove(run)

    def _cancel(self, command: Command) -> CommandRun:
        """Mark the named trainees (all when none is named) cancelled in every run in progress."""
        wanted = set(command.trainees) or {t.name for t in self.course.trainees}
        hit: set[str] = set()
        for run in self._active:
            names = wanted & set(run.names) - set(run.finals)
            run.cancelled |= names
            hit |= names
        if self.pool is not None and hit:
            self.pool.cancel(hit)
        self.store.finish_command(command.id, f"cancel requested for {len(hit)} trainee(s)")
        return CommandRun(command, [], run_id=0)

    async def _execute(self, run: CommandRun) -> CommandRun:
        command, names, run_id = run.command, run.names, run.run_id
        teardown = command.kind == CommandKind.TEARDOWN
        for name in names:
            status = self.store.trainee(name)
            if teardown or status is None or status.state != TraineeState.READY:
                self.store.set_trainee(
                    name,
                    state=TraineeState.PENDING,
                    error=None,
                    error_code=None,
                    last_action=f"queued: {command.kind}",
                )
        await asyncio.gather(*(self._one(run, name, teardown) for name in names))
        summary = run.summary() | {"ledger_head": self._keep_head(command)}
        self.store.finish_run(run_id, summary)
        self.store.add_event("summary", None, **summary)
        self.store.finish_command(command.id, _result_text(run))
        return run

    def _keep_head(self, command: Command) -> dict:
        """The ledger chain's head, written to ``engine.log`` too (outside the database)."""
        from console.store.chain import keep_head

        head = self.store.ledger_head()
        what = f"after command {command.id} ({command.kind.value})"
        problem = keep_head(self.store.course_dir / "engine.log", head, _utc_now(), what)
        if problem:
            log.warning("%s", problem)
        return head.as_json()

    def _targets(self, command: Command) -> list[str]:
        known = [t.name for t in self.course.trainees]
        if command.trainees:
            return [name for name in known if name in command.trainees]
        return known

    async def _one(self, run: CommandRun, name: str, teardown: bool) -> None:
        trainee = next(t for t in self.course.trainees if t.name == name)
        async with self._slots, self._trainee_locks.setdefault(name, asyncio.Lock()):
            if run.stop_reason or name in run.cancelled:
                reason = "cancelled by an operator" if name in run.cancelled else run.stop_reason
                self.store.set_trainee(
                    name, state=TraineeState.CANCELLED, error=reason, last_action="cancelled"
                )
                run.finals[name] = TraineeState.CANCELLED
                return
            if self.pool is not None:
                state = await self._on_worker(run, name, teardown)
            else:
                state = await self._here(run, trainee, teardown)
        run.finals[name] = state
        if state == TraineeState.FAILED:
            run.failures += 1
            tolerance = self.course.failure_tolerance
            if tolerance is not None and run.failures > tolerance and not run.stop_reason:
                run.stop_reason = (
                    f"failure tolerance exceeded: {run.failures} trainees failed "
                    f"(failure_tolerance = {tolerance}); not started"
                )

    async def _here(self, run: CommandRun, trainee, teardown: bool) -> TraineeState:
        """The trainee's pipeline in this process."""
        pipeline = TraineePipeline(
            self.course,
            trainee,
            store=self.store,
            broker=self.broker,
            kinds=self.kinds,
            recorder=self.recorder,
            cancelled=lambda: trainee.name in run.cancelled,
            operator=run.operator,
        )
        return await pipeline.run(teardown=teardown)

    async def _on_worker(self, run: CommandRun, name: str, teardown: bool) -> TraineeState:
        """The trainee's pipeline on a worker process; FAILED when its workers kept dying."""
        assert self.pool is not None
        try:
            return await self.pool.run(name, teardown=teardown, operator=run.operator)
        except WorkerDied as exc:
            self.store.set_trainee(
                name,
                state=TraineeState.FAILED,
                error=str(exc),
                error_code="WorkerDied",
                last_action="failed: WorkerDied",
            )
            return TraineeState.FAILED


def _result_text(run: CommandRun) -> str:
    states = run.summary()["states"]
    return ", ".join(f"{count} {state}" for state, count in states.items()) or "nothing to do"
