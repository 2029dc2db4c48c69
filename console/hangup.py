"""A terminal that hung up where no SIGHUP reached us, noticed and ended on.

When a terminal hangs up, the kernel sends SIGHUP to the session's leader; the foreground
job hears it only when that leader dies. A leader that catches SIGHUP and waits for its
children (``make``, as ``make demo`` runs the console) or a parent that ignores it (``nohup``)
leaves the program running on a terminal that is gone: Textual's input thread then reads end
of file in a loop, and a follower sleeps until its next write fails. On a real host over SSM
the shell is the leader and the agent kills it when the session ends, so SIGHUP does arrive
(``agent/session/shell/shell.go`` in aws/amazon-ssm-agent); this is for the other parents.

A hung-up terminal answers no to ``isatty``: the programs that run as long as someone watches
(the console, ``ledger --follow``, ``status --watch``) ask once a second.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import NoReturn


def is_tty(stream) -> bool:
    """Whether ``stream`` is (still) a terminal: one that hung up answers no."""
    try:
        return stream is not None and os.isatty(stream.fileno())
    except (OSError, ValueError):  # closed, or no file behind it
        return False


def end_as_hung_up() -> NoReturn:
    """End as the hang-up would have ended us: SIGHUP's own action, or the handler a caller
    installed (the demo stops its stand-in there); where SIGHUP is ignored, at once with its
    exit status (128 + 1), since there is no terminal to give back and an orderly exit would
    wait on writes that cannot happen."""
    signal.raise_signal(signal.SIGHUP)
    os._exit(128 + signal.SIGHUP)


class TerminalWatch:
    """The standard streams that were terminals when it was made; ``hung_up`` once one of them
    no longer is (a pipe or a file never was, so ``| tee`` or ``> file`` is never taken for a
    hang-up)."""

    def __init__(self) -> None:
        self.streams = [s for s in (sys.__stdin__, sys.__stdout__) if is_tty(s)]

    def hung_up(self) -> bool:
        return any(not is_tty(stream) for stream in self.streams)

    def end_if_hung_up(self) -> None:
        """``end_as_hung_up`` once a terminal it watches has hung up. The programs that ask hold
        no lock and write the store in transactions, so this loses what SIGHUP would: nothing."""
        if self.hung_up():
            end_as_hung_up()
