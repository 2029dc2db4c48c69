"""Errors a user can act on, each mapped to its exit code (docs/contracts.md, "Exit codes")."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_IDENTITY_REFUSED = 3
EXIT_INTERRUPTED = 130  # Ctrl+C (128 + SIGINT), as shells report it


class Interrupted(KeyboardInterrupt):
    """Ctrl+C or SIGTERM as whodidthis raises it: a KeyboardInterrupt in every way, except
    that CPython does not take it for an unhandled Ctrl+C.

    CPython marks the process as interrupted by Ctrl+C whenever a bare KeyboardInterrupt leaves
    code run by ``exec`` of a string (``_Py_UnhandledKeyboardInterrupt``: a dataclass or a
    named tuple being made while a module loads, say) and then, at exit, kills itself with
    SIGINT whatever the program returned: ``apply`` stopped by a SIGTERM as it started exited
    -2, not 130, about one run in three under load (the early Ctrl+C drill on CI). CPython
    checks for exactly KeyboardInterrupt, so this subclass leaves the exit code to us.
    """


def raise_interrupted(signum: int, frame: object) -> None:
    """A signal handler: raise :class:`Interrupted` wherever the main thread is."""
    raise Interrupted


class WhodidthisError(Exception):
    """An error with a message meant for the operator and an exit code."""

    exit_code = EXIT_FAILED


class UsageError(WhodidthisError):
    """Bad command-line input: what was wrong and what to do."""

    exit_code = EXIT_BAD_INPUT


class CourseError(WhodidthisError):
    """A course file rejected as a whole; ``problems`` holds one message per problem."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class IdentityRefused(WhodidthisError):
    """The host identity failed the verdict (long-term keys, stored keys, wrong role, none)."""

    exit_code = EXIT_IDENTITY_REFUSED

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class StateError(WhodidthisError):
    """The state store cannot be used (read-only, full, held by another engine)."""

    exit_code = EXIT_FAILED


class StateRefused(StateError):
    """The state folder or database is not safe or not sound to use as it is; nothing changed.

    Bad input in the sense of the exit codes: the operator's folder or file needs fixing (a
    group-writable folder, a symlinked log, a corrupt database) before any work runs.
    """

    exit_code = EXIT_BAD_INPUT
