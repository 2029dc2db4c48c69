"""The kinds of resource a trainee makes by hand, one spec each: which CloudTrail create event
makes it, how to read its id from that event, whether it costs money while it exists, how to
ask whether it still exists, and (for some) how whodidthis deletes it on request.

The event fields are CloudTrail's, as its user guide's record examples show them
("Amazon EC2 API calls in CloudTrail": RunInstances ``responseElements.instancesSet.items[]
.instanceId``; "Logging Amazon SQS API calls": CreateQueue ``responseElements.queueUrl``;
"Amazon S3 CloudTrail events": CreateBucket ``requestParameters.bucketName``; "Logging IAM and
AWS STS API calls": CreateUser ``requestParameters.userName``). Kinds with no reader here are
asked through the Cloud Control API (``GetResource`` by type and identifier).

"Costs money while it exists" follows AWS's pricing pages: instances, NAT gateways, load
balancers, EKS clusters and node groups, RDS databases and (since February 2024) every public
IPv4 address, so an Elastic IP, are billed by the hour.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from console.errors import WhodidthisError

Reader = Callable[..., Awaitable[bool]]  # (clients, region, id) -> still exists
Deleter = Callable[..., Awaitable[None]]  # (client factory, region, id) -> deleted


@dataclass(frozen=True)
class MadeKind:
    """One kind of hand-made resource."""

    type: str
    event: str  # ``source:EventName``, e.g. ``sqs:CreateQueue``
    ids: Callable[[dict], list[str]]
    costs: bool = False
    exists: Reader | None = None
    delete: Deleter | None = None


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _request(name: str) -> Callable[[dict], list[str]]:
    return lambda event: [v] if (v := (event.get("requestParameters") or {}).get(name)) else []


def _queue_ids(event: dict) -> list[str]:
    url = (event.get("responseElements") or {}).get("queueUrl")
    return [url] if url else []


def _instance_ids(event: dict) -> list[str]:
    items = ((event.get("responseElements") or {}).get("instancesSet") or {}).get("items") or []
    return [i["instanceId"] for i in items if i.get("instanceId")]


def _resource_ids(event: dict) -> list[str]:
    named = [r["ARN"] for r in event.get("resources") or [] if r.get("ARN")]
    return named or [
        r["ResourceName"] for r in event.get("_lookup_resources") or [] if r.get("ResourceName")
    ]


async def _queue_exists(clients, region: str, url: str) -> bool:
    sqs = await clients("sqs", region)
    try:
        await sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    except ClientError as exc:
        if "NonExistentQueue" in _code(exc) or _code(exc) == "QueueDoesNotExist":
            return False
        raise
    return True


async def _delete_queue(client, region: str, url: str) -> None:
    await (await client("sqs", region)).delete_queue(QueueUrl=url)


async def _instance_exists(clients, region: str, instance_id: str) -> bool:
    ec2 = await clients("ec2", region)
    try:
        answer = await ec2.describe_instances(InstanceIds=[instance_id])
    except ClientError as exc:
        if _code(exc) == "InvalidInstanceID.NotFound":
            return False
        raise
    states = [
        i.get("State", {}).get("Name")
        for r in answer.get("Reservations", [])
        for i in r.get("Instances", [])
    ]
    return any(state not in ("terminated", "shutting-down") for state in states)


async def _terminate_instance(client, region: str, instance_id: str) -> None:
    await (await client("ec2", region)).terminate_instances(InstanceIds=[instance_id])


async def _bucket_exists(clients, region: str, bucket: str) -> bool:
    s3 = await clients("s3", region)
    try:
        await s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if _code(exc) in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    return True


async def _delete_bucket(client, region: str, bucket: str) -> None:
    """Empty the bucket (every version, when versioned), then delete it."""
    s3 = await client("s3", region)
    async for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        keys = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in (page.get("Versions") or []) + (page.get("DeleteMarkers") or [])
        ]
        if keys:
            await s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    await s3.delete_bucket(Bucket=bucket)


async def _user_exists(clients, region: str, user: str) -> bool:
    iam = await clients("iam", region)
    try:
        await iam.get_user(UserName=user)
    except ClientError as exc:
        if _code(exc) == "NoSuchEntity":
            return False
        raise
    return True


class NotTheTrainees(WhodidthisError):
    """A resource the inventory found that turns out to be the course's own: never deleted."""


