"""The sandbox's CloudTrail event history: ``cloudtrail:LookupEvents`` answered from what the
gateway served, in CloudTrail's record shapes (``standin.cloudtrail_shapes`` cites the samples).

moto has no real CloudTrail event history. Here every authenticated request becomes a record in
the caller's account (``recipientAccountId``) and in the region CloudTrail uses (us-east-1 for
IAM), with ``userIdentity`` as CloudTrail writes it, ``requestID``, ``eventName``,
``eventSource``, ``readOnly``, and ``resources`` only where AWS's records have them. A
cross-account AssumeRole is recorded twice: in the caller's account, and as the role account's
``AWSAccount`` copy (no ARN) sharing its ``sharedEventID``. SSM sessions add ``StartSession``
and ``TerminateSession`` records in the owner's account.

LookupEvents names each record's resource (``Resources``: ``ResourceType``/``ResourceName``)
even where the record has no ``resources``, as the event history does. Records become visible
after ``delivery_delay`` seconds (AWS: about 5 minutes, not guaranteed; 0 here unless set).

Events stay in memory only (access key ids are not written to a file). ``LookupEvents`` takes
one lookup attribute and ``StartTime``/``EndTime``, pages newest first by 50, and answers
``ThrottlingException`` beyond AWS's 2 requests per second per account and region.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from standin import trainee_activity
from standin.cloudtrail_shapes import (
    RECORDED_RESOURCES,
    assume_role_fields,
    event_region,
    resource_of,
    role_account_copy,
    start_session_event,
    terminate_session_event,
    user_identity,
)
from standin.httpserver import HttpRequest, HttpResponse
from standin.principals import Principal
from standin.protocols import Call, error_response, json_response

__all__ = ["CloudTrail", "resource_of", "user_identity"]

READ_ONLY = ("Get", "List", "Describe", "Head", "Lookup", "BatchGet")
LOOKUP_KEYS = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)
PAGE = 50
RATE_PER_SECOND = 2


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CloudTrail:
    """Event history per account and region (thread-safe)."""

    def __init__(self, delivery_delay: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._events: list[dict] = []  # oldest first
        self._calls: dict[tuple[str, str], list[float]] = {}  # LookupEvents rate per account
        #: Seconds before a record shows in LookupEvents (AWS: about 5 minutes).
        self.delivery_delay = delivery_delay

    def clear(self) -> None:
        with self._lock:
            self._events.clear()
            self._calls.clear()

    def events(self, account: str | None = None) -> list[dict]:
        """The CloudTrail event JSON of every event (of ``account``), oldest first, delivered
        or not."""
        with self._lock:
            return [
                dict(e["event"])
                for e in self._events
                if account is None or e["event"]["recipientAccountId"] == account
            ]

    def _keep(self, event: dict, now: float, resources: list[tuple[str, str]]) -> None:
        event["eventTime"] = _iso(now)
        event.setdefault("eventID", str(uuid.uuid4()))
        stored = {"time": now, "visible_at": now + self.delivery_delay, "event": event}
        stored["lookup_resources"] = resources
        with self._lock:
            self._events.append(stored)

    def record(self, call: Call, principal: Principal, request: HttpRequest, response, rid: str):
        """Record one served request as CloudTrail would (twice for a cross-account assume)."""
        if not call.operation or not call.service:
            return
        now = time.time()
        event: dict[str, Any] = {
            "eventVersion": "1.08",
            "userIdentity": user_identity(principal, call.access_key_id),
            "eventSource": f"{call.service}.amazonaws.com",
            "eventName": call.operation,
            "awsRegion": event_region(call),
            "requestID": rid,
            "eventID": str(uuid.uuid4()),
            "readOnly": call.operation.startswith(READ_ONLY),
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": principal.account,
        }
        if response.status >= 300:
            event["errorCode"] = _error_code(response)
        resources: list[tuple[str, str]] = []
        if call.service == "sts" and call.operation == "AssumeRole":
            assume_role_fields(event, call, response)
            role_arn = call.params.get("RoleArn") or "::::"
            resources = [("AWS::IAM::Role", role_arn.rsplit("/", 1)[-1])]
            role_account = role_arn.split(":")[4]
            if role_account and role_account != principal.account:
                event["sharedEventID"] = str(uuid.uuid4())
                copy = role_account_copy(event, role_account, str(uuid.uuid4()))
                self._keep(copy, now, resources)
        else:
            found = resource_of(call, request, principal.account)
            if found is not None:
                kind, name, arn = found
                resources = [(kind, name)]
                if call.service in RECORDED_RESOURCES:
                    event["resources"] = [
                        {"ARN": arn, "accountId": principal.account, "type": kind}
                    ]
                event["requestParameters"] = _request_parameters(call.service, name)
        if response.status < 300:  # AWS's own fields for the create calls a trainee makes
            made = trainee_activity.create_fields(
                call, request.path, response.body, principal.account
            )
            event.update(made or {})
            if made and call.service not in RECORDED_RESOURCES:
                # The record itself names no resource there; LookupEvents' Resources still do.
                for item in event.pop("resources", []):
                    named = (item["type"], item["ARN"].rsplit("/", 1)[-1])
                    if named not in resources:
                        resources.append(named)
        self._keep(event, now, resources)

    def add(self, event: dict) -> None:
        """Keep an event made outside a request (a console sign-in), at its ``eventTime``."""
        moment = datetime.strptime(event["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        self._keep(dict(event), moment.timestamp(), [])

    def record_session(self, owner: str, target: str, session_id: str, region: str, **kw) -> None:
        """A ``StartSession`` (or with ``terminate=True`` a ``TerminateSession``) record."""
        if kw.get("terminate"):
            event = terminate_session_event(owner, session_id, region)
        else:
            document = kw.get("document") or "SSM-SessionManagerRunShell"
            event = start_session_event(owner, target, session_id, region, document)
        event["requestID"] = str(uuid.uuid4())
        self._keep(event, time.time(), [("AWS::EC2::Instance", target)] if target else [])

    def answer(self, call: Call, caller: Principal, request_id: str) -> HttpResponse | None:
        """``cloudtrail:LookupEvents`` in the caller's account and region; None for others."""
        if call.service != "cloudtrail" or call.operation != "LookupEvents":
            return None
        body = call.json_body if isinstance(call.json_body, dict) else {}
        attributes = body.get("LookupAttributes") or []
        if len(attributes) > 1 or any(a.get("AttributeKey") not in LOOKUP_KEYS for a in attributes):
            return error_response(
                call,
                "InvalidLookupAttributesException",
                "You cannot specify more than one lookup attribute, and it must be one of "
                + ", ".join(LOOKUP_KEYS),
                400,
                request_id,
            )
        if not self._within_rate(caller.account, call.region or ""):
            return error_response(call, "ThrottlingException", "Rate exceeded", 400, request_id)
        found = self._matching(caller.account, call.region, attributes[0] if attributes else None)
        found = [e for e in found if _within(e["time"], body.get("StartTime"), body.get("EndTime"))]
        start = int(body.get("NextToken") or 0)
        size = min(int(body.get("MaxResults") or PAGE), PAGE)
        payload: dict = {"Events": [_lookup_entry(e) for e in found[start : start + size]]}
        if start + size < len(found):
            payload["NextToken"] = str(start + size)
        return json_response(call, payload, request_id)

    def _within_rate(self, account: str, region: str) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._calls.get((account, region), []) if now - t < 1.0]
            allowed = len(recent) < RATE_PER_SECOND
            if allowed:
                recent.append(now)
            self._calls[(account, region)] = recent
        return allowed

    def _matching(self, account: str, region: str | None, attribute: dict | None) -> list[dict]:
        now = time.time()
        with self._lock:
            events = [
                e
                for e in reversed(self._events)  # newest first, as LookupEvents answers
                if e["event"]["recipientAccountId"] == account
                and e["event"]["awsRegion"] == region
                and e["visible_at"] <= now
            ]
        if attribute is None:
            return events
        key, value = attribute["AttributeKey"], attribute.get("AttributeValue")
        return [e for e in events if value in _attribute_values(_lookup_entry(e), key)]


