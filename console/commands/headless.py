"""The headless commands: ``apply``, ``retry``, ``teardown`` (the engine, in the foreground or
detached) and ``status``, ``ledger``, ``report`` (reading the store, live or long after).

Output is for people by default and JSON with ``--json`` (docs/contracts.md: JSON Lines for the engine
commands, the last line a ``summary``); exit codes as docs/contracts.md promises.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from dataclasses import dataclass

from console.aws.operator import resolve_operator
from console.commands.stdout import silence_stdout
from console.course.model import Course
from console.engine import opening
from console.engine.opening import Opened, check_host
from console.engine.process import ensure_engine, serve_locked
from console.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError
from console.model import CommandKind, Operator, TraineeState
from console.store.state import Store
from console.words import event_json, event_text, status_json, status_table

FOLLOW_POLL_SECONDS = 0.2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def open_course(args, *, sync: bool = True) -> Opened:
    """``console.engine.opening.open_course`` with a command's parsed arguments."""
    return opening.open_course(
        args.course,
        args.state_dir,
        sync=sync,
        allow_long_term=getattr(args, "allow_long_term_keys", False),
    )


def _check_trainees(course: Course, names: list[str]) -> None:
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
            raise KeyboardInterrupt
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
        done = _command_done(store, command_id)
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
            keep = event.type == "summary" or "FAILED" in (text or "") or not progress.redraw
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


def _command_done(store: Store, command_id: int) -> bool:
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


def run_command(args, kind: CommandKind, names: list[str]) -> int:
    """Enqueue a command, then run the engine here, attach to the live one, or detach."""
    opened = open_course(args)
    try:
        return _run_command(args, kind, names, opened)
    finally:
        opened.store.close()  # a clean exit leaves the store checkpointed (no WAL left over)


def _run_command(args, kind: CommandKind, names: list[str], opened) -> int:
    course, store = opened.course, opened.store
    _check_trainees(course, names)
    host = check_host(course, args.allow_long_term_keys)  # exit 3 before any trainee call
    operator = resolve_operator(args.operator)  # exit 2 for another's name in an SSM session
    names = _without_lost(kind, names, opened)
    since = store.last_event_id()
    command_id = store.enqueue(kind, names, operator)
    targets = set(names or (t.name for t in course.trainees))
    interrupt = Interrupt(store, sorted(targets), operator)
    if args.detach:
        pid = ensure_engine(
            opened.course_path, opened.state_dir, operator, args.allow_long_term_keys
        )
        where = f"engine started (pid {pid})" if pid else "handed to the running engine"
        print(
            f"{kind.value} queued as command {command_id}: {where}. Follow with "
            f"`whodidthis status {opened.course_path}` or the console.",
            file=sys.stderr,
        )
        return EXIT_OK
    runs = serve_locked(
        course,
        store,
        operator=operator,
        host=host,
        idle_seconds=0.0,
        companion_factory=lambda: follow(
            store, command_id, since, as_json=args.json, names=targets, interrupt=interrupt
        ),
    )
    if runs is None:
        holder = store.engine_holder() or {}
        print(
            f"attached to the running engine (pid {holder.get('pid')} on "
            f"{holder.get('host')}); following command {command_id}",
            file=sys.stderr,
        )
        asyncio.run(
            follow(store, command_id, since, as_json=args.json, names=targets, interrupt=interrupt)
        )
    if interrupt.requested:
        return EXIT_INTERRUPTED
    code = exit_code(store, kind, command_id)
    return EXIT_FAILED if _failing_notes(opened.notes, targets) else code


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
    reached = (summary.get("states") or {}).get(goal.value, 0)
    return EXIT_OK if reached == summary.get("trainees", 0) else EXIT_FAILED


def cli_apply(args) -> int:
    return run_command(args, CommandKind.APPLY, args.trainee)


def cli_retry(args) -> int:
    if not args.trainee:
        raise UsageError(
            "retry needs at least one --trainee NAME (the trainees to retry); "
            "to converge everyone, use `whodidthis apply`."
        )
    return run_command(args, CommandKind.RETRY, args.trainee)


def cli_teardown(args) -> int:
    if args.yes:
        return run_command(args, CommandKind.TEARDOWN, args.trainee)
    from console.engine.plan import print_plan

    opened = open_course(args)
    _check_trainees(opened.course, args.trainee)
    host = check_host(opened.course, args.allow_long_term_keys)
    return print_plan(opened, host, resolve_operator(args.operator), args.trainee, args.json)


