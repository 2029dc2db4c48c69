"""The ``whodidthis`` command line: a registry of commands and lazy dispatch.

Each command's module owns its parser (``add_parser``) and its code; this module knows only
each command's name, module and one-line summary. Only the command typed is imported (and its
parser built), so ``whodidthis whoami`` never pays for Textual or the engine, and
``whodidthis --help`` imports no command at all.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from console.errors import EXIT_BAD_INPUT, CourseError, WhodidthisError


@dataclass(frozen=True)
class Entry:
    """One command: the module owning its parser, and the summary ``--help`` lists (None
    hides it)."""

    module: str
    summary: str | None


COMMANDS: dict[str, Entry] = {
    "run": Entry(
        "console.commands.console_cmd", "the console (TUI) for a course; attaches to a live run"
    ),
    "view": Entry(
        "console.commands.console_cmd",
        "the console, read-only: everything visible, no action, no engine started",
    ),
    "whoami": Entry("console.commands.whoami", "the host identity and a verdict on it"),
    "preflight": Entry(
        "console.commands.preflight", "assume every trainee role, lint trust; change nothing"
    ),
    "apply": Entry("console.commands.apply", "build every trainee (headless)"),
    "retry": Entry("console.commands.apply", "retry the named trainees (headless)"),
    "teardown": Entry(
        "console.commands.apply", "tear down what the course created; shows the plan without --yes"
    ),
    "cancel": Entry("console.commands.cancel", "ask the running engine to stop trainees cleanly"),
    "status": Entry("console.commands.status", "per trainee and step state; --watch follows a run"),
    "ledger": Entry(
        "console.commands.ledger", "who did what: the attributed changes (--all: reads)"
    ),
    "report": Entry("console.commands.report", "per trainee: resources, who created each, when"),
    "trace": Entry(
        "console.commands.trace", "one resource's history: who created, changed, deleted it"
    ),
    "handout": Entry(
        "console.commands.handout", "a fresh one-time console password per trainee, to a file"
    ),
    "iam-templates": Entry(
        "console.commands.iam_templates", "CloudFormation for AdminEnvRole and ManageEnvRole"
    ),
    "sandbox": Entry("console.commands.sandbox_cmd", "local AWS + host emulation on loopback"),
    "demo": Entry(
        "console.commands.sandbox_cmd", "sandbox + a sample course + the console, in one command"
    ),
    "completion": Entry(
        "console.commands.completion", "a shell completion script: bash, zsh, fish"
    ),
    "help": Entry("console.commands.help_topics", "a topic: course, states, exit-codes, ledger"),
    # The detached engine, started by --detach and the console: no summary, so not listed.
    "engine": Entry("console.commands.engine_cmd", None),
}

NEEDS_SANDBOX = ("sandbox", "demo")


class CommandLine(argparse.ArgumentParser):
    """The top parser, with each command's own parser by name (those built)."""

    commands: dict[str, argparse.ArgumentParser]


def build_parser(*, only: str | None = None, full: bool = True) -> CommandLine:
    """The command line. ``full`` builds every command's parser (completion, tests); else
    only the command ``only`` is built and the others are listed by name and summary."""
    parser = CommandLine(
        prog="whodidthis",
        description="Build and tear down per-trainee AWS environments; see who did what.",
        epilog="`whodidthis help` lists the topics; `whodidthis COMMAND --help` each command.",
    )
    # The version is looked up only when asked for: importlib.metadata scans every installed
    # distribution (44 ms of each console's start in the profile).
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.commands = {}
    for name, entry in COMMANDS.items():
        if full or name == only:
            module = importlib.import_module(entry.module)
            parser.commands[name] = module.add_parser(sub, name, entry.summary)
        else:
            extra = {"help": entry.summary} if entry.summary else {}
            sub.add_parser(name, add_help=False, **extra)
    return parser


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
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        return ["run", *argv]
    return argv


def _misspelt_command(argv: list[str]) -> str | None:
    """The command a first word that is no file was probably meant to be (``stauts``).

    ``whodidthis COURSE`` opens the console, so a word is a guess only when no such file
    exists, it does not look like a path, and it is close to a command's name.
    """
    if not argv or argv[0].startswith("-") or argv[0] in COMMANDS:
        return None
    word = argv[0]
    if os.path.exists(word) or "/" in word or word.endswith(".toml"):
        return None
    import difflib

    public = [name for name, entry in COMMANDS.items() if entry.summary]
    close = difflib.get_close_matches(word, public, n=1, cutoff=0.6)
    return close[0] if close else None


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code."""
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
    if not argv and os.environ.get("WHODIDTHIS_COURSE"):
        argv = ["run"]
    parser = build_parser(only=argv[0] if argv else None, full=False)
    try:
        args = _parse(parser, argv)
    except SystemExit as exc:  # argparse already printed usage and the problem
        return int(exc.code or 0) and EXIT_BAD_INPUT
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    if args.command in NEEDS_SANDBOX and not _sandbox_installed():
        print(
            f"whodidthis {args.command}: the sandbox is not installed (moto and its server are "
            "an extra, kept off production hosts). Install it with "
            "`pip install 'whodidthis[sandbox]'` (or `uv tool install 'whodidthis[sandbox]'`, "
            "or `make demo` in a checkout).",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    from console.commands.options import apply_environment
    from console.engine.coredump import refuse_core_dumps

    refuse_core_dumps()  # every command may come to hold credentials: never dump them to disk
    options = args.options.of(args)
    apply_environment(options)
    return _run(_handler(args.handler), options)


def _handler(handler: Callable | str) -> Callable:
    """The command's function; a face's (``console.app``, ``console.devtools``) is named as
    ``module:function``, since the commands that own those parsers sit below the faces."""
    if callable(handler):
        return handler
    module_name, func_name = handler.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def _run(handler: Callable, options) -> int:
    try:
        code = int(handler(options))
        sys.stdout.flush()  # here, not at exit: a reader gone is then caught below
        return code
    except BrokenPipeError:
        return _reader_gone()
    except CourseError as exc:
        from console.course.model import format_problems

        print(format_problems(exc), file=sys.stderr)
        return exc.exit_code
    except WhodidthisError as exc:
        if options.debug:
            import traceback

            traceback.print_exc()
        print(f"whodidthis: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


def _sandbox_installed() -> bool:
    """True when the ``sandbox`` extra (moto with its server) is installed."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("moto", "flask"))


def _parse(parser: CommandLine, argv: list[str]) -> argparse.Namespace:
    """``parse_args``; a command with two positionals (``trace COURSE RESOURCE --json`` or
    ``trace COURSE --json RESOURCE``) says ``intermixed=True`` in its defaults, and is parsed
    so, which argparse cannot do through subparsers."""
    sub = parser.commands.get(argv[0]) if argv else None
    if sub is None or not sub.get_default("intermixed"):
        return parser.parse_args(argv)
    args = sub.parse_intermixed_args(argv[1:])
    args.command = argv[0]
    return args


def _reader_gone() -> int:
    """The reader of stdout went away (``whodidthis ledger | head``): exit 0 quietly."""
    from console.commands.stdout import silence_stdout

    silence_stdout()
    return 0
