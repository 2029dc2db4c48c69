"""The sandbox's CloudTrail event history: ``cloudtrail:LookupEvents`` answered from what the
gateway served, in CloudTrail's event JSON shape.

moto has no real CloudTrail event history. Here every authenticated request becomes an event
in the caller's account (``recipientAccountId``) and region, with ``userIdentity`` as CloudTrail
writes it (``type``, ``principalId`` ``AROA...:session``, ``arn``, ``accountId``,
``accessKeyId``, ``sessionContext`` with the issuer and the ``sourceIdentity``), ``requestID``,
``eventName``, ``eventSource``, ``readOnly`` and ``resources``. An AssumeRole is recorded in
both accounts, the caller's and the role's, as CloudTrail does; its ``responseElements`` name
the new session's access key id, which ties every later event of that session to it.

Events stay in memory only (access key ids are not written to a file). ``LookupEvents`` takes
one lookup attribute, pages newest first by 50, and answers ``ThrottlingException`` beyond
AWS's 2 requests per second per account and region.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from standin import moto_state, trainee_activity
from standin.httpserver import HttpRequest, HttpResponse
from standin.principals import Principal
from standin.protocols import Call, error_response, json_response

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
_NEW_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
_ROLE_ID = re.compile(rb"<AssumedRoleId>([^<]+)</AssumedRoleId>")
_TYPES = {
    "iam": "AWS::IAM::User",
    "codecommit": "AWS::CodeCommit::Repository",
    "s3": "AWS::S3::Bucket",
    "eks": "AWS::EKS::Cluster",
    "cloudformation": "AWS::CloudFormation::Stack",
}


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def resource_of(call: Call, request: HttpRequest, account: str) -> tuple[str, str, str] | None:
    """(type, name, ARN) of the resource a call acts on, for the step kinds' services."""
    service, params = call.service or "", call.params
    body = call.json_body if isinstance(call.json_body, dict) else {}
    path = unquote(request.path)
    name = None
    if service == "iam":
        name = params.get("UserName")
    elif service == "codecommit":
        name = body.get("repositoryName") or (body.get("resourceArn") or "").rsplit(":", 1)[-1]
    elif service == "s3":
        name = path.strip("/").split("/", 1)[0]
    elif service == "eks":
        found = re.match(r"^/clusters/([^/]+)", path) or re.search(r":cluster/([^/]+)", path)
        name = found.group(1) if found else None
    elif service == "cloudformation":
        name = params.get("StackName")
    if not name:
        return None
    region = call.region or ""
    arns = {
        "iam": f"arn:aws:iam::{account}:user/{name}",
        "codecommit": f"arn:aws:codecommit:{region}:{account}:{name}",
        "s3": f"arn:aws:s3:::{name}",
        "eks": f"arn:aws:eks:{region}:{account}:cluster/{name}",
        "cloudformation": f"arn:aws:cloudformation:{region}:{account}:stack/{name}",
    }
    return _TYPES[service], str(name), arns[service]


def user_identity(principal: Principal, access_key_id: str | None) -> dict:
    """CloudTrail's ``userIdentity`` of ``principal``."""
    if principal.kind == "assumed-role":
        role = moto_state.find_role(principal.account, principal.role_name or "")
        role_id = role.id if role is not None else "AROAUNKNOWN"
        context = {
            "sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": principal.role_arn,
                "accountId": principal.account,
                "userName": principal.role_name,
            },
            "attributes": {"mfaAuthenticated": "false"},
        }
        if principal.source_identity:
            context["sourceIdentity"] = principal.source_identity
        return {
            "type": "AssumedRole",
            "principalId": f"{role_id}:{principal.session_name}",
            "arn": principal.arn,
            "accountId": principal.account,
            "accessKeyId": access_key_id,
            "sessionContext": context,
        }
    user = moto_state.find_user_by_arn(principal.account, principal.arn)
    return {
        "type": "IAMUser",
        "principalId": getattr(user, "id", None),
        "arn": principal.arn,
        "accountId": principal.account,
        "accessKeyId": access_key_id,
        "userName": principal.arn.rsplit("/", 1)[-1],
    }


