"""The teardown sweep: after a trainee's steps are torn down, is anything of theirs left?

Principle 5 (docs/architecture.md, "Principles") says teardown "checks afterwards that they are gone". Each step checks
its own resource; the sweep checks everything else: it asks the Resource Groups Tagging API in
every region enabled in the account (``every_region``; the course's region first) for every
resource still carrying this course's and trainee's ownership tags, and IAM (global, and not in
the Tagging API on AWS) for its users, roles and customer managed policies with those tags. A resource a template made beside its stack, one kept by
``DeletionPolicy: Retain``, or one a trainee tagged by hand all show up here.

Nothing found (and nothing the trainee made by hand left, ``console.classroom.inventory``): the
trainee is TORN_DOWN with the receipt ``0 left by whodidthis, 0 made by the trainee, regions:
..., checked at <time>``.
Something found: the trainee is FAILED with ``Leftovers`` and each leftover is named (ARN and
type). Leftovers of a kind some step knows how to delete (``DELETABLE``) are deleted by the
next teardown, through that step kind's own teardown, which deletes only what carries our tags;
any other kind is named and never touched.

The Tagging API's GetResources is rate-limited per account and region (a few calls a second):
one trainee's pages are read one after another, at most ``PAGES_PER_SECOND`` a second, and the
clients' standard retries absorb throttling. The sweep uses the trainee's assumed-role session
(the pipeline's clients); its calls are all reads, so the ledger records none.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from console.errors import WhodidthisError
from console.kinds import KINDS
from console.kinds.arns import arn_pattern
from console.model import Leftover
from console.steps.base import TAG_COURSE, TAG_TRAINEE

TAGGING = "resourcegroupstaggingapi"
PAGES_PER_SECOND = 4.0
PAGE_SIZE = 100
SERVICE_LINKED_PATH = "/aws-service-role/"
NAMED_IN_ERROR = 10  # the error names this many; ``leftovers`` holds every one

# Resource type (``service:type`` from the ARN) -> the step kind whose teardown deletes it.
DELETABLE = {spec.tagging_type: kind for kind, spec in KINDS.items() if spec.sweep_deletes}

# ARNs whose resource part names no type: the type each service's ARN implies.
_UNTYPED = {
    "s3": "bucket",
    "codecommit": "repository",
    "sqs": "queue",
    "sns": "topic",
}


def resource_type(arn: str) -> str:
    """``service:type`` of an ARN: ``arn:aws:sqs:...:lab-alice`` is ``sqs:queue``."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "unknown"
    service, resource = parts[2], parts[5]
    for separator in ("/", ":"):
        if separator in resource:
            return f"{service}:{resource.split(separator, 1)[0]}"
    return f"{service}:{_UNTYPED.get(service, 'resource')}"


def resource_name(leftover: Leftover) -> str | None:
    """The name a step kind uses for a deletable leftover (None for any other kind)."""
    kind = DELETABLE.get(leftover.type)
    found = arn_pattern(kind).fullmatch(leftover.arn) if kind else None
    return found["name"] if found else None


def receipt_text(checked_at: float, made=(), regions=(), home: str | None = None) -> str:
    """The sweep's receipt, as it is stored and ``status --json`` gives it: what whodidthis
    left (nothing, or there would be no receipt), what the trainee made that is still there
    (each named: ``made`` holds ``console.classroom.inventory.Made``), and every region looked
    at, the course's (``home``) first: ``regions: all 17 enabled (ap-northeast-1, af-south-1,
    ...)``. Tables show it shortened (``console.words.short_receipt``)."""
    moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(checked_at))
    named = ", ".join(f"{m.type} {m.name} in {m.region}" for m in made[:NAMED_IN_ERROR])
    if len(made) > NAMED_IN_ERROR:
        named += f", and {len(made) - NAMED_IN_ERROR} more (`whodidthis inventory`)"
    trainee = f"{len(made)} made by the trainee" + (f" ({named})" if made else "")
    ordered = sorted(regions, key=lambda region: (region != home, region))
    if len(ordered) > 1:
        where = f"all {len(ordered)} enabled ({', '.join(ordered)})"
    else:
        where = ", ".join(ordered) or "the course region"
    return f"0 left by whodidthis, {trainee}, regions: {where}; checked at {moment}"


def leftovers_text(leftovers: list[Leftover] | tuple[Leftover, ...]) -> str:
    """The FAILED trainee's error: how many, and each by ARN and type."""
    named = "; ".join(f"{item.arn} ({item.type})" for item in leftovers[:NAMED_IN_ERROR])
    if len(leftovers) > NAMED_IN_ERROR:
        named += f"; and {len(leftovers) - NAMED_IN_ERROR} more (`status --json` lists them all)"
    return (
        f"{len(leftovers)} resource(s) still carry this trainee's tags after teardown: {named}. "
        "Run teardown again to delete those of kinds whodidthis builds; delete the others by hand."
    )


@dataclass
class Pacer:
    """At most ``rate`` calls a second, one after another (one trainee account's API budget)."""

    rate: float
    _next: float = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        if now < self._next:
            await asyncio.sleep(self._next - now)
        self._next = max(now, self._next) + 1.0 / self.rate


