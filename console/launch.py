"""Making the console: ``make_app`` wires a course, its store and the outside world (the host
identity, the detached engine, the read-only AWS calls) into :class:`console.app.WhodidthisApp`;
``run_console`` is ``whodidthis run`` and ``view``.

The one factory for the CLI, the tests and the screenshot script: what differs between them is
injected here, as ``Services`` (console.commands.console_services).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from console.app import WhodidthisApp
from console.commands.console_services import (
    EngineLauncher,
    IdentityProvider,
    InventoryProvider,
    PlanProvider,
    PreflightProvider,
    Services,
    engine_launcher_for,
    host_identity,
    inventory_provider_for,
    no_engine,
    plan_provider_for,
    preflight_provider_for,
    progress_provider_for,
)
from console.model import Operator

if TYPE_CHECKING:  # botocore, under it, costs 0.2 s of start-up: keep it off the path
    from console.aws.identity import HostIdentity
    from console.commands.console_cmd import ConsoleOptions


def make_app(
    course_path: Path,
    state_dir: Path,
    operator: Operator | str,
    *,
    identity_provider: IdentityProvider | None = None,
    engine_launcher: EngineLauncher | None = None,
    clock: Callable[[], float] = time.time,
    plan_provider: PlanProvider | None = None,
    preflight_provider: PreflightProvider | None = None,
    progress_provider: Callable[[], Awaitable[None]] | None = None,
    inventory_provider: InventoryProvider | None = None,
    poll_interval: float = 0.25,
    allow_long_term: bool = False,
    read_only: bool = False,
    colours: int | None = None,
) -> WhodidthisApp:
    """The console for the course at ``course_path``, its store in ``state_dir``.

    Every provider defaults to the real thing: the host identity from botocore's default
    chain, the detached engine, and the read-only AWS calls of ``plan.teardown_plan`` and
    ``preflight.preflight``. The roster is synced so a fresh course shows its trainees at once.

    ``read_only`` makes the view for someone who asks "who did this?": everything shown, no
    action key bound, the store opened read-only and no engine ever started. ``colours=16``
    shows what a 16-colour terminal shows (found by itself from ``TERM=xterm``).
    """
    from console.engine.opening import open_course

    opened = open_course(course_path, state_dir, read_only=read_only, sync=not read_only)
    course, store = opened.course, opened.store
    if read_only:
        engine_launcher = no_engine
    app_ref: list[WhodidthisApp] = []

    def host() -> HostIdentity:
        return app_ref[0].host or host_identity(course, allow_long_term)

    services = Services(
        identity_provider=identity_provider or (lambda: host_identity(course, allow_long_term)),
        engine_launcher=engine_launcher
        or engine_launcher_for(course_path, state_dir, operator, allow_long_term, store),
        plan_provider=plan_provider or plan_provider_for(course, store, operator, host),
        preflight_provider=preflight_provider or preflight_provider_for(course, operator, host),
        progress_provider=None
        if read_only or not course.checks
        else progress_provider or progress_provider_for(course, store, operator, host),
        # A read-only view calls no AWS of its own: `whodidthis inventory` does.
        inventory_provider=inventory_provider
        or (None if read_only else inventory_provider_for(course, store, operator, host)),
        clock=clock,
        poll_interval=poll_interval,
    )
    app = WhodidthisApp(course, store, operator, services, read_only=read_only, colours=colours)
    app_ref.append(app)
    return app


def run_console(args: ConsoleOptions) -> int:
    """``whodidthis [run] COURSE`` and ``view COURSE`` (``read_only``): open the console; the
    exit code is 0."""
    from console.aws.operator import resolve_operator
    from console.commands.screen import forget_stale_size
    from console.course.model import resolve_course_path
    from console.store.state import resolve_state_dir

    forget_stale_size()
    app = make_app(
        resolve_course_path(args.course),
        resolve_state_dir(args.state_dir),
        resolve_operator(args.operator),
        allow_long_term=args.allow_long_term_keys,
        read_only=args.read_only,
    )
    app.run()
    app.store.close()
    return 0
