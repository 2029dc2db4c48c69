"""The human behind ``ssm-user``: a root-owned stand-in for the SSM agent's session worker, the
sandbox's ``ssm:DescribeSessions``, and whodidthis running as a non-root user beneath it (as
the session's shell does). The operator, the session name, the SourceIdentity and the ledger's
``operator_arn`` all name the session's owner; a worker owned by anyone else is not believed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from console.aws.operator import find_session_worker, operator_from_owner

NOBODY = 65534
OWNER = "arn:aws:iam::100000000000:user/elodie"
REPO = Path(__file__).resolve().parents[2]
COURSE = "dojo-2026-12"

# The non-root user runs whodidthis with an interpreter it may execute (this venv's may live in
# root's home) and this checkout's packages.
PYTHON = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin")
PYTHONPATH = os.pathsep.join([str(REPO), sysconfig.get_paths()["purelib"]])

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


def under_worker(sandbox, world, session_id, *args, forged=False):
    """Run ``whodidthis ARGS`` as a non-root user beneath a stand-in session worker.

    The worker runs as root (the agent's), or as the non-root user itself when ``forged``.
    Its arguments carry the session id and the instance id, as the agent's worker's do.
    """
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    child = [*([] if forged else drop), PYTHON, "-m", "console", *args]
    script = " ".join(f"'{part}'" for part in child) + "; exit $?"
    argv = [str(world / "ssm-session-worker"), "-c", script, "ssm-session-worker"]
    argv += [session_id, sandbox.instance_id]
    if forged:
        argv = [*drop, *argv]
    return subprocess.run(
        argv,
        env={**sandbox.clean_env(), "HOME": str(world), "PYTHONPATH": PYTHONPATH},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


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
    session_id = "elodie-0123456789abcdef0"  # never opened: DescribeSessions does not list it
    result = under_worker(sandbox, world, session_id, "whoami", "--json", "--operator", "ann")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["operator"], data["operator_source"]) == ("ann", "flag")


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
