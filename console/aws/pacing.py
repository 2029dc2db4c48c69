"""Pacing for the limits every trainee shares: the admin account's AssumeRole and Organizations.

Every other limit is per trainee account (one client per account keeps its own retry budget).
Two are not: each ``sts:AssumeRole`` counts against the calling account (the host's), and
Organizations is called from the management account. STS and IAM rate limits cannot be raised
(docs/contracts.md); AWS does not publish STS's AssumeRole rate (about 600 a second
is reported). With 5,000 trainees starting at once, an unpaced engine turns its first seconds
into a throttling storm against its own account, which every retry then prolongs.

``Pace`` is a token bucket with additive increase and multiplicative decrease: it starts at
``rate`` calls a second (``burst`` at once), halves on a throttling answer (never below
``floor``) and climbs back by ``step`` a second for each second without one, up to ``rate``.
botocore's adaptive retry mode does the same per client, but only after the first throttle and
only for that client; this one is shared by every trainee task of the process and starts paced.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from console.aws.retry_voice import LIMIT_CODES

# What a throttled call answers: botocore's own list (console.aws.retry_voice), so the pace
# halves on exactly what botocore's retries treat as throttling.
THROTTLE_CODES = LIMIT_CODES
ASSUME_ROLE_RATE = 100.0  # a sixth of the reported AssumeRole rate: room for other hosts
ORGANIZATIONS_RATE = 10.0  # Organizations' list calls are paged; a few a second suffice


class Pace:
    """A token bucket shared by the tasks (and threads) of one process.

    Args:
        rate: the ceiling, calls per second.
        burst: how many calls may go at once after a quiet spell.
        floor: the lowest rate throttling can bring it to.
        clock: seconds, monotonic (injected by tests).
    """

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        floor: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.ceiling = self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate / 10))
        self.floor = min(floor, rate)
        self.throttles = 0
        self._clock = clock
        self._tokens = self.burst
        self._stamp = clock()
        self._lock = threading.Lock()

    def _take(self) -> float:
        """Take a token if there is one; else the seconds until there is."""
        with self._lock:
            now = self._clock()
            elapsed, self._stamp = now - self._stamp, now
            # Additive increase: a second without a throttle gives back rate / 10 of the cut.
            self.rate = min(self.ceiling, self.rate + elapsed * self.ceiling / 10)
            self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate

    async def wait(self) -> None:
        """Wait (without blocking the loop) until a call may go."""
        while (delay := self._take()) > 0:
            await asyncio.sleep(delay)

    def wait_blocking(self) -> None:
        """The same for a thread (boto3's synchronous Organizations calls)."""
        while (delay := self._take()) > 0:
            time.sleep(delay)

    def answered(self, error_code: str | None) -> None:
        """Tell the bucket how a call went: a throttle halves the rate."""
        if error_code in THROTTLE_CODES:
            with self._lock:
                self.throttles += 1
                self.rate = max(self.floor, self.rate / 2)
                self._tokens = min(self._tokens, 0.0)


def observer(pace: Pace) -> Callable[..., None]:
    """A ``needs-retry`` handler that tells ``pace`` each attempt's answer, before botocore
    decides whether to retry (register it first: a retry handler's answer ends the chain)."""

    def observe(response: Any = None, **_: Any) -> None:
        parsed = response[1] if isinstance(response, tuple) and len(response) > 1 else None
        if isinstance(parsed, dict):
            pace.answered(parsed.get("Error", {}).get("Code"))

    return observe


def error_code_of(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (None for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


_shared: dict[str, Pace] = {}
_shared_lock = threading.Lock()


def shared(name: str, rate: float) -> Pace:
    """The process's one bucket for ``name`` (``assume-role``, ``organizations``)."""
    with _shared_lock:
        if name not in _shared:
            _shared[name] = Pace(rate)
        return _shared[name]
