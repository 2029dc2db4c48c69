"""Cloud Control API's GetResource and ListResources, for a few types moto holds.

moto has no Cloud Control API. The product reads through it (the teardown sweep confirms a
leftover no step kind builds with GetResource; a ``resource_exists`` milestone may list with
ListResources), so the stand-in answers both for three types whose state moto keeps:
``AWS::SNS::Topic`` (identified by TopicArn), ``AWS::Logs::LogGroup`` (LogGroupName) and
``AWS::SQS::Queue`` (QueueUrl), each with its primary identifier and name properties, the
``Properties`` a JSON string as botocore's cloudcontrol model shapes ``ResourceDescription``.
Any other type is still refused as unsupported.

As on AWS, Cloud Control runs the type's read (GetResource) or list (ListResources) handler with
the caller's own credentials, so besides ``cloudformation:GetResource`` (the Cloud Control
actions carry the cloudformation prefix; the gateway's authorizer decides those) the caller
needs each permission the handler's provider schema lists. A refusal is answered as AWS's
samples show: AccessDeniedException, "TYPE Handler returned status FAILED: ... (HandlerErrorCode:
AccessDenied, RequestToken: ...)" (aws-cloudformation/aws-cloudformation-resource-providers-
cloudformation#113); a missing resource is ResourceNotFoundException, "TYPE Handler returned
status FAILED: ... (HandlerErrorCode: NotFound, RequestToken: ...)"
(aws-cloudformation/cloudformation-coverage-roadmap#2090).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from standin import moto_state
from standin.httpserver import HttpResponse
from standin.principals import Principal
from standin.protocols import Call, error_response, json_response
from standin.stack_authorization import first_refusal


def _topic(item: Any, account: str, region: str) -> tuple[str, dict]:
    return item.arn, {"TopicArn": item.arn, "TopicName": item.name}


def _log_group(item: Any, account: str, region: str) -> tuple[str, dict]:
    arn = str(item.arn).removesuffix(":*")
    return item.name, {"LogGroupName": item.name, "Arn": arn}


def _queue(item: Any, account: str, region: str) -> tuple[str, dict]:
    url = f"https://sqs.{region}.amazonaws.com/{account}/{item.name}"
    return url, {"QueueUrl": url, "QueueName": item.name, "Arn": item.queue_arn}


CLOUD_CONTROL = "cloudcontrolapi"  # its signing name, as the gateway names a call's service
# type -> (moto service, its items' (identifier, properties))
TYPES: dict[str, tuple[str, Callable[[Any, str, str], tuple[str, dict]]]] = {
    "AWS::SNS::Topic": ("sns", _topic),
    "AWS::Logs::LogGroup": ("logs", _log_group),
    "AWS::SQS::Queue": ("sqs", _queue),
}


def answer(call: Call, principal: Principal, request_id: str) -> HttpResponse | None:
    """Cloud Control's answer to GetResource or ListResources, or None for any other call."""
    if call.service != CLOUD_CONTROL or call.operation not in ("GetResource", "ListResources"):
        return None
    body = call.json_body if isinstance(call.json_body, dict) else {}
    kind = str(body.get("TypeName", ""))
    if kind not in TYPES:
        message = f"The stand-in's Cloud Control API serves only {', '.join(TYPES)}."
        return error_response(call, "UnsupportedActionException", message, 400, request_id)
    region = call.region or ""
    handler = "read" if call.operation == "GetResource" else "list"
    refused = first_refusal(principal, kind, (handler,), region)
    if refused is not None:
        action, denied = refused
        message = (
            f"{kind} Handler returned status FAILED: {denied} (Service: "
            f"{action.split(':', 1)[0].upper()}, Status Code: 400, Request ID: {uuid.uuid4()}) "
            f"(HandlerErrorCode: AccessDenied, RequestToken: {uuid.uuid4()})"
        )
        return error_response(call, "AccessDeniedException", message, 400, request_id)
    found = _described(kind, principal.account, region)
    if call.operation == "ListResources":
        return json_response(call, {"TypeName": kind, "ResourceDescriptions": found}, request_id)
    identifier = str(body.get("Identifier", ""))
    match = next((d for d in found if d["Identifier"] == identifier), None)
    if match is None:
        message = (
            f"{kind} Handler returned status FAILED: Resource of type '{kind}' with identifier "
            f"'{identifier}' was not found. (HandlerErrorCode: NotFound, RequestToken: "
            f"{uuid.uuid4()})"
        )
        return error_response(call, "ResourceNotFoundException", message, 400, request_id)
    return json_response(call, {"TypeName": kind, "ResourceDescription": match}, request_id)


def _described(kind: str, account: str, region: str) -> list[dict]:
    """Every ``kind`` resource moto holds there, as Cloud Control's ResourceDescription."""
    service, describe = TYPES[kind]
    found = []
    for item in moto_state.regional_items(service, account, region):
        identifier, properties = describe(item, account, region)
        found.append({"Identifier": identifier, "Properties": json.dumps(properties)})
    return found
