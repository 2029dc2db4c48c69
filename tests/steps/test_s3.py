"""s3_bucket against the sandbox over HTTP: create, adopt, refuse, check, tear down."""

import time

import pytest

from console.aws.trail_claims import SessionMark
from console.steps.base import TAG_COURSE, TAG_TRAINEE, NotOurs
from console.steps.ownership import OurCreate
from console.steps.s3 import CLAIM_TOLERANCE_S, S3Bucket
from tests.steps.world import REGION, unique

STEP = S3Bucket()
LOCATION = {"LocationConstraint": REGION}


def _just_created(**changes) -> dict:
    """The engine's word on an answered CreateBucket of ours made just now, window open."""
    return {"our_create": OurCreate(at=time.time(), **changes)}


def _spec(world, versioning=True):
    return {"name": unique(f"dojo-{world.account}"), "versioning": versioning}


def _tags(world, name):
    s3 = world.backdoor.client("s3")
    try:
        return {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
    except s3.exceptions.ClientError as exc:
        assert exc.response["Error"]["Code"] == "NoSuchTagSet"
        return {}


def _exists(world, name):
    return name in {b["Name"] for b in world.backdoor.client("s3").list_buckets()["Buckets"]}


async def test_apply_creates_a_tagged_versioned_bucket(world):
    params = _spec(world)
    result = await STEP.apply(world.ctx(params))
    assert result.created and result.resource_arn == f"arn:aws:s3:::{params['name']}"
    tags = _tags(world, params["name"])
    assert tags[TAG_COURSE] == "dojo" and tags[TAG_TRAINEE] == world.trainee
    versioning = world.backdoor.client("s3").get_bucket_versioning(Bucket=params["name"])
    assert versioning["Status"] == "Enabled"


async def test_apply_again_adopts_and_creates_nothing(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    world.clear()
    again = await STEP.apply(world.ctx(params))
    assert not again.created and world.operations() == []


@pytest.mark.parametrize(
    "decoy_tags",
    [
        [],
        [{"Key": TAG_COURSE, "Value": "dojo"}, {"Key": TAG_TRAINEE, "Value": "someone-else"}],
    ],
    ids=["untagged", "another-trainee"],
)
async def test_a_decoy_is_refused_and_left_untouched(world, decoy_tags):
    params = _spec(world)
    s3 = world.backdoor.client("s3")
    s3.create_bucket(Bucket=params["name"], CreateBucketConfiguration=LOCATION)
    if decoy_tags:
        s3.put_bucket_tagging(Bucket=params["name"], Tagging={"TagSet": decoy_tags})
    with pytest.raises(NotOurs, match=params["name"]):
        await STEP.apply(world.ctx(params))
    assert _tags(world, params["name"]) == {t["Key"]: t["Value"] for t in decoy_tags}
    assert s3.get_bucket_versioning(Bucket=params["name"]).get("Status") is None
    assert world.operations() == []


async def test_an_untagged_bucket_our_crashed_create_left_is_claimed(world):
    """CreateBucket done, PutBucketTagging never sent: the ledger says the bucket is ours."""
    params = _spec(world)
    world.backdoor.client("s3").create_bucket(
        Bucket=params["name"], CreateBucketConfiguration=LOCATION
    )
    result = await STEP.apply(world.ctx(params, extra=_just_created()))
    assert not result.created
    assert _tags(world, params["name"])[TAG_TRAINEE] == world.trainee


async def test_a_lost_create_the_read_back_cannot_place_is_resolved_from_our_trail(world):
    """Our session made the bucket (the trail says so), the answer was lost (a crash: the
    record kept only its session), and CreationDate is an hour off the record (a host clock
    off, or a date S3 moved): the read-back cannot tell, the trail of our own session can."""
    params = _spec(world)
    s3 = await world.client("s3")
    await s3.create_bucket(Bucket=params["name"], CreateBucketConfiguration=LOCATION)
    session = world.session
    lost = OurCreate(
        at=time.time() - 3600,
        answered=False,
        session=SessionMark(session.principal_arn, assume_request_id=session.issue.request_id),
    )
    result = await STEP.apply(world.ctx(params, extra={"our_create": lost}))
    assert not result.created and _tags(world, params["name"])[TAG_TRAINEE] == world.trainee
    assert f"asking CloudTrail who made bucket {params['name']}" in world.progress
    # Another session's mark (an AssumeRole that issued another key) is no proof.
    other = _spec(world)
    await s3.create_bucket(Bucket=other["name"], CreateBucketConfiguration=LOCATION)
    stranger = SessionMark(session.principal_arn, assume_request_id="not-our-assume")
    with pytest.raises(NotOurs):
        await STEP.apply(world.ctx(other, extra={"our_create": OurCreate(
            at=time.time() - 3600, answered=False, session=stranger)}))  # fmt: skip


async def test_a_bucket_with_other_tags_is_never_claimed(world):
    params = _spec(world)
    s3 = world.backdoor.client("s3")
    s3.create_bucket(Bucket=params["name"], CreateBucketConfiguration=LOCATION)
    s3.put_bucket_tagging(
        Bucket=params["name"], Tagging={"TagSet": [{"Key": "team", "Value": "blue"}]}
    )
    with pytest.raises(NotOurs):
        await STEP.apply(world.ctx(params, extra=_just_created()))
    assert _tags(world, params["name"]) == {"team": "blue"}


async def test_check_passes_then_sees_drift(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    assert (await STEP.check(world.ctx(params))).ok
    s3 = world.backdoor.client("s3")
    s3.put_bucket_versioning(Bucket=params["name"], VersioningConfiguration={"Status": "Suspended"})
    checked = await STEP.check(world.ctx(params))
    assert not checked.ok and checked.problems == ("versioning is not enabled",)
    s3.delete_bucket_tagging(Bucket=params["name"])
    assert "is not ours" in (await STEP.check(world.ctx(params))).problems[0]
    s3.delete_bucket(Bucket=params["name"])
    gone = await STEP.check(world.ctx(params))
    assert not gone.ok and "does not exist" in gone.problems[0]


def _fill(world, name):
    """Objects, several versions of one, a delete marker and an unfinished upload."""
    s3 = world.backdoor.client("s3")
    for i in range(5):
        s3.put_object(Bucket=name, Key=f"notes/{i}.txt", Body=b"v1")
    for body in (b"v2", b"v3"):
        s3.put_object(Bucket=name, Key="notes/0.txt", Body=body)
    s3.delete_object(Bucket=name, Key="notes/1.txt")  # a delete marker
    s3.create_multipart_upload(Bucket=name, Key="big.bin")
    listed = s3.list_object_versions(Bucket=name)
    return len(listed.get("Versions", [])) + len(listed.get("DeleteMarkers", []))


async def test_teardown_empties_a_versioned_bucket_then_deletes_it(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    assert _fill(world, params["name"]) == 8
    [planned] = await STEP.plan_teardown(world.ctx(params))
    assert planned.ours and "every object version" in planned.note
    world.clear()
    [done] = await STEP.teardown(world.ctx(params))
    assert done.ours and not done.exists
    assert not _exists(world, params["name"])
    assert world.operations() == ["AbortMultipartUpload", "DeleteObjects", "DeleteBucket"]
    assert any("8 object versions deleted" in line for line in world.progress)


async def test_teardown_twice_is_fine(world):
    params = _spec(world, versioning=False)
    await STEP.apply(world.ctx(params))
    await STEP.teardown(world.ctx(params))
    world.clear()
    [again] = await STEP.teardown(world.ctx(params))
    assert not again.exists and again.note == "already gone" and world.operations() == []


async def test_teardown_keeps_a_decoy_and_its_objects(world):
    params = _spec(world)
    s3 = world.backdoor.client("s3")
    s3.create_bucket(Bucket=params["name"], CreateBucketConfiguration=LOCATION)
    s3.put_object(Bucket=params["name"], Key="keep.txt", Body=b"mine")
    [kept] = await STEP.teardown(world.ctx(params))
    assert not kept.ours and kept.exists and kept.note.startswith("kept")
    assert s3.get_object(Bucket=params["name"], Key="keep.txt")["Body"].read() == b"mine"
    assert world.operations() == []


async def test_teardown_of_another_trainees_bucket_keeps_it(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params, trainee="someone-else"))
    [kept] = await STEP.teardown(world.ctx(params))
    assert not kept.ours and "whodidthis:trainee=someone-else" in kept.note
    assert _exists(world, params["name"])


async def test_teardown_deletes_more_versions_than_one_page_holds(world):
    """ListObjectVersions pages hold 1000 entries: deleting page by page must skip none."""
    from concurrent.futures import ThreadPoolExecutor

    params = _spec(world)
    await STEP.apply(world.ctx(params))
    s3 = world.backdoor.client("s3")
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda i: s3.put_object(Bucket=params["name"], Key=f"k/{i:05}", Body=b""),
                range(1010),
            )
        )
    world.clear()
    await STEP.teardown(world.ctx(params))
    assert world.operations().count("DeleteObjects") == 2
    assert not _exists(world, params["name"])


async def test_teardown_deletes_an_untagged_bucket_only_when_the_ledger_says_ours(world):
    params = _spec(world)
    world.backdoor.client("s3").create_bucket(
        Bucket=params["name"], CreateBucketConfiguration=LOCATION
    )
    [kept] = await STEP.teardown(world.ctx(params))
    assert not kept.ours and _exists(world, params["name"])
    [done] = await STEP.teardown(world.ctx(params, extra=_just_created()))
    assert done.ours and not done.exists and not _exists(world, params["name"])


@pytest.mark.parametrize(
    "why",
    ["old-create", "has-an-object", "tagging-answered", "step-was-done", "no-create-of-ours"],
)
async def test_an_untagged_bucket_outside_the_claim_window_is_never_claimed(world, why):
    """Each condition of the window alone closes it: apply refuses, teardown keeps, and the
    bucket (and its object) stays as it was."""
    params = _spec(world)
    s3 = world.backdoor.client("s3")
    s3.create_bucket(Bucket=params["name"], CreateBucketConfiguration=LOCATION)
    extra = {
        "old-create": {"our_create": OurCreate(at=time.time() - 2 * CLAIM_TOLERANCE_S - 3600)},
        "has-an-object": _just_created(),
        "tagging-answered": _just_created(tagged=True),
        "step-was-done": _just_created(step_done=True),
        "no-create-of-ours": {"our_create": None},
    }[why]
    if why == "has-an-object":
        s3.put_object(Bucket=params["name"], Key="theirs.txt", Body=b"not yours")
    with pytest.raises(NotOurs):
        await STEP.apply(world.ctx(params, extra=extra))
    [kept] = await STEP.teardown(world.ctx(params, extra=extra))
    assert not kept.ours and kept.exists and "kept" in kept.note
    assert _exists(world, params["name"]) and _tags(world, params["name"]) == {}
    changing = [op for op in world.operations() if not op.startswith(("Get", "List", "Head"))]
    assert changing == []
