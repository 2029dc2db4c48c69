"""``whodidthis ledger``: who did what, the attributed changes.

Reads (AssumeRole, GetCallerIdentity, Describe*, Get*, List*) stay recorded, for attribution,
and are shown with ``--all``. A call not yet answered reads ``in flight`` while the engine
that made it is alive, and ``unknown`` (an answer lost in a crash) only when none is.
``--follow`` prints the records as they come until the run queued settles (``--tail N``: the
first screen's last N, then every new one).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from console.commands.options import CourseOptions, add_common, add_course, add_output, new_parser
from console.commands.output import emit
from console.errors import EXIT_OK
from console.model import LedgerRecord, Outcome

EXAMPLES = """examples:
  whodidthis ledger dojo.toml                      the changes, oldest first
  whodidthis ledger dojo.toml --all                also the reads (AssumeRole, Describe*...)
  whodidthis ledger dojo.toml --since 30m --trainee alice
  whodidthis ledger dojo.toml --command 7 -o yaml  what queue command 7 did, in YAML
  whodidthis ledger dojo.toml --follow             as they come, until the run ends
`whodidthis help ledger` says what each field means."""


@dataclass(frozen=True, kw_only=True)
class LedgerOptions(CourseOptions):
    trainee: str | None = None
    output: str = "table"
    since: str | None = None
    tail: int | None = None
    command_id: int | None = None
    all: bool = False
    follow: bool = False
    verify: bool = False
    head: list[str] = field(default_factory=list)


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES)
    add_course(p)
    p.add_argument("--trainee", default=None, metavar="NAME")
    add_output(p, json_help="one ledger record per line (as -o json)")
    p.add_argument(
        "--all", action="store_true", help="also the reads (AssumeRole, GetCallerIdentity, ...)"
    )
    p.add_argument(
        "--since",
        default=None,
        metavar="WHEN",
        help="only records from then on: an ISO 8601 time (UTC) or a duration (30m, 2h, 1d)",
    )
    p.add_argument(
        "--tail", type=positive, default=None, metavar="N", help="only the last N records"
    )
    p.add_argument(
        "--verify",
        action="store_true",
        help="recompute the ledger's hash chain; name the first changed, missing or added record",
    )
    p.add_argument(
        "--head",
        action="append",
        default=[],
        metavar="LINKS:SHA256",
        help="with --verify: also check a head a command's summary printed (repeatable)",
    )
    p.add_argument(
        "--command",
        type=int,
        default=None,
        dest="command_id",
        metavar="ID",
        help="only the records of queue command ID (its trainees, while it ran)",
    )
    p.add_argument(
        "--follow",
        action="store_true",
        help="print records as they come until the commands queued have run; exit with "
        "their exit code",
    )
    add_common(p, aws=False)
    p.set_defaults(handler=cli_ledger, options=LedgerOptions)
    return p


def positive(text: str) -> int:
    """A whole number of at least 1 (``--tail 0`` or ``--tail -5`` is a usage error)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number (give 1 or more)")
    return value


def cli_ledger(options: LedgerOptions) -> int:
    from console.commands.headless import check_trainees, open_course

    opened = open_course(options, sync=False)
    if options.verify:
        from console.commands.verify import verify_ledger

        try:
            return verify_ledger(opened, options.head)
        finally:
            opened.store.close()
    if options.trainee:
        check_trainees(opened.course, [options.trainee])
    try:
        if options.follow:
            return follow_ledger(options, opened)
        holder = opened.store.engine_holder()
        records, hidden = chosen(options, opened.store)
        print_records(options.output, records, holder)
        if hidden and options.output == "table":
            print(f"({hidden} reads hidden: --all shows them)", file=sys.stderr)
        return EXIT_OK
    finally:
        opened.store.close()


def chosen(options: LedgerOptions, store, *, tail: bool = True) -> tuple[list[LedgerRecord], int]:
    """The records the options ask for, and how many reads were left out; ``tail`` False
    keeps them all (``--follow`` applies ``--tail`` to its first screen only)."""
    from console.commands.views import find_command, parse_since, select_records
    from console.words import is_read

    since = parse_since(options.since, time.time()) if options.since else None
    command = find_command(store.commands(), options.command_id) if options.command_id else None
    records = select_records(store.ledger(trainee=options.trainee), since=since, command=command)
    kept = records if options.all else [r for r in records if not is_read(r)]
    hidden = len(records) - len(kept)
    if tail and options.tail is not None:
        kept = kept[-options.tail :] if options.tail > 0 else []
    return kept, hidden


def record_json(record: LedgerRecord, holder: dict | None) -> dict:
    """docs/contracts.md's record, and ``in_flight``: unanswered while its engine lives."""
    from console.words import in_flight, ledger_json

    return {**ledger_json(record), "in_flight": in_flight(record, holder)}


def print_records(
    output: str, records: list[LedgerRecord], holder: dict | None, *, header: bool = True
) -> None:
    from console.words import LEDGER_HEADER, ledger_line

    def table() -> str:
        lines = [ledger_line(r, holder) for r in records]
        return "\n".join([LEDGER_HEADER, *lines] if header else lines)

    if records or header or output == "json":
        emit(output, lambda: [record_json(r, holder) for r in records], table, lines=True)


def follow_ledger(options: LedgerOptions, opened) -> int:
    """``--follow``: each record printed once it is answered (or, at the end, as it is).

    ``--tail N`` cuts the first screen only: the records older than its last N are passed
    over once, and from then on every new record is printed, however many came in one poll.
    """
    from console.commands.follow import POLL_SECONDS, Follower

    follower = Follower(opened.store, opened.course_path)
    printed: set[int | None] = set()
    first = True
    try:
        while True:
            holder = opened.store.engine_holder()
            settled = not any(t.state.is_active for t in opened.store.trainees())
            code = follower.poll(holder, settled)
            records, _ = chosen(options, opened.store, tail=False)
            if first and options.tail is not None:
                printed.update(r.id for r in records[: -options.tail])  # before the tail
            fresh = [
                r
                for r in records
                if r.id not in printed and (code is not None or r.outcome != Outcome.UNKNOWN)
            ]
            printed.update(r.id for r in fresh)
            if fresh or first:
                _print_batch(options.output, fresh, holder, first=first)
            first = False
            if code is not None:
                return code
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        return EXIT_OK


def _print_batch(output: str, fresh: list[LedgerRecord], holder, *, first: bool) -> None:
    """One poll's new records; in YAML each batch is its own document, so the stream stays
    valid YAML."""
    if output == "yaml" and fresh:
        print("---")
    print_records(output, fresh, holder, header=first)
    sys.stdout.flush()
