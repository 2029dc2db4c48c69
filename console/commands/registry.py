"""The commands' registry: each command's name, the module owning its parser, its summary.

Building the parser imports only the modules of the commands asked for (``only``), so the
command list of ``whodidthis --help`` costs no command's imports; ``full`` builds them all
(completion scripts, ``help COMMAND``, the tests).
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass


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
    "audit": Entry(
        "console.commands.audit",
        "confirm each command's operator from CloudTrail (SSM sessions, calls)",
    ),
    "progress": Entry(
        "console.commands.progress", "lab milestones per trainee ([[check]]), read-only"
    ),
    "inventory": Entry(
        "console.commands.inventory",
        "per trainee: what was made by hand in every region, read-only",
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


class CommandParser(argparse.ArgumentParser):
    """A command's parser, keeping the arguments it was given (``arguments``) for the
    completion scripts: argparse lists them only on a private attribute."""

    arguments: list[argparse.Action]

    def add_argument(self, *args, **kwargs):  # type: ignore[override]
        action = super().add_argument(*args, **kwargs)
        if not hasattr(self, "arguments"):  # -h is added by ArgumentParser.__init__ itself
            self.arguments = []
        self.arguments.append(action)
        return action

    def add_mutually_exclusive_group(self, **kwargs):  # type: ignore[override]
        group = super().add_mutually_exclusive_group(**kwargs)
        add = group.add_argument

        def recorded(*args, **kw):
            action = add(*args, **kw)
            self.arguments.append(action)
            return action

        group.add_argument = recorded  # type: ignore[method-assign]
        return group


class CommandLine(argparse.ArgumentParser):
    """The top parser, with each command's own parser by name (those built)."""

    commands: dict[str, CommandParser]


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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    parser.commands = {}
    for name, entry in COMMANDS.items():
        if full or name == only:
            module = importlib.import_module(entry.module)
            parser.commands[name] = module.add_parser(sub, name, entry.summary)
        elif entry.summary:  # listed by name and summary; its options are its module's
            sub.add_parser(name, add_help=False, help=entry.summary)
        else:
            sub.add_parser(name, add_help=False)
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
