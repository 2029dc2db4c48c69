"""What was made in a trainee's account during the class, by anyone but whodidthis.

From CloudTrail's event history (``LookupEvents`` with ``ReadOnly = false`` from the class
window's start) in every region enabled in the account, each region paced at CloudTrail's
2 requests a second: every create-type event (``console.classroom.made_kinds``) not made by a
session of the course's role (that is whodidthis) nor by an AWS service. Each resource is
named once, by its first create event, with who made it (the trainee's IAM user, a role they
assumed, or someone else), when, and whether it still exists (its service's read, else Cloud
Control's GetResource; ``None`` when neither can say). Everything is read with read-only
clients: the inventory never changes an account.

CloudTrail delivers events about 5 minutes after the call, not guaranteed (CloudTrail user
guide, "CloudTrail event history"): a resource made in the last minutes may be missing yet.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass, field, replace

from botocore.exceptions import BotoCoreError, ClientError

from console.classroom.creators import Creator, creator_of, is_trainee
from console.classroom.made_kinds import BY_EVENT, MadeKind, kind_of
from console.classroom.reads import RegionPace, enabled_regions
from console.words import iso

REGIONS_AT_ONCE = 4  # regions asked side by side for one account
DEFAULT_WINDOW = 24 * 3600.0  # a course with no ledger yet: the last day


def class_window_start(store) -> float:
    """The class window's start: the course's first ledger record, else a day ago."""
    import time

    return min((r.ts for r in store.ledger()), default=time.time() - DEFAULT_WINDOW)


@dataclass(frozen=True)
class Made:
    """One resource made by hand."""

    type: str
    id: str
    region: str
    event: str
    at: float
    creator: Creator
    by_trainee: bool
    costs: bool
    deletable: bool
    exists: bool | None = None

    @property
    def name(self) -> str:
        """The id as a reader says it: a queue's name, an ARN's last part."""
        return self.id.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]

    def as_json(self) -> dict:
        out = asdict(self)
        out.update(at=iso(self.at), creator=self.creator.text, creator_arn=self.creator.arn)
        return out


@dataclass
class Inventory:
    """One trainee account's hand-made resources, and what was looked at."""

    trainee: str
    account: str
    regions: list[str] = field(default_factory=list)
    made: list[Made] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def left(self) -> list[Made]:
        """What still exists (or may: unknown counts as there), made by the trainee."""
        return [m for m in self.made if m.by_trainee and m.exists is not False]

    def as_json(self) -> dict:
        return {
            "name": self.trainee,
            "account": self.account,
            "regions": self.regions,
            "made": [m.as_json() for m in self.made],
            "errors": self.errors,
        }


async def _region_events(clients, region: str, since: float, pace: RegionPace) -> list[dict]:
    """Every changing event of the region since ``since``, oldest first."""
    cloudtrail, events, token = await clients("cloudtrail", region), [], None
    while True:
        await pace.wait(region)
        kwargs = {
            "LookupAttributes": [{"AttributeKey": "ReadOnly", "AttributeValue": "false"}],
            "StartTime": since,
            "MaxResults": 50,
        }
        if token:
            kwargs["NextToken"] = token
        answer = await cloudtrail.lookup_events(**kwargs)
        for entry in answer.get("Events", []):
            event = json.loads(entry["CloudTrailEvent"])
            event["_at"] = entry["EventTime"].timestamp()
            # A record need not carry ``resources`` (IAM's never do); LookupEvents' own
            # Resources name what the event touched (CloudTrail API Reference, Event).
            event["_lookup_resources"] = entry.get("Resources") or []
            events.append(event)
        token = answer.get("NextToken")
        if not token:
            return sorted(events, key=lambda e: e["_at"])


def made_in(events: list[dict], region: str, role_name: str, users: set[str]) -> list[Made]:
    """The resources ``events`` made, each once (its first create), skipping whodidthis's."""
    seen: dict[tuple[str, str], Made | None] = {}
    for event in events:
        if event.get("errorCode"):
            continue
        kind = kind_of(event)
        if kind is None:
            continue
        who = creator_of(event.get("userIdentity") or {}, role_name)
        for rid in kind.ids(event):
            key = (kind.type, rid)
            if key in seen:
                continue
            mine = who.kind in ("whodidthis", "aws-service")
            seen[key] = None if mine else _made(kind, rid, region, event, who, users)
    return [m for m in seen.values() if m is not None]


