"""``whodidthis trace COURSE RESOURCE [--json] [--cloudtrail]``: one resource's history.

RESOURCE is an ARN (``arn:aws:iam::200000000001:user/alice``) or a trainee resource name as the
course renders it (``alice-eks``; ``alice/dojo-app`` when several trainees have one of that
name). The history comes from the ledger, oldest first: every create, change and delete, with
the principal, the session name, the source identity, the operator and the request id.

With ``--cloudtrail`` the trainee account's CloudTrail event history is asked too
(``LookupEvents`` by resource name, in the course's region and in us-east-1 where IAM's events
land, paced at AWS's 2 requests per second, a progress line on stderr), and each event is
marked ``both``, ``ledger only`` or ``cloudtrail only``: a change made outside whodidthis shows
as ``cloudtrail only``, a call cut short by a crash as ``ledger only``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass

from console.aws.attribution import key_digest
from console.commands.report import NOT_A_CHANGE
from console.course.model import Course, Step, Trainee
from console.errors import EXIT_OK, UsageError
from console.kinds import KINDS
from console.kinds.arns import match_arn
from console.model import LedgerRecord
from console.words import iso, printable, short_principal

CLOUDTRAIL_TYPE = {kind: spec.cloudtrail_type for kind, spec in KINDS.items()}
LOOKUP_INTERVAL = 0.5  # CloudTrail LookupEvents: 2 requests per second per account and region
GLOBAL_REGION = "us-east-1"  # where CloudTrail records IAM's (global) events


@dataclass(frozen=True)
class Target:
    """The resource asked about: its trainee, step and name."""

    trainee: Trainee
    step: Step
    name: str
    label: str  # the ledger's step label, ``kind:name``


def resolve_target(course: Course, resource: str) -> Target:
    """The trainee and step that own ``resource`` (an ARN or a resource name).

    Raises:
        UsageError: no step of the course makes it, or several do.
    """
    kind = account = trainee_name = None
    shown = echoed(resource)
    if resource.startswith("arn:"):
        parts = resource.split(":", 5)
        if len(parts) != 6:
            raise UsageError(f"{shown} is not an ARN (arn:aws:SERVICE:REGION:ACCOUNT:...)")
        matched = match_arn(resource)
        if matched:
            spec, account, name = matched
            kind = spec.kind
        else:  # a type no kind builds: look for its name alone
            account, name = parts[4], parts[5].split("/")[-1]
    else:
        trainee_name, _, name = resource.rpartition("/")
    found = [
        Target(t, s, s.name_for(course, t), f"{s.kind}:{s.name_for(course, t)}")
        for t in course.trainees
        for s in course.steps
        if s.name_for(course, t) == name
        and (kind is None or s.kind == kind)
        and (not account or t.account == account)
        and (not trainee_name or t.name == trainee_name)
    ]
    if not found:
        raise UsageError(
            f"no step of course {course.name} makes {shown}; give an ARN or a resource "
            "name as the course renders it (e.g. the trainee's user name, or alice/dojo-app)"
        )
    if len(found) > 1:
        choices = ", ".join(f"{t.trainee.name}/{t.name}" for t in found[:5])
        raise UsageError(f"{shown} names {len(found)} resources; say which: {choices}")
    return found[0]


ECHO_LIMIT = 120  # characters of a user's argument repeated in a message


def echoed(text: str) -> str:
    """A user's argument as a message repeats it: printable, and cut to ``ECHO_LIMIT``."""
    if len(text) <= ECHO_LIMIT:
        return printable(text)
    return f"{printable(text[:ECHO_LIMIT])}... ({len(text)} characters)"


def ledger_history(ledger: list[LedgerRecord], target: Target) -> list[LedgerRecord]:
    """The target's creates, changes and deletes from the ledger, oldest first."""
    return [
        r
        for r in ledger
        if r.trainee == target.trainee.name
        and r.step == target.label
        and r.operation not in NOT_A_CHANGE
    ]