class CloudTrail:
    """Event history per account and region (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[dict] = []  # oldest first
        self._calls: dict[tuple[str, str], list[float]] = {}  # LookupEvents rate per account

    def clear(self) -> None:
        with self._lock:
            self._events.clear()
            self._calls.clear()

    def events(self, account: str | None = None) -> list[dict]:
        """The CloudTrail event JSON of every event (of ``account``), oldest first."""
        with self._lock:
            return [
                dict(e["event"])
                for e in self._events
                if account is None or e["event"]["recipientAccountId"] == account
            ]

    def record(self, call: Call, principal: Principal, request: HttpRequest, response, rid: str):
        """Record one served request as CloudTrail would (twice for a cross-account assume)."""
        if not call.operation or not call.service:
            return
        now = time.time()
        event: dict[str, Any] = {
            "eventVersion": "1.08",
            "userIdentity": user_identity(principal, call.access_key_id),
            "eventTime": _iso(now),
            "eventSource": f"{call.service}.amazonaws.com",
            "eventName": call.operation,
            "awsRegion": call.region,
            "requestID": rid,
            "eventID": str(uuid.uuid4()),
            "readOnly": call.operation.startswith(READ_ONLY),
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": principal.account,
        }
        if response.status >= 300:
            event["errorCode"] = _error_code(response)
        accounts = [principal.account]
        if call.service == "sts" and call.operation == "AssumeRole":
            self._assume_role_fields(event, call, response)
            role_account = (call.params.get("RoleArn") or "::::").split(":")[4]
            if role_account and role_account != principal.account:
                accounts.append(role_account)
        else:
            found = resource_of(call, request, principal.account)
            if found is not None:
                kind, name, arn = found
                event["resources"] = [{"ARN": arn, "accountId": principal.account, "type": kind}]
                event["requestParameters"] = {"name": name}
        if response.status < 300:  # AWS's own fields for the create calls a trainee makes
            made = trainee_activity.create_fields(
                call, request.path, response.body, principal.account
            )
            event.update(made or {})
        with self._lock:
            for account in accounts:
                copy = dict(event, recipientAccountId=account, eventID=str(uuid.uuid4()))
                self._events.append({"time": now, "event": copy})

    def add(self, event: dict) -> None:
        """Keep an event made outside a request (a console sign-in), at its ``eventTime``."""
        moment = datetime.strptime(event["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        with self._lock:
            self._events.append({"time": moment.timestamp(), "event": dict(event)})

    @staticmethod
    def _assume_role_fields(event: dict, call: Call, response: HttpResponse) -> None:
        params = call.params
        role_arn = params.get("RoleArn", "")
        event["requestParameters"] = {
            "roleArn": role_arn,
            "roleSessionName": params.get("RoleSessionName"),
            "durationSeconds": int(params.get("DurationSeconds") or 3600),
        }
        if params.get("SourceIdentity"):
            event["requestParameters"]["sourceIdentity"] = params["SourceIdentity"]
        event["resources"] = [
            {
                "ARN": role_arn,
                "accountId": role_arn.split(":")[4] if role_arn else None,
                "type": "AWS::IAM::Role",
            }
        ]
        key, role_id = _NEW_KEY.search(response.body), _ROLE_ID.search(response.body)
        if response.status < 300 and key and role_id:
            account = role_arn.split(":")[4]
            role = role_arn.rsplit("/", 1)[-1]
            event["responseElements"] = {
                "credentials": {"accessKeyId": key.group(1).decode()},
                "assumedRoleUser": {
                    "assumedRoleId": role_id.group(1).decode(),
                    "arn": f"arn:aws:sts::{account}:assumed-role/{role}/"
                    f"{params.get('RoleSessionName')}",
                },
            }

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
        found = within_window(found, body.get("StartTime"), body.get("EndTime"))
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
        with self._lock:
            events = [
                e
                for e in reversed(self._events)  # newest first, as LookupEvents answers
                if e["event"]["recipientAccountId"] == account and e["event"]["awsRegion"] == region
            ]
        if attribute is None:
            return events
        key, value = attribute["AttributeKey"], attribute.get("AttributeValue")
        return [e for e in events if value in _attribute_values(_lookup_entry(e), key)]


def _lookup_entry(stored: dict) -> dict:
    """One ``Events`` entry of a LookupEvents answer."""
    event = stored["event"]
    identity = event["userIdentity"]
    username = identity.get("userName") or identity["arn"].rsplit("/", 1)[-1]
    return {
        "EventId": event["eventID"],
        "EventName": event["eventName"],
        "ReadOnly": "true" if event["readOnly"] else "false",
        "AccessKeyId": identity.get("accessKeyId"),
        "EventTime": stored["time"],
        "EventSource": event["eventSource"],
        "Username": username,
        "Resources": [
            {"ResourceType": r["type"], "ResourceName": _name_of(r)}
            for r in event.get("resources", [])
        ],
        "CloudTrailEvent": json.dumps(event),
    }


def _name_of(resource: dict) -> str:
    arn = resource.get("ARN") or ""
    if resource["type"] == "AWS::CodeCommit::Repository":
        return arn.rsplit(":", 1)[-1]
    if resource["type"] == "AWS::S3::Bucket":
        return arn.rsplit(":", 1)[-1]
    return arn.split(":", 5)[-1].split("/", 1)[-1]


def _attribute_values(entry: dict, key: str) -> set[str]:
    if key in ("ResourceType", "ResourceName"):
        return {r[key] for r in entry["Resources"]}
    return {entry.get(key) or ""}


def _error_code(response: HttpResponse) -> str | None:
    text = response.body[:2000].decode(errors="replace")
    found = re.search(r"<Code>([^<]+)</Code>", text) or re.search(r'"__type"\s*:\s*"([^"]+)"', text)
    return found.group(1).rsplit("#", 1)[-1] if found else str(response.status)


def within_window(events: list[dict], start: object, end: object) -> list[dict]:
    """The events between LookupEvents' ``StartTime`` and ``EndTime`` (epoch seconds, as
    botocore sends a timestamp in the JSON protocol), both inclusive."""
    low = float(start) if isinstance(start, int | float) else float("-inf")
    high = float(end) if isinstance(end, int | float) else float("inf")
    return [e for e in events if low <= e["time"] <= high]
