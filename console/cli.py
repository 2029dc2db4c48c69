"""The ``whodidthis`` command line: argument parsing and dispatch.

Each subcommand's handler lives beside its domain and is imported only when that subcommand
runs, so ``whodidthis whoami`` never pays for Textual or the engine.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import io
import os
import sys

from console.errors import EXIT_BAD_INPUT, EXIT_FAILED, CourseError, WhodidthisError

# subcommand -> "module:function"; each function takes the parsed args and returns an exit code.
HANDLERS = {
    "run": "console.app:run_console",
    "view": "console.app:run_view",
    "whoami": "console.commands.whoami:cli_whoami",
    "preflight": "console.commands.preflight:cli_preflight",
    "apply": "console.commands.headless:cli_apply",
    "retry": "console.commands.headless:cli_retry",
    "teardown": "console.commands.headless:cli_teardown",
    "cancel": "console.commands.headless:cli_cancel",
    "status": "console.commands.headless:cli_status",
    "ledger": "console.commands.headless:cli_ledger",
    "report": "console.commands.headless:cli_report",
    "trace": "console.commands.trace:cli_trace",
    "handout": "console.commands.handout:cli_handout",
    "iam-templates": "console.commands.iam_templates:cli_iam_templates",
    "sandbox": "console.devtools.sandbox:cli_sandbox",
    "demo": "console.devtools.demo:cli_demo",
    "engine": "console.engine.process:cli_engine",
}


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        default=None,
        help="where the state store lives (default: $WHODIDTHIS_STATE_DIR, else the XDG state dir)",
    )
    parser.add_argument("--operator", default=None, help="who is acting (default: the login user)")
    parser.add_argument(
        "--allow-long-term-keys",
        action="store_true",
        help="accept long-term (AKIA) or stored keys; loudly not recommended",
    )


def _course_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "course",
        nargs="?",
        default=None,
        help="the course file (default: $WHODIDTHIS_COURSE)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, for ``main`` and for the tests that fuzz it."""
    parser = argparse.ArgumentParser(
        prog="whodidthis",
        description="Build and tear down per-trainee AWS environments; see who did what.",
    )
    # The version is looked up only when asked for: importlib.metadata scans every installed
    # distribution (44 ms of each console's start in the profile).
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="the console (TUI) for a course; attaches to a live run")
    _course_arg(p)
    p.add_argument(
        "--read-only",
        action="store_true",
        help="only watch: no action key, no engine started (as `whodidthis view`)",
    )
    _common(p)

    p = sub.add_parser(
        "view", help="the console, read-only: everything visible, no action, no engine started"
    )
    _course_arg(p)
    _common(p)

    p = sub.add_parser("whoami", help="the host identity and a verdict on it")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--scan",
        nargs="*",
        metavar="PATH",
        default=None,
        help="also look for stored credentials (default paths: the home folder and Jenkins' home)",
    )
    p.add_argument("--course", default=None, help="check the host role the course expects")
    _common(p)

    p = sub.add_parser("preflight", help="assume every trainee role, lint trust; change nothing")
    _course_arg(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _common(p)

    for name, text in (
        ("apply", "build every trainee (headless)"),
        ("retry", "retry the named trainees (headless)"),
        ("teardown", "tear down what the course created; shows the plan without --yes"),
    ):
        p = sub.add_parser(name, help=text)
        _course_arg(p)
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
        if name == "teardown":
            p.add_argument("--yes", action="store_true", help="proceed with the plan")
        _common(p)

    p = sub.add_parser("cancel", help="ask the running engine to stop trainees cleanly")
    _course_arg(p)
    p.add_argument(
        "--trainee",
        action="append",
        default=[],
        metavar="NAME",
        help="only these trainees (repeatable; default: every trainee)",
    )
    _common(p)

    p = sub.add_parser("status", help="per trainee and step state")
    _course_arg(p)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--watch",
        action="store_true",
        help="redraw until every trainee is settled and no engine runs (Ctrl+C leaves)",
    )
    _common(p)

    p = sub.add_parser("ledger", help="who did what: the attributed action log")
    _course_arg(p)
    p.add_argument("--trainee", default=None, metavar="NAME")
    p.add_argument("--json", action="store_true", help="one ledger record per line")
    p.add_argument(
        "--since",
        default=None,
        metavar="WHEN",
        help="only records from then on: an ISO 8601 time (UTC) or a duration (30m, 2h, 1d)",
    )
    p.add_argument(
        "--tail", type=_positive, default=None, metavar="N", help="only the last N records"
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
    _common(p)

    p = sub.add_parser("report", help="per trainee: resources, who created each, when")
    _course_arg(p)
    p.add_argument("--json", action="store_true", help="one JSON object (as --format json)")
    p.add_argument(
        "--format", choices=("md", "json"), default="md", help="md or json (--json is the same)"
    )
    p.add_argument(
        "--history",
        action="store_true",
        help="also every create, change and delete of each resource, oldest first",
    )
    _common(p)

    p = sub.add_parser("trace", help="one resource's history: who created, changed, deleted it")
    # two positionals, options anywhere among them: main() parses these intermixed
    parser.intermixed = {"trace": p}  # type: ignore[attr-defined]
    _course_arg(p)
    p.add_argument("resource", metavar="RESOURCE", help="an ARN or a trainee resource name")
    p.add_argument("--json", action="store_true", help="one JSON event per line")
    p.add_argument(
        "--cloudtrail",
        action="store_true",
        help="also ask the trainee account's CloudTrail (LookupEvents) and mark each event",
    )
    _common(p)

    p = sub.add_parser(
        "handout", help="a fresh one-time console password per trainee, printed once"
    )
    _course_arg(p)
    p.add_argument(
        "--trainee", action="append", default=[], metavar="NAME", help="only these (repeatable)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--out", default=None, metavar="FILE", help="write them to FILE (mode 0600), not stdout"
    )
    _common(p)

    p = sub.add_parser("iam-templates", help="CloudFormation for AdminEnvRole and ManageEnvRole")
    p.add_argument("--admin-account", default=None, metavar="ID")
    p.add_argument("--out", default=None, metavar="DIR", help="write files here (default: print)")
    p.add_argument("--host-role", default="AdminEnvRole")
    p.add_argument(
        "--host-role-arn",
        default=None,
        metavar="ARN",
        help="the host role's ARN with its path (default: asked of IAM on the host)",
    )
    p.add_argument("--role-name", default="ManageEnvRole")
    p.add_argument(
        "--course",
        default=None,
        metavar="COURSE",
        help="also allow ManageEnvRole what this course's steps and templates need",
    )

    p = sub.add_parser("sandbox", help="local AWS + host emulation on loopback")
    p.add_argument(
        "--trainees",
        type=_sandbox_trainees,
        default=12,
        metavar="N",
        help=f"trainee accounts to make (1..{MAX_SANDBOX_TRAINEES})",
    )
    p.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="answer every call no sooner than MS after it arrives (AWS's latency)",
    )
    p.add_argument("--jitter", type=float, default=0.0, metavar="MS")
    p.add_argument("--throttle", type=float, default=0.0, metavar="P")
    p.add_argument("--dir", default=None, help="where to put the sample course and the trail")
    p.add_argument(
        "--imds-v1",
        action="store_true",
        help="IMDS refuses the token request, so SDKs fall back to IMDSv1 (whoami warns)",
    )
    p.add_argument(
        "--before",
        action="append",
        default=[],
        metavar="TRAINEE=STATE",
        help="a trainee's state from the story: root-trust, no-role, other-account, "
        "no-source-identity, wildcard (or trusted, the fixed state)",
    )

    p = sub.add_parser("demo", help="sandbox + a sample course + the console, in one command")
    p.add_argument(
        "--trainees",
        type=_sandbox_trainees,
        default=12,
        metavar="N",
        help=f"trainee accounts to make (1..{MAX_SANDBOX_TRAINEES})",
    )
    p.add_argument(
        "--latency",
        type=float,
        default=400.0,
        metavar="MS",
        help="the sandbox answers each call after MS (default 400: a build worth watching)",
    )
    _common(p)

    p = sub.add_parser("engine", help="the detached engine (started by --detach and the console)")
    _course_arg(p)
    _common(p)
    return parser


