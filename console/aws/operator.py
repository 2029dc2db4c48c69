"""Who is acting: the human behind a command, and how far whodidthis knows it.

Over SSM Session Manager every shell runs as ``ssm-user`` (or, with Run As, as the OS user
mapped to the session's owner), so the login name says little. The SSM agent starts one root
``ssm-session-worker`` per session with argv ``[worker, sessionId]`` and the shell as its child
(``console.aws.ssm_host`` cites the agent's source). The nearest root-owned worker above this
process names the session; ``ssm:DescribeSessions``, asked in the instance's own region (read
from IMDS ``placement/region``: botocore takes no region from IMDS), names its ``Owner``. The
operator is that owner's IAM user name or role session name: level ``ssm-session``.

That evidence is local, and it can be forged where someone can start a root process (ssm-user's
passwordless sudo, which the agent grants by default), where SSM or STS calls go to an endpoint
override, or where the Owner is an assumed role whose session name its caller may have chosen
(the ARN cannot tell sts:AssumeRole from SAML: that reason is ``unsettled``). Each such
reason goes with the operator (``Operator.forgeable``) to whoami, the panel, the ledger and the
report; ``whodidthis audit`` settles it from CloudTrail (level ``confirmed``).

Outside Session Manager the operator is ``--operator`` (``flag``) or the login user (``login``):
level ``claimed``. Inside a verified session, an ``--operator`` naming someone else is refused
(exit 2): the name would put another person's name on the session in CloudTrail.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

from console.aws.ssm_host import (
    WORKER_NAME,
    Ancestry,
    ancestry,
    forgery_risks,
    imds_facts,
    run_as_words,
    ssh_words,
)
from console.errors import UsageError
from console.model import Operator, is_unsettled


def operator_name(arg: str | None) -> str:
    """``--operator``, else the login user (``ssm-user`` over Session Manager)."""
    if arg:
        return arg
    return login_name()


def login_name() -> str:
    """This process's login user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


@dataclass(frozen=True)
class OperatorCheck:
    """The operator, and in one sentence how it was established (for whoami and the panel)."""

    operator: Operator
    how: str
    notes: list[str] = field(default_factory=list)


def find_session_worker(pid: int | None = None, proc: Path = Path("/proc")):
    """The nearest root-owned ``ssm-session-worker`` above ``pid`` (or None), and notes."""
    found = ancestry(pid, proc)
    return found.nearest, list(found.notes)


def session_owner(botocore_session, session_id: str, target: str, region: str | None) -> str:
    """The ``Owner`` ARN of the Active SSM session ``session_id`` on ``target``.

    ``region`` is the instance's own (IMDS): SSM answers for an instance only there. Without
    it, botocore's configured region is asked, and the error says that may be the wrong one.

    Raises:
        LookupError: no such Active session on this instance (with the reason).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from console.aws.config import client_config

    where = region or botocore_session.get_config_variable("region") or "us-east-1"
    ssm = botocore_session.create_client(
        "ssm", region_name=where, config=client_config(botocore_session.get_scoped_config())
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
    guess = "" if region else " (IMDS gave no region: that may be the wrong one)"
    raise LookupError(f"no Active SSM session {session_id} on {target} in {where}{guess}")


def operator_from_owner(owner_arn: str) -> str:
    """``arn:aws:iam::1:user/elodie`` -> ``elodie``; ``...:assumed-role/Role/elodie@corp`` ->
    ``elodie@corp`` (the role session name); anything else: its last path segment."""
    resource = owner_arn.split(":", 5)[-1]
    return resource.rsplit("/", 1)[-1]


def check_operator(
    arg: str | None,
    *,
    botocore_session=None,
    proc: Path = Path("/proc"),
    ssm: bool = True,
    env=None,
) -> OperatorCheck:
    """The operator of this process, how it is known, and why that could be forged.

    Raises:
        UsageError: inside a verified SSM session, ``--operator`` names someone else.
    """
    env = os.environ if env is None else env
    fallback = Operator(operator_name(arg), "flag" if arg else "login")
    how = "--operator (claimed, not verified)" if arg else "the login user (claimed, not verified)"
    found = ancestry(proc=proc) if ssm else Ancestry((), ())
    notes = list(found.notes)
    worker = found.nearest
    if worker is None:
        if found.sshd_pid is not None:
            notes.append(f"this shell is {ssh_words(env)}")
        return OperatorCheck(fallback, how, notes)
    if worker.session_id is None:
        notes.append(f"{WORKER_NAME} pid {worker.pid} names no session id in its arguments")
        return OperatorCheck(fallback, how, notes)
    import botocore.session

    session = botocore_session or botocore.session.get_session()
    target, region = imds_facts(session)
    try:
        if target is None:
            raise LookupError("this instance's id could not be read from IMDS")
        owner = session_owner(session, worker.session_id, target, region)
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
    return _verified(found, owner, name, target, region, env, notes)


def _verified(found: Ancestry, owner, name, target, region, env, notes) -> OperatorCheck:
    """The ``ssm-session`` operator, with every reason the evidence could be forged here."""
    worker = found.nearest
    assert worker is not None and worker.session_id is not None
    user = login_name()
    outer = found.workers[1:]
    risks = forgery_risks(user, owner, env, outer=outer)
    if (words := run_as_words(user)) is not None:
        notes.append(words)
    notes.extend(f"{'unsettled' if is_unsettled(r) else 'forgeable'}: {r}" for r in risks)
    if risks:
        notes.append("`whodidthis audit COURSE` settles it from CloudTrail (StartSession records)")
    operator = Operator(
        name,
        "ssm-session",
        owner,
        tuple(risks),
        worker.session_id,
        tuple(w.session_id or f"pid {w.pid}" for w in outer),
    )
    how = (
        f"owner of SSM session {worker.session_id} on {target} in {region or 'unknown region'} "
        f"(root-owned {WORKER_NAME} pid {worker.pid}, ssm:DescribeSessions)"
    )
    return OperatorCheck(operator, how, notes)


def resolve_operator(arg: str | None, *, ssm: bool = True, botocore_session=None) -> Operator:
    """The operator of this process (see :func:`check_operator`)."""
    return check_operator(arg, botocore_session=botocore_session, ssm=ssm).operator
