"""``asyncio.run`` for a foreground command, where a Ctrl+C may land at any instant.

A Ctrl+C is a KeyboardInterrupt raised wherever the main thread happens to be. Landing while
``asyncio.run`` builds its event loop, or between the creation of the command's coroutine and
the start of its task, it left CPython's own complaints on the operator's terminal after
"interrupted" ("Exception ignored in: <function BaseEventLoop.__del__>", "coroutine ... was
never awaited"; seen by the early Ctrl+C drill on CI). Here SIGINT and SIGTERM are blocked
while the loop is built and the coroutine made, and unblocked by the command's first step
inside its task: a signal sent meanwhile is delivered there, where asyncio (or the command's
own handler) turns it into a cancellation like any other.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Ctrl+C, and SIGTERM, which a foreground command handles as Ctrl+C once it is queued.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine ``make()`` returns as ``asyncio.run`` would; Ctrl+C still ends it
    (KeyboardInterrupt out of here), but never half-way through building the loop."""
    if threading.current_thread() is not threading.main_thread():
        return asyncio.run(make())  # signals reach the main thread only
    runner = asyncio.Runner()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        runner.get_loop()
        main = _unblocked(make(), previous)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        runner.close()
        raise
    try:
        with runner:
            return runner.run(main)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # as it was, however it ended
        main.close()  # no "never awaited" had the loop refused it (a no-op once it ran)


async def _unblocked(main: Coroutine[Any, Any, T], previous: set[int | signal.Signals]) -> T:
    signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a Ctrl+C held back lands here
    return await main
