"""Errors a user can act on, each mapped to its exit code (docs/contracts.md, "Exit codes")."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_IDENTITY_REFUSED = 3
EXIT_INTERRUPTED = 130  # Ctrl+C (128 + SIGINT), as shells report it


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
