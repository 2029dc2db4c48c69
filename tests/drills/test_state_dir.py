"""Drill: a state dir that is read-only or full gives a clear error, leaves the store intact and
nothing half done in AWS (the ledger intent is written before each call, so a store that
cannot be written stops the engine before the call)."""

import resource
import signal
import sqlite3
import subprocess
import sys

from console.store.state import Store
from tests.engine.helpers import cli

COURSE = "dojo-2026-12"


def test_a_read_only_state_dir_is_a_clear_error_and_no_aws_call(sandbox, tmp_path):
    Store.open(tmp_path, COURSE).close()
    db = tmp_path / COURSE / "state.sqlite3"
    # As root, file modes do not bind: drop every capability for the child (as the store's own
    # tests do) so the read-only directory is enforced.
    argv = [
        "setpriv",
        "--bounding-set=-all",
        "--inh-caps=-all",
        sys.executable,
        "-m",
        "console",
        "apply",
        str(sandbox.course_path),
        "--state-dir",
        str(tmp_path),
    ]
    for path in (tmp_path / COURSE, tmp_path):
        path.chmod(0o555)
    db.chmod(0o444)
    try:
        result = subprocess.run(
            argv, env=sandbox.clean_env(), capture_output=True, text=True, timeout=120
        )
    finally:
        for path in (tmp_path, tmp_path / COURSE):
            path.chmod(0o755)
        db.chmod(0o644)
    assert result.returncode == 1, result.stderr
    assert "read-only" in result.stderr and str(tmp_path) in result.stderr
    assert "Traceback" not in result.stderr
    accounts = {account for _, account in sandbox.trainees}
    assert [r for r in sandbox.trail() if r["account"] in accounts] == []
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_mid_run_is_a_clear_error_and_nothing_half_done(sandbox, tmp_path):
    assert cli(sandbox, tmp_path, "status").returncode == 0  # creates the store
    db = tmp_path / COURSE / "state.sqlite3"
    limit = db.stat().st_size + 64 * 1024  # room for the first events, not a whole run
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "apply",
            str(sandbox.course_path),
            "--state-dir",
            str(tmp_path),
            "--operator",
            "alice",
        ],
        env=sandbox.clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_limit_file_size(limit),
    )
    assert result.returncode != 0
    assert "full" in result.stderr.lower() and "Traceback" not in result.stderr
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = Store.open(tmp_path, COURSE)
    recorded = {r.request_id for r in store.ledger() if r.request_id}
    changed = [
        r
        for r in sandbox.trail()
        if r["status"] < 300
        and r["operation"] not in ("GetCallerIdentity",)
        and not r["operation"].startswith(("Get", "List", "Describe", "Head"))
    ]
    # Every change AWS saw was preceded by its intent in the store: nothing unrecorded.
    unrecorded = [r for r in changed if r["request_id"] not in recorded]
    intents = [r for r in store.ledger() if r.request_id is None]
    assert len(unrecorded) <= len(intents)
