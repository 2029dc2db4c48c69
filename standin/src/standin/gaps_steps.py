"""More of what moto lacks and the step kinds need, answered as AWS would.

Checked against moto 5.2.5 with the step kinds' own calls (``console/steps``):

* IAM ListServiceSpecificCredentials is not implemented (HTTP 500), and neither is
  CreateServiceSpecificCredential, so no user in moto can have one: the answer is an empty list,
  which is exactly what AWS says for such a user. Tearing down a user lists them.
* CodeCommit UpdateRepositoryDescription is not implemented (HTTP 500). Filled here on moto's
  repository itself, so GetRepository shows the new description.
* CloudFormation never fails a stack the way AWS does. When a resource cannot be created, moto's
  CreateStack answers that resource's error synchronously and leaves the stack
  CREATE_IN_PROGRESS forever. AWS accepts the CreateStack, records CREATE_FAILED on the resource
  with the reason, rolls back and ends in ROLLBACK_COMPLETE. ``fail_stack_like_aws`` turns the
  former into the latter on moto's own stack (status, events, rolled-back resources), so
  DescribeStacks, DescribeStackEvents, the waiters and DeleteStack then behave as on AWS.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from html import escape
from typing import Any

from moto.cloudformation.models import Event, cloudformation_backends

from standin import moto_state
from standin.httpserver import HttpResponse
from standin.principals import Principal
from standin.protocols import (
    Call,
    error_code,
    error_response,
    json_response,
    new_request_id,
)

CFN_NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
STACK_TYPE = "AWS::CloudFormation::Stack"
# CreateStack refusals that happen before any resource: AWS refuses these synchronously too.
_STACK_LEVEL = {
    "AlreadyExistsException",
    "ValidationError",
    "InsufficientCapabilitiesException",
    "LimitExceededException",
    "TokenAlreadyExistsException",
}
_MESSAGE = re.compile(rb"<Message>(.*?)</Message>", re.S)


def _xml_response(body: str, request_id: str) -> HttpResponse:
    headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    return HttpResponse(200, headers, body.encode("utf-8"))


def list_service_specific_credentials(call: Call, request_id: str) -> HttpResponse:
    """IAM ListServiceSpecificCredentials: moto can hold none, so the list is empty."""
    return _xml_response(
        f'<ListServiceSpecificCredentialsResponse xmlns="{IAM_NS}">'
        "<ListServiceSpecificCredentialsResult><ServiceSpecificCredentials/>"
        "<IsTruncated>false</IsTruncated></ListServiceSpecificCredentialsResult>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        "</ListServiceSpecificCredentialsResponse>",
        request_id,
    )


def update_repository_description(call: Call, caller: Principal, request_id: str) -> HttpResponse:
    """CodeCommit UpdateRepositoryDescription on moto's repository."""
    body = call.json_body if isinstance(call.json_body, dict) else {}
    name = str(body.get("repositoryName") or "")
    repository = moto_state.codecommit_repository(caller.account, call.region, name)
    if repository is None:
        return error_response(
            call, "RepositoryDoesNotExistException", f"{name} does not exist", 400, request_id
        )
    repository.repository_metadata["repositoryDescription"] = str(
        body.get("repositoryDescription") or ""
    )
    repository.repository_metadata["lastModifiedDate"] = datetime.now(UTC).timestamp()
    return json_response(call, {}, request_id)


def _stuck_stack(account: str, region: str, name: str) -> Any | None:
    """moto's stack called ``name`` that a failed create left CREATE_IN_PROGRESS, or None."""
    per_account = dict.get(cloudformation_backends, account)
    backend = dict.get(per_account, region) if per_account else None
    if backend is None:
        return None
    for stack in list(backend.stacks.values()):
        if stack.name == name and stack.status == "CREATE_IN_PROGRESS":
            return stack
    return None


def _failed_resource(stack: Any) -> tuple[str, str]:
    """(logical id, type) of the first template resource moto did not create."""
    resources = stack.resource_map
    parsed = resources._parsed_resources
    order = getattr(resources, "_ResourceMap__get_resources_in_dependency_order", None)
    names = order() if order else list(resources._resource_json_map)
    for logical_id in names:
        if logical_id not in parsed:
            return logical_id, str(resources._resource_json_map[logical_id].get("Type"))
    return stack.name, STACK_TYPE


def _event(stack: Any, logical_id: str, kind: str, status: str, reason: str | None) -> Event:
    physical = stack.stack_id if kind == STACK_TYPE else ""
    return Event(stack.stack_id, stack.name, logical_id, physical, kind, status, reason, None)


class _NoOutputs(dict):
    """The outputs of a rolled-back stack: none, and no exports."""

    @property
    def exports(self) -> list:
        return []


def _roll_back(stack: Any) -> None:
    """Delete what was created before the failure, and leave the stack holding nothing.

    moto's resource and output maps are lazy: reading a resource or an output that does not
    exist creates it. A rolled-back stack must hold nothing, so both are emptied, and
    DescribeStacks, ListStackResources and DeleteStack then find nothing to make.
    """
    with contextlib.suppress(Exception):  # one moto cannot delete stays, as a retained one
        stack.resource_map.delete()
    stack.resource_map._resource_json_map = {}
    stack.output_map = _NoOutputs()


def roll_back_failed(stack: Any, logical_id: str, kind: str, reason: str) -> None:
    """What AWS does when resource ``logical_id`` fails to create: CREATE_FAILED with the
    reason, the rest rolled back, the stack ROLLBACK_COMPLETE."""
    stack.events.append(_event(stack, logical_id, kind, "CREATE_FAILED", reason))
    stack.events.append(
        _event(
            stack,
            stack.name,
            STACK_TYPE,
            "ROLLBACK_IN_PROGRESS",
            f"The following resource(s) failed to create: [{logical_id}]. "
            "Rollback requested by user.",
        )
    )
    _roll_back(stack)
    stack.events.append(_event(stack, stack.name, STACK_TYPE, "ROLLBACK_COMPLETE", None))
    stack.status = "ROLLBACK_COMPLETE"


def created_stack(account: str, region: str, name: str) -> Any | None:
    """moto's stack called ``name`` that CreateStack just completed, or None."""
    per_account = dict.get(cloudformation_backends, account)
    backend = dict.get(per_account, region) if per_account else None
    if backend is None:
        return None
    for stack in list(backend.stacks.values()):
        if stack.name == name and stack.status == "CREATE_COMPLETE":
            return stack
    return None


def fail_stack_like_aws(call: Call, caller: Principal, response: HttpResponse) -> None:
    """Turn moto's synchronous CreateStack failure into AWS's accepted-then-rolled-back stack.

    Changes ``response`` in place into CreateStack's success answer when moto left a stack
    CREATE_IN_PROGRESS behind a resource error; any other failure is left as it is.
    """
    code = error_code(call, response)
    stack = _stuck_stack(caller.account, call.region or "", call.params.get("StackName", ""))
    if code in _STACK_LEVEL or stack is None:
        return
    found = _MESSAGE.search(response.body or b"")
    reason = found.group(1).decode("utf-8", "replace") if found else f"{code}"
    logical_id, kind = _failed_resource(stack)
    roll_back_failed(stack, logical_id, kind, reason)
    request_id = new_request_id(call)
    answer = _xml_response(
        f'<CreateStackResponse xmlns="{CFN_NS}"><CreateStackResult>'
        f"<StackId>{escape(stack.stack_id)}</StackId></CreateStackResult>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        "</CreateStackResponse>",
        request_id,
    )
    response.status, response.headers, response.body = 200, answer.headers, answer.body