async def _delete_user(client, region: str, user: str) -> None:
    """Delete an IAM user a trainee made, and first what DeleteUser needs gone (IAM API
    reference, DeleteUser: password, access keys, signing certificates, SSH keys, service
    credentials, MFA devices, inline and attached policies, groups; ``iam_user.delete_user``).
    A user carrying whodidthis's tags is the course's, however it came to be: kept."""
    from console.steps.base import TAG_COURSE, TAG_TRAINEE
    from console.steps.iam_user import delete_user, find_user

    iam = await client("iam", region)
    found = await find_user(iam, user)
    if found is None:
        return
    if {TAG_COURSE, TAG_TRAINEE} & set(found[1]):
        raise NotTheTrainees(f"IAM user {user} carries whodidthis's tags: the course's own user")
    await delete_user(iam, user)


KINDS: tuple[MadeKind, ...] = (
    MadeKind("AWS::SQS::Queue", "sqs:CreateQueue", _queue_ids, False, _queue_exists, _delete_queue),
    MadeKind(
        "AWS::EC2::Instance",
        "ec2:RunInstances",
        _instance_ids,
        True,
        _instance_exists,
        _terminate_instance,
    ),
    MadeKind(
        "AWS::S3::Bucket",
        "s3:CreateBucket",
        _request("bucketName"),
        False,
        _bucket_exists,
        _delete_bucket,
    ),
    MadeKind(
        "AWS::IAM::User",
        "iam:CreateUser",
        _request("userName"),
        False,
        _user_exists,
        _delete_user,
    ),
    MadeKind("AWS::EC2::NatGateway", "ec2:CreateNatGateway", _resource_ids, True),
    MadeKind("AWS::EC2::EIP", "ec2:AllocateAddress", _resource_ids, True),
    MadeKind(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "elasticloadbalancing:CreateLoadBalancer",
        _resource_ids,
        True,
    ),
    MadeKind("AWS::EKS::Cluster", "eks:CreateCluster", _request("name"), True),
    MadeKind("AWS::EKS::Nodegroup", "eks:CreateNodegroup", _request("nodegroupName"), True),
    MadeKind(
        "AWS::RDS::DBInstance", "rds:CreateDBInstance", _request("dBInstanceIdentifier"), True
    ),
    MadeKind("AWS::RDS::DBCluster", "rds:CreateDBCluster", _request("dBClusterIdentifier"), True),
)
BY_EVENT = {kind.event: kind for kind in KINDS}

# A create-type call (issue 23: Create*, Run*, Allocate*, Register*...). Put* calls mostly change
# what exists (PutObject, PutBucketPolicy) and are taken only when a kind above names them.
CREATE_PREFIXES = ("Create", "Run", "Allocate", "Register", "Import", "Request")


def kind_of(event: dict) -> MadeKind | None:
    """The spec of the resource ``event`` makes; a generic one (its ``resources`` named, no
    reader, no deleter) for another create-type call; None for anything else."""
    source = str(event.get("eventSource", "")).split(".", 1)[0]
    name = str(event.get("eventName", ""))
    found = BY_EVENT.get(f"{source}:{name}")
    if found is not None:
        return found
    named = event.get("resources") or [
        {"type": r.get("ResourceType")} for r in event.get("_lookup_resources") or []
    ]
    if name.startswith(CREATE_PREFIXES) and named:
        kind = named[0].get("type") or f"{source}:{name}"
        return MadeKind(kind, f"{source}:{name}", _resource_ids)
    return None
