"""What the headless commands share: a course opened with its store, and a command run the
engine's way (here, attached to the live engine, or detached) and followed to its end.

The commands themselves (``apply``, ``status``, ``ledger``...) each own a module beside this
one. Output is for people by default and JSON with ``--json`` (docs/contracts.md: JSON Lines
for the engine commands, the last line a ``summary``); exit codes as docs/contracts.md promises.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from console.aws.operator import resolve_operator
from console.commands.stdout import silence_stdout
from console.course.model import Course
from console.engine import interruptible, opening
from console.engine.interruptible import STOP_SIGNALS
from console.engine.opening import Opened, check_host
from console.engine.process import ensure_engine, serve_locked
from console.engine.workers import Prestarted, prestart
from console.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Interrupted,
    UsageError,
    raise_interrupted,
)
from console.model import CommandKind, Operator, TraineeState, TraineeStatus
from console.store.state import Store
from console.words import event_json, event_text

if TYPE_CHECKING:
    from console.commands.apply import RunOptions
    from console.commands.options import CourseOptions

FOLLOW_POLL_SECONDS = 0.2


def open_course(args: CourseOptions, *, sync: bool = True) -> Opened:
    """``console.engine.opening.open_course`` with a command's options; cfn-lint's warnings
    about the course's templates go to stderr."""
    opened = opening.open_course(
        args.course, args.state_dir, sync=sync, allow_long_term=args.allow_long_term_keys
    )
    for warning in opened.course.warnings:
        print(f"{opened.course_path}: {warning}", file=sys.stderr)
    return opened


def check_trainees(course: Course, names: list[str]) -> None:
    for name in names:
        course.trainee(name)  # raises UsageError naming the valid trainees


@dataclass
class Interrupt:
    """Ctrl+C (or SIGTERM) on a foreground command: the first asks the engine to cancel, the
    second forces.

    The first SIGINT or SIGTERM queues a ``cancel`` for the command's trainees: they stop cleanly between
    two steps (CANCELLED, every ledger record completed) and the command exits 130. A second
    one raises KeyboardInterrupt at once (exit 130, whatever was in flight is left as it was).
    """

    store: Store
    names: list[str]
    operator: Operator | None
    requested: bool = False

    def __call__(self) -> None:
        if self.requested:
            raise Interrupted
        self.requested = True
        self.store.enqueue(CommandKind.CANCEL, self.names, self.operator)
        print(
            "cancelling: each trainee stops after its current step; Ctrl+C again to force",
            file=sys.stderr,
            flush=True,
        )


async def follow(
    store: Store,
    command_id: int,
    since: int,
    *,
    as_json: bool,
    names: set[str],
    interrupt: Interrupt | None = None,
) -> None:
    """Print the events of one command's trainees until the command is done.

    With ``interrupt``, SIGINT is handled by it while following (on the event loop, so its
    store write never lands in the middle of another).
    """
    loop = asyncio.get_running_loop()
    if interrupt is not None:
        # SIGTERM (a plain `kill`, systemd, a CI job's timeout) is handled like Ctrl+C: the
        # call in flight finishes and is recorded, the trainees stop cleanly, exit 130.
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, interrupt)
    try:
        await _follow(store, command_id, since, as_json=as_json, names=names)
    finally:
        if interrupt is not None:
            for signum in STOP_SIGNALS:
                loop.remove_signal_handler(signum)


async def _follow(
    store: Store, command_id: int, since: int, *, as_json: bool, names: set[str]
) -> None:
    """JSON Lines as they come; for people, one progress line redrawn on a terminal (the
    lines worth keeping, a failure or the summary, printed above it) or, in a pipe or CI,
    the event lines, none twice."""
    from console.commands.views import ProgressLine

    progress = None if as_json else ProgressLine(len(names))
    printed: dict[tuple[str | None, str], str] = {}
    last = since
    while True:
        done = command_done(store, command_id)
        for event in store.events_since(last):
            last = event.id or last  # a stored event always has its id
            mine = event.trainee in names or (
                event.type == "summary" and event.fields.get("command_id") == command_id
            )
            if not mine:
                continue
            if progress is None:
                _print_event(event, as_json)
                continue
            text = event_text(event)
            kept_type = event.type in ("summary", "trust", "trainee-made")
            keep = kept_type or "FAILED" in (text or "") or not progress.redraw
            said = (event.trainee, event.type)  # a state said once, until it changes
            if text and keep and printed.get(said) != _without_time(text):
                printed[said] = _without_time(text)
                if progress.redraw:
                    sys.stderr.write("\r\x1b[2K")
                _say(text)
        if progress is not None and progress.redraw:
            progress.show([t.state for t in store.trainees_named(names)])
        if done:
            if progress is not None:
                progress.close()
            return
        await asyncio.sleep(FOLLOW_POLL_SECONDS)


