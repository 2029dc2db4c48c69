"""Every call authorized as AWS would: the caller's identity policies, by the shared evaluator.

moto allows every call; the gateway asks ``Authorizer.refusal`` first. A request maps to its IAM
action (the service's IAM prefix and the operation, with S3's renamed ones) and to its resource
where that is cheap to know (an IAM role or user named in the request, the policy source of a
simulation), else to "unknown", which any ``Resource`` matches. ``sts:GetCallerIdentity`` needs
no permission, as on AWS. ``iam:SimulatePrincipalPolicy``, which moto lacks, is answered here
with the same evaluator, so preflight's own checks see the sandbox's real policies.

Parsed policies are cached by their JSON text (``iampolicy.parse``): a role's policies
are parsed once, and a call costs a dictionary lookup per policy plus the evaluation.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote
from xml.sax.saxutils import escape

from iampolicy import (
    Caller,
    Decision,
    PrincipalFacts,
    evaluate,
    request_context,
    trust_policy_problems,
)
from iampolicy.statements import as_list
from standin import moto_state
from standin.httpserver import HttpResponse
from standin.principals import Principal
from standin.protocols import Call, error_response

# signing name -> IAM service prefix, where they differ
_PREFIXES = {
    "tagging": "tag",
    # Cloud Control API (signing name cloudcontrolapi): its actions carry the cloudformation
    # prefix (Service Authorization Reference; aws/aws-sdk#140 shows the AccessDenied naming
    # cloudformation:ListResources).
    "cloudcontrolapi": "cloudformation",
    "monitoring": "cloudwatch",
    "email": "ses",
    "execute-api": "apigateway",
}
# S3 operations whose IAM action has another name
_S3_ACTIONS = {
    "ListBuckets": "ListAllMyBuckets",
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "HeadObject": "GetObject",
    "DeleteObjects": "DeleteObject",
    "CopyObject": "PutObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "AbortMultipartUpload": "AbortMultipartUpload",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeleteBucketTagging": "PutBucketTagging",
    "DeleteBucketPolicy": "DeleteBucketPolicy",
}
FREE_ACTIONS = frozenset({"sts:GetCallerIdentity"})
# protocol -> (code, status) of AWS's access-denied answer
_DENIED = {
    "query": ("AccessDenied", 403),
    "ec2": ("UnauthorizedOperation", 403),
    "json": ("AccessDeniedException", 400),
    "rest-json": ("AccessDeniedException", 403),
    "rest-xml": ("AccessDenied", 403),
}
_MEMBER = re.compile(r"^(ActionNames|ResourceArns)\.member\.(\d+)$")
_CONTEXT = re.compile(
    r"^ContextEntries\.member\.(\d+)\.(ContextKeyName|ContextKeyValues\.member\.\d+)$"
)


def iam_action(call: Call) -> str | None:
    """The IAM action of a request (``s3:ListAllMyBuckets`` for ListBuckets), None if unknown."""
    if not call.service or not call.operation:
        return None
    prefix = _PREFIXES.get(call.service, call.service)
    operation = (
        _S3_ACTIONS.get(call.operation, call.operation) if prefix == "s3" else call.operation
    )
    return f"{prefix}:{operation}"


def identity_texts(principal: Principal) -> list[str]:
    """The principal's identity policies as moto stores them (the evaluator caches by text)."""
    if principal.kind == "assumed-role":
        role = moto_state.find_role(principal.account, principal.role_name or "")
        return moto_state.role_policy_texts(role) if role is not None else []
    user = moto_state.find_user_by_arn(principal.account, principal.arn)
    return moto_state.user_policy_texts(principal.account, user) if user is not None else []


def call_resource(call: Call, account: str) -> str | None:
    """The resource ARN of a request when it is cheap to know, else None (unknown)."""
    if call.service != "iam":
        return None
    params = call.params
    if call.operation == "SimulatePrincipalPolicy":
        return params.get("PolicySourceArn")
    if "RoleName" in params:
        role = moto_state.find_role(account, params["RoleName"])
        return role.arn if role is not None else f"arn:aws:iam::{account}:role/{params['RoleName']}"
    if "UserName" in params:
        return f"arn:aws:iam::{account}:user/{params['UserName']}"
    return None


def _denial_message(principal: Principal, action: str, resource: str | None, explicit: bool) -> str:
    target = f" on resource: {resource}" if resource else ""
    why = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {action} action"
    )
    return f"User: {principal.arn} is not authorized to perform: {action}{target} {why}"


