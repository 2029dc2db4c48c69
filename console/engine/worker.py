"""One engine worker process: runs the trainee pipelines the engine hands it, on its own core.

The engine (``console.engine.workers``) starts ``python -m console.engine.worker`` with a pipe on
stdin and stdout. The first line says what to load (course file, state directory); the second,
sent once the engine holds the course's lock, what to serve as (the host's ARN and principal
id, the operator, the share of the host's AssumeRole pace); every later line asks to run a
trainee or to cancel some. The worker answers one line per trainee when its pipeline ends.

It writes the course's store itself, as the engine does (SQLite in WAL mode lets several
processes write one at a time, each transaction short), so the ledger's write-ahead rule holds
per call whichever process makes it. It holds no lock: the engine does. When the engine goes
(its end of the pipe closes, or the kernel's parent-death signal for ``kill -9``), the worker
goes at once, so no trainee is ever worked on by two processes.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import signal
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, TextIO

from console.model import Operator, TraineeState

if TYPE_CHECKING:  # the worker imports the SDK only once it is asked to serve
    from console.aws.attribution import Recorder
    from console.aws.sessions import SessionBroker
    from console.course.model import Course
    from console.engine.ports import TraineeRows
    from console.steps.base import StepKind

PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when its parent thread dies


def die_with_parent() -> None:
    """Ask Linux for SIGKILL when the engine dies (``kill -9`` included); elsewhere the closed
    pipe does it, a moment later."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the engine died before the request: nothing to work for
        os._exit(0)


async def serve(reader: asyncio.StreamReader, answers) -> None:
    """Open in two halves (``console.engine.workers``): the course and the SDK, from the first
    line, before the engine is sure it will serve; the store and the host's broker from the
    second, sent once it holds the lock. Then run what the engine sends until its pipe closes."""
    from console.aws import sdk
    from console.aws.pacing import ASSUME_ROLE_RATE, shared
    from console.aws.sdk.session import engine_session
    from console.aws.sessions import broker_for, warm_clients
    from console.course.model import load_course
    from console.engine.process import StoreRecorder, _settle_garbage_collector
    from console.redaction import quiet_sdk_loggers
    from console.steps import registry
    from console.store.state import Store

    opening = json.loads(await reader.readline() or "null")
    if opening is None:
        return  # the engine went before saying anything
    quiet_sdk_loggers()
    sdk.install()
    course = load_course(Path(opening["course"]))
    kinds = registry()
    session = engine_session()
    await warm_clients(session, course.region, (kinds[s.kind].service for s in course.steps))
    serving = json.loads(await reader.readline() or "null")
    if serving is None:
        return  # another engine serves the course, or this one stopped before serving
    # The host's AssumeRole pace is shared by the whole host: each worker takes its share.
    shared("assume-role", ASSUME_ROLE_RATE * serving["share"])
    store = Store.open(Path(opening["state_dir"]), course.name)
    recorder = StoreRecorder(store)
    host = SimpleNamespace(arn=serving["host_arn"], user_id=serving["host_user_id"])
    try:
        async with broker_for(
            course, host, operator=serving["operator"], recorder=recorder, session=session
        ) as broker:
            _settle_garbage_collector()
            await Worker(course, store, broker, kinds, recorder, answers).listen(reader)
    finally:
        store.close()


class Worker:
    """Runs trainees as the engine's lines ask, answering each with its final state."""

    def __init__(
        self,
        course: Course,
        store: TraineeRows,
        broker: SessionBroker,
        kinds: dict[str, StepKind],
        recorder: Recorder,
        answers: TextIO,
    ):
        self.course, self.store, self.broker = course, store, broker
        self.kinds, self.recorder, self.answers = kinds, recorder, answers
        self.cancelled: set[str] = set()
        self.tasks: set[asyncio.Task] = set()

    async def listen(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            message = json.loads(line)
            if "cancel" in message:
                self.cancelled |= set(message["cancel"])
                continue
            self.cancelled.discard(message["run"])
            task = asyncio.create_task(self.run(message))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        os._exit(0)  # the engine is gone: stop now, mid-call or not (it resumes the trainee)

    async def run(self, message: dict) -> None:
        from console.engine.pipeline import TraineePipeline

        name = message["run"]
        trainee = next(t for t in self.course.trainees if t.name == name)
        pipeline = TraineePipeline(
            self.course,
            trainee,
            store=self.store,
            broker=self.broker,
            kinds=self.kinds,
            recorder=self.recorder,
            cancelled=lambda: name in self.cancelled,
            operator=Operator(**message["operator"]),
        )
        try:
            state = await pipeline.run(teardown=message["teardown"])
        except Exception as exc:  # never expected (run() reports AWS errors): say so, fail it
            print(f"worker {os.getpid()}: {name}: {type(exc).__name__}", file=sys.stderr)
            state = TraineeState.FAILED
        self.answers.write(json.dumps({"done": name, "state": state.value}) + "\n")
        self.answers.flush()


def _redacted_output() -> None:
    """Everything the worker prints or logs goes to the engine's stderr (``engine.log`` when
    detached) through the same redaction as the engine's own."""
    import logging

    from console.redaction import RedactingStream, redacting_handler

    sys.stdout, sys.stderr = RedactingStream(sys.stdout), RedactingStream(sys.stderr)
    root = logging.getLogger()
    root.addHandler(redacting_handler(logging.StreamHandler(sys.stderr)))
    logging.getLogger("whodidthis").setLevel(logging.INFO)


async def _main() -> None:
    # The answers get stdout's pipe to themselves; anything else printing goes to stderr.
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    _redacted_output()
    reader = asyncio.StreamReader(limit=1 << 20)
    await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    await serve(reader, answers)


def main() -> None:
    from console.engine.coredump import refuse_core_dumps

    # It holds trainee credentials as the engine does: no core file, no reading its memory.
    refuse_core_dumps()
    die_with_parent()
    # Ctrl+C reaches the whole foreground process group; the engine turns it into a cancel,
    # which stops the trainees here between two steps, never inside a call.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(_main())


if __name__ == "__main__":
    main()
