"""``whodidthis apply``, ``retry`` and ``teardown``: the engine's commands, headless.

Each queues a command and runs it here, attached to the live engine, or detached
(``--detach``); ``teardown`` without ``--yes`` only prints its plan. ``--junit FILE`` writes
one JUnit test case per trainee once the command ends (a Jenkins job's test report).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from console.commands.options import CourseOptions, add_common, add_course, new_parser
from console.errors import UsageError
from console.model import CommandKind

EXAMPLES = {
    "apply": """examples:
  whodidthis apply dojo.toml                       build everyone, following here
  whodidthis apply dojo.toml --detach              queue it; follow with `status --watch`
  whodidthis apply dojo.toml --junit build.xml     also a JUnit report for Jenkins
  whodidthis apply dojo.toml --json | jq .         JSON Lines, the last a summary""",
    "retry": """examples:
  whodidthis retry dojo.toml --trainee alice --trainee bob""",
    "teardown": """examples:
  whodidthis teardown dojo.toml                    the plan: what would be deleted (reads only)
  whodidthis teardown dojo.toml --yes              tear down, following here
  whodidthis teardown dojo.toml --yes --detach     queue it; follow with `status --watch`""",
}
SUMMARY_HELP = {
    "apply": "build every trainee (headless)",
    "retry": "retry the named trainees (headless)",
    "teardown": "tear down what the course created; shows the plan without --yes",
}


@dataclass(frozen=True, kw_only=True)
class RunOptions(CourseOptions):
    """``apply``, ``retry`` and ``teardown``."""

    json: bool = False
    detach: bool = False
    trainee: list[str] = field(default_factory=list)
    yes: bool = False
    trainee_made: bool = False
    junit: str | None = None
    workers: int | None = None


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES[name])
    add_course(p)
    p.add_argument("--json", action="store_true", help="print one JSON event per line")
    p.add_argument(
        "--detach", action="store_true", help="run the engine as its own process session"
    )
    p.add_argument(
        "--trainee",
        action="append",
        default=[],
        metavar="NAME",
        help="only these trainees (repeatable)" + ("; required" if name == "retry" else ""),
    )
    p.add_argument(
        "--junit",
        default=None,
        metavar="FILE",
        help="when the command ends, write JUnit XML to FILE: one test case per trainee, "
        "a failure with its reason for each that missed its goal",
    )
    p.add_argument(
        "--workers",
        type=_worker_count,
        default=None,
        metavar="N",
        help="worker processes for the engine this command starts (default: one per core, "
        "none below 100 trainees each; 1 runs every trainee in the engine itself; the same as "
        "$WHODIDTHIS_WORKERS; an engine already running keeps its own)",
    )
    if name == "teardown":
        p.add_argument("--yes", action="store_true", help="proceed with the plan")
        p.add_argument(
            "--trainee-made",
            action="store_true",
            help="also delete what the trainees made by hand (`inventory`), for the kinds "
            "whodidthis can delete; each delete in the ledger with its reason",
        )
    add_common(p)
    handler = {"apply": cli_apply, "retry": cli_retry, "teardown": cli_teardown}[name]
    p.set_defaults(handler=handler, options=RunOptions)
    return p


def _worker_count(text: str) -> int:
    """``--workers``: a whole number of at least 1 (argparse names the option on error)."""
    import argparse

    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of at least 1")
    return int(text)


def _check(options: RunOptions) -> None:
    import os

    from console.engine.workers import worker_count

    if options.workers is not None:  # read where the engine (and a detached one) starts
        os.environ["WHODIDTHIS_WORKERS"] = str(options.workers)
    try:
        worker_count(0)
    except ValueError as exc:
        raise UsageError(f"{exc} (or use --workers N)") from None
    if options.junit and options.detach:
        raise UsageError(
            "--junit needs the command's end, which --detach does not wait for: drop --detach "
            "(the command still runs in the engine, and Ctrl+C still cancels it)"
        )


def cli_apply(options: RunOptions) -> int:
    from console.commands.headless import run_command

    _check(options)
    return run_command(options, CommandKind.APPLY, options.trainee)


def cli_retry(options: RunOptions) -> int:
    from console.commands.headless import run_command

    if not options.trainee:
        raise UsageError(
            "retry needs at least one --trainee NAME (the trainees to retry); "
            "to converge everyone, use `whodidthis apply`."
        )
    _check(options)
    return run_command(options, CommandKind.RETRY, options.trainee)


def cli_teardown(options: RunOptions) -> int:
    from console.aws.operator import resolve_operator
    from console.commands.headless import check_trainees, open_course, run_command
    from console.commands.views import CountLine
    from console.engine.opening import check_host
    from console.engine.plan import print_plan

    _check(options)
    if options.trainee_made:  # what trainees made first: it may use ours
        code = _trainee_made_first(options)
        if code != 0:
            return code
    if options.yes:
        return run_command(options, CommandKind.TEARDOWN, options.trainee)
    if options.junit:
        raise UsageError("--junit reports a teardown that runs: add --yes (without, the plan)")
    opened = open_course(options)
    check_trainees(opened.course, options.trainee)
    host = check_host(opened.course, options.allow_long_term_keys)
    counter = CountLine("planned", len(opened.course.trainees_in(options.trainee or None)))
    try:
        return print_plan(
            opened,
            host,
            resolve_operator(options.operator),
            options.trainee,
            options.json,
            on_done=counter.tick,
        )
    finally:
        counter.close()


def _trainee_made_first(options: RunOptions) -> int:
    """``--trainee-made``: without ``--yes`` its plan, printed here (reads only); with it, the
    engine's ``trainee-made`` command, queued and followed like any (the console's clean
    action queues the same command)."""
    from dataclasses import replace

    from console.commands.headless import run_command
    from console.commands.inventory import clean_trainee_made

    if not options.yes:
        return clean_trainee_made(options)
    return run_command(replace(options, junit=None), CommandKind.TRAINEE_MADE, options.trainee)
