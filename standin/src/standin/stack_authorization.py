"""A stack's resources authorized as CloudFormation does: the caller's permissions, per handler.

moto's CloudFormation creates, changes and deletes every resource whoever asks. AWS's, when no
service role is passed, runs each resource type's handlers with the caller's own credentials,
so the caller needs every permission the handler's provider schema lists
(``standin.provider_schemas``):

* CreateStack runs each resource's ``create`` handler and then its ``read`` handler (the
  handler contract has every create end in a model a ``read`` returns: the CloudFormation CLI
  user guide, "Resource type handler contracts"); a refusal is the resource's CREATE_FAILED and
  the stack's ROLLBACK_COMPLETE.
* UpdateStack runs ``create`` and ``read`` for a new resource, ``update`` and ``read`` for a
  changed one, ``delete`` for a removed one; a refusal is UPDATE_FAILED and the stack's
  UPDATE_ROLLBACK_COMPLETE, unchanged.
* DeleteStack runs each remaining resource's ``delete`` handler; a refusal is the resource's
  DELETE_FAILED and the stack's DELETE_FAILED, its resources kept.

The same handler sets ``iam-templates --course`` grants (create, read, update, delete).
"""

from __future__ import annotations

from html import escape
from typing import Any

from iampolicy import Decision, evaluate, request_context
from standin.authorization import _denial_message, identity_texts
from standin.gaps_steps import (
    CFN_NS,
    STACK_TYPE,
    _event,
    _xml_response,
    cloudformation_backends,
    created_stack,
    roll_back_failed,
)
from standin.httpserver import HttpResponse
from standin.principals import Principal
from standin.protocols import Call
from standin.provider_schemas import DEFAULT_REGION, handler_permissions

CREATE: tuple[str, ...] = ("create", "read")
UPDATE: tuple[str, ...] = ("update", "read")
DELETE: tuple[str, ...] = ("delete",)


def first_refusal(
    principal: Principal, kind: str, handlers: tuple[str, ...], region: str
) -> tuple[str, str] | None:
    """(action, AWS's denial) for the first permission of ``handlers`` of ``kind`` the caller
    lacks, or None when it has them all."""
    texts = identity_texts(principal)
    context = request_context(principal.caller, principal.facts, region=region)
    for handler in handlers:
        for action in handler_permissions(kind, handler, region or DEFAULT_REGION):
            answer = evaluate(texts, principal.caller, action, None, context)
            if answer.decision is not Decision.ALLOWED:
                explicit = answer.decision is Decision.EXPLICIT_DENY
                return action, _denial_message(principal, action, None, explicit)
    return None


def refused_permission(
    principal: Principal, kind: str, handlers: tuple[str, ...], region: str
) -> str | None:
    """The handler error CloudFormation records for the first permission of ``handlers`` of
    ``kind`` the caller lacks, or None when it has them all."""
    refused = first_refusal(principal, kind, handlers, region)
    if refused is None:
        return None
    action, denied = refused
    service = action.split(":", 1)[0].upper()
    return (
        f'Resource handler returned message: "{denied} (Service: {service}, Status '
        f'Code: 400)" (HandlerErrorCode: AccessDenied)'
    )


def _resources(template: dict | None) -> dict[str, dict]:
    found = (template or {}).get("Resources") or {}
    return {k: v for k, v in found.items() if isinstance(v, dict)}


def enforce_stack_permissions(call: Call, principal: Principal, response: HttpResponse) -> None:
    """After moto's CreateStack succeeded: the first resource whose create or read handler the
    caller may not run fails, and the stack rolls back, as on AWS."""
    if call.service != "cloudformation" or call.operation != "CreateStack":
        return
    if response.status != 200 or call.params.get("RoleARN"):
        return
    stack = created_stack(principal.account, call.region or "", call.params.get("StackName", ""))
    if stack is None:
        return
    for logical_id, body in _resources(getattr(stack, "template_dict", None)).items():
        kind = str(body.get("Type"))
        reason = refused_permission(principal, kind, CREATE, call.region or "")
        if reason is not None:
            roll_back_failed(stack, logical_id, kind, reason)
            return