def trace_json(record: LedgerRecord, seen: str | None = None) -> dict:
    """One history event, as ``trace --json`` prints it."""
    event = {
        "ts": iso(record.ts),
        "operation": f"{record.service}:{record.operation}",
        "principal_arn": record.principal_arn,
        "session_name": record.session_name,
        "source_identity": record.source_identity,
        "operator": record.operator,
        "operator_source": record.operator_source,
        "operator_arn": record.operator_arn,
        "request_id": record.request_id,
        "assume_request_id": record.assume_request_id,
        "outcome": record.outcome.value,
    }
    if seen:
        event["seen"] = seen
    return event


def cloudtrail_json(event: dict) -> dict:
    """A CloudTrail event the ledger does not have, in the same fields."""
    identity = event.get("userIdentity", {})
    arn = identity.get("arn")
    service = event.get("eventSource", "").split(".", 1)[0]
    return {
        "ts": _cloudtrail_time(event.get("eventTime")),
        "operation": f"{service}:{event.get('eventName')}",
        "principal_arn": arn,
        "session_name": arn.rsplit("/", 1)[-1] if arn and ":assumed-role/" in arn else None,
        "source_identity": identity.get("sessionContext", {}).get("sourceIdentity"),
        "operator": None,
        "operator_source": None,
        "operator_arn": None,
        "request_id": event.get("requestID"),
        "assume_request_id": None,
        "outcome": "error" if event.get("errorCode") else "ok",
        "seen": "cloudtrail only",
    }


