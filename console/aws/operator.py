"""Who is acting: the human behind a command, and how whodidthis knows it.

Over SSM Session Manager every shell runs as ``ssm-user``, so the login name says nothing. The
SSM agent (root) starts one ``ssm-session-worker`` process per session, with the session id
in its arguments, and the session's shell is its descendant. A user cannot make a process owned
by root, so the nearest root-owned ``ssm-session-worker`` ancestor is evidence that cannot be
forged from the session; ``ssm:DescribeSessions`` (Active sessions whose Target is this
instance) then names the session's ``Owner``, the IAM principal who opened it. The operator is
that owner's IAM user name or role session name, ``operator_source = "ssm-session"``.

Outside Session Manager the operator is ``--operator`` (``flag``) or the login user (``login``).
Inside a verified session, an ``--operator`` naming someone else is refused (exit 2): the name
would put another person's name on the session in CloudTrail.
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from console.errors import UsageError
from console.model import Operator

WORKER_NAME = "ssm-session-worker"
_COMM = WORKER_NAME[:15]  # the kernel keeps 15 characters of a process name
# SSM session ids: the owner's name, a dash, and a hex suffix ("elodie-0a1b2c3d4e5f67890").
_SESSION_ID = re.compile(r"^[\w+=,.@:-]+-[0-9a-f]{8,}$")
IMDS_DEFAULT = "http://169.254.169.254/"
IMDS_TIMEOUT = 2.0


def operator_name(arg: str | None) -> str:
    """``--operator``, else the login user (``ssm-user`` over Session Manager)."""
    if arg:
        return arg
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


@dataclass(frozen=True)
class SessionWorker:
    """A root-owned ``ssm-session-worker`` ancestor of this process."""

    pid: int
    session_id: str | None


@dataclass(frozen=True)
class OperatorCheck:
    """The operator, and in one sentence how it was established (for whoami and the panel)."""

    operator: Operator
    how: str
    notes: list[str] = field(default_factory=list)


def _stat(proc: Path, pid: int) -> tuple[str, int] | None:
    """(name, parent pid) from ``/proc/PID/stat``; the name may hold spaces and parentheses."""
    try:
        text = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return name, int(fields[1])


def _owned_by_root(proc: Path, pid: int) -> bool:
    """True when the real and effective uids in ``/proc/PID/status`` are both 0."""
    try:
        for line in (proc / str(pid) / "status").read_text().splitlines():
            if line.startswith("Uid:"):
                real, effective = line.split()[1:3]
                return real == "0" and effective == "0"
    except OSError:
        pass
    return False


def _argv(proc: Path, pid: int) -> list[str]:
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def find_session_worker(
    pid: int | None = None, proc: Path = Path("/proc")
) -> tuple[SessionWorker | None, list[str]]:
    """The nearest root-owned ``ssm-session-worker`` ancestor of ``pid``, and notes.

    An ``ssm-session-worker`` owned by any other uid is not believed (anyone can name a
    program that): it is skipped, and a note says so.
    """
    notes: list[str] = []
    current = os.getppid() if pid is None else pid
    seen: set[int] = set()
    while current > 1 and current not in seen:
        seen.add(current)
        stat = _stat(proc, current)
        if stat is None:
            break
        name, parent = stat
        if name == _COMM:
            if _owned_by_root(proc, current):
                argv = _argv(proc, current)
                session = next((a for a in argv[1:] if _SESSION_ID.match(a)), None)
                return SessionWorker(current, session), notes
            notes.append(
                f"an {WORKER_NAME} process (pid {current}) not owned by root was ignored: "
                "only the SSM agent's own worker (root) identifies a session"
            )
        current = parent
    return None, notes


def instance_id(botocore_session) -> str | None:
    """This instance's id from IMDSv2 (the endpoint botocore is configured with)."""
    import urllib.request

    base = botocore_session.get_config_variable("ec2_metadata_service_endpoint") or IMDS_DEFAULT
    base = base.rstrip("/")
    try:
        put = urllib.request.Request(
            base + "/latest/api/token",
            method="PUT",
            headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
        )
        with urllib.request.urlopen(put, timeout=IMDS_TIMEOUT) as answer:
            token = answer.read().decode()
        get = urllib.request.Request(
            base + "/latest/meta-data/instance-id",
            headers={"X-aws-ec2-metadata-token": token},
        )
        with urllib.request.urlopen(get, timeout=IMDS_TIMEOUT) as answer:
            return answer.read().decode().strip() or None
    except OSError:
        return None


