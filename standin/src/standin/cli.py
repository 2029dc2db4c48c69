"""``whodidthis sandbox``: run the sandbox in the foreground and print the env to use it.

Stdout carries only ``export`` lines, flushed at once, so ``eval "$(whodidthis sandbox &)"``-style
scripts or a reader of a pipe get them before the first request; the human summary goes to stderr.
SIGINT or SIGTERM stops everything and exits 0.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading

from console.errors import UsageError
from standin.bootstrap import BEFORE_STATES
from standin.sandbox import Sandbox, SandboxOptions


def _before_states(pairs: list[str]) -> dict[str, str]:
    before: dict[str, str] = {}
    for pair in pairs:
        name, eq, state = pair.partition("=")
        if not eq or not name or state not in BEFORE_STATES:
            raise UsageError(
                f"--before {pair!r}: expected TRAINEE=STATE with STATE one of "
                f"{', '.join(BEFORE_STATES)}"
            )
        before[name] = state
    return before


def options_from_args(args: argparse.Namespace) -> SandboxOptions:
    """SandboxOptions from the parsed ``whodidthis sandbox`` arguments."""
    if args.trainees < 0:
        raise UsageError("--trainees must be 0 or more")
    if not 0.0 <= args.throttle <= 1.0:
        raise UsageError("--throttle is a probability: give a number from 0 to 1")
    if args.latency < 0 or args.jitter < 0:
        raise UsageError("--latency and --jitter are milliseconds: give 0 or more")
    return SandboxOptions(
        trainees=args.trainees,
        latency_ms=args.latency,
        jitter_ms=args.jitter,
        throttle=args.throttle,
        before=_before_states(args.before),
        directory=args.dir,
        imds_refuse_token=getattr(args, "imds_v1", False),
    )


def _summary(sandbox: Sandbox) -> str:
    before = ", ".join(f"{n}={s}" for n, s in sorted(sandbox.options.before.items())) or "none"
    return "\n".join(
        [
            f"sandbox: {len(sandbox.trainees)} trainee accounts, admin account "
            f"{sandbox.admin_account}, host {sandbox.instance_id} as AdminEnvRole",
            f"  gateway  {sandbox.gateway_url}   (faults: {sandbox.gateway_url}/_sandbox/faults)",
            f"  imds     {sandbox.imds_url}"
            + ("   (token refused: IMDSv1 only)" if sandbox.options.imds_refuse_token else ""),
            f"  course   {sandbox.course_path}",
            f"  trail    {sandbox.trail_path}",
            f"  before-states: {before}",
            "Ctrl+C stops it.",
        ]
    )


def cli_sandbox(args: argparse.Namespace) -> int:
    """Run the sandbox until SIGINT or SIGTERM; returns the exit code."""
    options = options_from_args(args)
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        with Sandbox(options).start() as sandbox:
            for name, value in sandbox.env.items():
                print(f"export {name}={shlex.quote(value)}")
            sys.stdout.flush()
            print(_summary(sandbox), file=sys.stderr, flush=True)
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("sandbox: stopped", file=sys.stderr, flush=True)
    return 0