NEEDS_SANDBOX = ("sandbox", "demo")


#: The most trainee accounts the stand-in is asked to make: above the scale bench's 2,000
#: (bench/scale_bench.py), far below what exhausts memory (99,999,999,999 grew to 23 GB).
MAX_SANDBOX_TRAINEES = 5000


def _sandbox_trainees(text: str) -> int:
    """``--trainees`` of ``sandbox``/``demo``: 1..MAX_SANDBOX_TRAINEES, else a usage error."""
    value = _positive(text)
    if value > MAX_SANDBOX_TRAINEES:
        raise argparse.ArgumentTypeError(
            f"{value} trainees is more than the sandbox makes (at most {MAX_SANDBOX_TRAINEES})"
        )
    return value


def _positive(text: str) -> int:
    """A whole number of at least 1 (``--tail 0`` or ``--tail -5`` is a usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number (give 1 or more)")
    return value


def _sandbox_installed() -> bool:
    """True when the ``sandbox`` extra (the stand-in, ``standin``) is installed."""
    import importlib.util

    # standin.cli, not standin: a checkout's standin/ folder in the working directory would
    # import as an empty namespace package.
    try:
        return importlib.util.find_spec("standin.cli") is not None
    except ModuleNotFoundError:  # no standin at all
        return False


class _VersionAction(argparse.Action):
    """``--version``: print ``whodidthis X.Y.Z`` and exit 0, reading the metadata only then."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"whodidthis {_version()}")
        parser.exit()