def tag_filters(course: str, trainee: str) -> list[dict]:
    """GetResources filters: both ownership tags with this course's and trainee's values."""
    return [{"Key": TAG_COURSE, "Values": [course]}, {"Key": TAG_TRAINEE, "Values": [trainee]}]


def _ours(tags: list[dict] | None, course: str, trainee: str) -> bool:
    found = {tag["Key"]: tag["Value"] for tag in tags or ()}
    return found.get(TAG_COURSE) == course and found.get(TAG_TRAINEE) == trainee


async def tagged_resources(client, course: str, trainee: str) -> list[Leftover]:
    """Every resource in the client's region that the Tagging API lists with our tags.

    botocore's paginator fetches a page when the loop asks for it, so waiting at the end of
    each page paces the next request.
    """
    tagging, pacer = await client(TAGGING), Pacer(PAGES_PER_SECOND)
    found = []
    await pacer.wait()
    pages = tagging.get_paginator("get_resources").paginate(
        TagFilters=tag_filters(course, trainee), ResourcesPerPage=PAGE_SIZE
    )
    async for page in pages:
        for mapping in page.get("ResourceTagMappingList") or []:
            if _ours(mapping.get("Tags"), course, trainee):  # filters are the API's; check anyway
                arn = mapping["ResourceARN"]
                found.append(Leftover(arn, resource_type(arn)))
        await pacer.wait()
    return found


async def _iam_items(iam, operation: str, key: str, **params) -> list[dict]:
    items: list[dict] = []
    async for page in iam.get_paginator(operation).paginate(**params):
        items.extend(page.get(key) or [])
    return items


async def _iam_tags(iam, operation: str, **params) -> list[dict] | None:
    """The tags of one IAM user, role or policy; None when it was deleted meanwhile."""
    from botocore.exceptions import ClientError

    tags: list[dict] = []
    try:
        async for page in iam.get_paginator(operation).paginate(**params):
            tags.extend(page.get("Tags") or [])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return None
        raise
    return tags


# (list call, result key, list params, tags call, the tags call's parameter and the item's key)
_IAM_KINDS: tuple[tuple[str, str, dict[str, str], str, str, str], ...] = (
    ("list_users", "Users", {}, "list_user_tags", "UserName", "UserName"),
    ("list_roles", "Roles", {}, "list_role_tags", "RoleName", "RoleName"),
    ("list_policies", "Policies", {"Scope": "Local"}, "list_policy_tags", "PolicyArn", "Arn"),
)


async def iam_resources(client, course: str, trainee: str) -> list[Leftover]:
    """IAM users, roles and customer managed policies carrying our tags (IAM is global).

    ListUsers and ListRoles do not return tags on AWS, so each item's tags are read with its
    own call, paced: IAM's rate limits cannot be raised.
    """
    iam, pacer = await client("iam"), Pacer(PAGES_PER_SECOND * 2)
    found = []
    for listing, key, params, tags_call, param, item_key in _IAM_KINDS:
        for item in await _iam_items(iam, listing, key, **params):
            if item.get("Path", "").startswith(SERVICE_LINKED_PATH):
                continue  # AWS makes and tags these; they never carry our tags
            await pacer.wait()
            tags = await _iam_tags(iam, tags_call, **{param: item[item_key]})
            if tags is not None and _ours(tags, course, trainee):
                found.append(Leftover(item["Arn"], resource_type(item["Arn"])))
    return found


class SweepFailed(WhodidthisError):
    """The sweep could not ask: the trainee is not proven clean, so it is not TORN_DOWN."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(
            f"{code}: the teardown sweep could not look for leftovers ({message}); the role "
            "needs tag:GetResources and IAM's List* and List*Tags (`whodidthis iam-templates`), "
            "then tear down again"
        )


REGIONS_AT_ONCE = 4  # regions swept side by side for one account, each paced on its own


async def every_region(regional, regions, course: str, trainee: str) -> list[Leftover]:
    """``tagged_resources`` of each region in ``regions`` (``regional(service, region)`` makes
    its clients), a few regions at once, each with its own pacer."""
    gate = asyncio.Semaphore(REGIONS_AT_ONCE)

    async def one(region: str) -> list[Leftover]:
        async with gate:
            return await tagged_resources(lambda s: regional(s, region), course, trainee)

    found = await asyncio.gather(*(one(region) for region in regions))
    return [item for items in found for item in items]


async def sweep(
    client, course: str, trainee: str, regional=None, regions: list[str] | tuple = ()
) -> list[Leftover]:
    """Everything still tagged for ``trainee`` of ``course``: the course region's, every other
    region's in ``regions`` (clients from ``regional``), then IAM's.

    Raises:
        SweepFailed: AWS refused a read (the role lacks a permission, say).
    """
    from botocore.exceptions import ClientError

    try:
        found = await tagged_resources(client, course, trainee)
        if regional is not None:
            home = {item.arn for item in found}
            others = await every_region(regional, regions, course, trainee)
            found += [item for item in others if item.arn not in home]
        seen = {item.arn for item in found}
        found += [i for i in await iam_resources(client, course, trainee) if i.arn not in seen]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise SweepFailed(str(error.get("Code", "ClientError")), str(error.get("Message"))) from exc
    return sorted(found, key=lambda item: (item.type, item.arn))
