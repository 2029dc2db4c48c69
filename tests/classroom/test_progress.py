"""Lab progress end to end: the real CLI against the stand-in, nothing patched.

A course with five milestones; the trainee signs in (the stand-in records the password use) and
makes a bucket and an object by hand with their own access key. ``progress --json`` shows 2/5
with the times AWS gives, the others not reached, and the checks made no changing call.
"""

from __future__ import annotations

import json
import time

from tests.engine.helpers import cli

COURSE = "progress-1"
REGION = "ap-northeast-1"

CHECKS = """
[[check]]
name = "signed in"
kind = "signed_in"

[[check]]
name = "made the lab bucket"
kind = "resource_exists"
type = "AWS::S3::Bucket"
name_pattern = "{trainee}-lab-*"

[[check]]
name = "uploaded the results"
kind = "s3_object"
bucket = "{trainee}-lab-{account}"
key = "results/final.txt"

[[check]]
name = "made a queue"
kind = "did"
event = "sqs:CreateQueue"

[[check]]
name = "stack says ok"
kind = "stack_output"
stack = "{trainee}-app"
output = "Status"
equals = "ok"
"""


def course_file(sandbox, tmp_path, count: int = 2):
    lines = ["[course]", f'name = "{COURSE}"', f'region = "{REGION}"', ""]
    for name, account in sandbox.trainees[:count]:
        lines += ["[[trainee]]", f'name = "{name}"', f'account = "{account}"', ""]
    lines += ["[[step]]", 'kind = "iam_user"', ""]
    path = tmp_path / "course.toml"
    path.write_text("\n".join(lines) + CHECKS, encoding="utf-8")
    return path


def test_two_of_five_with_times_and_no_changing_call(sandbox, tmp_path):
    course, state = course_file(sandbox, tmp_path), tmp_path / "state"
    assert cli(sandbox, state, "apply", course=course).returncode == 0
    (alice, account), (bob, _) = sandbox.trainees[:2]
    before = time.time()
    sandbox.sign_in(account, alice)
    session = sandbox.user_session(account, alice)
    s3 = session.client("s3", region_name=REGION)
    bucket = f"{alice}-lab-{account}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key="draft.txt", Body=b"not the results yet")
    trail_before, ledger_before = len(sandbox.trail()), len(ledger_of(sandbox, state, course))

    result = cli(sandbox, state, "progress", "--json", course=course)

    assert result.returncode == 0, result.stderr
    rows = {t["name"]: t for t in json.loads(result.stdout)["trainees"]}
    mine = rows[alice]["milestones"]
    assert (mine["reached"], mine["total"], mine["next"]) == (2, 5, "uploaded the results")
    reached = {i["name"]: i["reached_at"] for i in mine["items"] if i["reached"]}
    assert set(reached) == {"signed in", "made the lab bucket"}
    assert all(_epoch(at) >= before - 1 for at in reached.values())
    assert [i["reached_at"] for i in mine["items"] if not i["reached"]] == [None, None, None]
    assert rows[bob]["milestones"]["reached"] == 0
    # The checks only read: every call they made in a trainee account is a read or the
    # session's own AssumeRole and identity check, and the ledger gained nothing else.
    calls = [r for r in sandbox.trail()[trail_before:] if r["account"] != sandbox.admin_account]
    assert calls, "the checks asked nothing"
    changing = [
        r["operation"]
        for r in calls
        if not r["operation"].startswith(("Get", "List", "Describe", "Head", "Lookup"))
    ]
    assert changing == []
    added = ledger_of(sandbox, state, course)[ledger_before:]
    assert added, "the checks' sessions were not recorded"
    assert {r["operation"] for r in added} <= {"AssumeRole", "GetCallerIdentity"}


def test_reached_times_stay_when_checked_again(sandbox, tmp_path):
    course, state = course_file(sandbox, tmp_path, count=1), tmp_path / "state"
    assert cli(sandbox, state, "apply", course=course).returncode == 0
    alice, account = sandbox.trainees[0]
    sandbox.sign_in(account, alice)
    first = json.loads(cli(sandbox, state, "progress", "--json", course=course).stdout)
    sandbox.user_session(account, alice).client("sqs", region_name=REGION).create_queue(
        QueueName="alice-work"
    )
    second = json.loads(cli(sandbox, state, "progress", "--json", course=course).stdout)
    one, two = (doc["trainees"][0]["milestones"] for doc in (first, second))
    assert (one["reached"], two["reached"]) == (1, 2)
    assert one["items"][0]["reached_at"] == two["items"][0]["reached_at"]
    assert two["items"][3]["reached"] and "alice (IAM user)" in two["items"][3]["detail"]
    status = json.loads(cli(sandbox, state, "status", "--json", course=course).stdout)
    assert status["trainees"][0]["milestones"]["reached"] == 2
    stuck = cli(sandbox, state, "progress", "--json", "--stuck-minutes", "600", course=course)
    assert json.loads(stuck.stdout)["trainees"] == []  # nobody has been on it for 10 hours
    report = cli(sandbox, state, "report", course=course)
    assert "Lab milestones: 2/5" in report.stdout


def ledger_of(sandbox, state, course) -> list[dict]:
    result = cli(sandbox, state, "ledger", "--json", "--all", course=course)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _epoch(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()