def _request_parameters(service: str, name: str) -> dict:
    """The parameter naming the resource, as each service's records spell it."""
    key = {
        "iam": "userName",
        "codecommit": "repositoryName",
        "s3": "bucketName",
        "eks": "name",
        "cloudformation": "stackName",
    }.get(service, "name")
    return {key: name}


def _within(moment: float, start: Any, end: Any) -> bool:
    """LookupEvents' StartTime/EndTime (epoch seconds as the JSON protocol sends them)."""
    return (start is None or moment >= float(start)) and (end is None or moment <= float(end))


def _lookup_entry(stored: dict) -> dict:
    """One ``Events`` entry of a LookupEvents answer."""
    event = stored["event"]
    identity = event["userIdentity"]
    username = identity.get("userName") or (identity.get("arn") or "").rsplit("/", 1)[-1]
    entry = {
        "EventId": event["eventID"],
        "EventName": event["eventName"],
        "ReadOnly": "true" if event["readOnly"] else "false",
        "EventTime": stored["time"],
        "EventSource": event["eventSource"],
        "Resources": [
            {"ResourceType": kind, "ResourceName": name}
            for kind, name in stored.get("lookup_resources", [])
        ],
        "CloudTrailEvent": json.dumps(event),
    }
    if identity.get("accessKeyId"):
        entry["AccessKeyId"] = identity["accessKeyId"]
    if username:
        entry["Username"] = username
    return entry


def _attribute_values(entry: dict, key: str) -> set[str]:
    if key in ("ResourceType", "ResourceName"):
        return {r[key] for r in entry["Resources"]}
    return {entry.get(key) or ""}


def _error_code(response: HttpResponse) -> str | None:
    import re

    text = response.body[:2000].decode(errors="replace")
    found = re.search(r"<Code>([^<]+)</Code>", text) or re.search(r'"__type"\s*:\s*"([^"]+)"', text)
    return found.group(1).rsplit("#", 1)[-1] if found else str(response.status)
