"""How each ``[[check]]`` kind is answered, with read calls only.

Each kind is one coroutine ``(clients, params, facts) -> Verdict``: ``clients`` are read-only
clients in the trainee account (``console.classroom.reads``), ``params`` the check's rendered
parameters, ``facts`` what the evaluator knows (the course's region and role). A verdict says
whether the milestone is reached, when AWS says it happened (if it says), and a short detail.
``KINDS`` maps every kind of ``console.course.milestones.CHECK_KINDS`` to its coroutine; a test
fails when one is missing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

from botocore.exceptions import ClientError

from console.classroom.creators import creator_of, is_trainee


@dataclass(frozen=True)
class Verdict:
    """A check's answer: reached or not, when (epoch seconds, if AWS says), and why."""

    reached: bool
    detail: str
    at: float | None = None


@dataclass(frozen=True)
class Facts:
    """What a check may need beyond its parameters."""

    region: str
    role_name: str
    trainee_users: frozenset[str]


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _epoch(value) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


async def signed_in(clients, params: dict, facts: Facts) -> Verdict:
    """IAM's ``PasswordLastUsed`` of the user (GetUser; absent until the first sign-in)."""
    iam = await clients("iam")
    try:
        user = (await iam.get_user(UserName=params["user"]))["User"]
    except ClientError as exc:
        if _code(exc) == "NoSuchEntity":
            return Verdict(False, f"no IAM user {params['user']}")
        raise
    used = user.get("PasswordLastUsed")
    if used is None:
        return Verdict(False, f"{params['user']} has not signed in")
    return Verdict(True, f"{params['user']} signed in", _epoch(used))


async def _names(clients, kind: str, region: str | None = None) -> list[str]:
    """Names and ARNs of every resource of CloudFormation type ``kind`` in the region."""
    listing = _LISTINGS.get(kind)
    if listing is None:  # any other type: Cloud Control's ListResources
        control = await clients("cloudcontrol", region)
        found: list[str] = []
        async for page in control.get_paginator("list_resources").paginate(TypeName=kind):
            found += [d.get("Identifier", "") for d in page.get("ResourceDescriptions", [])]
        return found
    service, operation, pick = listing
    client = await clients(service, region)
    found = []
    async for page in client.get_paginator(operation).paginate():
        found += pick(page)
    return found


def _instances(page: dict) -> list[str]:
    out = []
    for reservation in page.get("Reservations", []):
        for instance in reservation.get("Instances", []):
            if instance.get("State", {}).get("Name") in ("terminated", "shutting-down"):
                continue
            tags = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
            out += [instance["InstanceId"], tags.get("Name", "")]
    return out


# CloudFormation type -> (service, paginated list call, names and ARNs from one page)
_LISTINGS = {
    "AWS::S3::Bucket": ("s3", "list_buckets", lambda p: [b["Name"] for b in p.get("Buckets", [])]),
    "AWS::SQS::Queue": (
        "sqs",
        "list_queues",
        lambda p: [u.rsplit("/", 1)[-1] for u in p.get("QueueUrls", [])],
    ),
    "AWS::EC2::Instance": ("ec2", "describe_instances", _instances),
    "AWS::EKS::Cluster": ("eks", "list_clusters", lambda p: list(p.get("clusters", []))),
    "AWS::CodeCommit::Repository": (
        "codecommit",
        "list_repositories",
        lambda p: [r["repositoryName"] for r in p.get("repositories", [])],
    ),
    "AWS::IAM::Role": ("iam", "list_roles", lambda p: [r["RoleName"] for r in p.get("Roles", [])]),
    "AWS::IAM::User": ("iam", "list_users", lambda p: [u["UserName"] for u in p.get("Users", [])]),
}


async def resource_exists(clients, params: dict, facts: Facts) -> Verdict:
    """A resource of the type whose name or ARN matches the pattern (``*`` wildcards)."""
    pattern, kind = params["name_pattern"], params["type"]
    for name in await _names(clients, kind, params.get("region") or None):
        if name and fnmatchcase(name, pattern):
            return Verdict(True, f"{kind} {name}")
    return Verdict(False, f"no {kind} matching {pattern}")


