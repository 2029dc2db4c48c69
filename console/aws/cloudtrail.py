"""Reading CloudTrail's event history as AWS writes it (for ``trace --cloudtrail`` and ``audit``).

What AWS documents, and this module relies on (CloudTrail User Guide, "CloudTrail record
contents", "CloudTrail concepts"; IAM User Guide, "Logging IAM and AWS STS API calls"):

* A record's ``resources`` is optional; IAM's records have none. LookupEvents' own answer names
  the resource (``Resources``: ``ResourceType``, ``ResourceName``) and looks up by one attribute
  at a time: ``ResourceName``, ``ResourceType``, ``AccessKeyId``, ``EventName``, ``Username``,
  ``EventSource``, ``EventId``, ``ReadOnly`` (never by request id).
* IAM's events, and those of STS's global endpoint, are recorded in us-east-1; other services'
  in the region called.
* A cross-account AssumeRole is recorded in both accounts; the role account's copy has
  ``userIdentity.type = AWSAccount`` with no ARN, and both copies share a ``sharedEventID``.
* Delivery takes about 5 minutes and is not guaranteed; the event history keeps 90 days.
* LookupEvents allows 2 requests per second per account and region.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime

from console.credentials import mask_key_id

GLOBAL_REGION = "us-east-1"
LOOKUP_INTERVAL = 0.5  # LookupEvents: 2 requests per second per account and region
DELIVERY_WINDOW = 15 * 60  # seconds: younger calls may not be delivered yet (AWS: ~5 minutes)
HISTORY_DAYS = 90  # the event history's reach
NOT_YET_DELIVERED = "not yet delivered"
BEYOND_HISTORY = "beyond event history"


def regions_for(*regions: str | None) -> list[str]:
    """The regions to ask, in order, each once: the given ones and us-east-1 (IAM, STS)."""
    return [r for r in dict.fromkeys([*regions, GLOBAL_REGION]) if r]


def event_time(event: dict) -> float | None:
    """A record's ``eventTime`` (``2014-07-18T15:07:39Z``) as epoch seconds."""
    text = event.get("eventTime")
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def too_young(moment: float, now: float, window: float) -> bool:
    """True when a call at ``moment`` may not be in CloudTrail yet."""
    return now - moment < window


def beyond_history(moment: float, now: float) -> bool:
    """True when a call at ``moment`` is older than the event history keeps."""
    return now - moment > HISTORY_DAYS * 86400


@dataclass
class Pace:
    """At most one LookupEvents per ``interval`` for each account and region."""

    interval: float = LOOKUP_INTERVAL
    _last: dict[tuple[str, str], float] = field(default_factory=dict)

    async def wait(self, account: str, region: str) -> None:
        key = (account, region)
        delay = self._last.get(key, 0.0) + self.interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        self._last[key] = time.monotonic()


@dataclass(frozen=True)
class Found:
    """One event: the record as CloudTrail wrote it, and LookupEvents' own fields for it."""

    event: dict
    region: str
    resources: tuple[tuple[str, str], ...]  # (ResourceType, ResourceName) from LookupEvents

    @property
    def request_id(self) -> str | None:
        return self.event.get("requestID")

    @property
    def changing(self) -> bool:
        return not self.event.get("readOnly")


async def lookup(
    client,
    account: str,
    region: str,
    attribute: tuple[str, str],
    pace: Pace,
    *,
    quiet: bool = False,
    **window,
) -> list[Found]:
    """Every event LookupEvents has for one attribute, paced, with a progress line on stderr.

    Args:
        client: an aiobotocore ``cloudtrail`` client in ``account`` and ``region``.
        attribute: (AttributeKey, AttributeValue).
        quiet: no progress line (the engine's own look-ups, in the middle of a build).
        window: ``StartTime`` / ``EndTime`` (datetimes), when given.
    """
    found: list[Found] = []
    token, page = None, 0
    key, value = attribute
    while True:
        await pace.wait(account, region)
        kwargs = {
            "LookupAttributes": [{"AttributeKey": key, "AttributeValue": value}],
            "MaxResults": 50,
            **{k: v for k, v in window.items() if v is not None},
        }
        if token:
            kwargs["NextToken"] = token
        answer = await client.lookup_events(**kwargs)
        page += 1
        for entry in answer.get("Events", []):
            resources = tuple(
                (r.get("ResourceType", ""), r.get("ResourceName", ""))
                for r in entry.get("Resources") or []
            )
            found.append(Found(json.loads(entry["CloudTrailEvent"]), region, resources))
        shown = mask_key_id(value) if key == "AccessKeyId" else value  # a session's key id
        if not quiet:
            print(
                f"CloudTrail LookupEvents {account} {region} {key}={shown}: page {page}, "
                f"{len(found)} events so far",
                file=sys.stderr,
                flush=True,
            )
        token = answer.get("NextToken")
        if not token:
            return found


def issued_key(event: dict) -> str | None:
    """The access key id an AssumeRole record says it issued (either account's copy)."""
    credentials = (event.get("responseElements") or {}).get("credentials") or {}
    return credentials.get("accessKeyId")


def caller_words(identity: dict) -> str:
    """Who a record's ``userIdentity`` names, in a few words (an ``AWSAccount`` has no ARN)."""
    if identity.get("arn"):
        return identity["arn"]
    if identity.get("type") == "AWSAccount":
        return f"account {identity.get('accountId')} ({identity.get('principalId')})"
    return identity.get("principalId") or identity.get("type") or "-"


def session_of(identity: dict) -> tuple[str | None, str | None]:
    """(role session name, SourceIdentity) of a call made with a role session's key."""
    arn = identity.get("arn") or ""
    name = arn.rsplit("/", 1)[-1] if ":assumed-role/" in arn else None
    return name, (identity.get("sessionContext") or {}).get("sourceIdentity")
