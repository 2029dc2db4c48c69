"""``whodidthis status``: per trainee, its state and what of its steps exists.

``--watch`` follows the run to its end: it waits for the commands queued and not yet done
(``apply --detach`` queues one and starts the engine that claims it) until each is claimed
and settles, then exits with their exit code, as the command itself would have. On a terminal
the frame is redrawn within the screen (:mod:`console.commands.screen`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from console.commands.options import CourseOptions, add_common, add_course, add_output, new_parser
from console.commands.output import as_yaml, emit
from console.errors import EXIT_OK
from console.model import TraineeState

EXAMPLES = """examples:
  whodidthis status dojo.toml              the table: state and steps built per trainee
  whodidthis status dojo.toml -o yaml      the same data as `-o json`, in YAML
  whodidthis apply dojo.toml --detach && whodidthis status dojo.toml --watch
                                           follow the build to its end; exit with its code"""


@dataclass(frozen=True, kw_only=True)
class StatusOptions(CourseOptions):
    output: str = "table"
    watch: bool = False


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES)
    add_course(p)
    add_output(p, json_help="one JSON object (as -o json)")
    p.add_argument(
        "--watch",
        action="store_true",
        help="follow the commands queued until each has run (a queued one is waited for), "
        "then exit with their exit code; Ctrl+C leaves",
    )
    add_common(p, aws=False)
    p.set_defaults(handler=cli_status, options=StatusOptions)
    return p


def cli_status(options: StatusOptions) -> int:
    from console.commands.headless import open_course, roster_view, with_milestones
    from console.words import status_json, status_table

    if options.watch:
        return watch_status(options)
    opened = open_course(options, sync=False)
    trainees = roster_view(opened)
    holder = opened.store.engine_holder()
    emit(
        options.output,
        lambda: with_milestones(status_json(opened.course, trainees, holder), opened),
        lambda: status_table(opened.course, trainees, holder, now=time.time()),
    )
    return EXIT_OK


def watch_status(options: StatusOptions) -> int:
    """``status --watch``: redrawn until the commands queued at its start have run and every
    trainee is settled; exits with those commands' code (0 when none was queued)."""
    from console.commands.follow import POLL_SECONDS, Follower
    from console.commands.headless import open_course, roster_view
    from console.commands.screen import Screen

    opened = open_course(options, sync=False)
    screen = Screen(redraw=None if options.output == "table" else False)
    follower = Follower(opened.store, opened.course_path)
    try:
        while True:
            holder = opened.store.engine_holder()
            trainees = roster_view(opened)
            code = follower.poll(holder, not any(t.state.is_active for t in trainees))
            _draw(options, opened, screen, holder, follower.words())
            if code is not None:
                return code
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        return EXIT_OK  # Ctrl+C is how a watch is left
    finally:
        screen.close()
        opened.store.close()


def _draw(options: StatusOptions, opened, screen, holder, following: str) -> None:
    from console.commands.headless import roster_view, with_milestones
    from console.commands.screen import Row
    from console.commands.views import counts_words
    from console.words import STATUS_HEADER, status_json, status_row, status_title

    trainees = roster_view(opened)
    if options.output != "table":
        data = with_milestones(status_json(opened.course, trainees, holder), opened)
        text = json.dumps(data) if options.output == "json" else "---\n" + as_yaml(data).rstrip()
        screen.show([text], [])
        return
    head = [
        status_title(opened.course, trainees, holder),
        f"{counts_words([t.state for t in trainees]) or 'no trainee'}  ·  {following}",
        STATUS_HEADER,
    ]
    urgent = (TraineeState.FAILED, TraineeState.CANCELLED)
    rows = [Row(status_row(t), t.state.is_active or t.state in urgent) for t in trainees]
    screen.show(head, rows, separator="\n")