async def s3_object(clients, params: dict, facts: Facts) -> Verdict:
    """HeadObject for a key; ListObjectsV2 (one key) for a prefix."""
    s3, bucket = await clients("s3"), params["bucket"]
    try:
        if params.get("key"):
            head = await s3.head_object(Bucket=bucket, Key=params["key"])
            return Verdict(True, f"s3://{bucket}/{params['key']}", _epoch(head.get("LastModified")))
        page = await s3.list_objects_v2(Bucket=bucket, Prefix=params["prefix"], MaxKeys=1)
    except ClientError as exc:
        if _code(exc) in ("404", "NoSuchKey", "NoSuchBucket", "403", "AccessDenied"):
            return Verdict(
                False, f"nothing at s3://{bucket}/{params.get('key') or ''} ({_code(exc)})"
            )
        raise
    contents = page.get("Contents") or []
    if not contents:
        return Verdict(False, f"nothing under s3://{bucket}/{params['prefix']}")
    first = contents[0]
    return Verdict(True, f"s3://{bucket}/{first['Key']}", _epoch(first.get("LastModified")))


async def codecommit_commits(clients, params: dict, facts: Facts) -> Verdict:
    """GetBranch, then GetCommit along the first parents until ``at_least`` are counted."""
    codecommit, repo = await clients("codecommit"), params["repository"]
    try:
        branch = await codecommit.get_branch(repositoryName=repo, branchName=params["branch"])
    except ClientError as exc:
        if _code(exc) in ("BranchDoesNotExistException", "RepositoryDoesNotExistException"):
            return Verdict(False, f"no branch {params['branch']} in {repo}")
        raise
    commit_id, count = branch["branch"].get("commitId"), 0
    while commit_id and count < params["at_least"]:
        commit = (await codecommit.get_commit(repositoryName=repo, commitId=commit_id))["commit"]
        count += 1
        commit_id = (commit.get("parents") or [None])[0]
    reached = count >= params["at_least"]
    return Verdict(reached, f"{count} commit(s) on {repo}/{params['branch']}")


async def stack_output(clients, params: dict, facts: Facts) -> Verdict:
    """DescribeStacks; the output's value equals (or matches) what the check says."""
    cfn = await clients("cloudformation")
    try:
        stacks = (await cfn.describe_stacks(StackName=params["stack"]))["Stacks"]
    except ClientError as exc:
        if _code(exc) == "ValidationError":
            return Verdict(False, f"no stack {params['stack']}")
        raise
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in stacks[0].get("Outputs", [])}
    value = outputs.get(params["output"])
    if value is None:
        return Verdict(False, f"{params['stack']} has no output {params['output']}")
    if params.get("equals"):
        ok = value == params["equals"]
    else:
        ok = re.search(params.get("matches") or "", value) is not None
    return Verdict(ok, f"{params['output']} = {value}")


GLOBAL_REGION = "us-east-1"  # IAM's, STS's and the console sign-in's events land here


async def did(clients, params: dict, facts: Facts) -> Verdict:
    """CloudTrail LookupEvents by EventName: an answered call by the trainee's own principal."""
    service, name = params["event"].split(":", 1)
    regions = [facts.region] + ([GLOBAL_REGION] if facts.region != GLOBAL_REGION else [])
    for region in regions:
        cloudtrail = await clients("cloudtrail", region)
        pages = cloudtrail.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}]
        )
        async for page in pages:
            for entry in page.get("Events", []):
                event = json.loads(entry["CloudTrailEvent"])
                if event.get("errorCode") or not event.get("eventSource", "").startswith(
                    service + "."
                ):
                    continue
                who = creator_of(event.get("userIdentity") or {}, facts.role_name)
                if is_trainee(who, set(facts.trainee_users)):
                    return Verdict(
                        True, f"{params['event']} by {who.text}", _epoch(entry.get("EventTime"))
                    )
    return Verdict(False, f"no {params['event']} by the trainee yet")


KINDS = {
    "signed_in": signed_in,
    "resource_exists": resource_exists,
    "s3_object": s3_object,
    "codecommit_commits": codecommit_commits,
    "stack_output": stack_output,
    "did": did,
}