def _without_time(line: str) -> str:
    """An event line without its leading ``HH:MM:SS``: what says whether it is news."""
    return line.split(" ", 1)[-1]


def command_done(store: Store, command_id: int) -> bool:
    return any(c.id == command_id and c.done_at for c in store.commands())


def _print_event(event, as_json: bool) -> None:
    line = json.dumps(event_json(event)) if as_json else event_text(event)
    if line:
        _say(line)


def _say(line: str) -> None:
    """Print a line of a command doing work; output that cannot be written (the reader left:
    ``apply --json | head``; a full disk: ``> /dev/full``) stops the output, not the work."""
    try:
        print(line, flush=True)
    except OSError:
        silence_stdout()


def run_command(args: RunOptions, kind: CommandKind, names: list[str]) -> int:
    """Enqueue a command, then run the engine here, attach to the live one, or detach;
    with ``--junit FILE``, write one test case per trainee once the command ends."""
    opened = open_course(args)
    try:
        code, command_id = _run_command(args, kind, names, opened)
        if args.junit and command_id is not None:
            from console.commands.junit import write_junit

            write_junit(Path(args.junit), opened, kind, command_id)
        return code
    finally:
        opened.store.close()  # a clean exit leaves the store checkpointed (no WAL left over)


def _run_command(
    args: RunOptions, kind: CommandKind, names: list[str], opened: Opened
) -> tuple[int, int | None]:
    course, store = opened.course, opened.store
    check_trainees(course, names)
    # The engine's workers load while AWS is asked who the host is (console.engine.workers).
    with Prestarted() if args.detach else prestart(course, opened.state_dir) as early:
        host = check_host(course, args.allow_long_term_keys)  # exit 3 before any trainee call
        operator = resolve_operator(args.operator)  # exit 2: another's name in an SSM session
        names = _without_lost(kind, names, opened)
        since = store.last_event_id()
        command_id = store.enqueue(kind, names, operator)
        targets = set(names or (t.name for t in course.trainees))
        interrupt = Interrupt(store, sorted(targets), operator)
        with _withdrawn_on_ctrl_c(store, command_id, interrupt):
            if args.detach:
                pid = ensure_engine(
                    opened.course_path, opened.state_dir, operator, args.allow_long_term_keys
                )
                where = f"engine started (pid {pid})" if pid else "handed to the running engine"
                print(
                    f"{kind.value} queued as command {command_id}: {where}. Follow it to its "
                    f"end with `whodidthis status {opened.course_path} --watch` or the console.",
                    file=sys.stderr,
                )
                return EXIT_OK, None
            runs = serve_locked(
                course,
                store,
                operator=operator,
                host=host,
                idle_seconds=0.0,
                companion_factory=lambda: follow(
                    store, command_id, since, as_json=args.json, names=targets, interrupt=interrupt
                ),
                prestarted=early,
            )
    if runs is None:
        holder = store.engine_holder() or {}
        print(
            f"attached to the running engine (pid {holder.get('pid')} on "
            f"{holder.get('host')}); following command {command_id}",
            file=sys.stderr,
        )
        interruptible.run(
            lambda: follow(
                store, command_id, since, as_json=args.json, names=targets, interrupt=interrupt
            )
        )
    if interrupt.requested:
        return EXIT_INTERRUPTED, command_id
    code = exit_code(store, kind, command_id)
    return (EXIT_FAILED if _failing_notes(opened.notes, targets) else code), command_id


