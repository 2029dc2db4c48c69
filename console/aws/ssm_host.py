"""What this host can show about an SSM Session Manager session, and what could forge it.

Facts from the SSM agent's own source (github.com/aws/amazon-ssm-agent, read at commit
1c217c89b42d, 2024-10-21, and its history):

* The agent starts one ``ssm-session-worker`` per session with argv ``[worker, sessionId]``
  (``agent/framework/processor/executer/outofproc/master.go``: ``processCreator(workerName,
  []string{documentID})``; "For Session, DocumentID = SessionID",
  ``agent/session/contracts/agentmessage.go``). Agents from commit 30356932 (2019-01-22) to
  fab30b28 (2021-08-30) passed ``FormArgv(documentID, instanceID)``: ``[worker, sessionId,
  instanceId]``; ``outofproc/proc/process.go`` ``parseArgv`` still accepts both. argv[0] is
  the worker's path (``/usr/bin/ssm-session-worker``, ``agent/appconfig/constants_unix.go``;
  beside the agent's binary when installed elsewhere, as the snap is). The worker runs as the
  agent's user: root.
* Run Command's documents run in ``ssm-document-worker`` instead (same ``master.go``:
  ``DefaultDocumentWorker`` unless the document type is ``StartSession``), with argv
  ``[worker, commandId]`` (``agent/messageservice/utils/messageutil.go``: ``DocumentID =
  CommandID``): no session, so no session owner; CloudTrail's ``SendCommand`` names the sender.
* The shell of a Standard_Stream session is the worker's child (``exec.Command("sh")``;
  ``sh -c COMMAND`` for interactive commands; ``agent/session/shell/shell_unix.go``), as
  ``ssm-user`` or, with Run As, as the OS user the preferences or the owner's
  ``SSMSessionRunAs`` tag name (same file, ``sessionUser``); as root when the document sets
  ``runAsElevated``. It inherits the agent's environment (``os.Environ()``): the agent sets no
  AWS variable of its own.
* When the agent creates ``ssm-user`` it writes ``/etc/sudoers.d/ssm-agent-users`` with
  ``ssm-user ALL=(ALL) NOPASSWD:ALL`` (``agent/session/utility/utility_unix.go``,
  ``CreateLocalAdminUser``: "only create sudoers file when user does not exist"): on a default
  host any operator can start a root-owned ``ssm-session-worker`` carrying any session id
  seen in ``ps``.
* Port forwarding (``AWS-StartPortForwardingSession``, and SSH over SSM, ``AWS-StartSSHSession``)
  runs in a session worker that dials ``localhost:PORT`` (``agent/session/plugins/port/port.go``,
  ``DialCall``): an SSH shell is sshd's child, its connection from the loopback address. To a
  remote host (``AWS-StartPortForwardingSessionToRemoteHost``) the worker of another instance
  dials this host's address: the connection comes from that instance.

Session ids: botocore's SSM model (``SessionId``) allows 1 to 96 characters. AWS's doc examples
show an old hex suffix (``John-07a16060613c408b5``); today's ids end in a 26-character lowercase
base-36 suffix (``root-ekp6rf9qs5arzcjxsndyvboavi``), and a UUID-prefixed form exists.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from console.model import OWNER_NAME_UNSETTLED

WORKER_NAME = "ssm-session-worker"
DEFAULT_RUN_AS = "ssm-user"  # amazon-ssm-agent agent/appconfig/constants.go DefaultRunAsUserName
SUDOERS_FILE = "/etc/sudoers.d/ssm-agent-users"
_COMM = WORKER_NAME[:15]  # the kernel keeps 15 characters of a process name
SESSION_ID_MAX = 96  # botocore ssm service-2.json, shape SessionId: min 1, max 96
# The owner's name (IAM user or role session name characters), a dash, and a suffix: 26
# lowercase base-36 characters today, 8 or more hex digits in the older form.
_SESSION_ID = re.compile(r"^[\w+=,.@:/-]+-(?:[0-9a-z]{26}|[0-9a-f]{8,})$")
# An EC2 instance id (``i-`` and 8 or 17 hex digits; ``mi-`` for a managed on-premises node)
# looks like an old session id: the older argv puts one beside the session id.
_INSTANCE_ID = re.compile(r"^m?i-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
IMDS_DEFAULT = "http://169.254.169.254/"
IMDS_TIMEOUT = 2.0
# botocore reads these from the environment; each sends SSM or STS calls elsewhere than AWS.
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_STS")
IMDS_VARIABLE = "AWS_EC2_METADATA_SERVICE_ENDPOINT"
# IAM Identity Center's roles: the session name is the user's sign-in name, not the caller's.
# (STS API Reference, AssumeRoleWithSAML: "AssumeRoleWithSAML will not work on IAM Identity
# Center managed roles. These roles' names start with AWSReservedSSO_.")
SSO_ROLE_PREFIX = "AWSReservedSSO_"
# An assumed-role ARN looks the same whether sts:AssumeRole (a name its caller chose),
# AssumeRoleWithSAML or AssumeRoleWithWebIdentity (a name the identity provider set) issued it.


def is_session_id(text: str) -> bool:
    """True when ``text`` has the shape of an SSM session id (any form the service uses)."""
    if _INSTANCE_ID.match(text):
        return False
    return 0 < len(text) <= SESSION_ID_MAX and bool(_SESSION_ID.match(text))


def session_id_of(argv: list[str]) -> str | None:
    """The session id in a session worker's argv (``[worker, id]`` or ``[worker, id, instance]``)."""
    if len(argv) in (2, 3) and is_session_id(argv[1]):
        return argv[1]
    return next((a for a in argv[1:] if is_session_id(a)), None)


