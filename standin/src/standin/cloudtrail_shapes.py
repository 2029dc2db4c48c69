"""CloudTrail records in the shapes AWS writes them, for the stand-in's event history.

Where each shape comes from (the samples win over anything this module once believed):

* IAM User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail"
  (awsdocs/iam-user-guide, page cloudtrail-integration at 651083f, 2023-05-11):
  the ``GetUserPolicy`` sample has no ``resources``; the cross-account ``AssumeRole`` sample is
  written twice, once in the caller's account (``userIdentity`` the caller, ``resources`` the
  role) and once in the role's account with ``userIdentity`` ``{"type": "AWSAccount",
  "principalId", "accountId"}`` (no ARN) and no ``resources``; both carry the same
  ``requestID`` and ``sharedEventID`` and their own ``eventID``.
* CloudTrail User Guide, "CloudTrail record contents" (awsdocs/aws-cloudtrail-user-guide,
  page cloudtrail-event-reference-record-contents at c7adfd8, 2023-03-27):
  ``resources`` and ``sharedEventID`` are optional (``sharedEventID`` only when the event is
  delivered to more than one account).
* IAM's events are recorded in us-east-1, STS's global endpoint's too, a regional STS
  endpoint's in its region (CloudTrail User Guide, "CloudTrail concepts", "Global service
  events", page cloudtrail-concepts at c7adfd8).
* Event history keeps 90 days (same page, "Event history").
* ``StartSession``: the SSM User Guide has no sample record. The fields are the API's
  (botocore ssm ``StartSessionRequest``: ``Target``, ``DocumentName``; ``StartSessionResponse``:
  ``SessionId``, ``TokenValue``, ``StreamUrl``) in CloudTrail's camelCase, and CloudTrail hides
  the token (``"Value hidden due to security reasons."``, as real records show it).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from standin import moto_state
from standin.httpserver import HttpRequest, HttpResponse
from standin.principals import Principal
from standin.protocols import Call

GLOBAL_REGION = "us-east-1"  # where CloudTrail records IAM's events
HIDDEN = "Value hidden due to security reasons."
_NEW_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
_ROLE_ID = re.compile(rb"<AssumedRoleId>([^<]+)</AssumedRoleId>")
_TYPES = {
    "iam": "AWS::IAM::User",
    "codecommit": "AWS::CodeCommit::Repository",
    "s3": "AWS::S3::Bucket",
    "eks": "AWS::EKS::Cluster",
    "cloudformation": "AWS::CloudFormation::Stack",
}
# Services whose records carry the ``resources`` list (S3's bucket-level records do, as in the
# S3 User Guide's CloudTrail samples). IAM's never do (the GetUserPolicy sample above); for the
# others no sample was at hand, so none is invented: LookupEvents still names the resource.
RECORDED_RESOURCES = {"s3"}


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


def event_region(call: Call) -> str | None:
    """The region CloudTrail records a call in: us-east-1 for IAM, else the endpoint's."""
    return GLOBAL_REGION if call.service == "iam" else call.region


def user_identity(principal: Principal, access_key_id: str | None) -> dict:
    """CloudTrail's ``userIdentity`` of ``principal``."""
    if principal.kind == "assumed-role":
        role = moto_state.find_role(principal.account, principal.role_name or "")
        role_id = role.id if role is not None else "AROAUNKNOWN"
        context: dict[str, Any] = {
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


def identity_of_arn(arn: str) -> dict:
    """A ``userIdentity`` for an owner known only by its ARN (an SSM session's ``Owner``)."""
    account = arn.split(":")[4]
    resource = arn.split(":", 5)[5]
    if resource.startswith("assumed-role/"):
        _, role, session = resource.split("/", 2)
        return {
            "type": "AssumedRole",
            "principalId": f"AROAEXAMPLE:{session}",
            "arn": arn,
            "accountId": account,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAEXAMPLE",
                    "arn": f"arn:aws:iam::{account}:role/{role}",
                    "accountId": account,
                    "userName": role,
                },
                "attributes": {"mfaAuthenticated": "false"},
            },
        }
    return {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLE",
        "arn": arn,
        "accountId": account,
        "userName": resource.rsplit("/", 1)[-1],
    }


def assume_role_fields(event: dict, call: Call, response: HttpResponse) -> None:
    """``requestParameters``, ``responseElements`` and ``resources`` of an AssumeRole, as the
    IAM User Guide's cross-account sample shows them in the caller's account."""
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
            "credentials": {"accessKeyId": key.group(1).decode(), "sessionToken": HIDDEN},
            "assumedRoleUser": {
                "assumedRoleId": role_id.group(1).decode(),
                "arn": f"arn:aws:sts::{account}:assumed-role/{role}/"
                f"{params.get('RoleSessionName')}",
            },
        }
        if params.get("SourceIdentity"):
            event["responseElements"]["sourceIdentity"] = params["SourceIdentity"]


def role_account_copy(event: dict, role_account: str, event_id: str) -> dict:
    """The role account's copy of a cross-account AssumeRole: ``AWSAccount``, no ARN, no
    ``resources``, the same ``requestID`` and ``sharedEventID``, its own ``eventID``."""
    caller = event["userIdentity"]
    copy = {k: v for k, v in event.items() if k != "resources"}
    copy["userIdentity"] = {
        "type": "AWSAccount",
        "principalId": caller.get("principalId"),
        "accountId": caller.get("accountId"),
    }
    copy["eventID"] = event_id
    copy["recipientAccountId"] = role_account
    return copy


def start_session_event(
    owner: str, target: str, session_id: str, region: str, document: str
) -> dict:
    """The ``StartSession`` record of an SSM session, in the owner's account."""
    return {
        "eventVersion": "1.08",
        "userIdentity": identity_of_arn(owner),
        "eventSource": "ssm.amazonaws.com",
        "eventName": "StartSession",
        "awsRegion": region,
        "requestParameters": {"target": target, "documentName": document},
        "responseElements": {
            "sessionId": session_id,
            "tokenValue": HIDDEN,
            "streamUrl": f"wss://ssmmessages.{region}.amazonaws.com/v1/data-channel/"
            f"{session_id}?role=publish_subscribe",
        },
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": owner.split(":")[4],
    }


def terminate_session_event(owner: str, session_id: str, region: str) -> dict:
    """The ``TerminateSession`` record of an SSM session, in the owner's account."""
    return {
        "eventVersion": "1.08",
        "userIdentity": identity_of_arn(owner),
        "eventSource": "ssm.amazonaws.com",
        "eventName": "TerminateSession",
        "awsRegion": region,
        "requestParameters": {"sessionId": session_id},
        "responseElements": {"sessionId": session_id},
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": owner.split(":")[4],
    }
