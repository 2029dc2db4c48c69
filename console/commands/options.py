"""What every command's parser shares: the common options, typed.

Each command module owns its parser (``add_parser``) and reads its options as a frozen
dataclass built from argparse's Namespace (:meth:`Options.of`), never with ``getattr(args,
...)``. This module is imported by every command's parser, so it imports nothing heavy.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
from dataclasses import dataclass
from typing import Self

OUTPUTS = ("table", "json", "yaml")

EXIT_CODES_EPILOG = """exit codes:
  0  done: every trainee reached its goal (or nothing to do)
  1  done, but some trainee failed, was cancelled, or left resources behind
  2  bad input: a course file, an option, a state folder (nothing changed)
  3  the host identity was refused (long-term keys, wrong role, none)
  130 interrupted (Ctrl+C)
`whodidthis help exit-codes` says more."""


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps an epilog's examples and exit codes on their own lines."""


@dataclass(frozen=True, kw_only=True)
class Options:
    """The options every command may have; a command's options subclass this.

    Fields a command's parser does not define keep their defaults, so one dataclass can be
    built from any Namespace (:meth:`of`).
    """

    state_dir: str | None = None
    operator: str | None = None
    allow_long_term_keys: bool = False
    region: str | None = None
    profile: str | None = None
    debug: bool = False

    @classmethod
    def of(cls, namespace: argparse.Namespace) -> Self:
        """The options ``namespace`` holds, typed; the parser's own fields are left out."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in vars(namespace).items() if k in names})


@dataclass(frozen=True, kw_only=True)
class CourseOptions(Options):
    """A command that opens a course file."""

    course: str | None = None


def new_parser(sub, name: str, summary: str | None, *, epilog: str = "", **kwargs):
    """``sub.add_parser`` with examples and exit codes in the epilog; ``summary`` None hides
    the command from ``--help`` (argparse lists only the subcommands given a help text)."""
    text = f"{epilog.strip()}\n\n{EXIT_CODES_EPILOG}" if epilog else EXIT_CODES_EPILOG
    extra = {"help": summary} if summary is not None else {}
    return sub.add_parser(
        name, description=summary, epilog=text, formatter_class=Formatter, **extra, **kwargs
    )


def add_common(parser: argparse.ArgumentParser, *, aws: bool = True) -> None:
    """``--state-dir``, ``--operator``, ``--allow-long-term-keys``, ``--debug``; with ``aws``
    also ``--region`` and ``--profile`` (for commands that call AWS from the host)."""
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
    if aws:
        add_aws(parser)
    add_debug(parser)


def add_aws(parser: argparse.ArgumentParser) -> None:
    """``--region`` and ``--profile``: they set AWS_DEFAULT_REGION and AWS_PROFILE, nothing new."""
    parser.add_argument(
        "--region",
        default=None,
        help="the region of the host's own calls (sets AWS_DEFAULT_REGION; the trainees' is the course's)",
    )
    parser.add_argument(
        "--profile",
        default=None,
        help="the AWS config profile for the host identity (sets AWS_PROFILE)",
    )


def add_debug(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log whodidthis's own steps to stderr and show a traceback on error "
        "(credentials redacted; the SDK's request dumps stay off)",
    )


def add_course(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "course",
        nargs="?",
        default=None,
        help="the course file (default: $WHODIDTHIS_COURSE)",
    )


def add_output(parser: argparse.ArgumentParser, *, json_help: str = "as -o json") -> None:
    """``-o json|yaml|table`` (default table) and ``--json``, its synonym for ``-o json``."""
    parser.add_argument(
        "-o",
        "--output",
        choices=OUTPUTS,
        default="table",
        help="table (for people, the default), json or yaml",
    )
    parser.add_argument("--json", dest="output", action="store_const", const="json", help=json_help)


def add_delivery_window(parser: argparse.ArgumentParser) -> None:
    """``--delivery-window MINUTES`` of ``trace --cloudtrail`` and ``audit``: how young a call
    may be before CloudTrail is expected to have it."""
    parser.add_argument(
        "--delivery-window",
        type=float,
        default=15.0,
        metavar="MINUTES",
        help="calls younger than this are 'not yet delivered' (CloudTrail: about 5 minutes, "
        "not guaranteed; default 15)",
    )


def apply_environment(options: Options) -> None:
    """What ``--region``, ``--profile`` and ``--debug`` mean, set before any AWS call: the
    standard variables every AWS SDK reads, and whodidthis's loggers at DEBUG."""
    if options.region:
        os.environ["AWS_DEFAULT_REGION"] = options.region
    if options.profile:
        os.environ["AWS_PROFILE"] = options.profile
    if options.debug:
        from console.redaction import quiet_sdk_loggers, redacting_handler

        quiet_sdk_loggers()  # the SDK's DEBUG dumps hold response bodies: kept at WARNING
        handler = redacting_handler(logging.StreamHandler())
        handler.setFormatter(logging.Formatter("%(asctime)sZ %(name)s %(message)s"))
        handler.formatter.converter = _utc  # type: ignore[union-attr]
        logging.getLogger("whodidthis").addHandler(handler)
        logging.getLogger("whodidthis").setLevel(logging.DEBUG)


def _utc(seconds: float | None):
    import time

    return time.gmtime(seconds)
