"""``s3_bucket``: an S3 bucket for the trainee, optionally versioned.

Tags and crashes: the bucket is created with its ownership tags in CreateBucket
(``CreateBucketConfiguration.Tags``; needs ``s3:TagResource``), and PutBucketTagging follows at
once with the same tags, for endpoints that do not apply create-time tags. Where the create-time
tags are not applied, a crash between the two calls leaves a bucket of ours with no tags at all,
which looks exactly like a stranger's bucket. An untagged bucket is therefore refused (never
adopted, never deleted) except inside the window that claim exists for
(``ctx.extra["our_create"]``, an :class:`~console.steps.ownership.OurCreate`): our CreateBucket
answered, no tagging answered after it, the step not DONE, and the bucket itself empty and
created when our call was made (ListBuckets' CreationDate within ``CLAIM_TOLERANCE_S`` of the
ledger's CreateBucket). Then ``apply`` tags it and teardown deletes it. Any other untagged bucket
(ours deleted out of band and the name taken by someone else; ours with its tags removed by an
instructor to keep it) is kept, and a bucket carrying any other tags is never claimed.

Bucket names are global: a bucket of the same name in another account answers HeadBucket with
403, and is refused like any other bucket that is not ours.
"""

from __future__ import annotations

import time

from botocore.exceptions import ClientError

from console.errors import WhodidthisError
from console.steps import ownership
from console.steps.base import (
    ApplyResult,
    CheckResult,
    NotOurs,
    PlannedDeletion,
    StepContext,
    StepKind,
    resource_name,
)
from console.steps.calls import error_code, every, every_by_token, found_after_all, wait

BATCH = 1000  # DeleteObjects takes at most 1000 keys
#: How far apart S3's CreationDate and the ledger's CreateBucket may be for the bucket to be the
#: one our call created: the call's own time, plus the host's clock skew (SigV4 allows 15 min;
#: a host in sync with NTP is off by well under a second).
CLAIM_TOLERANCE_S = 300.0


class EmptyingFailed(WhodidthisError):
    """DeleteObjects refused some object versions, so the bucket cannot be deleted yet."""

    code = "EmptyingFailed"


def _arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


async def _tags(s3, name: str) -> dict[str, str] | None:
    """The bucket's tags; None when the bucket does not exist; raises NotOurs when it exists in
    an account we cannot read."""
    try:
        await s3.head_bucket(Bucket=name)
    except ClientError as exc:
        code = error_code(exc)
        if code in ("404", "NoSuchBucket", "NotFound"):
            return None
        if code in ("403", "AccessDenied", "Forbidden"):
            raise NotOurs(f"S3 bucket {name} (in another account, or not readable)", {}) from exc
        raise
    try:
        answer = await s3.get_bucket_tagging(Bucket=name)
    except ClientError as exc:
        if error_code(exc) == "NoSuchTagSet":
            return {}
        raise
    return ownership.tags_from_pairs(answer.get("TagSet"))


async def _claimable(ctx: StepContext, s3, name: str, tags: dict[str, str]) -> bool:
    """An untagged bucket our own interrupted create left behind (see the module docstring)."""
    ours = ctx.extra.get("our_create")
    if tags or ours is None or not ours.window_open:
        return False
    if not await _holds_nothing(s3, name):
        return False
    # The read-back cannot tell when the CreationDate is not our call's (S3's model: "This date
    # can change when making changes to your bucket, such as editing its bucket policy"; or
    # the host's clock was off): then the trail of our own session decides.
    return await _created_at(s3, name, ours.at) or await _in_our_trail(ctx, name, ours)


