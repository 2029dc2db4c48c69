"""The SSM evidence on the host, read from a /proc built as the agent leaves it, and every
reason it could be forged (``console.aws.ssm_host``). The process shapes follow the agent's
source (amazon-ssm-agent 1c217c89b42d: outofproc/master.go starts ``[worker, sessionId]``;
session/shell/shell_unix.go starts ``sh`` as the worker's child, as ssm-user)."""

from __future__ import annotations

from pathlib import Path

from console.aws.ssm_host import (
    SessionWorker,
    ancestry,
    forgery_risks,
    run_as_words,
    ssh_words,
)
from console.model import is_unsettled
from tests.aws_samples import BASE36_SESSION_IDS, OLD_WORKER_ARGV, WORKER_ARGV

SSM_USER_UID = 1001


def process(proc: Path, pid: int, name: str, parent: int, uid: int, argv: list[str]) -> None:
    folder = proc / str(pid)
    folder.mkdir(parents=True)
    # /proc/PID/stat: "pid (comm) state ppid ..."; the kernel keeps 15 characters of comm.
    (folder / "stat").write_text(f"{pid} ({name[:15]}) S {parent} {pid} {pid} 0 -1\n")
    (folder / "status").write_text(f"Name:\t{name[:15]}\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n")
    (folder / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")


def agent_tree(proc: Path, worker_argv: list[str]) -> None:
    """systemd (1) > amazon-ssm-agent > ssm-agent-worker > ssm-session-worker > sh > whodidthis."""
    process(proc, 400, "amazon-ssm-agent", 1, 0, ["/usr/bin/amazon-ssm-agent"])
    process(proc, 410, "ssm-agent-worker", 400, 0, ["/usr/bin/ssm-agent-worker"])
    process(proc, 500, "ssm-session-worker", 410, 0, worker_argv)
    process(proc, 501, "sh", 500, SSM_USER_UID, ["sh"])
    process(proc, 600, "python3", 501, SSM_USER_UID, ["python3", "-m", "console", "whoami"])


def test_todays_worker_argv_names_the_session(tmp_path):
    agent_tree(tmp_path, WORKER_ARGV)
    found = ancestry(600, tmp_path)
    assert found.workers == (SessionWorker(500, WORKER_ARGV[1]),) and found.notes == ()


def test_the_older_argv_with_the_instance_id(tmp_path):
    agent_tree(tmp_path, OLD_WORKER_ARGV)
    assert ancestry(600, tmp_path).nearest == SessionWorker(500, OLD_WORKER_ARGV[1])


def test_a_root_worker_started_inside_another_session_is_seen_as_such(tmp_path):
    agent_tree(tmp_path, WORKER_ARGV)  # ann's own session
    colleague = BASE36_SESSION_IDS[1]
    process(tmp_path, 700, "sudo", 501, 0, ["sudo", "./ssm-session-worker", colleague])
    process(tmp_path, 701, "ssm-session-worker", 700, 0, ["./ssm-session-worker", colleague])
    process(tmp_path, 702, "python3", 701, SSM_USER_UID, ["python3", "-m", "console"])
    found = ancestry(702, tmp_path)
    assert [w.session_id for w in found.workers] == [colleague, WORKER_ARGV[1]]
    risks = forgery_risks("ssm-user", None, {}, outer=found.workers[1:], sudo=True, euid=1001)
    assert len(risks) == 2
    assert (
        "ssm-user has passwordless sudo" in risks[0]
        and "/etc/sudoers.d/ssm-agent-users" in risks[0]
    )
    assert WORKER_ARGV[1] in risks[1] and "inside another SSM session's worker" in risks[1]


def test_a_worker_not_owned_by_root_is_ignored(tmp_path):
    agent_tree(tmp_path, WORKER_ARGV)
    process(tmp_path, 800, "ssm-session-worker", 501, SSM_USER_UID, ["x", BASE36_SESSION_IDS[1]])
    process(tmp_path, 801, "python3", 800, SSM_USER_UID, ["python3"])
    found = ancestry(801, tmp_path)
    assert found.nearest == SessionWorker(500, WORKER_ARGV[1])
    assert "not owned by root was ignored" in found.notes[0]


def test_ssh_over_ssm_is_named(tmp_path):
    process(tmp_path, 300, "sshd", 1, 0, ["sshd: ssm-user [priv]"])
    process(tmp_path, 301, "bash", 300, SSM_USER_UID, ["-bash"])
    found = ancestry(301, tmp_path)
    assert found.nearest is None and found.sshd_pid == 300
    over_ssm = ssh_words({"SSH_CONNECTION": "127.0.0.1 51234 127.0.0.1 22"})
    assert "over SSM" in over_ssm and "cannot tell" in over_ssm
    remote = ssh_words({"SSH_CONNECTION": "203.0.113.9 5 10.0.0.1 22"})
    # port.go DialCall: to a remote host, another instance's worker dials this host's address
    assert "not an SSM shell session" in remote
    assert "AWS-StartPortForwardingSessionToRemoteHost" in remote


def test_run_command_is_no_session(tmp_path):
    """A Run Command document runs in ``ssm-document-worker`` (master.go: DefaultDocumentWorker
    unless the document is a StartSession), argv ``[worker, commandId]`` (messageutil.go:
    DocumentID = CommandID; a CommandId is a UUID, botocore ssm shape CommandId, 36 chars)."""
    command_id = "0b8e5f72-4c3a-4b1e-9d2f-6a7c8e9f0a1b"
    process(tmp_path, 400, "amazon-ssm-agent", 1, 0, ["/usr/bin/amazon-ssm-agent"])
    process(tmp_path, 410, "ssm-agent-worker", 400, 0, ["/usr/bin/ssm-agent-worker"])
    process(
        tmp_path, 500, "ssm-document-worker", 410, 0, ["/usr/bin/ssm-document-worker", command_id]
    )
    process(tmp_path, 501, "sh", 500, 0, ["sh", "-c", "_script.sh"])
    process(tmp_path, 600, "python3", 501, 0, ["python3", "-m", "console", "whoami"])
    found = ancestry(600, tmp_path)
    assert found.nearest is None
    [note] = found.notes
    assert "SSM Run Command" in note and command_id in note and "SendCommand" in note


def test_endpoint_overrides_and_chosen_session_names_are_reasons():
    env = {"AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:8080", "AWS_ENDPOINT_URL_STS": "http://x"}
    risks = forgery_risks(
        "ssm-user",
        "arn:aws:sts::111122223333:assumed-role/Instructors/ann",
        env,
        sudo=False,
        euid=1,
    )
    assert [r.split("=", 1)[0] for r in risks[:2]] == [
        "AWS_ENDPOINT_URL_SSM",
        "AWS_ENDPOINT_URL_STS",
    ]
    # the ARN cannot say SAML or AssumeRole: not called forgeable for certain, audit settles it
    assert "session of role Instructors: if sts:AssumeRole issued it" in risks[2]
    assert "cannot tell SAML from the ARN" in risks[2] and "audit" in risks[2]
    assert [is_unsettled(r) for r in risks] == [False, False, True]
    from console.commands.whoami import _level_words
    from console.model import Operator

    owner = "arn:aws:sts::111122223333:assumed-role/Instructors/ann"
    unsettled = Operator("ann", "ssm-session", owner, (risks[2],), "ann-ekp6rf9qs5arzcjxsndyvboavi")
    assert "FORGEABLE" not in _level_words(unsettled)
    assert "cannot tell SAML from the ARN" in _level_words(unsettled)
    certain = Operator("ann", "ssm-session", owner, tuple(risks), "ann-ekp6rf9qs5arzcjxsndyvboavi")
    assert "FORGEABLE on this host" in _level_words(certain)
    sso = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/ann"
    assert forgery_risks("ssm-user", sso, {}, sudo=False, euid=1) == []
    user = "arn:aws:iam::111122223333:user/ann"
    assert forgery_risks("ssm-user", user, {}, sudo=False, euid=1) == []
    assert "runs as root" in forgery_risks("root", user, {}, sudo=False, euid=0)[0]


def test_run_as_is_said():
    assert run_as_words("ssm-user") is None
    assert "SSM Run As" in (run_as_words("ann") or "")


def test_cloudtrail_says_who_set_an_owners_session_name():
    """audit reads the record that issued the Owner's session (matched by the access key the
    StartSession was signed with): the IAM User Guide's AssumeRoleWithSAML and
    AssumeRoleWithWebIdentity samples are the identity provider's names, its cross-account
    AssumeRole sample a name its caller chose; a caller who took a SAML user's name is told
    apart by the key, and only by it."""
    import copy
    from types import SimpleNamespace

    from console.aws.cloudtrail import operator_owner_name, owner_name
    from tests.aws_samples import (
        ASSUME_ROLE_CALLER_COPY,
        ASSUME_ROLE_WITH_SAML,
        ASSUME_ROLE_WITH_WEB_IDENTITY,
    )

    def issued(event):
        return event["responseElements"]["assumedRoleUser"]["arn"]

    def key(event):
        return event["responseElements"]["credentials"]["accessKeyId"]

    saml = owner_name(
        issued(ASSUME_ROLE_WITH_SAML),
        key(ASSUME_ROLE_WITH_SAML),
        [ASSUME_ROLE_WITH_SAML, ASSUME_ROLE_WITH_WEB_IDENTITY, ASSUME_ROLE_CALLER_COPY],
    )
    assert (saml.issued_by, saml.chosen) == ("AssumeRoleWithSAML", False)
    assert "SAML user SamlExample of bdGOnTesti4+ExamplexL/jEvs=" in saml.words
    web = owner_name(issued(ASSUME_ROLE_WITH_WEB_IDENTITY), None, [ASSUME_ROLE_WITH_WEB_IDENTITY])
    assert (web.issued_by, web.chosen) == ("AssumeRoleWithWebIdentity", False)
    assert "of accounts.google.com" in web.words
    chosen = owner_name(issued(ASSUME_ROLE_CALLER_COPY), None, [ASSUME_ROLE_CALLER_COPY])
    assert (chosen.issued_by, chosen.chosen) == ("AssumeRole", True)
    assert "by arn:aws:iam::777788889999:user/JohnDoe, SourceIdentity JohnDoe" in chosen.words

    # ben assumes the SAML role himself, naming his session as the SAML session is named
    taken = copy.deepcopy(ASSUME_ROLE_CALLER_COPY)
    taken["responseElements"]["assumedRoleUser"]["arn"] = issued(ASSUME_ROLE_WITH_SAML)
    taken["responseElements"]["credentials"]["accessKeyId"] = "ASIAQRSTUVWBENEXAMPLE"
    both = [ASSUME_ROLE_WITH_SAML, taken]
    assert owner_name(issued(taken), "ASIAQRSTUVWBENEXAMPLE", both).chosen is True
    assert owner_name(issued(taken), key(ASSUME_ROLE_WITH_SAML), both).chosen is False
    assert owner_name(issued(taken), None, both).chosen is None  # the ARN alone cannot say

    sso = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/ann"
    assert owner_name(sso, None, []).issued_by == "IAM Identity Center"
    assert owner_name(sso, None, []).chosen is False
    unseen = owner_name("arn:aws:sts::1:assumed-role/Instructors/ann", None, [])
    assert unseen.chosen is None and "not settled" in unseen.words
    assert owner_name("arn:aws:iam::1:user/ann", None, []).chosen is False

    # the key comes from the StartSession of the session the operator worked in
    sessions = {"s-1": {"owner": issued(taken), "key": "ASIAQRSTUVWBENEXAMPLE"}}
    operator = SimpleNamespace(arn=issued(taken), session_id="s-1")
    assert operator_owner_name(operator, sessions, both).chosen is True
    assert operator_owner_name(SimpleNamespace(arn=None, session_id=None), {}, both) is None


def test_an_owner_only_unsettled_is_not_called_forgeable_in_the_ledger_words():
    """The identity panel, ledger lines and report say ``unsettled`` when the one reason is an
    assumed-role owner (the ARN cannot tell SAML from sts:AssumeRole), ``forgeable`` when any
    reason is a certain way to forge."""
    from console.model import Operator
    from console.words import operator_words

    owner = "arn:aws:sts::111122223333:assumed-role/Instructors/ann"
    (unsettled,) = forgery_risks("ann", owner, {}, sudo=False, euid=1001)
    only = Operator("ann", "ssm-session", owner, forgeable=(unsettled,))
    assert "(unsettled here: 1 reason; run audit)" in operator_words(only)
    both = Operator("ann", "ssm-session", owner, forgeable=("ssm-user has sudo", unsettled))
    assert "(forgeable here: 2 reasons; run audit)" in operator_words(both)
