"""The human behind ``ssm-user``: a root-owned stand-in for the SSM agent's session worker, the
sandbox's ``ssm:DescribeSessions``, and whodidthis running as a non-root user beneath it (as
the session's shell does). The operator, the session name, the SourceIdentity and the ledger's
``operator_arn`` all name the session's owner; a worker owned by anyone else is not believed.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from console.aws.operator import find_session_worker, operator_from_owner
from console.aws.ssm_host import is_session_id, session_id_of
from tests.aws_samples import (
    BASE36_SESSION_IDS,
    DESCRIBE_SESSIONS,
    NOT_SESSION_IDS,
    OLD_HEX_SESSION_ID,
    OLD_WORKER_ARGV,
    SESSION_ID_MAX,
    UUID_PREFIXED_SESSION_ID,
    WORKER_ARGV,
)

NOBODY = 65534
OWNER = "arn:aws:iam::100000000000:user/elodie"
REPO = Path(__file__).resolve().parents[2]
COURSE = "dojo-2026-12"

# The non-root user runs whodidthis with an interpreter it may execute (this venv's may live in
# root's home) and this checkout's packages: the product and its evaluator (a dependency, as an
# install has it: apply lints the trust policy before building).
PYTHON = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin")
PURELIB = Path(sysconfig.get_paths()["purelib"])
PYTHONPATH = os.pathsep.join([str(REPO), str(REPO / "iampolicy" / "src"), str(PURELIB)])

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the stand-in worker must run as root"),
    pytest.mark.skipif(PYTHON is None, reason="no system Python of this version for nobody"),
]


@pytest.fixture
def world(sandbox):
    """A folder the non-root user can use: the course (copied), a state dir, a worker copy."""
    folder = Path(tempfile.mkdtemp(prefix="whodidthis-ssm-"))
    folder.chmod(0o755)
    for name in ("course.toml", "lab-template.yaml"):
        shutil.copy(sandbox.course_path.parent / name, folder / name)
        (folder / name).chmod(0o644)
    state = folder / "state"
    state.mkdir()
    os.chown(state, NOBODY, NOBODY)
    # The tiny program: a copy of the shell, named as the agent's worker is.
    worker = folder / "ssm-session-worker"
    shutil.copy("/bin/sh", worker)
    worker.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


DROP = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def _import_error(pythonpath: str) -> str:
    """What the non-root user's Python says importing whodidthis with ``pythonpath`` ('' when
    it can)."""
    done = subprocess.run(
        [*DROP, PYTHON, "-c", "import console.cli, iampolicy, aiobotocore"],
        env={"PYTHONPATH": pythonpath},
        cwd="/",
        capture_output=True,
        text=True,
    )
    return "" if done.returncode == 0 else (done.stderr.strip().splitlines() or ["?"])[-1]


@functools.cache
def nobody_pythonpath() -> str:
    """Where the non-root user imports whodidthis from: this checkout's packages, or, when the
    checkout sits where that user cannot read it (a clone under ``mktemp -d``, a 0700 folder),
    hard links to the same files in a folder it can (copies across file systems), removed when
    the tests end. Anything else it cannot read fails the test, saying what it could not."""
    if not _import_error(PYTHONPATH):
        return PYTHONPATH
    mirror = Path(tempfile.mkdtemp(prefix="whodidthis-nobody-"))
    atexit.register(shutil.rmtree, mirror, True)
    mirror.chmod(0o755)
    skip = shutil.ignore_patterns("__pycache__")
    for source, target in (
        (REPO / "console", mirror / "repo" / "console"),
        (REPO / "widgets", mirror / "repo" / "widgets"),
        (REPO / "iampolicy" / "src", mirror / "iampolicy"),
        (PURELIB, mirror / "site"),
    ):
        shutil.copytree(source, target, ignore=skip, copy_function=_link_or_copy)
    pythonpath = os.pathsep.join(str(mirror / part) for part in ("repo", "iampolicy", "site"))
    if error := _import_error(pythonpath):
        pytest.fail(
            f"uid {NOBODY} (SSM Run As's user here) cannot import whodidthis from this checkout "
            f"({REPO}), nor from hard links to it in {mirror}: {error}. Make the checkout's "
            "files readable by others (umask 022) and run the tests again."
        )
    return pythonpath


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def worker_argv(world, session_id, command, *extra):
    """A stand-in worker (a copy of sh named as the agent's) running ``command``; its arguments
    end with the session id (and ``extra``, the older agents' instance id), as the agent's do."""
    script = shlex.join(command) + "; exit $?"
    return [
        str(world / "ssm-session-worker"),
        "-c",
        script,
        "ssm-session-worker",
        session_id,
        *extra,
    ]


def run(sandbox, world, argv, env=None):
    return subprocess.run(
        argv,
        env={
            **sandbox.clean_env(),
            "HOME": str(world),
            "PYTHONPATH": nobody_pythonpath(),
            **(env or {}),
        },
        cwd=world,
        capture_output=True,
        text=True,
        timeout=300,
    )


def under_worker(sandbox, world, session_id, *args, forged=False):
    """Run ``whodidthis ARGS`` as a non-root user beneath a stand-in session worker.

    The worker runs as root (the agent's), or as the non-root user itself when ``forged``.
    Its arguments carry the session id and the instance id, as the older agents' worker's do.
    """
    child = [*([] if forged else DROP), PYTHON, "-m", "console", *args]
    argv = worker_argv(world, session_id, child, sandbox.instance_id)
    if forged:
        argv = [*DROP, *argv]
    return run(sandbox, world, argv)


def test_the_operator_is_the_owner_of_the_ssm_session(sandbox, world):
    session_id = sandbox.open_ssm_session(OWNER)
    result = under_worker(sandbox, world, session_id, "whoami", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["operator"], data["operator_source"], data["operator_arn"]) == (
        "elodie",
        "ssm-session",
        OWNER,
    )
    assert session_id in data["operator_verified_by"]
    text = under_worker(sandbox, world, session_id, "whoami")
    assert f"operator  elodie (ssm-session: owner of SSM session {session_id}" in text.stdout


def test_a_build_in_an_ssm_session_names_its_owner_everywhere(sandbox, world):
    session_id = sandbox.open_ssm_session(OWNER)
    trainee, account = sandbox.trainees[0]
    course = str(world / "course.toml")
    state = str(world / "state")
    result = under_worker(
        sandbox, world, session_id, "apply", course, "--trainee", trainee, "--state-dir", state
    )
    assert result.returncode == 0, result.stderr
    db = sqlite3.connect(world / "state" / COURSE / "state.sqlite3")
    rows = db.execute(
        "SELECT operator, operator_source, operator_arn, session_name, source_identity FROM ledger"
    ).fetchall()
    assert rows and set(rows) == {("elodie", "ssm-session", OWNER, f"elodie@{COURSE}", "elodie")}
    calls = [r for r in sandbox.trail() if r["account"] == account]
    assert calls and {(r["session_name"], r["source_identity"]) for r in calls} == {
        (f"elodie@{COURSE}", "elodie")
    }
    describe = [r for r in sandbox.trail() if r["operation"] == "DescribeSessions"]
    assert len(describe) == 1 and describe[0]["account"] == sandbox.admin_account


def test_another_name_inside_a_verified_session_is_refused(sandbox, world):
    session_id = sandbox.open_ssm_session(OWNER)
    course = str(world / "course.toml")
    result = under_worker(
        sandbox,
        world,
        session_id,
        "apply",
        course,
        "--operator",
        "ann",
        "--state-dir",
        str(world / "state"),
    )
    assert result.returncode == 2
    assert "--operator ann was refused" in result.stderr and OWNER in result.stderr
    changing = [
        r
        for r in sandbox.trail()
        if r["account"] != sandbox.admin_account and not r["operation"].startswith("Get")
    ]
    assert changing == []  # nothing was done in any trainee account


def test_a_worker_not_owned_by_root_is_not_believed(sandbox, world):
    session_id = sandbox.open_ssm_session(OWNER)
    result = under_worker(sandbox, world, session_id, "whoami", "--json", forged=True)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["operator_source"] == "login" and data["operator_arn"] is None
    assert data["operator"] != "elodie"
    assert not [r for r in sandbox.trail() if r["operation"] == "DescribeSessions"]
    forged = under_worker(sandbox, world, session_id, "whoami", forged=True)
    assert "not owned by root was ignored" in forged.stdout


def test_a_session_that_is_not_active_on_this_instance_is_not_believed(sandbox, world):
    session_id = "elodie-ekp6rf9qs5arzcjxsndyvboavi"  # never opened: not listed
    result = under_worker(sandbox, world, session_id, "whoami", "--json", "--operator", "ann")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["operator"], data["operator_source"]) == ("ann", "flag")


@pytest.mark.parametrize(
    "session_id", [OLD_HEX_SESSION_ID, *BASE36_SESSION_IDS, UUID_PREFIXED_SESSION_ID]
)
def test_every_form_of_session_id_is_recognised(session_id):
    assert is_session_id(session_id) and len(session_id) <= SESSION_ID_MAX


@pytest.mark.parametrize("text", NOT_SESSION_IDS)
def test_what_is_not_a_session_id(text):
    assert not is_session_id(text)


def test_the_session_id_in_the_workers_argv():
    assert session_id_of(WORKER_ARGV) == WORKER_ARGV[1]
    assert session_id_of(OLD_WORKER_ARGV) == OLD_WORKER_ARGV[1]  # [worker, id, instance id]
    assert session_id_of([WORKER_ARGV[0]]) is None


def test_describe_sessions_answer_names_the_owner():
    [session] = DESCRIBE_SESSIONS["Sessions"]
    assert is_session_id(session["SessionId"])
    assert operator_from_owner(session["Owner"]) == "John"


def test_outside_ssm_there_is_no_worker():
    assert find_session_worker()[0] is None


@pytest.mark.parametrize(
    "owner,name",
    [
        ("arn:aws:iam::111122223333:user/elodie", "elodie"),
        ("arn:aws:iam::111122223333:user/division/team/ann", "ann"),
        ("arn:aws:sts::111122223333:assumed-role/Instructors/ben@example.com", "ben@example.com"),
    ],
)
def test_the_operator_named_by_an_owner_arn(owner, name):
    assert operator_from_owner(owner) == name


def test_the_host_role_may_describe_ssm_sessions():
    from console.commands.iam_templates import admin_template

    policies = admin_template()["Resources"]["HostRole"]["Properties"]["Policies"]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    assert any(
        s["Effect"] == "Allow"
        and "ssm:DescribeSessions"
        in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        and s["Resource"] == "*"
        for s in statements
    )


def test_a_host_in_ap_northeast_1_without_a_region_variable_finds_its_operator(sandbox, world):
    """The SSM agent sets no AWS variable in the session's shell: the region comes from IMDS
    (``placement/region``), and the stand-in answers DescribeSessions only there."""
    assert sandbox.options.region == "ap-northeast-1"
    session_id = sandbox.open_ssm_session(OWNER)
    env = {k: v for k, v in sandbox.clean_env().items() if k not in ("AWS_DEFAULT_REGION",)}
    assert "AWS_REGION" not in env
    child = [*DROP, "env", "-u", "AWS_DEFAULT_REGION", PYTHON, "-m", "console", "whoami", "--json"]
    result = run(sandbox, world, worker_argv(world, session_id, child))  # today's [worker, id]
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["operator"], data["operator_level"], data["operator_arn"]) == (
        "elodie",
        "ssm-session",
        OWNER,
    )
    assert "in ap-northeast-1" in data["operator_verified_by"]
    # whoami's own region: the host's from IMDS, beside botocore's (none here), each labelled
    assert (data["host_region"], data["host_region_source"]) == (
        "ap-northeast-1",
        "imds placement/region",
    )
    assert (data["cli_region"], data["cli_region_source"]) == (None, None)
    describe = [r for r in sandbox.trail() if r["operation"] == "DescribeSessions"]
    assert [r["region"] for r in describe] == ["ap-northeast-1"]


def test_a_forged_worker_under_sudo_is_flagged_and_audit_contradicts_it(sandbox, world):
    """ann, whose shell runs as a user with passwordless sudo (what the agent gives ssm-user),
    starts a root ``ssm-session-worker`` carrying her colleague elodie's session id (seen in
    ps) inside her own session, and works beneath it. The host shows elodie at level
    ``ssm-session`` only with the reasons it could be forged; CloudTrail's StartSession records
    say whose session the command really ran in, and ``audit`` marks it ``contradicted``.

    The stand-in for sudo: a ``sudo`` first on PATH that runs its command (``sudo -n true``
    succeeds, as with NOPASSWD); the root worker for elodie's id is started by root, standing
    for what sudo would start."""
    ann = "arn:aws:iam::100000000000:user/ann"
    hers = sandbox.open_ssm_session(ann)
    colleague = sandbox.open_ssm_session(OWNER)
    bin_dir = world / "bin"
    bin_dir.mkdir()
    (bin_dir / "sudo").write_text('#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n')
    (bin_dir / "sudo").chmod(0o755)
    path = {"PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"}

    def forged(*args):
        child = [*DROP, PYTHON, "-m", "console", *args]
        inner = worker_argv(world, colleague, child)  # root, elodie's id: the forgery
        return run(sandbox, world, worker_argv(world, hers, inner), env=path)  # ann's session

    shown = forged("whoami", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert (data["operator"], data["operator_level"]) == ("elodie", "ssm-session")
    reasons = " | ".join(data["operator_forgeable"])
    assert "passwordless sudo" in reasons and hers in reasons
    text = forged("whoami").stdout
    assert "FORGEABLE on this host" in text and "forgeable: " in text

    trainee, _ = sandbox.trainees[0]
    state = str(world / "state")
    built = forged("apply", str(world / "course.toml"), "--trainee", trainee, "--state-dir", state)
    assert built.returncode == 0, built.stderr
    audit = run(
        sandbox,
        world,
        # the auditor is the state's owner: a store of another user's is refused (issue 26)
        [*DROP, PYTHON, "-m", "console", "audit", str(world / "course.toml")]
        + ["--state-dir", state, "--json", "--operator", "auditor"],
    )
    assert audit.returncode == 1, audit.stderr
    [verdict] = [json.loads(line) for line in audit.stdout.splitlines()]
    assert (verdict["operator"], verdict["verdict"]) == ("elodie", "contradicted")
    assert any(hers in e and ann in e for e in verdict["evidence"])
    # trace --cloudtrail makes the same StartSession check (issue 20.3), per command and row
    trace = run(
        sandbox,
        world,
        [*DROP, PYTHON, "-m", "console", "trace", str(world / "course.toml"), trainee]
        + ["--cloudtrail", "--json", "--state-dir", state, "--operator", "auditor"],
    )
    assert trace.returncode == 0, trace.stderr
    rows = [json.loads(line) for line in trace.stdout.splitlines()]
    ours = [r for r in rows if r["operator"] == "elodie"]
    assert ours and {(r["command"], r["ssm_session"]) for r in ours} == {
        (verdict["command"], "contradicted")
    }
    assert any(hers in e and ann in e for e in ours[0]["ssm_session_evidence"])


def test_audit_confirms_an_honest_session(sandbox, world):
    session_id = sandbox.open_ssm_session(OWNER)
    trainee, _ = sandbox.trainees[0]
    state = str(world / "state")
    course = str(world / "course.toml")
    built = under_worker(
        sandbox, world, session_id, "apply", course, "--trainee", trainee, "--state-dir", state
    )
    assert built.returncode == 0, built.stderr
    audit = run(
        sandbox,
        world,
        [*DROP, PYTHON, "-m", "console", "audit", course, "--state-dir", state]
        + ["--operator", "auditor"],
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "by elodie (ssm-session): confirmed" in audit.stdout
    trace = run(
        sandbox,
        world,
        [*DROP, PYTHON, "-m", "console", "trace", course, trainee, "--cloudtrail"]
        + ["--state-dir", state, "--operator", "auditor"],
    )
    assert trace.returncode == 0, trace.stderr
    assert "by elodie (ssm-session): SSM session confirmed" in trace.stdout
    assert f"StartSession by {OWNER} overlaps it" in trace.stdout