async def _in_our_trail(ctx: StepContext, name: str, ours) -> bool:
    """CloudTrail says the bucket's newest create was made by the session the ledger names."""
    from console.aws.trail_claims import made_by_session

    if ours.session is None:
        return False
    ctx.progress(f"asking CloudTrail who made bucket {name}")
    try:
        trail = await ctx.client("cloudtrail")
        return await made_by_session(
            trail, ctx.account, ctx.region, name=name, create="CreateBucket",
            delete="DeleteBucket", mark=ours.session,
        )  # fmt: skip
    except ClientError:  # no cloudtrail:LookupEvents: the read-back's word stands
        return False


async def _made_by_our_call(s3, name: str, at: float) -> bool:
    """The bucket is empty and S3's CreationDate matches our create call made at ``at``."""
    return await _holds_nothing(s3, name) and await _created_at(s3, name, at)


async def _created_at(s3, name: str, at: float) -> bool:
    """S3's CreationDate for the bucket is within ``CLAIM_TOLERANCE_S`` of ``at``."""
    created = await _creation_date(s3, name)
    return created is not None and abs(created.timestamp() - at) <= CLAIM_TOLERANCE_S


async def _holds_nothing(s3, name: str) -> bool:
    """No object version, no delete marker: a bucket we created and never got to use."""
    page = await s3.list_object_versions(Bucket=name, MaxKeys=1)
    return not (page.get("Versions") or page.get("DeleteMarkers"))


async def _creation_date(s3, name: str):
    """The bucket's CreationDate as ListBuckets (in its own account) says; None if not listed."""
    buckets = await every_by_token(
        s3, "list_buckets", "Buckets", token="ContinuationToken", Prefix=name
    )
    return next((b.get("CreationDate") for b in buckets if b.get("Name") == name), None)


async def _versioning_enabled(s3, name: str) -> bool:
    return (await s3.get_bucket_versioning(Bucket=name)).get("Status") == "Enabled"