def session_owner(botocore_session, session_id: str, target: str) -> str:
    """The ``Owner`` ARN of the Active SSM session ``session_id`` on ``target``.

    Raises:
        LookupError: no such Active session on this instance (with the reason).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from console.aws.config import client_config

    region = botocore_session.get_config_variable("region") or "us-east-1"
    ssm = botocore_session.create_client(
        "ssm", region_name=region, config=client_config(botocore_session.get_scoped_config())
    )
    try:
        pages = ssm.get_paginator("describe_sessions").paginate(
            State="Active", Filters=[{"key": "Target", "value": target}]
        )
        for page in pages:
            for session in page.get("Sessions", []):
                if session.get("SessionId") == session_id and session.get("Owner"):
                    return session["Owner"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise LookupError(f"ssm:DescribeSessions was refused ({error.get('Code')})") from None
    except BotoCoreError as exc:
        raise LookupError(f"ssm:DescribeSessions could not be called ({exc})") from None
    raise LookupError(f"no Active SSM session {session_id} on {target}")


def operator_from_owner(owner_arn: str) -> str:
    """``arn:aws:iam::1:user/elodie`` -> ``elodie``; ``...:assumed-role/Role/elodie@corp`` ->
    ``elodie@corp`` (the role session name); anything else: its last path segment."""
    resource = owner_arn.split(":", 5)[-1]
    return resource.rsplit("/", 1)[-1]


def check_operator(
    arg: str | None, *, botocore_session=None, proc: Path = Path("/proc"), ssm: bool = True
) -> OperatorCheck:
    """The operator of this process and how it is known.

    Raises:
        UsageError: inside a verified SSM session, ``--operator`` names someone else.
    """
    fallback = Operator(operator_name(arg), "flag" if arg else "login")
    how = "--operator (not verified)" if arg else "the login user (not verified)"
    worker, notes = find_session_worker(proc=proc) if ssm else (None, [])
    if worker is None:
        return OperatorCheck(fallback, how, notes)
    if worker.session_id is None:
        notes.append(f"{WORKER_NAME} pid {worker.pid} names no session id in its arguments")
        return OperatorCheck(fallback, how, notes)
    import botocore.session

    session = botocore_session or botocore.session.get_session()
    target = instance_id(session)
    try:
        if target is None:
            raise LookupError("this instance's id could not be read from IMDS")
        owner = session_owner(session, worker.session_id, target)
    except LookupError as exc:
        notes.append(f"inside SSM session {worker.session_id}, but its owner is unknown: {exc}")
        return OperatorCheck(fallback, how, notes)
    name = operator_from_owner(owner)
    if arg and arg != name:
        raise UsageError(
            f"--operator {arg} was refused: this is SSM session {worker.session_id}, opened by "
            f"{owner}, so the operator is {name}. Leave --operator out (or pass {name}); "
            "another person's name cannot go on this session's calls."
        )
    how = (
        f"owner of SSM session {worker.session_id} on {target} "
        f"(root-owned {WORKER_NAME} pid {worker.pid}, ssm:DescribeSessions)"
    )
    return OperatorCheck(Operator(name, "ssm-session", owner), how, notes)


def resolve_operator(arg: str | None, *, ssm: bool = True, botocore_session=None) -> Operator:
    """The operator of this process (see :func:`check_operator`)."""
    return check_operator(arg, botocore_session=botocore_session, ssm=ssm).operator