def cli_cancel(args) -> int:
    """``whodidthis cancel COURSE [--trainee NAME ...]``: ask the running engine to stop.

    The named trainees (all when none is named) stop after their current step, CANCELLED;
    this returns once the engine has taken the request. With no engine running there is
    nothing to stop, and nothing is queued (a cancel waiting for a future engine would only
    surprise its next command).
    """
    opened = open_course(args, sync=False)
    store = opened.store
    try:
        _check_trainees(opened.course, args.trainee)
        holder = store.engine_holder()
        if holder is None:
            print(f"no engine is running for {opened.course.name}: nothing to cancel.")
            return EXIT_OK
        command_id = store.enqueue(
            CommandKind.CANCEL, args.trainee, resolve_operator(args.operator)
        )
        while not _command_done(store, command_id) and store.engine_holder():
            time.sleep(FOLLOW_POLL_SECONDS)
        result = next((c.result for c in store.commands() if c.id == command_id), None)
        who = ", ".join(args.trainee) or "every trainee"
        print(
            f"cancel sent to the engine (pid {holder.get('pid')}) for {who}: "
            f"{result or 'queued'}; each stops after its current step. "
            f"Follow with `whodidthis status {opened.course_path}`."
        )
        return EXIT_OK
    finally:
        store.close()


def cli_status(args) -> int:
    if getattr(args, "watch", False):
        return watch_status(args)
    opened = open_course(args, sync=False)
    trainees = _roster_view(opened)
    holder = opened.store.engine_holder()
    if args.json:
        print(json.dumps(status_json(opened.course, trainees, holder)))
    else:
        print(status_table(opened.course, trainees, holder, now=time.time()))
    return EXIT_OK


def watch_status(args) -> int:
    """``status --watch``: redrawn until every trainee is settled (or Ctrl+C); on a terminal the
    screen is redrawn in place, elsewhere the table is printed again only when it changed."""
    from console.commands.views import WATCH_IDLE_POLLS, WATCH_SECONDS, is_terminal, settled

    opened = open_course(args, sync=False)
    redraw = is_terminal()
    shown = None
    idle = 0  # polls in a row with no engine: nothing would change the states any more
    try:
        while True:
            trainees = _roster_view(opened)
            holder = opened.store.engine_holder()
            if args.json:
                text = json.dumps(status_json(opened.course, trainees, holder))
            else:
                text = status_table(opened.course, trainees, holder, now=time.time())
            if redraw:
                print("\x1b[H\x1b[2J" + text, flush=True)
            elif text != shown:
                print(text + ("" if args.json else "\n"), flush=True)
            shown = text
            idle = 0 if holder else idle + 1
            if settled([t.state for t in trainees]) and not holder:
                return EXIT_OK
            if idle >= WATCH_IDLE_POLLS:
                print(
                    "no engine is running: these states will not change until one does "
                    "(`whodidthis apply COURSE --detach` starts one)",
                    file=sys.stderr,
                )
                return EXIT_OK
            time.sleep(WATCH_SECONDS)
    except KeyboardInterrupt:
        return EXIT_OK  # Ctrl+C is how a watch is left
    finally:
        opened.store.close()


def _roster_view(opened: Opened):
    """The store's trainees, with the course's not-yet-seen trainees as PENDING."""
    from console.model import StepStatus, TraineeStatus

    known = {t.name: t for t in opened.store.trainees()}
    steps = tuple(StepStatus(s.index, s.kind, s.name_template) for s in opened.course.steps)
    return [
        known.get(t.name) or TraineeStatus(t.name, t.account, step_count=len(steps), steps=steps)
        for t in opened.course.trainees
    ]


def cli_ledger(args) -> int:
    from console.commands.views import find_command, parse_since, print_ledger, select_records

    opened = open_course(args, sync=False)
    if getattr(args, "verify", False):
        from console.commands.verify import verify_ledger

        return verify_ledger(opened, getattr(args, "head", []))
    if args.trainee:
        _check_trainees(opened.course, [args.trainee])
    since = parse_since(args.since, time.time()) if getattr(args, "since", None) else None
    command_id = getattr(args, "command_id", None)
    command = find_command(opened.store.commands(), command_id) if command_id else None
    records = select_records(
        opened.store.ledger(trainee=args.trainee),
        since=since,
        command=command,
        tail=getattr(args, "tail", None),
    )
    print_ledger(records, args.json)
    return EXIT_OK


def cli_report(args) -> int:
    from console.commands.report import report_json, report_markdown

    opened = open_course(args, sync=False)
    trainees = _roster_view(opened)
    ledger = opened.store.ledger()
    if getattr(args, "json", False) or args.format == "json":
        print(json.dumps(report_json(opened.course, trainees, ledger, args.history), indent=2))
    else:
        print(report_markdown(opened.course, trainees, ledger, args.history))
    return EXIT_OK