class S3Bucket(StepKind):
    """An S3 bucket, versioned when the course asks for it."""

    kind = "s3_bucket"

    async def apply(self, ctx: StepContext) -> ApplyResult:
        """Create the bucket (tagged) or adopt ours, then turn on versioning when asked."""
        s3, name = await ctx.client(self.service), resource_name(ctx)
        tags = await _tags(s3, name)
        created = tags is None
        if tags is None:
            await self._create(ctx, s3, name)
        elif await _claimable(ctx, s3, name, tags):
            ctx.progress(f"tagging bucket {name}, left untagged by an interrupted run")
            await s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": ctx.tag_list()})
        else:
            ownership.refuse_unless_ours(ctx, self.resource(ctx), tags)
        if ctx.params.get("versioning") and not await _versioning_enabled(s3, name):
            ctx.progress(f"turning on versioning of {name}")
            await s3.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": "Enabled"}
            )
        return ApplyResult(_arn(name), created)

    @staticmethod
    async def _create(ctx: StepContext, s3, name: str) -> None:
        ctx.progress(f"creating S3 bucket {name}")
        config: dict = {"Tags": ctx.tag_list()}
        if ctx.region != "us-east-1":  # us-east-1 refuses an explicit LocationConstraint
            config["LocationConstraint"] = ctx.region
        asked_at = time.time()
        try:
            await s3.create_bucket(Bucket=name, CreateBucketConfiguration=config)
        except ClientError as exc:
            # "Your previous request to create the named bucket succeeded and you already own
            # it": a retry whose first attempt made the bucket and lost its answer. Ours when it
            # carries our tags (create-time tags applied), or, where create-time tags are not
            # applied, inside the claim window itself: botocore did retry (a first attempt
            # hearing this met a bucket that was there before our call), no tagging yet, the
            # step not DONE, the bucket empty and created when this very call was made.
            tags = await found_after_all(exc, ("BucketAlreadyOwnedByYou",), lambda: _tags(s3, name))
            retried = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) > 0
            if tags or not (retried and await _made_by_our_call(s3, name, asked_at)):
                ownership.refuse_unless_ours(ctx, f"S3 bucket {name}", tags)
        await s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": ctx.tag_list()})

    async def check(self, ctx: StepContext) -> CheckResult:
        """The bucket exists, is ours, and is versioned when the course asks for it.

        ``versioning = false`` means "not asked for": a bucket versioned by hand is not drift.
        """
        s3, name = await ctx.client(self.service), resource_name(ctx)
        try:
            tags = await _tags(s3, name)
        except NotOurs as exc:
            return CheckResult(False, _arn(name), (str(exc),))
        if tags is None:
            return CheckResult(False, None, (f"{self.resource(ctx)} does not exist",))
        if not ctx.is_ours(tags):
            return CheckResult(False, _arn(name), (f"{self.resource(ctx)} is not ours",))
        if ctx.params.get("versioning") and not await _versioning_enabled(s3, name):
            return CheckResult(False, _arn(name), ("versioning is not enabled",))
        return CheckResult(True, _arn(name))

    async def plan_teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """The bucket and its contents, if ours; or why it would be kept."""
        s3, name = await ctx.client(self.service), resource_name(ctx)
        try:
            tags = await _tags(s3, name)
        except NotOurs:
            return [
                PlannedDeletion(
                    self.resource(ctx),
                    None,
                    ours=False,
                    note="kept: in another account, or its tags cannot be read",
                )
            ]
        if tags is None:
            return [ownership.gone(self.resource(ctx))]
        if not (ctx.is_ours(tags) or await _claimable(ctx, s3, name, tags)):
            return [ownership.kept(self.resource(ctx), _arn(name), tags)]
        return [
            ownership.to_delete(
                self.resource(ctx),
                _arn(name),
                "first deleting every object version and delete marker",
            )
        ]

    async def teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """Empty the bucket (every version and delete marker), delete it, wait until gone."""
        s3, name = await ctx.client(self.service), resource_name(ctx)
        [line] = await self.plan_teardown(ctx)
        if not (line.ours and line.exists):
            return [line]
        await _empty(ctx, s3, name)
        ctx.progress(f"deleting S3 bucket {name}")
        try:
            await s3.delete_bucket(Bucket=name)
        except ClientError as exc:
            if error_code(exc) != "NoSuchBucket":
                raise
        await wait(
            s3,
            "bucket_not_exists",
            f"{self.resource(ctx)} to be gone",
            progress=ctx.progress,
            Bucket=name,
        )
        return [ownership.deleted(line)]


async def _empty(ctx: StepContext, s3, name: str) -> None:
    """Abort unfinished uploads, then delete every object version and delete marker in batches.

    Each round lists the first page of versions afresh and deletes it, until none are left.
    Paginating on while deleting would rely on the markers of deleted entries still placing the
    next page, which not every S3 implementation honours (moto skips the rest); a fresh first
    page needs no marker at all.
    """
    for upload in await every(s3, "list_multipart_uploads", "Uploads", Bucket=name):
        await s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    removed, previous = 0, None
    while True:
        page = await s3.list_object_versions(Bucket=name, MaxKeys=BATCH)
        batch = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in (page.get("Versions") or []) + (page.get("DeleteMarkers") or [])
        ]
        if not batch:
            return
        if batch == previous:
            raise EmptyingFailed(
                f"S3 bucket {name}: deleted object versions are still listed; "
                "run teardown again later."
            )
        await _delete_batch(s3, name, batch)
        removed, previous = removed + len(batch), batch
        ctx.progress(f"emptying {name}: {removed} object versions deleted")


async def _delete_batch(s3, name: str, batch: list[dict]) -> None:
    answer = await s3.delete_objects(Bucket=name, Delete={"Objects": batch, "Quiet": True})
    if answer.get("Errors"):
        first = answer["Errors"][0]
        raise EmptyingFailed(
            f"S3 bucket {name}: {len(answer['Errors'])} object versions could not be deleted; "
            f"the first, {first.get('Key')}, failed with {first.get('Code')}: "
            f"{first.get('Message')}"
        )
