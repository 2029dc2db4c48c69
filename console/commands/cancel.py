"""``whodidthis cancel COURSE [--trainee NAME ...]``: ask the running engine to stop.

The named trainees (all when none is named) stop after their current step, CANCELLED; this
returns once the engine has taken the request. With no engine running there is nothing to
stop, and nothing is queued (a cancel waiting for a future engine would only surprise its
next command).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from console.commands.options import CourseOptions, add_common, add_course, new_parser
from console.errors import EXIT_OK
from console.model import CommandKind

EXAMPLES = """examples:
  whodidthis cancel dojo.toml                   every trainee stops after its current step
  whodidthis cancel dojo.toml --trainee alice   only alice"""


@dataclass(frozen=True, kw_only=True)
class CancelOptions(CourseOptions):
    trainee: list[str] = field(default_factory=list)


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES)
    add_course(p)
    p.add_argument(
        "--trainee",
        action="append",
        default=[],
        metavar="NAME",
        help="only these trainees (repeatable; default: every trainee)",
    )
    add_common(p)
    p.set_defaults(handler=cli_cancel, options=CancelOptions)
    return p


def cli_cancel(options: CancelOptions) -> int:
    from console.aws.operator import resolve_operator
    from console.commands.headless import (
        FOLLOW_POLL_SECONDS,
        check_trainees,
        command_done,
        open_course,
    )

    opened = open_course(options, sync=False)
    store = opened.store
    try:
        check_trainees(opened.course, options.trainee)
        holder = store.engine_holder()
        if holder is None:
            print(f"no engine is running for {opened.course.name}: nothing to cancel.")
            return EXIT_OK
        command_id = store.enqueue(
            CommandKind.CANCEL, options.trainee, resolve_operator(options.operator)
        )
        while not command_done(store, command_id) and store.engine_holder():
            time.sleep(FOLLOW_POLL_SECONDS)
        result = next((c.result for c in store.commands() if c.id == command_id), None)
        who = ", ".join(options.trainee) or "every trainee"
        print(
            f"cancel sent to the engine (pid {holder.get('pid')}) for {who}: "
            f"{result or 'queued'}; each stops after its current step. "
            f"Follow with `whodidthis status {opened.course_path} --watch`."
        )
        return EXIT_OK
    finally:
        store.close()
