"""``whodidthis progress COURSE [--watch] [-o FORMAT] [--stuck-minutes N]``: lab milestones.

Runs every ``[[check]]`` of the course for each trainee (read-only, with the trainee's
ManageEnvRole session; ``console.classroom.progress``), records in the store when each
milestone was first reached, and prints where each trainee is: ``2/5`` with the next milestone
named and how long they have been on it, then each milestone with the time it was reached.
``--watch`` checks again every few minutes until Ctrl+C; ``--stuck-minutes N`` shows only the
trainees who have been on the same milestone for more than N minutes. ``-o json`` prints one
object per round (``--json`` its synonym), ``-o yaml`` the same data as one YAML document per
round (``---`` between rounds).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from console.commands.headless import Opened, open_course
from console.commands.options import CourseOptions, add_common, add_course, add_output, new_parser
from console.commands.output import emit
from console.engine import interruptible
from console.errors import EXIT_OK, UsageError
from console.milestone_words import cell, public, stuck_minutes, summary
from console.words import clock

WATCH_SECONDS = 180.0  # a lab step takes minutes; each round costs every account a few reads


def progress_rows(opened: Opened, errors: dict[str, str] | None = None) -> list[dict]:
    """Each trainee's milestones as the store has them, for JSON and text output."""
    names = [m.name for m in opened.course.checks]
    known = opened.store.milestones()
    return [
        {
            "name": t.name,
            "account": t.account,
            "milestones": summary(names, known.get(t.name, {})),
            "error": (errors or {}).get(t.name),
        }
        for t in opened.course.trainees
    ]


def run_checks(args, opened: Opened) -> dict[str, str]:
    """One round of checks for every trainee, recorded in the store; returns errors by name."""
    from console.aws.operator import resolve_operator
    from console.aws.sessions import broker_for
    from console.classroom.progress import check_all
    from console.engine.opening import check_host
    from console.engine.process import StoreRecorder

    course = opened.course
    host = check_host(course, args.allow_long_term_keys)
    operator = resolve_operator(args.operator)

    async def go():
        recorder = StoreRecorder(opened.store)
        async with broker_for(course, host, operator=operator, recorder=recorder) as broker:
            return await check_all(course, broker, operator, getattr(args, "trainee", None) or ())

    errors = {}
    for found in interruptible.run(go):
        if found.error:
            errors[found.trainee] = found.error
            continue
        opened.store.record_checks(
            found.trainee, [(name, v.reached, v.at, v.detail) for name, v in found.verdicts]
        )
    return errors


def _show(args, opened: Opened, errors: dict[str, str], now: float) -> None:
    """One round as ``-o`` asks: the JSON object (or its YAML), or the text for people."""
    rows = progress_rows(opened, errors)
    if args.stuck_minutes is not None:
        rows = [
            r
            for r in rows
            if (m := stuck_minutes(r["milestones"], now)) is not None and m > args.stuck_minutes
        ]
    if args.output == "yaml" and args.watch:
        print("---")  # each round its own YAML document
    emit(
        args.output,
        lambda: {
            "course": opened.course.name,
            "trainees": [dict(r, milestones=public(r["milestones"])) for r in rows],
        },
        lambda: (
            "\n".join(progress_lines(rows, now))
            or f"no trainee on one milestone for more than {args.stuck_minutes:g} minutes"
        ),
    )
    sys.stdout.flush()


def progress_lines(rows: list[dict], now: float) -> list[str]:
    """The trainees' milestones for people: where each is, then each milestone's time."""
    lines = []
    for row in rows:
        found = row["milestones"]
        minutes = stuck_minutes(found, now)
        on_it = f" (on it {minutes:.0f} min)" if minutes is not None else ""
        lines.append(f"{row['name']:<14} {cell(found)}{on_it}")
        if row["error"]:
            lines.append(f"  could not check: {row['error']}")
        for item in found["items"]:
            at = item["reached_at"]
            when = clock(_epoch(at)) if at else "--:--:--"
            mark = "✔" if item["reached"] else "·"
            lines.append(f"  {mark} {when}  {item['name']}: {item['detail'] or 'not checked yet'}")
    return lines


def _epoch(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def cli_progress(args) -> int:
    """Entry point of ``whodidthis progress``."""
    opened = open_course(args, sync=False)
    try:
        if not opened.course.checks:
            raise UsageError(
                f"course {opened.course.name} has no [[check]] tables, so no milestones to "
                'follow; add some (see README, "the class in progress")'
            )
        for name in getattr(args, "trainee", None) or ():
            opened.course.trainee(name)
        while True:
            errors = run_checks(args, opened)
            _show(args, opened, errors, time.time())
            if not args.watch:
                return EXIT_OK
            time.sleep(WATCH_SECONDS)
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        opened.store.close()


PROGRESS_EXAMPLES = """examples:
  whodidthis progress dojo.toml                     each trainee's lab milestones
  whodidthis progress dojo.toml --stuck-minutes 20  who has been stuck for 20 minutes
  whodidthis progress dojo.toml --watch             again every 3 minutes
  whodidthis progress dojo.toml -o yaml             the same data as -o json, in YAML"""


@dataclass(frozen=True, kw_only=True)
class ProgressOptions(CourseOptions):
    output: str = "table"
    watch: bool = False
    stuck_minutes: float | None = None
    trainee: list[str] = field(default_factory=list)


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=PROGRESS_EXAMPLES)
    add_course(p)
    add_output(p, json_help="one JSON object per round (as -o json)")
    p.add_argument("--watch", action="store_true", help="check again every 3 minutes (Ctrl+C)")
    p.add_argument(
        "--stuck-minutes",
        type=float,
        default=None,
        metavar="N",
        help="only trainees on the same milestone for more than N minutes",
    )
    p.add_argument(
        "--trainee", action="append", default=[], metavar="NAME", help="only these (repeatable)"
    )
    add_common(p)
    p.set_defaults(handler=cli_progress, options=ProgressOptions)
    return p
