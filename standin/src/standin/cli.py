"""``whodidthis-standin`` (``python -m standin``): the stand-in for AWS as a program of its own.

``serve`` runs the sandbox in the foreground with the roles the user's templates define
(``--roles DIR``: the files ``whodidthis iam-templates --course COURSE --out DIR`` writes). Its
stdout carries only ``export`` lines, flushed at once and then closed, so a reader of the pipe
knows it has them all before the first request; the human summary and the story's events go to
stderr. SIGINT or SIGTERM stops everything and exits 0.

``sample-course`` writes the sample course and prints, as JSON, what a caller needs to write the
role templates for it: the course's path, the admin account, the role names and the trainees.

Bad arguments exit 2 with one line saying what to give instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from standin.topology import ADMIN_ACCOUNT, BEFORE_STATES, HOST_ROLE, MANAGE_ROLE, topology

if TYPE_CHECKING:
    from standin.sandbox import Sandbox, SandboxOptions

EXIT_BAD_INPUT = 2
MAX_TRAINEES = 10000


class UsageError(Exception):
    """Bad arguments: the message says what to give instead (exit 2)."""


def build_parser() -> argparse.ArgumentParser:
    """The stand-in's command line."""
    parser = argparse.ArgumentParser(
        prog="whodidthis-standin", description="A local stand-in for AWS and an EC2 host."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the sandbox in the foreground; prints the env to use")
    p.add_argument("--trainees", type=int, default=12, help=f"0 to {MAX_TRAINEES} (default 12)")
    p.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="answer every call no sooner than MS after it arrives (AWS's latency)",
    )
    p.add_argument("--jitter", type=float, default=0.0, metavar="MS")
    p.add_argument("--throttle", type=float, default=0.0, metavar="P")
    p.add_argument("--dir", default=None, help="where to put the sample course and the trail")
    p.add_argument(
        "--imds-v1",
        action="store_true",
        help="IMDS refuses the token request, so SDKs fall back to IMDSv1",
    )
    p.add_argument(
        "--before",
        action="append",
        default=[],
        metavar="TRAINEE=STATE",
        help="a trainee's state from the story: root-trust, no-role, other-account, "
        "no-source-identity, wildcard (or trusted, the fixed state)",
    )
    p.add_argument(
        "--roles",
        required=True,
        metavar="DIR",
        help="the role templates (admin-env-role.json, manage-env-role.json) that "
        "`whodidthis iam-templates --course COURSE --out DIR` writes",
    )
    p.add_argument(
        "--remove-roles-dir",
        action="store_true",
        help="remove the --roles folder once read (the caller wrote it for this run)",
    )
    p.add_argument(
        "--throttle-first",
        action="append",
        default=[],
        metavar="WHO:SERVICE:N",
        help="throttle the first N calls to SERVICE in an account (or a trainee's account)",
    )
    p.add_argument(
        "--fix-after",
        action="append",
        default=[],
        metavar="TRAINEE=SECONDS",
        help="fix TRAINEE's trust policy SECONDS after the start, as the story's admin does",
    )
    p = sub.add_parser("sample-course", help="write the sample course; print its facts as JSON")
    p.add_argument("--dir", required=True, help="where to write course.toml and its template")
    p.add_argument("--trainees", type=int, default=12, help=f"0 to {MAX_TRAINEES} (default 12)")
    p.add_argument("--course-name", default="dojo-2026-12")
    p.add_argument("--region", default="ap-northeast-1")
    return parser


def _trainees(count: int) -> int:
    if not 0 <= count <= MAX_TRAINEES:
        raise UsageError(f"--trainees must be from 0 to {MAX_TRAINEES}")
    return count


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


def _throttles(values: list[str]) -> list[tuple[str, str, int]]:
    found = []
    for value in values:
        who, _, rest = value.partition(":")
        service, _, count = rest.partition(":")
        if not who or not service or not count.isdigit() or int(count) < 1:
            raise UsageError(
                f"--throttle-first {value!r}: expected ACCOUNT_OR_TRAINEE:SERVICE:N "
                "(for example dave:iam:4)"
            )
        found.append((who, service, int(count)))
    return found


def _fixes(values: list[str]) -> dict[str, float]:
    fixes = {}
    for value in values:
        name, eq, seconds = value.partition("=")
        try:
            delay = float(seconds)
        except ValueError:
            delay = -1.0
        if not eq or not name or delay < 0:
            raise UsageError(f"--fix-after {value!r}: expected TRAINEE=SECONDS (0 or more)")
        fixes[name] = delay
    return fixes


