"""Read-only clients in a trainee account, in any region, and the regions to look in.

Milestone checks and the inventory must never change a trainee's account: their clients carry
a ``before-call`` hook that refuses any operation whose name is not a read (the ledger's own
read-only prefixes), before it is signed or sent. A bug that called ``CreateX`` here fails
loudly instead of changing an account behind the instructor's back.

The regions are those enabled in the account (``ec2:DescribeRegions`` answers only enabled
ones unless asked for all; EC2 API reference, DescribeRegions, ``AllRegions``).
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

from console.aws.attribution import READ_ONLY_PREFIXES
from console.errors import WhodidthisError


class NotARead(WhodidthisError):
    """A changing call was attempted by code that may only read."""


def refuse_changes(client) -> None:
    """Make ``client`` refuse every operation that is not a read, before it is sent."""

    def before_call(model, **_):
        if not model.name.startswith(READ_ONLY_PREFIXES):
            raise NotARead(
                f"{model.name} is not a read: milestone checks and the inventory never change "
                "a trainee's account (a whodidthis bug; please report it)"
            )

    client.meta.events.register("before-call.*.*", before_call)


class ReadClients:
    """``await clients("s3", region)``: one read-only client per (service, region), closed
    with the ``AsyncExitStack`` given."""

    def __init__(self, session, config, stack: AsyncExitStack, default_region: str):
        self._session, self._config, self._stack = session, config, stack
        self.default_region = default_region
        self._made: dict[tuple[str, str], object] = {}

    async def __call__(self, service: str, region: str | None = None):
        key = (service, region or self.default_region)
        if key not in self._made:
            client = await self._stack.enter_async_context(
                self._session.create_client(service, region_name=key[1], config=self._config)
            )
            refuse_changes(client)
            self._made[key] = client
        return self._made[key]


async def enabled_regions(clients) -> list[str]:
    """The regions enabled in the account, sorted (``ec2:DescribeRegions``)."""
    ec2 = await clients("ec2")
    answer = await ec2.describe_regions()
    return sorted(r["RegionName"] for r in answer.get("Regions", []))


class RegionPace:
    """At most one call per ``interval`` seconds in each region (CloudTrail's LookupEvents
    allows 2 a second per account and region; CloudTrail API reference, LookupEvents)."""

    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self._next: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait(self, region: str) -> None:
        async with self._locks.setdefault(region, asyncio.Lock()):
            now = time.monotonic()
            start = max(now, self._next.get(region, 0.0))
            self._next[region] = start + self.interval
            if start > now:
                await asyncio.sleep(start - now)
