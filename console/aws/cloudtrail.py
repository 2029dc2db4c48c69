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
from console.model import Command, Operator

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


# -- SSM sessions to this instance, for audit and trace --cloudtrail ---------------------------
# What the StartSession check is (issue 20.3): each command's operator had an SSM StartSession to
# this instance that overlaps the command, and every session the command recorded it ran in
# (its worker and the workers enclosing it) was opened by the operator. One place, used by both.

SESSION_EVENTS = ("StartSession", "TerminateSession")
SESSION_CONFIRMED, SESSION_CONTRADICTED = "confirmed", "contradicted"


async def ssm_sessions(broker, account: str, regions, pace: Pace, start, instance_id):
    """The SSM sessions to ``instance_id`` that the admin account's CloudTrail recorded, asked
    with the host's own credentials (``broker.host_client``) in each of ``regions``."""
    found: list[Found] = []
    for region in regions:
        async with broker.host_client("cloudtrail", region) as cloudtrail:
            for name in SESSION_EVENTS:
                attribute = ("EventName", name)
                found += await lookup(cloudtrail, account, region, attribute, pace, StartTime=start)
    return sessions_of(found, instance_id)


def sessions_of(found: list[Found], instance_id: str | None) -> dict[str, dict]:
    """SSM sessions from StartSession/TerminateSession records (to this instance): session id
    -> owner ARN, the access key the owner opened it with, start, end, target."""
    sessions: dict[str, dict] = {}
    for f in sorted(found, key=lambda f: event_time(f.event) or 0):
        event = f.event
        session_id = (event.get("responseElements") or {}).get("sessionId") or (
            event.get("requestParameters") or {}
        ).get("sessionId")
        if not session_id:
            continue
        if event.get("eventName") == "StartSession":
            target = (event.get("requestParameters") or {}).get("target")
            if instance_id and target != instance_id:
                continue
            identity = event.get("userIdentity") or {}
            sessions[session_id] = {
                "owner": identity.get("arn"),
                "key": identity.get("accessKeyId") or None,
                "start": event_time(event),
                "end": None,
                "target": target,
            }
        elif session_id in sessions:
            sessions[session_id]["end"] = event_time(event)
    return sessions


def owner_matches(owner: str | None, operator: Operator) -> bool:
    """True when a StartSession's owner ARN is ``operator`` (its ARN, else its name)."""
    from console.aws.operator import operator_from_owner

    if not owner:
        return False
    if operator.arn:
        return owner == operator.arn
    return operator_from_owner(owner) == operator.name


def session_check(command: Command, operator: Operator, sessions: dict, instance_id: str | None):
    """(contradictions, missing evidence) about ``command``'s operator's SSM session."""
    from console.words import iso

    contradictions: list[str] = []
    missing: list[str] = []
    for session_id in (operator.session_id, *operator.outer_sessions):
        if not session_id:
            continue
        found = sessions.get(session_id)
        if found is None:
            missing.append(f"no StartSession record of SSM session {session_id}")
        elif not owner_matches(found["owner"], operator):
            contradictions.append(
                f"SSM session {session_id}, which this command ran in, was opened by "
                f"{found['owner']} (StartSession at {iso(found['start'])}), not {operator.name}"
            )
    begin = command.claimed_at or command.created_at or 0.0
    end = command.done_at or time.time()
    overlapping = [
        (sid, s)
        for sid, s in sessions.items()
        if (s["start"] or 0) <= end and (s["end"] is None or s["end"] >= begin)
    ]
    if not any(owner_matches(s["owner"], operator) for _, s in overlapping):
        others = ", ".join(f"{sid} by {s['owner']}" for sid, s in overlapping) or "none"
        where = instance_id or "this instance"
        missing.append(
            f"no SSM session of {operator.name} to {where} overlapped the command "
            f"(sessions then: {others})"
        )
    return contradictions, missing


def session_mark(command: Command, sessions: dict, instance_id, now: float, window: float):
    """``(mark, evidence)`` for ``command``'s SSM session alone: ``confirmed``,
    ``contradicted`` or ``not yet delivered`` (missing, and younger than ``window``)."""
    operator = command.operator
    if operator is None:
        return SESSION_CONTRADICTED, ["the command names no operator"]
    contradictions, missing = session_check(command, operator, sessions, instance_id)
    if contradictions:
        return SESSION_CONTRADICTED, contradictions
    if missing:
        young = too_young(command.done_at or now, now, window)
        return (NOT_YET_DELIVERED if young else SESSION_CONTRADICTED), missing
    return SESSION_CONFIRMED, [f"StartSession by {operator.arn or operator.name} overlaps it"]


# -- how an assumed-role Owner got its session name ----------------------------------------------
# IAM User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail" (awsdocs/iam-user-guide,
# cloudtrail-integration at 651083f): AssumeRoleWithSAML's record has userIdentity.type SAMLUser
# (userName = saml:sub, identityProvider = saml:namequalifier) and AssumeRoleWithWebIdentity's
# WebIdentityUser; both name the new session in responseElements.assumedRoleUser.arn and its key
# in responseElements.credentials.accessKeyId, as AssumeRole's caller copy does. The session name
# of the first two comes from the identity provider; AssumeRole's from its caller.
FEDERATED = {"AssumeRoleWithSAML": "SAML", "AssumeRoleWithWebIdentity": "web identity"}
ISSUING_EVENTS = (*FEDERATED, "AssumeRole")
SSO_ROLE_PREFIX = "AWSReservedSSO_"  # IAM Identity Center's roles (see console.aws.ssm_host)


