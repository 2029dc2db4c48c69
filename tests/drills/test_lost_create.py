"""Drill: a bucket whose CreateBucket answer was lost is resolved, never orphaned (issue 26,
item 1).

The answer to our own CreateBucket can be lost after S3 made the bucket: ``kill -9``, a plain
``kill``, a full disk or a double Ctrl+C between the intent and the answer leaves the ledger
record ``unknown``; a server error after the fact leaves it ``error InternalFailure``. Where
create-time tags are not applied (the case the claim window exists for; the stand-in applies
them as AWS does, so the test removes them as such an endpoint would leave the bucket), the
next ``apply`` must read back what exists (empty, created when our call was made) and take the
bucket, and ``teardown`` must delete it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from console.model import LedgerRecord
from console.store.state import Store
from tests.drills.test_strangers_bucket import COURSE, _untagged
from tests.engine.helpers import cli, status


def bucket_course(sandbox, folder: Path, count: int = 1) -> Path:
    """A course of an IAM user and a bucket for the first ``count`` trainees (no stack: the
    drill is about the bucket)."""
    lines = ["[course]", f'name = "{COURSE}"', 'region = "ap-northeast-1"']
    for name, account in sandbox.trainees[:count]:
        lines += ["", "[[trainee]]", f'name = "{name}"', f'account = "{account}"']
    lines += ["", "[[step]]", 'kind = "iam_user"', "", "[[step]]", 'kind = "s3_bucket"']
    lines.append('name = "{course}-{trainee}-{account}"')
    path = folder / "course.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _bucket(sandbox):
    (trainee, account) = sandbox.trainees[0]
    return trainee, f"{COURSE}-{trainee}-{account}", sandbox.backdoor_session(account).client("s3")


def _resolved_then_torn_down(sandbox, tmp_path, trainee, name, s3) -> None:
    course = tmp_path / "course.toml"
    again = cli(sandbox, tmp_path, "apply", course=course)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert status(sandbox, tmp_path, course)[trainee]["state"] == "READY"
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
    assert tags["whodidthis:trainee"] == trainee
    torn = cli(sandbox, tmp_path, "teardown", "--yes", course=course)
    assert torn.returncode == 0, torn.stdout[-2000:] + torn.stderr[-2000:]
    assert name not in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_a_server_error_after_the_bucket_was_made_is_resolved(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(trainees=1)
    trainee, name, s3 = _bucket(sandbox)
    sandbox.faults.add_error(
        "InternalFailure",
        "We encountered an internal error. Please try again.",
        status=500,
        service="s3",
        operation="CreateBucket",
        after_applying=True,
    )
    # Two attempts, not the default ten: the error stays until cleared, and ten attempts
    # spend about a minute in backoff to reach the same failure.
    course = bucket_course(sandbox, tmp_path)
    first = cli(sandbox, tmp_path, "apply", course=course, env_extra={"AWS_MAX_ATTEMPTS": "2"})
    assert first.returncode == 1
    sandbox.faults.clear()
    s3.delete_bucket_tagging(Bucket=name)  # an endpoint that drops create-time tags
    assert _untagged(s3, name)
    _resolved_then_torn_down(sandbox, tmp_path, trainee, name, s3)


def test_a_create_left_unknown_by_a_crash_is_resolved(sandbox_factory, tmp_path):
    """The state ``kill -9`` between the intent and the answer leaves: the intent written
    (outcome unknown), the bucket made by that call, no tags, the step not DONE."""
    sandbox = sandbox_factory(trainees=1)
    trainee, name, s3 = _bucket(sandbox)
    sandbox.faults.add_error(
        "AccessDenied", "Access Denied", 403, service="s3", operation="CreateBucket"
    )
    first = cli(sandbox, tmp_path, "apply", course=bucket_course(sandbox, tmp_path))
    assert first.returncode == 1
    sandbox.faults.clear()
    store = Store.open(tmp_path, COURSE)
    try:
        refused = next(r for r in store.ledger() if r.operation == "CreateBucket")
        intent = dataclasses.replace(refused, id=None, ts=refused.ts + 1)
        assert isinstance(intent, LedgerRecord)
        store.ledger_intent(intent)  # the crash: never settled
    finally:
        store.close()
    s3.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"}
    )
    assert _untagged(s3, name)
    _resolved_then_torn_down(sandbox, tmp_path, trainee, name, s3)