def _version() -> str:
    """The installed distribution's version (the source tree's when run from a checkout)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("whodidthis")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _with_default_command(argv: list[str]) -> list[str]:
    """``whodidthis COURSE`` means ``whodidthis run COURSE``."""
    if argv and not argv[0].startswith("-") and argv[0] not in HANDLERS:
        return ["run", *argv]
    return argv


def _misspelt_command(argv: list[str]) -> str | None:
    """The command a first word that is no file was probably meant to be (``stauts``).

    ``whodidthis COURSE`` opens the console, so a word is a guess only when no such file
    exists, it does not look like a path, and it is close to a command's name.
    """
    if not argv or argv[0].startswith("-") or argv[0] in HANDLERS:
        return None
    word = argv[0]
    if os.path.exists(word) or "/" in word or word.endswith(".toml"):
        return None
    import difflib

    public = [name for name in HANDLERS if name != "engine"]
    close = difflib.get_close_matches(word, public, n=1, cutoff=0.6)
    return close[0] if close else None


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; returns the exit code.

    Output that cannot be written ends the command with a sentence, never a traceback: a
    reader gone (``| head``) quietly (exit 0, as Unix tools do), a full or failing stdout
    (``> /dev/full``) or a closed one with exit 1.
    """
    if sys.stdout is None:  # started with stdout closed (>&-): writing to it is an error
        sys.stdout = ClosedOutput()
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at exit: a failed write is then caught below
        return code
    except BrokenPipeError:
        return _reader_gone()
    except OSError as exc:
        if exc.filename is not None or exc.errno not in _OUTPUT_ERRNOS:
            raise
        from console.commands.stdout import silence_stdout

        silence_stdout()  # the interpreter's own flush at exit must not fail again
        print(f"whodidthis: cannot write the output: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILED


class ClosedOutput(io.TextIOBase):
    """stdout when the process started without one: every write fails as a closed file's."""

    def writable(self) -> bool:
        return False

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed")


#: What writing to stdout answers when it cannot take the output: full, broken, closed.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EIO, errno.EBADF, errno.EPIPE, errno.EDQUOT})


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    guess = _misspelt_command(argv)
    if guess is not None:
        print(
            f"whodidthis: {argv[0]!r} is not a command, nor a course file. "
            f"Did you mean `whodidthis {guess}`? (`whodidthis --help` lists the commands)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    argv = _with_default_command(argv)
    parser = build_parser()
    try:
        args = _parse(parser, argv)
    except SystemExit as exc:  # argparse already printed usage and the problem
        return int(exc.code or 0) and EXIT_BAD_INPUT
    if args.command is None:
        if os.environ.get("WHODIDTHIS_COURSE"):
            args = parser.parse_args(["run"])
        else:
            parser.print_help()
            return EXIT_BAD_INPUT
    if args.command in NEEDS_SANDBOX and not _sandbox_installed():
        print(
            f"whodidthis {args.command}: the sandbox is not installed (the AWS stand-in, with "
            "moto, is an extra, kept off production hosts). Install it with "
            "`pip install 'whodidthis[sandbox]'` (or `uv tool install 'whodidthis[sandbox]'`, "
            "or `make demo` in a checkout).",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    from console.engine.coredump import refuse_core_dumps

    refuse_core_dumps()  # every command may come to hold credentials: never dump them to disk
    module_name, func_name = HANDLERS[args.command].split(":")
    handler = getattr(importlib.import_module(module_name), func_name)
    try:
        return int(handler(args))
    except CourseError as exc:
        from console.course.model import format_problems

        print(format_problems(exc), file=sys.stderr)
        return exc.exit_code
    except WhodidthisError as exc:
        print(f"whodidthis: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """``parse_args``; a subcommand with two positionals (``trace COURSE RESOURCE --json``
    or ``trace COURSE --json RESOURCE``) is parsed intermixed, which argparse cannot do
    through subparsers."""
    sub = getattr(parser, "intermixed", {}).get(argv[0]) if argv else None
    if sub is None:
        return parser.parse_args(argv)
    args = sub.parse_intermixed_args(argv[1:])
    args.command = argv[0]
    return args


def _reader_gone() -> int:
    """The reader of stdout went away (``whodidthis ledger | head``): exit 0 quietly."""
    from console.commands.stdout import silence_stdout

    silence_stdout()
    return 0