def _cloudtrail_time(text: str | None) -> str | None:
    """CloudTrail's ``2026-12-01T21:40:56Z`` in the ledger's form, so the two sort together."""
    if not text:
        return None
    from datetime import datetime

    return iso(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def joined(records: list[LedgerRecord], events: list[dict], course: str = "") -> list[dict]:
    """Ledger records and CloudTrail events, marked where each was seen, oldest first.

    A record and the event of the same request id are ``both`` only when CloudTrail names the
    same principal, session and access key as the record; otherwise the record is
    ``contradicted`` and says which fields CloudTrail names otherwise (a ledger rewritten after
    the fact). An event of our own course's session that the ledger lacks says so.
    """
    by_id = {e.get("requestID"): e for e in events if e.get("requestID")}
    in_ledger = {r.request_id for r in records if r.request_id}
    rows = []
    for record in records:
        event = by_id.get(record.request_id) if record.request_id else None
        if event is None:
            rows.append(trace_json(record, "ledger only"))
            continue
        differs = contradictions(record, event)
        row = trace_json(record, "contradicted" if differs else "both")
        if differs:
            row["cloudtrail_says"] = differs
        rows.append(row)
    for event in events:
        if event.get("requestID") in in_ledger:
            continue
        row = cloudtrail_json(event)
        if course and (row["session_name"] or "").endswith(f"@{course}"):
            row["note"] = "made by a whodidthis session of this course; the ledger has no record"
        rows.append(row)
    return sorted(rows, key=lambda row: row["ts"] or "")


def contradictions(record: LedgerRecord, event: dict) -> dict:
    """The fields CloudTrail names otherwise than the record: principal, session, key."""
    identity = event.get("userIdentity") or {}
    arn = identity.get("arn")
    said = {
        "principal_arn": (record.principal_arn, arn),
        "principal_id": (record.principal_id, identity.get("principalId")),
        "access_key_digest": (record.access_key_digest, key_digest(identity.get("accessKeyId"))),
    }
    if record.operation == "AssumeRole":  # the record names the new session, the caller the host
        wanted = (event.get("requestParameters") or {}).get("roleSessionName")
        said["session_name"] = (record.session_name, wanted)
    elif arn and ":assumed-role/" in arn:
        said["session_name"] = (record.session_name, arn.rsplit("/", 1)[-1])
    # A field either side leaves empty is not a contradiction (old records, IAM users).
    return {
        name: theirs for name, (ours, theirs) in said.items() if ours and theirs and ours != theirs
    }


async def lookup_events(course: Course, target: Target, host, operator, recorder) -> list[dict]:
    """The trainee account's changing CloudTrail events naming the target, paced at 2/s."""
    from console.aws.attribution import LedgerContext, current
    from console.aws.sessions import broker_for

    trainee = target.trainee
    current.set(LedgerContext(course.name, trainee.name, trainee.account, step="trace"))
    found: dict[str, dict] = {}
    async with broker_for(course, host, operator=operator, recorder=recorder) as broker:
        session = await broker.session_for(trainee.name, trainee.account, operator)
        pace = _Pace()
        for region in dict.fromkeys([course.region, GLOBAL_REGION]):
            async with session.session.create_client(
                "cloudtrail", region_name=region, config=broker.client_config
            ) as cloudtrail:
                await _pages(cloudtrail, target, region, pace, found)
    wanted = CLOUDTRAIL_TYPE[target.step.kind]
    return [
        e
        for e in found.values()
        if not e.get("readOnly") and any(r.get("type") == wanted for r in e.get("resources", []))
    ]


class _Pace:
    """At most one request per ``LOOKUP_INTERVAL``, across regions (the limit is per account)."""

    def __init__(self) -> None:
        self._last = 0.0

    async def wait(self) -> None:
        delay = self._last + LOOKUP_INTERVAL - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        self._last = time.monotonic()


async def _pages(cloudtrail, target: Target, region: str, pace: _Pace, found: dict) -> None:
    token, page = None, 0
    attribute = {"AttributeKey": "ResourceName", "AttributeValue": target.name}
    while True:
        await pace.wait()
        kwargs = {"LookupAttributes": [attribute], "MaxResults": 50}
        if token:
            kwargs["NextToken"] = token
        answer = await cloudtrail.lookup_events(**kwargs)
        page += 1
        for entry in answer.get("Events", []):
            event = json.loads(entry["CloudTrailEvent"])
            found.setdefault(event.get("eventID") or entry["EventId"], event)
        print(
            f"CloudTrail LookupEvents {target.trainee.account} {region}: page {page}, "
            f"{len(found)} events so far",
            file=sys.stderr,
            flush=True,
        )
        token = answer.get("NextToken")
        if not token:
            return


def trace_line(row: dict) -> str:
    """One history event for people."""
    seen = f"{row['seen']:<15} " if "seen" in row else ""
    if row.get("cloudtrail_says"):
        said = ", ".join(f"{k}={v}" for k, v in row["cloudtrail_says"].items())
        seen += f"(CloudTrail: {said}) "
    who = short_principal(row["principal_arn"]) or "-"
    return printable(
        f"{row['ts']}  {seen}{row['operation']:<34} {row['outcome']:<7} {who} "
        f"for {row['operator'] or '-'}  {row['request_id'] or '-'}"
    )


def cli_trace(args) -> int:
    """Entry point of ``whodidthis trace``."""
    from console.commands.headless import open_course

    opened = open_course(args, sync=False)
    try:
        target = resolve_target(opened.course, args.resource)
        records = ledger_history(opened.store.ledger(trainee=target.trainee.name), target)
        if args.cloudtrail:
            rows = joined(records, _cloudtrail(args, opened, target), opened.course.name)
        else:
            rows = [trace_json(r) for r in records]
    finally:
        opened.store.close()
    if not args.json:
        print(printable(f"{target.label} of {target.trainee.name} ({target.trainee.account}):"))
    for row in rows:
        print(json.dumps(row) if args.json else trace_line(row))
    return EXIT_OK


def _cloudtrail(args, opened, target: Target) -> list[dict]:
    from console.aws.operator import resolve_operator
    from console.engine.opening import check_host
    from console.engine.process import StoreRecorder

    host = check_host(opened.course, args.allow_long_term_keys)
    operator = resolve_operator(args.operator)
    return asyncio.run(
        lookup_events(opened.course, target, host, operator, StoreRecorder(opened.store))
    )