@contextlib.contextmanager
def _withdrawn_on_ctrl_c(store: Store, command_id: int, interrupt: Interrupt) -> Iterator[None]:
    """Ctrl+C (or SIGTERM) before the command is followed (the engine still starting, so
    ``Interrupt`` is not yet their handler): a command no engine of another process has begun
    is withdrawn, so no later engine runs what its operator stopped; one that another engine
    runs gets a cancel, as the first Ctrl+C would send. Exit 130 either way."""
    kept = signal.signal(signal.SIGTERM, raise_interrupted)  # here SIGTERM is Ctrl+C
    try:
        yield
    except KeyboardInterrupt:
        if not interrupt.requested:
            if store.withdraw(command_id, "withdrawn: Ctrl+C before an engine began it"):
                print(
                    f"interrupted: command {command_id} withdrawn before an engine began it",
                    file=sys.stderr,
                )
            elif not command_done(store, command_id):
                interrupt()
        raise
    finally:
        signal.signal(signal.SIGTERM, kept)


def _without_lost(kind: CommandKind, names: list[str], opened) -> list[str]:
    """apply and retry build nothing in an account that left the OU (``ou_pins``): its
    trainee is left out of the command (named when it was all there was to do)."""
    from console.aws.ou_pins import lost_names

    lost = lost_names(opened.notes)
    if not lost or kind == CommandKind.TEARDOWN:
        return names
    kept = [n for n in (names or [t.name for t in opened.course.trainees]) if n not in lost]
    if not kept:
        raise UsageError(
            f"every trainee asked for ({', '.join(sorted(lost))}) is in an account that left "
            f"{opened.course.trainees_from_ou}: nothing to build; `whodidthis teardown` still "
            "reaches their resources"
        )
    return kept


def _failing_notes(notes: list, targets: set[str]) -> list:
    """Pin notes that make the command fail: a trainee lost from the OU, or a name taken."""
    from console.aws.ou_pins import FAILING

    return [n for n in notes if n.code in FAILING]


def exit_code(store: Store, kind: CommandKind, command_id: int) -> int:
    """0 when every trainee of this command's own run reached its goal state; 1 otherwise.

    The run's summary says how its trainees ended, as the command left them: a teardown queued
    after an apply, or another operator's retry, changes the trainees' states in the store
    later, but not this command's outcome (issue 14, item 11). A command that never ran (closed
    as abandoned after its engines died) did not succeed.
    """
    goal = TraineeState.TORN_DOWN if kind == CommandKind.TEARDOWN else TraineeState.READY
    summary = next(
        (
            run["summary"]
            for run in reversed(store.runs())
            if (run["summary"] or {}).get("command_id") == command_id
        ),
        None,
    )
    if summary is None:
        return EXIT_FAILED
    if kind == CommandKind.TRAINEE_MADE:  # no state to reach: every trainee's deletes answered
        return EXIT_FAILED if summary.get("failed", 0) or summary.get("cancelled") else EXIT_OK
    reached = (summary.get("states") or {}).get(goal.value, 0)
    return EXIT_OK if reached == summary.get("trainees", 0) else EXIT_FAILED


def milestones_by_trainee(opened: Opened) -> dict[str, dict] | None:
    """trainee -> lab progress (``milestone_words.summary``, public fields); None when the
    course has no ``[[check]]``."""
    from console.milestone_words import public, summary

    if not opened.course.checks:
        return None
    names, known = [m.name for m in opened.course.checks], opened.store.milestones()
    return {t.name: public(summary(names, known.get(t.name, {}))) for t in opened.course.trainees}


def with_milestones(doc: dict, opened: Opened) -> dict:
    """``status --json``'s object with each trainee's ``milestones`` (when the course has any)."""
    found = milestones_by_trainee(opened)
    if found is not None:
        for trainee in doc["trainees"]:
            trainee["milestones"] = found.get(trainee["name"])
    return doc


def roster_view(opened: Opened) -> list[TraineeStatus]:
    """The store's trainees, with the course's not-yet-seen trainees as PENDING."""
    from console.model import StepStatus

    known = {t.name: t for t in opened.store.trainees()}
    steps = tuple(StepStatus(s.index, s.kind, s.name_template) for s in opened.course.steps)
    return [
        known.get(t.name) or TraineeStatus(t.name, t.account, step_count=len(steps), steps=steps)
        for t in opened.course.trainees
    ]
