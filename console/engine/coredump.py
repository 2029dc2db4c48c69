"""No core dump of a process that holds credentials.

The engine and the console hold the host's instance-profile keys and every trainee session's
keys in memory; a core dump (a crash, a stray SIGABRT or SIGSEGV, ``gcore``) would write them to
disk, 70 MB of them next to wherever the process was started. Every whodidthis process
therefore turns core dumps off at start: ``RLIMIT_CORE`` to 0 (no core file) and, on Linux,
``PR_SET_DUMPABLE`` to 0, which also covers a ``core_pattern`` that pipes to a collector
(ignoring the limit) and keeps other processes of the same user from attaching (ptrace) or
reading its memory through ``/proc``. Both last until exit; a program this one starts resets
``dumpable`` at exec and sets its own.
"""

from __future__ import annotations

import ctypes
import resource
import sys

PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4


def refuse_core_dumps() -> bool:
    """Turn core dumps off for this process; True when both settings took.

    Only the soft limit is lowered: it is the one the kernel reads, and a child (a sandbox,
    a test) may still raise its own.
    """
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
        limited = True
    except (OSError, ValueError):
        limited = False
    return _set_dumpable(False) and limited


def dumpable() -> bool | None:
    """Whether the kernel would dump this process's memory (None: not Linux, or unknown)."""
    prctl = _prctl()
    if prctl is None:
        return None
    answer = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)
    return None if answer < 0 else answer != 0


def _set_dumpable(value: bool) -> bool:
    prctl = _prctl()
    return prctl is not None and prctl(PR_SET_DUMPABLE, int(value), 0, 0, 0) == 0


def _prctl():
    """libc's ``prctl`` (Linux only), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.restype = ctypes.c_int
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return prctl
