"""When the reader of stdout goes away (``whodidthis ledger | head``, ``apply --json | head``).

Unix tools end quietly then. whodidthis points stdout at /dev/null instead of dying on the
next write: a listing simply stops, and a command that is doing work (``apply`` following its
engine) finishes that work, its exit code still saying how it ended.
"""

from __future__ import annotations

import os
import sys


def silence_stdout() -> None:
    """Send stdout to /dev/null from now on (also the interpreter's own flush at exit)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a file (captured, closed)
        pass