@dataclass(frozen=True)
class SessionWorker:
    """A root-owned ``ssm-session-worker`` ancestor of this process."""

    pid: int
    session_id: str | None


@dataclass(frozen=True)
class Ancestry:
    """What this process's ancestors show: the session workers (nearest first), and sshd."""

    workers: tuple[SessionWorker, ...]
    notes: tuple[str, ...]
    sshd_pid: int | None = None

    @property
    def nearest(self) -> SessionWorker | None:
        return self.workers[0] if self.workers else None


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


def ancestry(pid: int | None = None, proc: Path = Path("/proc")) -> Ancestry:
    """Every root-owned ``ssm-session-worker`` above ``pid`` (nearest first), and sshd.

    A worker owned by any other uid is not believed (anyone can name a program that): it is
    skipped, and a note says so.
    """
    notes: list[str] = []
    workers: list[SessionWorker] = []
    sshd = None
    current = os.getppid() if pid is None else pid
    seen: set[int] = set()
    while current > 1 and current not in seen:
        seen.add(current)
        stat = _stat(proc, current)
        if stat is None:
            break
        name, parent = stat
        if name == _COMM and _owned_by_root(proc, current):
            workers.append(SessionWorker(current, session_id_of(_argv(proc, current))))
        elif name == _COMM:
            notes.append(
                f"an {WORKER_NAME} process (pid {current}) not owned by root was ignored: "
                "only the SSM agent's own worker (root) identifies a session"
            )
        elif name == "sshd" and sshd is None and not workers:
            sshd = current
        elif name == DOCUMENT_WORKER_NAME[:15] and not workers and _owned_by_root(proc, current):
            notes.append(document_worker_words(current, _argv(proc, current)))
        current = parent
    return Ancestry(tuple(workers), tuple(notes), sshd)


def ssh_words(env: Mapping[str, str]) -> str:
    """How this shell came in over SSH: through SSM port forwarding, or plain SSH."""
    client = (env.get("SSH_CONNECTION") or env.get("SSH_CLIENT") or "").split(" ")[0]
    if client in ("127.0.0.1", "::1"):
        return (
            f"an SSH login from {client}: SSH or port forwarding over SSM (AWS-StartSSHSession); "
            "the shell is sshd's child, not the session worker's, so the host cannot tell whose "
            "SSM session it is"
        )
    return (
        f"an SSH login from {client or 'an unknown address'}, not an SSM shell session (plain "
        "SSH, or SSM port forwarding to a remote host through that instance, "
        "AWS-StartPortForwardingSessionToRemoteHost: its CloudTrail StartSession names who)"
    )