def refuse_stack_change(call: Call, principal: Principal, request_id: str) -> HttpResponse | None:
    """Before moto sees an UpdateStack or a DeleteStack: when the caller may not run a handler
    it needs, the stack fails as AWS's would and CloudFormation's usual answer is returned
    (both calls are accepted, then fail while running); else None (moto serves it)."""
    if call.service != "cloudformation" or call.params.get("RoleARN"):
        return None
    if call.operation not in ("UpdateStack", "DeleteStack"):
        return None
    stack = _live_stack(principal.account, call.region or "", call.params.get("StackName", ""))
    if stack is None:
        return None
    if call.operation == "DeleteStack":
        return _refuse_delete(call, principal, stack, request_id)
    return _refuse_update(call, principal, stack, request_id)


def _live_stack(account: str, region: str, name: str) -> Any | None:
    per_account = dict.get(cloudformation_backends, account)
    backend = dict.get(per_account, region) if per_account else None
    for stack in list(backend.stacks.values()) if backend is not None else []:
        if name in (stack.name, stack.stack_id):
            return stack
    return None


def _refuse_delete(call: Call, principal: Principal, stack: Any, request_id: str):
    # What still exists: a rolled-back stack's map is empty (gaps_steps._roll_back).
    remaining = getattr(stack.resource_map, "_resource_json_map", {}) or {}
    for logical_id, body in _resources({"Resources": remaining}).items():
        if body.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
            continue  # kept: CloudFormation runs no delete handler for it
        kind = str(body.get("Type"))
        reason = refused_permission(principal, kind, DELETE, call.region or "")
        if reason is None:
            continue
        stack.events.append(_event(stack, stack.name, STACK_TYPE, "DELETE_IN_PROGRESS", None))
        stack.events.append(_event(stack, logical_id, kind, "DELETE_FAILED", reason))
        stack.events.append(
            _event(
                stack,
                stack.name,
                STACK_TYPE,
                "DELETE_FAILED",
                f"The following resource(s) failed to delete: [{logical_id}]. ",
            )
        )
        stack.status = "DELETE_FAILED"
        return _answer("DeleteStack", "", request_id)
    return None


def _refuse_update(call: Call, principal: Principal, stack: Any, request_id: str):
    params = call.params
    if str(params.get("UsePreviousTemplate", "")).lower() == "true" or not params.get(
        "TemplateBody"
    ):
        return None  # a parameter-only change: moto's own answer (no template to compare)
    try:
        new = _resources(stack.parse_template(params["TemplateBody"]))
    except Exception:  # moto answers a template it cannot read itself
        return None
    old = _resources(stack.template_dict)
    changes = [(lid, body, CREATE) for lid, body in new.items() if lid not in old]
    changes += [(lid, body, UPDATE) for lid, body in new.items() if lid in old and old[lid] != body]
    changes += [(lid, body, DELETE) for lid, body in old.items() if lid not in new]
    for logical_id, body, handlers in changes:
        kind = str(body.get("Type"))
        reason = refused_permission(principal, kind, handlers, call.region or "")
        if reason is None:
            continue
        failed = f"The following resource(s) failed to update: [{logical_id}]. "
        for who, what, status, why in (
            (stack.name, STACK_TYPE, "UPDATE_IN_PROGRESS", None),
            (logical_id, kind, "UPDATE_FAILED", reason),
            (stack.name, STACK_TYPE, "UPDATE_ROLLBACK_IN_PROGRESS", failed),
            (stack.name, STACK_TYPE, "UPDATE_ROLLBACK_COMPLETE", None),
        ):
            stack.events.append(_event(stack, who, what, status, why))
        stack.status = "UPDATE_ROLLBACK_COMPLETE"  # moto never saw it: the stack is unchanged
        return _answer("UpdateStack", stack.stack_id, request_id)
    return None


def _answer(operation: str, stack_id: str, request_id: str) -> HttpResponse:
    """CloudFormation's acceptance of an UpdateStack (with the stack's id) or a DeleteStack."""
    result = (
        f"<{operation}Result><StackId>{escape(stack_id)}</StackId></{operation}Result>"
        if stack_id
        else ""
    )
    return _xml_response(
        f'<{operation}Response xmlns="{CFN_NS}">{result}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation}Response>",
        request_id,
    )
