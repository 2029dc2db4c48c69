"""Following a run to its end, for ``status --watch`` and ``ledger --follow``.

A follower takes the commands queued and not yet done when it starts (``apply --detach``
queued one and started the engine that claims it), waits for each to be claimed and to
settle, and then has their exit code: the one the command would have exited with itself.
It follows only while someone can see it: once the terminal it was started on hangs up, the
watch ends as that hang-up would have ended it (``console.hangup``), even where no SIGHUP
reached it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from console.errors import EXIT_FAILED, EXIT_OK
from console.hangup import TerminalWatch
from console.model import Command, CommandKind

POLL_SECONDS = 1.0
CLAIM_SECONDS = 20.0  # an engine just started has this long to claim a queued command
IDLE_POLLS = 3  # polls with no engine alive before a watch says nothing will change


def open_commands(commands: list[Command]) -> list[Command]:
    """The commands queued and not yet done that a watch follows (a cancel is not a run)."""
    return [c for c in commands if not c.done_at and c.kind != CommandKind.CANCEL]


class Follower:
    """Says, poll by poll, whether the run followed has ended, and with which exit code."""

    def __init__(self, store, course_path: Path) -> None:
        self.store, self.course_path = store, course_path
        self.followed = open_commands(store.commands())
        self.pending = list(self.followed)
        self.started = time.monotonic()
        self.idle = 0
        self.terminal = TerminalWatch()

    def poll(self, holder: dict | None, settled: bool) -> int | None:
        """The exit code once the run has ended (or cannot go on), else None.

        Args:
            holder: the live engine (``store.engine_holder()``), None when none runs.
            settled: no trainee is being worked on.
        """
        self.terminal.end_if_hung_up()
        commands = {c.id: c for c in self.store.commands()}
        self.pending = [commands[c.id] for c in self.followed if not commands[c.id].done_at]
        if self.followed and not self.pending:
            return self._code()
        unclaimed = [c for c in self.pending if not c.claimed_at]
        self.idle = 0 if holder or unclaimed else self.idle + 1
        if unclaimed and not holder and time.monotonic() - self.started > CLAIM_SECONDS:
            return self._say(
                f"command {unclaimed[0].id} is queued but no engine has claimed it in "
                f"{CLAIM_SECONDS:.0f}s and none is running: start one with `whodidthis run "
                f"{self.course_path}` or `apply --detach`, or read engine.log in the state folder",
                EXIT_FAILED,
            )
        if self.pending and self.idle >= IDLE_POLLS:
            return self._say(
                f"the engine running command {self.pending[0].id} is gone (killed?): the next "
                "engine closes it; see engine.log in the state folder",
                EXIT_FAILED,
            )
        if not self.followed and settled and not holder:
            return EXIT_OK
        if not self.followed and self.idle >= IDLE_POLLS:
            return self._say(
                "no engine is running: these states will not change until one does "
                "(`whodidthis apply COURSE --detach` starts one)",
                EXIT_OK,
            )
        return None

    def _code(self) -> int:
        from console.commands.headless import exit_code

        codes = [exit_code(self.store, c.kind, c.id) for c in self.followed if c.id is not None]
        return max(codes, default=EXIT_OK)

    @staticmethod
    def _say(text: str, code: int) -> int:
        print(text, file=sys.stderr)
        return code

    def words(self) -> str:
        """``following apply #7 by alice: running``, for a watch's header."""
        if not self.pending:
            return "nothing queued" if not self.followed else "done"
        c = self.pending[0]
        where = "running" if c.claimed_at else "queued, waiting for an engine"
        by = f" by {c.operator.name}" if c.operator else ""
        more = f" (+{len(self.pending) - 1} queued)" if len(self.pending) > 1 else ""
        return f"following {c.kind.value} #{c.id}{by}: {where}{more}"