DOCUMENT_WORKER_NAME = "ssm-document-worker"


def document_worker_words(pid: int, argv: list[str]) -> str:
    """A note for a process run by SSM Run Command (an ``ssm-document-worker`` ancestor)."""
    command = argv[1] if len(argv) > 1 else "unknown"
    return (
        f"this runs under SSM Run Command ({DOCUMENT_WORKER_NAME} pid {pid}, command {command}), "
        "not a Session Manager session: there is no session owner to read; CloudTrail's "
        "SendCommand record names who sent it"
    )


def imds_facts(botocore_session) -> tuple[str | None, str | None]:
    """This instance's id and region (``placement/region``) from IMDSv2.

    botocore takes no region from IMDS, and the SSM agent sets no AWS variable in the session's
    shell, so the instance's own region is read here: SSM is regional.
    """
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
        facts = []
        for path in ("instance-id", "placement/region"):
            get = urllib.request.Request(
                f"{base}/latest/meta-data/{path}", headers={"X-aws-ec2-metadata-token": token}
            )
            with urllib.request.urlopen(get, timeout=IMDS_TIMEOUT) as answer:
                facts.append(answer.read().decode().strip() or None)
        return facts[0], facts[1]
    except OSError:
        return None, None


def has_passwordless_sudo() -> bool:
    """True when ``sudo -n true`` succeeds for this process's user (no password asked)."""
    sudo = shutil.which("sudo")
    if sudo is None:
        return False
    try:
        done = subprocess.run(
            [sudo, "-n", "true"], capture_output=True, timeout=5, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def forgery_risks(
    user: str,
    owner_arn: str | None,
    env: Mapping[str, str],
    *,
    outer: tuple[SessionWorker, ...] = (),
    sudo: bool | None = None,
    euid: int | None = None,
) -> list[str]:
    """Why the local evidence of an SSM session's owner could be forged here, one reason each.

    Args:
        user: this process's login name.
        owner_arn: the session's ``Owner`` as DescribeSessions named it.
        env: the environment botocore reads its endpoints from.
        outer: session workers above the nearest one (a worker inside another session).
        sudo: whether this user has passwordless sudo (None: ask ``sudo -n true``).
        euid: this process's effective uid (None: ``os.geteuid()``).
    """
    risks: list[str] = []
    if (os.geteuid() if euid is None else euid) == 0:
        risks.append("this process runs as root, which can start any process, workers included")
    elif has_passwordless_sudo() if sudo is None else sudo:
        risks.append(
            f"{user} has passwordless sudo (the SSM agent gives {DEFAULT_RUN_AS} that in "
            f"{SUDOERS_FILE}): a root process named {WORKER_NAME} can carry any session id "
            "seen in ps"
        )
    for worker in outer:
        risks.append(
            f"this session's worker runs inside another SSM session's worker (pid {worker.pid}, "
            f"session {worker.session_id}): the agent never starts one inside another, so "
            "someone with root in that session did"
        )
    for name in ENDPOINT_VARIABLES + (IMDS_VARIABLE,):
        if env.get(name):
            what = "the instance id" if name == IMDS_VARIABLE else "ssm and sts calls"
            risks.append(
                f"{name}={env[name]} sends {what} to that address, not AWS: whoever answers "
                "there names the owner (expected in the sandbox, a forgery on a real host)"
            )
    if owner_arn and ":assumed-role/" in owner_arn:
        role = owner_arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
        if not role.startswith(SSO_ROLE_PREFIX):
            risks.append(
                f"the owner is a session of role {role}: if sts:AssumeRole issued it, its "
                "caller chose the name (--role-session-name); if SAML or web identity "
                f"federation did, the identity provider set it. {OWNER_NAME_UNSETTLED}: "
                "`whodidthis audit` settles it from CloudTrail (the issuing record)"
            )
    return risks


def run_as_words(user: str) -> str | None:
    """A note when the session's shell runs as its own OS user (SSM Run As), else None."""
    if user in (DEFAULT_RUN_AS, "root"):
        return None
    return (
        f"SSM Run As: the agent started this shell as {user}, the OS user mapped to the "
        "session's owner; without sudo for it, no other operator can act as it"
    )
