"""The ``whodidthis`` command line: dispatch, lazily.

Each command's module owns its parser (``add_parser``) and its code; the registry
(:mod:`console.commands.registry`) knows only each command's name, module and summary. Only
the command typed is imported (and its parser built), so ``whodidthis whoami`` never pays for
Textual or the engine, and ``whodidthis --help`` imports no command at all.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import io
import os
import signal
import sys
import threading
from collections.abc import Callable

from console.commands.registry import COMMANDS, CommandLine, build_parser
from console.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    CourseError,
    WhodidthisError,
    raise_interrupted,
)

NEEDS_SANDBOX = ("sandbox", "demo")


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
    """Parse ``argv`` and run the command; returns the exit code.

    Output that cannot be written ends the command with a sentence, never a traceback: a
    reader gone (``| head``) quietly (exit 0, as Unix tools do), a full or failing stdout
    (``> /dev/full``) or a closed one with exit 1.
    """
    if sys.stdout is None:  # started with stdout closed (>&-): writing to it is an error
        sys.stdout = ClosedOutput()
    installed = _ctrl_c_as_interrupted()
    try:
        return _main_writing(argv)
    finally:
        if installed:  # a caller running commands in-process gets its handler back
            signal.signal(signal.SIGINT, signal.default_int_handler)


def _ctrl_c_as_interrupted() -> bool:
    """Ctrl+C raises ``errors.Interrupted`` (exit 130, never -2) where it would have raised a
    bare KeyboardInterrupt: on the main thread, with Python's default handler in place."""
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return False
    signal.signal(signal.SIGINT, raise_interrupted)
    return True


def _main_writing(argv: list[str] | None) -> int:
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
    except KeyboardInterrupt:  # Ctrl+C while the command is still being found and imported
        return 130


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
            f"whodidthis {args.command}: the sandbox is not installed (the AWS stand-in, with "
            "moto, is an extra, kept off production hosts). Install it with "
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
    """True when the ``sandbox`` extra (the stand-in, ``standin``) is installed."""
    import importlib.util

    # standin.cli, not standin: a checkout's standin/ folder in the working directory would
    # import as an empty namespace package.
    try:
        return importlib.util.find_spec("standin.cli") is not None
    except ModuleNotFoundError:  # no standin at all
        return False


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


def __getattr__(name: str):
    """``MAX_SANDBOX_TRAINEES``, the bound of ``sandbox``/``demo --trainees``, without loading
    that command's module for every other command."""
    if name == "MAX_SANDBOX_TRAINEES":
        from console.commands.sandbox_cmd import MAX_SANDBOX_TRAINEES

        return MAX_SANDBOX_TRAINEES
    raise AttributeError(f"module 'console.cli' has no attribute {name!r}")
