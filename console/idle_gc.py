"""Full garbage collections while the operator is not typing.

The console keeps a thousand rows, their rendered cells and the ledger log alive. CPython's
automatic full collection walks all of that, and during a 1,000-trainee build it ran every few
seconds for 70 to 150 ms (measured with ``gc.callbacks`` under ``bench/console_bench.py``): the
worst keypress latencies were keys that arrived during one. So after start-up the objects made
so far are frozen out of the collector's sight, automatic full passes are switched off, and the
console asks for a full pass itself when no key has come for a moment, or at the latest every
few minutes, so memory held by cycles is still given back. Young collections run as usual.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: gen-1 collections between automatic full passes: high enough never to be reached.
NO_AUTOMATIC_FULL_PASS = 1_000_000


def freeze_startup(young: int, middle: int, old: int) -> None:
    """Collect, freeze what survives (it lives as long as the process) out of the collector's
    sight, and set the generation thresholds for what comes after.

    Only the young and middle generations are collected first: start-up's garbage (the
    warm-up clients' cycles) is recent, while a full pass over the imported modules freed
    nothing and cost the engine 76 ms before its first trainee (measured)."""
    gc.collect(1)
    gc.freeze()
    gc.set_threshold(young, middle, old)


class IdleCollector:
    """Runs ``gc.collect()`` when the operator has been quiet; ``tick()`` it every few seconds.

    Args:
        quiet: seconds without a key before a full pass may run.
        every: seconds between full passes when quiet.
        at_most: seconds after which a full pass runs even while keys keep coming.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        quiet: float = 2.0,
        every: float = 30.0,
        at_most: float = 300.0,
    ) -> None:
        self._clock = clock
        self.quiet, self.every, self.at_most = quiet, every, at_most
        self._last_key = self._last_full = clock()
        self._thresholds = gc.get_threshold()
        self.full_passes = 0

    def hold(self) -> None:
        """No automatic full pass from now on (the console mounts: its first frame and the
        first keys come before :meth:`start`). Measured under ``bench/console_bench.py``, a
        full pass over the 5,000 rows just added ran for 100 ms inside the first keys' frames.
        """
        young, middle, _ = self._thresholds
        gc.set_threshold(young, middle, NO_AUTOMATIC_FULL_PASS)

    def start(self) -> None:
        """Freeze what start-up made and take full passes over to this collector."""
        young, middle, _ = self._thresholds
        freeze_startup(young, middle, NO_AUTOMATIC_FULL_PASS)
        self._last_full = self._clock()

    def stop(self) -> None:
        """Give full passes back to CPython (the console is closing)."""
        gc.set_threshold(*self._thresholds)

    def key(self) -> None:
        """The operator pressed a key."""
        self._last_key = self._clock()

    def tick(self) -> bool:
        """Run a full pass if it is due; True when one ran."""
        now = self._clock()
        since_full = now - self._last_full
        due = since_full >= self.every and now - self._last_key >= self.quiet
        if not (due or since_full >= self.at_most):
            return False
        gc.collect()
        self._last_full = self._clock()
        self.full_passes += 1
        return True