class Authorizer:
    """Decides every call the gateway serves (thread-safe: it keeps no mutable state)."""

    def refusal(self, call: Call, principal: Principal, request_id: str) -> HttpResponse | None:
        """AWS's AccessDenied for this call by ``principal``, or None when it is allowed."""
        action = iam_action(call)
        if action is None or action in FREE_ACTIONS or action == "sts:AssumeRole":
            return None  # AssumeRole is decided with the trust policy (assume_role.check)
        resource = call_resource(call, principal.account)
        context = request_context(principal.caller, principal.facts, region=call.region)
        answer = evaluate(identity_texts(principal), principal.caller, action, resource, context)
        if answer.decision is Decision.ALLOWED:
            return None
        explicit = answer.decision is Decision.EXPLICIT_DENY
        code, status = _DENIED.get(call.protocol, ("AccessDeniedException", 400))
        message = _denial_message(principal, action, resource, explicit)
        return error_response(call, code, message, status, request_id)

    def simulate(self, call: Call, request_id: str) -> HttpResponse:
        """``iam:SimulatePrincipalPolicy``: the identity policies of ``PolicySourceArn``."""
        params = call.params
        source = params.get("PolicySourceArn", "")
        holder = _policy_source(source)
        if holder is None:
            message = f"The user or role {source} cannot be found."
            return error_response(call, "NoSuchEntity", message, 404, request_id)
        caller, facts, texts = holder
        actions, resources = _members(params, "ActionNames"), _members(params, "ResourceArns")
        context = request_context(caller, facts)
        context.update(_context_entries(params))
        results = []
        for action in actions:
            for resource in resources or ["*"]:
                answer = evaluate(
                    texts, caller, action, None if resource == "*" else resource, context
                )
                results.append(_result_xml(action, resource, answer.decision))
        body = (
            '<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
            "<SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated>"
            f"<EvaluationResults>{''.join(results)}</EvaluationResults>"
            "</SimulatePrincipalPolicyResult>"
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
            "</SimulatePrincipalPolicyResponse>"
        )
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
        return HttpResponse(200, headers, body.encode())


def _policy_source(arn: str) -> tuple[Caller, PrincipalFacts, list[str]] | None:
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return None
    account, resource = parts[4], parts[5]
    if resource.startswith("role/"):
        role = moto_state.find_role_by_arn(arn)
        if role is None:
            return None
        name = arn.rsplit("/", 1)[-1]
        session = Caller(f"arn:aws:sts::{account}:assumed-role/{name}/simulation", account, arn)
        facts = PrincipalFacts(tags=moto_state.tags_of(role), mfa=False)
        return session, facts, moto_state.role_policy_texts(role)
    if resource.startswith("user/"):
        user = moto_state.find_user_by_arn(account, arn)
        if user is None:
            return None
        facts = PrincipalFacts(
            principal_type="User", user_name=user.name, tags=moto_state.tags_of(user)
        )
        return Caller(arn, account, arn), facts, moto_state.user_policy_texts(account, user)
    return None


def _members(params: dict[str, str], name: str) -> list[str]:
    found = []
    for key, value in params.items():
        match = _MEMBER.match(key)
        if match and match.group(1) == name:
            found.append((int(match.group(2)), value))
    return [value for _, value in sorted(found)]


def _context_entries(params: dict[str, str]) -> dict[str, object]:
    names: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for key, value in sorted(params.items()):
        match = _CONTEXT.match(key)
        if not match:
            continue
        if match.group(2) == "ContextKeyName":
            names[match.group(1)] = value.lower()
        else:
            values.setdefault(match.group(1), []).append(value)
    context: dict[str, object] = {}
    for index, name in names.items():
        given = values.get(index, [])
        context[name] = given[0] if len(given) == 1 else tuple(given)
    return context


def _result_xml(action: str, resource: str, decision: Decision) -> str:
    return (
        f"<member><EvalActionName>{escape(action)}</EvalActionName>"
        f"<EvalResourceName>{escape(resource)}</EvalResourceName>"
        f"<EvalDecision>{decision.value}</EvalDecision>"
        "<MatchedStatements/><MissingContextValues/></member>"
    )


TRUST_OPERATIONS = frozenset({"CreateRole", "UpdateAssumeRolePolicy"})


def malformed_trust(call: Call, request_id: str) -> HttpResponse | None:
    """IAM's ``MalformedPolicyDocument`` for a trust policy it would not save, else None.

    IAM refuses ``NotPrincipal`` and partial wildcards in a trust policy, and a role or user
    principal that does not exist (it stores the principal's unique id, so it must find it).
    """
    if call.service != "iam" or call.operation not in TRUST_OPERATIONS:
        return None
    text = call.params.get("AssumeRolePolicyDocument") or call.params.get("PolicyDocument") or ""
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = json.loads(unquote(text))
        except ValueError:
            return error_response(
                call,
                "MalformedPolicyDocument",
                "This policy contains invalid Json",
                400,
                request_id,
            )
    problems = trust_policy_problems(document) or _missing_principals(document)
    if not problems:
        return None
    return error_response(call, "MalformedPolicyDocument", problems[0], 400, request_id)


def _missing_principals(document: dict) -> list[str]:
    missing = []
    for statement in as_list(document.get("Statement")):
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        if not isinstance(principal, dict):
            continue
        for entry in map(str, as_list(principal.get("AWS"))):
            parts = entry.split(":", 5)
            if len(parts) != 6 or parts[2] != "iam":
                continue
            if (
                parts[5].startswith("role/")
                and moto_state.find_role_by_arn(entry) is None
                or (
                    parts[5].startswith("user/")
                    and moto_state.find_user_by_arn(parts[4], entry) is None
                )
            ):
                missing.append(f'Invalid principal in policy: "AWS":"{entry}"')
    return missing