def options_from_args(args: argparse.Namespace) -> SandboxOptions:
    """SandboxOptions from the parsed ``serve`` arguments (the role templates read)."""
    if not 0.0 <= args.throttle <= 1.0:
        raise UsageError("--throttle is a probability: give a number from 0 to 1")
    if args.latency < 0 or args.jitter < 0:
        raise UsageError("--latency and --jitter are milliseconds: give 0 or more")
    before = _before_states(args.before)
    trainees = _trainees(args.trainees)
    from standin.roles import RoleTemplates  # moto loads here: after the arguments are checked
    from standin.sandbox import SandboxOptions

    try:
        roles = RoleTemplates.from_dir(args.roles)
    except ValueError as exc:
        raise UsageError(f"--roles: {exc}") from None
    if args.remove_roles_dir:
        shutil.rmtree(args.roles, ignore_errors=True)
    return SandboxOptions(
        trainees=trainees,
        latency_ms=args.latency,
        jitter_ms=args.jitter,
        throttle=args.throttle,
        before=before,
        directory=args.dir,
        imds_refuse_token=args.imds_v1,
        roles=roles,
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


def _account(sandbox: Sandbox, who: str) -> str:
    if who.isdigit() and len(who) == 12:
        return who
    try:
        return sandbox.account_of(who)
    except KeyError:
        raise UsageError(f"--throttle-first: no trainee or account {who!r}") from None


def _fix(sandbox: Sandbox, name: str) -> None:
    sandbox.apply_before_state(name, "trusted")
    print(f"sandbox: fixed {name}'s trust policy", file=sys.stderr, flush=True)


def _schedule(sandbox: Sandbox, fixes: dict[str, float]) -> list[threading.Timer]:
    timers = []
    for name, delay in fixes.items():
        sandbox.account_of(name)  # KeyError for a name that is no trainee
        timer = threading.Timer(delay, _fix, (sandbox, name))
        timer.daemon = True
        timers.append(timer)
    return timers


def _print_exports(env: dict[str, str]) -> None:
    for name, value in env.items():
        print(f"export {name}={shlex.quote(value)}")
    sys.stdout.flush()
    # Close the pipe (keep a valid descriptor): its reader now knows it has every line.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def cli_serve(args: argparse.Namespace) -> int:
    """Run the sandbox until SIGINT or SIGTERM; returns the exit code."""
    from standin.sandbox import Sandbox

    throttles = _throttles(args.throttle_first)
    fixes = _fixes(args.fix_after)
    options = options_from_args(args)
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    timers: list[threading.Timer] = []
    try:
        with Sandbox(options).start() as sandbox:
            for who, service, count in throttles:
                sandbox.faults.add_error(
                    "ThrottlingException",
                    "Rate exceeded",
                    status=400,
                    account=_account(sandbox, who),
                    service=service,
                    first=count,
                )
            try:
                timers = _schedule(sandbox, fixes)
            except KeyError as exc:
                raise UsageError(f"--fix-after: {exc.args[0]}") from None
            _print_exports(sandbox.env)
            print(_summary(sandbox), file=sys.stderr, flush=True)
            for timer in timers:
                timer.start()
            stop.wait()
            for timer in timers:
                timer.cancel()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("sandbox: stopped", file=sys.stderr, flush=True)
    return 0


def cli_sample_course(args: argparse.Namespace) -> int:
    """Write the sample course into ``--dir``; print its facts as one JSON object."""
    from standin.sample_course import write_sample_course

    trainees = topology(_trainees(args.trainees))
    path = write_sample_course(Path(args.dir), trainees, args.course_name, args.region)
    facts = {
        "course": str(path.resolve()),
        "admin_account": ADMIN_ACCOUNT,
        "host_role": HOST_ROLE,
        "role_name": MANAGE_ROLE,
        "trainees": [{"name": name, "account": account} for name, account in trainees],
    }
    print(json.dumps(facts))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed usage and the problem
        return int(exc.code or 0) and EXIT_BAD_INPUT
    handler = cli_serve if args.command == "serve" else cli_sample_course
    try:
        return handler(args)
    except UsageError as exc:
        print(f"whodidthis-standin {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