def _made(kind: MadeKind, rid: str, region: str, event: dict, who: Creator, users) -> Made:
    return Made(
        type=kind.type,
        id=rid,
        region=region,
        event=kind.event,
        at=event["_at"],
        creator=who,
        # Without an iam_user step nobody is known to be the trainee: nothing is theirs to delete.
        by_trainee=bool(users) and is_trainee(who, users),
        costs=kind.costs,
        deletable=kind.delete is not None,
    )


async def still_there(clients, made: Made) -> bool | None:
    """Whether ``made`` still exists: its kind's reader, else Cloud Control; None if unknown."""
    kind = BY_EVENT.get(made.event)
    try:
        if kind is not None and kind.exists is not None:
            return await kind.exists(clients, made.region, made.id)
        control = await clients("cloudcontrol", made.region)
        await control.get_resource(TypeName=made.type, Identifier=made.id)
        return True
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return False if code == "ResourceNotFoundException" else None
    except BotoCoreError:
        return None


async def take(clients, role_name: str, users: set[str], since: float, inv: Inventory) -> None:
    """Fill ``inv``: regions looked at, what was made there, whether it still exists."""
    pace, gate = RegionPace(), asyncio.Semaphore(REGIONS_AT_ONCE)
    inv.regions = await enabled_regions(clients)

    async def one(region: str) -> list[Made]:
        async with gate:
            try:
                events = await _region_events(clients, region, since, pace)
            except (ClientError, BotoCoreError) as exc:
                inv.errors.append(f"{region}: CloudTrail could not be read ({exc})")
                return []
        found = made_in(events, region, role_name, users)
        return [replace(m, exists=await still_there(clients, m)) for m in found]

    for found in await asyncio.gather(*(one(r) for r in inv.regions)):
        inv.made.extend(found)
    inv.made.sort(key=lambda m: m.at)


async def inventory_of(course, trainee, session, config, since: float) -> Inventory:
    """``trainee``'s inventory with read-only clients of ``session`` (an AioSession)."""
    from contextlib import AsyncExitStack

    from console.classroom.progress import trainee_users
    from console.classroom.reads import ReadClients

    inv = Inventory(trainee.name, trainee.account)
    async with AsyncExitStack() as stack:
        clients = ReadClients(session, config, stack, course.region)
        try:
            await take(clients, course.role_name, set(trainee_users(course, trainee)), since, inv)
        except (ClientError, BotoCoreError) as exc:
            inv.errors.append(f"could not list the regions ({exc})")
    return inv


async def inventory_all(course, broker, operator, names, since: float) -> list[Inventory]:
    """Every trainee's inventory (those in ``names``, or all), up to the course's concurrency."""
    from console.aws.attribution import LedgerContext, current

    gate = asyncio.Semaphore(course.concurrency)

    async def one(trainee) -> Inventory:
        async with gate:
            current.set(LedgerContext(course.name, trainee.name, trainee.account, step="inventory"))
            try:
                session = await broker.session_for(trainee.name, trainee.account, operator)
            except Exception as exc:  # an account we cannot enter: say so on its row
                return Inventory(trainee.name, trainee.account, errors=[str(exc)])
            return await inventory_of(course, trainee, session.session, broker.client_config, since)

    return list(await asyncio.gather(*(one(t) for t in course.trainees_in(names))))


def trainee_made_text(inv: Inventory) -> str:
    """Why a trainee is not clean after teardown: what they made that is still there."""
    if inv.errors:
        return (
            "the sweep could not read CloudTrail everywhere, so what the trainee made is not "
            f"known: {'; '.join(inv.errors[:3])}. The role needs cloudtrail:LookupEvents and "
            "ec2:DescribeRegions (`whodidthis iam-templates`); then tear down again"
        )
    named = "; ".join(
        f"{m.type} {m.name} in {m.region} by {m.creator.text}"
        + (" (costs money)" if m.costs else "")
        for m in inv.left[:10]
    )
    return (
        f"{len(inv.left)} resource(s) the trainee made by hand are still there: {named}. "
        "`whodidthis teardown COURSE --trainee-made --yes` deletes those whodidthis can "
        "(each in the ledger); delete the others by hand, or keep them on purpose"
    )
