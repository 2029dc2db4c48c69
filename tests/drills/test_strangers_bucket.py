"""Drill: a bucket that is not ours any more is never taken (issue 14, item 2).

Bucket names are taken, given up and taken again by whoever asks. The ledger's old CreateBucket
is no proof that the bucket of that name today is the one we created: only inside the window of
our own interrupted create (CreateBucket answered, tagging not done, step not DONE, the bucket
empty and created when our call was made) is an untagged bucket ours.
"""

import pytest

from tests.engine.helpers import cli, status

COURSE = "dojo-2026-12"
CHANGING = ("PutBucketTagging", "DeleteBucket", "DeleteObjects", "PutBucketVersioning")


@pytest.fixture
def built(sandbox_factory, tmp_path):
    """One trainee, built: the sandbox, its bucket name and its account's S3 (backdoor)."""
    sandbox = sandbox_factory(trainees=1)
    assert cli(sandbox, tmp_path, "apply").returncode == 0
    (trainee, account) = sandbox.trainees[0]
    name = f"{COURSE}-{trainee}-{account}"
    s3 = sandbox.backdoor_session(account).client("s3")
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"]
    return sandbox, name, s3


def _untagged(s3, name: str) -> bool:
    try:
        return not s3.get_bucket_tagging(Bucket=name)["TagSet"]
    except s3.exceptions.ClientError as exc:
        return exc.response["Error"]["Code"] == "NoSuchTagSet"


def test_a_strangers_bucket_of_our_old_name_is_neither_tagged_nor_deleted(built, tmp_path):
    sandbox, name, s3 = built
    for version in s3.list_object_versions(Bucket=name).get("Versions") or []:
        s3.delete_object(Bucket=name, Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket=name)  # ours, deleted out of band
    s3.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"}
    )
    s3.put_object(Bucket=name, Key="their-work.txt", Body=b"not yours")
    before = len(sandbox.trail())

    applied = cli(sandbox, tmp_path, "apply")
    assert applied.returncode == 1, applied.stdout + applied.stderr
    trainee = status(sandbox, tmp_path)[sandbox.trainees[0][0]]
    assert trainee["state"] == "FAILED" and "not ours" in (trainee["error"] or "").lower()
    torn = cli(sandbox, tmp_path, "teardown", "--yes")
    assert "Traceback" not in torn.stderr

    assert _untagged(s3, name)
    assert s3.get_object(Bucket=name, Key="their-work.txt")["Body"].read() == b"not yours"
    after = [r["operation"] for r in sandbox.trail()[before:] if r["operation"] in CHANGING]
    assert after == [], after


def test_a_bucket_whose_tags_an_instructor_removed_is_kept_by_teardown(built, tmp_path):
    sandbox, name, s3 = built
    s3.put_object(Bucket=name, Key="graded.txt", Body=b"keep me")
    s3.delete_bucket_tagging(Bucket=name)  # how an instructor keeps a resource
    before = len(sandbox.trail())
    plan = cli(sandbox, tmp_path, "teardown")
    assert plan.returncode == 0 and f"s3_bucket:{name}" in plan.stdout
    line = next(row for row in plan.stdout.splitlines() if f"s3_bucket:{name}" in row)
    assert "kept" in line, plan.stdout
    cli(sandbox, tmp_path, "teardown", "--yes")
    assert s3.get_object(Bucket=name, Key="graded.txt")["Body"].read() == b"keep me"
    assert _untagged(s3, name)
    after = [r["operation"] for r in sandbox.trail()[before:] if r["operation"] in CHANGING]
    assert "DeleteBucket" not in after and "DeleteObjects" not in after, after


def test_our_own_interrupted_create_is_still_claimed_inside_its_window(sandbox_factory, tmp_path):
    """CreateBucket answered, its tags not applied, PutBucketTagging refused: the bucket is
    ours, empty and just created, and the next apply tags it."""
    sandbox = sandbox_factory(trainees=1)
    (trainee, account) = sandbox.trainees[0]
    name = f"{COURSE}-{trainee}-{account}"
    sandbox.faults.add_error(
        "AccessDenied", "Access Denied", 403, service="s3", operation="PutBucketTagging", first=1
    )
    first = cli(sandbox, tmp_path, "apply")
    assert first.returncode == 1
    s3 = sandbox.backdoor_session(account).client("s3")
    # The sandbox applies CreateBucket's tags as AWS does; an endpoint that drops them (the
    # case this window exists for) leaves the bucket as this makes it: untagged.
    s3.delete_bucket_tagging(Bucket=name)
    assert _untagged(s3, name)
    again = cli(sandbox, tmp_path, "apply")
    assert again.returncode == 0, again.stdout + again.stderr
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
    assert tags["whodidthis:trainee"] == trainee
    assert cli(sandbox, tmp_path, "teardown", "--yes").returncode == 0
    assert name not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
