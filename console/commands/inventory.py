"""``whodidthis inventory COURSE [-o FORMAT] [--since WHEN]``: what each trainee made by hand.

Per trainee, every resource created in the account during the class window by anyone but
whodidthis, in every enabled region (``console.classroom.inventory``): what, who, when, whether
it still exists, and whether it costs money while it does. Read-only.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from console.commands.headless import Opened, open_course
from console.commands.options import CourseOptions, add_common, add_course, add_output, new_parser
from console.commands.output import emit
from console.engine import interruptible
from console.errors import EXIT_OK
from console.words import clock, iso


def class_start(store, since_arg: str | None) -> float:
    """The class window's start: ``--since``, else the course's first ledger record (in
    ``store``), else the last day."""
    from console.classroom.inventory import class_window_start
    from console.commands.views import parse_since

    if since_arg:
        return parse_since(since_arg, time.time())
    return class_window_start(store)


def take_inventory(args, opened: Opened, since: float) -> list:
    """Every (named) trainee's inventory, read with their ManageEnvRole session."""
    from console.aws.operator import resolve_operator
    from console.engine.opening import check_host

    course = opened.course
    host = check_host(course, args.allow_long_term_keys)
    operator = resolve_operator(args.operator)
    return interruptible.run(
        lambda: inventories(course, opened.store, host, operator, args.trainee, since)
    )


async def inventories(course, store, host, operator, names, since: float) -> list:
    """The inventories of ``names`` (all when empty) as ``operator``, from ``host``; what
    ``whodidthis inventory`` and the console's inventory view show. Read-only: only the
    AssumeRoles reach the ledger."""
    from console.aws.sessions import broker_for
    from console.classroom.inventory import inventory_all
    from console.engine.process import StoreRecorder

    recorder = StoreRecorder(store)
    async with broker_for(course, host, operator=operator, recorder=recorder) as broker:
        return await inventory_all(course, broker, operator, names, since)


def inventory_lines(inv) -> list[str]:
    """One trainee's inventory for people."""
    left = inv.left
    lines = [
        f"{inv.trainee} ({inv.account}): {len(inv.made)} made by hand, {len(left)} by the "
        f"trainee still there; {len(inv.regions)} regions checked"
    ]
    for m in inv.made:
        there = {True: "exists", False: "gone", None: "unknown"}[m.exists]
        cost = "  costs money" if m.costs and m.exists is not False else ""
        lines.append(
            f"  {clock(m.at)}  {m.type:<22} {m.name:<24} {m.region:<15} by {m.creator.text}"
            f"  {there}{cost}"
        )
    lines += [f"  could not check: {error}" for error in inv.errors]
    return lines


def cli_inventory(args) -> int:
    """Entry point of ``whodidthis inventory``."""
    opened = open_course(args, sync=False)
    try:
        for name in args.trainee:
            opened.course.trainee(name)
        since = class_start(opened.store, args.since)
        found = take_inventory(args, opened, since)
    finally:
        opened.store.close()
    emit(
        args.output,
        lambda: {
            "course": opened.course.name,
            "since": iso(since),
            "trainees": [inv.as_json() for inv in found],
        },
        lambda: "\n".join(line for inv in found for line in inventory_lines(inv)),
    )
    return EXIT_OK


def clean_trainee_made(args) -> int:
    """``teardown --trainee-made``: the plan for what trainees made (without ``--yes``), or
    its deletes (with it), before the teardown of what whodidthis built."""
    from console.aws.operator import resolve_operator
    from console.aws.sessions import broker_for
    from console.classroom.cleanup import clean_trainee, cleaned_line
    from console.engine.opening import check_host
    from console.engine.process import StoreRecorder

    opened = open_course(args)
    course = opened.course
    try:
        for name in args.trainee:
            course.trainee(name)
        host = check_host(course, args.allow_long_term_keys)
        operator = resolve_operator(args.operator)
        since = class_start(opened.store, None)
        recorder = StoreRecorder(opened.store)

        async def go() -> list[tuple[str, list]]:
            out = []
            async with broker_for(course, host, operator=operator, recorder=recorder) as broker:
                for trainee in course.trainees_in(args.trainee):
                    inv, lines = await clean_trainee(
                        course, trainee, broker, operator, recorder, since, delete=args.yes
                    )
                    out.append(
                        (trainee.name, lines + [f"could not check: {e}" for e in inv.errors])
                    )
            return out

        found = interruptible.run(go)
    finally:
        opened.store.close()
    say = (lambda text: print(text, file=sys.stderr)) if args.json else print
    for name, lines in found:
        say(f"{name}: what the trainee made by hand" + ("" if args.yes else " (plan)"))
        for line in lines or ["  nothing"]:
            say(line if isinstance(line, str) else cleaned_line(line))
    failed = any(getattr(line, "outcome", "") == "failed" for _, lines in found for line in lines)
    return 1 if failed else EXIT_OK


INVENTORY_EXAMPLES = """examples:
  whodidthis inventory dojo.toml              what each trainee made by hand, every region
  whodidthis inventory dojo.toml --since 3h -o json
  whodidthis inventory dojo.toml -o yaml      the same data as -o json, in YAML"""


@dataclass(frozen=True, kw_only=True)
class InventoryOptions(CourseOptions):
    output: str = "table"
    trainee: list[str] = field(default_factory=list)
    since: str | None = None


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=INVENTORY_EXAMPLES)
    add_course(p)
    add_output(p, json_help="one JSON object (as -o json)")
    p.add_argument(
        "--trainee", action="append", default=[], metavar="NAME", help="only these (repeatable)"
    )
    p.add_argument(
        "--since",
        default=None,
        metavar="WHEN",
        help="the class window's start: an ISO 8601 time (UTC) or a duration (30m, 2h, 1d); "
        "default: the course's first ledger record",
    )
    add_common(p)
    p.set_defaults(handler=cli_inventory, options=InventoryOptions)
    return p