@dataclass(frozen=True)
class OwnerName:
    """Who set an SSM session Owner's name: ``chosen`` True (its caller, sts:AssumeRole),
    False (IAM, an identity provider, IAM Identity Center), None (CloudTrail does not say)."""

    issued_by: str | None
    chosen: bool | None
    words: str


def _role_of(arn: str) -> str:
    return arn.split(":assumed-role/", 1)[1].split("/", 1)[0]


def owner_name(owner: str | None, key: str | None, issuing: list[dict]) -> OwnerName:
    """How ``owner`` (a StartSession's ``userIdentity.arn``) got its name, from the issuing
    records (``ISSUING_EVENTS``) CloudTrail holds: the one that issued the access key ``key``
    the session was opened with, else those issuing a session of that ARN."""
    if not owner or ":assumed-role/" not in owner:
        return OwnerName(None, False, f"{owner or '-'} is not a role session: IAM named it")
    issued = [e for e in issuing if _issued_arn(e) == owner]
    exact = [e for e in issued if key and issued_key(e) == key]
    kinds = {e.get("eventName") for e in exact or issued}
    if len(kinds) > 1:
        return OwnerName(
            None,
            None,
            f"sessions named {owner} were issued both by {' and '.join(sorted(map(str, kinds)))}"
            ": CloudTrail cannot say which opened the SSM session",
        )
    if kinds:
        event = max(exact or issued, key=lambda e: event_time(e) or 0)
        return _issued_words(event)
    if _role_of(owner).startswith(SSO_ROLE_PREFIX):
        return OwnerName(
            "IAM Identity Center",
            False,
            f"role {_role_of(owner)} is IAM Identity Center's (AWSReservedSSO_*): the session "
            "name is the user's sign-in name, not a caller's choice",
        )
    return OwnerName(
        None,
        None,
        f"no AssumeRole, AssumeRoleWithSAML or AssumeRoleWithWebIdentity record issued {owner}"
        " in the event history read: who chose its name is not settled",
    )


def _issued_arn(event: dict) -> str | None:
    return ((event.get("responseElements") or {}).get("assumedRoleUser") or {}).get("arn")


def _issued_words(event: dict) -> OwnerName:
    """The OwnerName an issuing record says."""
    name = event.get("eventName") or "?"
    identity = event.get("userIdentity") or {}
    asked = event.get("requestParameters") or {}
    when = event.get("eventTime")
    if name in FEDERATED:
        who = identity.get("userName") or identity.get("principalId") or "?"
        idp = identity.get("identityProvider") or asked.get("principalArn") or "?"
        return OwnerName(
            name,
            False,
            f"{name} at {when} for {FEDERATED[name]} user {who} of {idp}: the identity "
            "provider set the session name, not a caller",
        )
    source = asked.get("sourceIdentity")
    also = f", SourceIdentity {source}" if source else ""
    return OwnerName(
        name,
        True,
        f"sts:AssumeRole at {when} by {caller_words(identity)}{also}: its caller chose the "
        f"session name {asked.get('roleSessionName')}",
    )


def _settled(owner: str, key: str | None, found: list[dict]) -> bool:
    """True when ``found`` has the record that issued ``key`` as ``owner`` (a record matched by
    the ARN alone is not enough: a caller may have taken a federated user's name), or when
    ``owner`` is an IAM Identity Center role's session."""
    exact = any(_issued_arn(e) == owner and key and issued_key(e) == key for e in found)
    return exact or _role_of(owner).startswith(SSO_ROLE_PREFIX)


async def issuing_records(broker, account: str, regions, pace: Pace, start, owners) -> list:
    """The records that issued the assumed-role sessions in ``owners`` ((owner ARN, access key
    id) pairs), in ``account`` (the host's): the federated ones first, then AssumeRole (the
    many) only while some owner is unsettled."""
    wanted = {
        (o, k) for o, k in owners if o and ":assumed-role/" in o and o.split(":")[4] == account
    }
    arns = {o for o, _ in wanted}
    found: list[dict] = []
    for name in ISSUING_EVENTS:
        if all(_settled(o, k, found) for o, k in wanted):
            break
        for region in regions:
            async with broker.host_client("cloudtrail", region) as cloudtrail:
                attribute = ("EventName", name)
                events = await lookup(cloudtrail, account, region, attribute, pace, StartTime=start)
                found += [f.event for f in events if _issued_arn(f.event) in arns]
    return found


def operator_owner_name(operator, sessions: dict, issuing: list[dict]) -> OwnerName | None:
    """How the operator's Owner got its name, by the key of the session it worked in (or of its
    sessions to this instance); None when the operator has no Owner ARN."""
    if operator is None or not operator.arn:
        return None
    session = sessions.get(operator.session_id or "")
    keys = [session["key"]] if session else []
    keys += [s["key"] for s in sessions.values() if s["owner"] == operator.arn]
    return owner_name(operator.arn, next((k for k in keys if k), None), issuing)
