"""What the console needs from the outside world, the real things: the host identity from
botocore's default chain, the detached engine, and the read-only AWS calls of the teardown plan
and the preflight. ``console.launch.make_app`` uses these unless a test or the screenshots inject
their own. No Textual here: each import that brings botocore waits until it is called.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.aws.identity import HostIdentity
    from console.course.model import Course
    from console.store.state import Store

IdentityProvider = Callable[[], "HostIdentity"]
EngineLauncher = Callable[[], "int | None"]
PlanProvider = Callable[[list[str]], Awaitable[list]]
PreflightProvider = Callable[[list[str]], Awaitable[list]]
ProgressProvider = Callable[[], Awaitable[None]]
InventoryProvider = Callable[[list[str]], Awaitable[list]]


@dataclass
class Services:
    """What the console needs from the outside world, injected by ``console.launch.make_app``
    into ``console.app.WhodidthisApp``."""

    identity_provider: IdentityProvider
    engine_launcher: EngineLauncher
    plan_provider: PlanProvider
    preflight_provider: PreflightProvider
    clock: Callable[[], float] = time.time
    poll_interval: float = 0.25
    # One round of lab milestone checks (None: the console never checks, e.g. read-only).
    progress_provider: ProgressProvider | None = None
    # What each trainee made by hand (None: the inventory view says why it shows nothing).
    inventory_provider: InventoryProvider | None = None


def host_identity(course: Course, allow_long_term: bool) -> HostIdentity:
    from console.aws.identity import resolve_host_identity

    return resolve_host_identity(expected_role=course.host_role, allow_long_term=allow_long_term)


def engine_launcher_for(
    course_path, state_dir, operator, allow_long_term, store: Store
) -> EngineLauncher:
    """Start the detached engine unless one holds the course's lock (the console's own open
    store answers who holds it)."""

    def launch() -> int | None:
        if store.engine_holder():
            return None
        from console.engine.process import (
            spawn_detached,  # brings botocore: not before the first frame
        )

        return spawn_detached(course_path, state_dir, operator, allow_long_term, store.course_name)

    return launch


def plan_provider_for(course, store, operator, host) -> PlanProvider:
    async def plan(names: list[str]) -> list:
        from console.engine.plan import teardown_plan

        identity = await asyncio.to_thread(host)
        return await teardown_plan(course, store, identity, operator, names or None)

    return plan


def preflight_provider_for(course, operator, host) -> PreflightProvider:
    async def check(names: list[str]) -> list:
        from console.commands.preflight import preflight

        identity = await asyncio.to_thread(host)
        return await preflight(course, identity, operator, names)

    return check


def inventory_provider_for(course, store, operator, host) -> InventoryProvider:
    """What each trainee made by hand, from the class's start: ``whodidthis inventory``'s
    own reads (``console.commands.inventory.inventories``)."""

    async def take(names: list[str]) -> list:
        from console.classroom.inventory import class_window_start
        from console.commands.inventory import inventories

        identity = await asyncio.to_thread(host)
        since = class_window_start(store)
        return await inventories(course, store, identity, operator, names, since)

    return take


def progress_provider_for(course, store, operator, host) -> ProgressProvider:
    """One round of the course's milestone checks, read-only, recorded in the store."""

    async def check() -> None:
        from console.aws.sessions import broker_for
        from console.classroom.progress import check_all
        from console.engine.process import StoreRecorder

        identity = await asyncio.to_thread(host)
        recorder = StoreRecorder(store)
        async with broker_for(course, identity, operator=operator, recorder=recorder) as broker:
            rounds = await check_all(course, broker, operator)
        for found in rounds:
            if found.error is None:
                verdicts = [(name, v.reached, v.at, v.detail) for name, v in found.verdicts]
                store.record_checks(found.trainee, verdicts)

    return check


def no_engine() -> int | None:
    """The read-only view's engine launcher: it never starts one."""
    return None
