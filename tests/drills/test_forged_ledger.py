"""Drill: a ledger rewritten with plain SQL is caught (issue 26, item 2).

One ``sqlite3 UPDATE`` changed operator, session and principal, and ``ledger``, ``trace`` and
``report --history`` then blamed someone else; ``trace --cloudtrail`` marked the forged row
``both`` because only the request id was compared. Now ``ledger --verify`` names the record,
a chain recomputed over the lie still fails the head kept outside the database (the command's
summary, ``engine.log``), and ``trace --cloudtrail`` and ``audit`` call the record
``contradicted``.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from console.store.chain import chain_existing
from tests.drills.test_lost_create import bucket_course

COURSE = "dojo-2026-12"
MALLORY = "arn:aws:sts::{account}:assumed-role/ManageEnvRole/mallory@dojo-2026-12"


def whodidthis(sandbox, state_dir, operator, *args):
    """``whodidthis ARGS`` on the drill's course (``trace COURSE RESOURCE`` for trace)."""
    course = str(state_dir / "course.toml")
    if not (state_dir / "course.toml").exists():
        bucket_course(sandbox, state_dir)
    head, rest = (
        (["trace", course], list(args[1:])) if args[0] == "trace" else (list(args), [course])
    )
    argv = [sys.executable, "-m", "console", *head, *rest]
    argv += ["--state-dir", str(state_dir), "--operator", operator]
    return subprocess.run(
        argv, env=sandbox.clean_env(), capture_output=True, text=True, timeout=300
    )


def _forge(db, account: str, trainee: str) -> int:
    with sqlite3.connect(db) as conn:
        (record_id,) = conn.execute(
            "SELECT id FROM ledger WHERE operation = 'CreateUser' AND trainee = ?", (trainee,)
        ).fetchone()
        conn.execute(
            "UPDATE ledger SET operator = 'mallory', session_name = 'mallory@dojo-2026-12',"
            " principal_arn = ? WHERE id = ?",
            (MALLORY.format(account=account), record_id),
        )
    return record_id


def test_a_rewritten_record_is_named_and_contradicted_by_cloudtrail(sandbox, tmp_path):
    trainee, account = sandbox.trainees[0]
    applied = whodidthis(sandbox, tmp_path, "ann", "apply", "--json", "--trainee", trainee)
    assert applied.returncode == 0, applied.stderr
    summary = json.loads(applied.stdout.splitlines()[-1])
    head = summary["ledger_head"]
    assert head["links"] > 0 and len(head["sha256"]) == 64
    assert (
        f"ledger head: {head['links']} links, sha256 {head['sha256']}"
        in (tmp_path / COURSE / "engine.log").read_text()
    )
    intact = whodidthis(sandbox, tmp_path, "ann", "ledger", "--verify")
    assert intact.returncode == 0 and "as written" in intact.stdout, intact.stdout
    honest = whodidthis(sandbox, tmp_path, "ann", "audit", "--json")
    assert honest.returncode == 0, honest.stdout  # no SSM session: "not yet delivered" only
    assert [json.loads(line)["verdict"] for line in honest.stdout.splitlines()] == [
        "not yet delivered"
    ]

    db = tmp_path / COURSE / "state.sqlite3"
    record_id = _forge(db, account, trainee)
    forged = whodidthis(sandbox, tmp_path, "ann", "ledger", "--verify")
    assert forged.returncode == 1, forged.stdout
    assert f"first: record {record_id} was changed after it was written" in forged.stdout

    traced = whodidthis(sandbox, tmp_path, "ann", "trace", "--json", "--cloudtrail", trainee)
    rows = [json.loads(line) for line in traced.stdout.splitlines()]
    create = next(r for r in rows if r["operation"] == "iam:CreateUser")
    assert create["seen"] == "contradicted", create
    assert create["cloudtrail_says"]["session_name"].startswith("ann")
    # audit holds each record to CloudTrail with the same comparison: the row rewritten to
    # blame mallory left ann's command, and is caught on a line of its own (exit 1).
    audited = whodidthis(sandbox, tmp_path, "ann", "audit", "--json")
    assert audited.returncode == 1, audited.stdout + audited.stderr
    lines = [json.loads(line) for line in audited.stdout.splitlines()]
    [row] = [line for line in lines if line.get("record") == record_id]
    assert (row["verdict"], row["operator"]) == ("contradicted", "mallory")
    assert row["cloudtrail_says"] == {
        k: create["cloudtrail_says"][k] for k in ("principal_arn", "session_name")
    }

    # The forger recomputes the whole chain: the database agrees with itself again ...
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM ledger_chain")
        chain_existing(conn)
    (tmp_path / COURSE / "engine.log").write_text("")  # ... and empties the engine's log
    # ... but the head the command's summary printed (the CI log kept it) no longer matches.
    given = f"{head['links']}:{head['sha256']}"
    caught = whodidthis(sandbox, tmp_path, "ann", "ledger", "--verify", "--head", given)
    assert caught.returncode == 1, caught.stdout
    assert "does not match the head recorded (--head)" in caught.stdout


def test_a_deleted_record_is_named_missing(sandbox, tmp_path):
    trainee, _ = sandbox.trainees[0]
    assert whodidthis(sandbox, tmp_path, "ann", "apply", "--trainee", trainee).returncode == 0
    db = tmp_path / COURSE / "state.sqlite3"
    with sqlite3.connect(db) as conn:
        (record_id,) = conn.execute(
            "SELECT id FROM ledger WHERE operation = 'CreateUser'"
        ).fetchone()
        conn.execute("DELETE FROM ledger WHERE id = ?", (record_id,))
    result = whodidthis(sandbox, tmp_path, "ann", "ledger", "--verify")
    assert result.returncode == 1
    assert f"record {record_id} is missing: it was deleted from the ledger" in result.stdout
