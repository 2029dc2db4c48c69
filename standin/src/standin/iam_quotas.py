"""IAM's size quotas, which moto reports (GetAccountSummary) but does not enforce.

IAM User Guide, "IAM and AWS STS quotas" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
reference_iam-quotas.html; awsdocs/iam-user-guide on GitHub holds its source): a role trust policy at most 2,048 characters (default), a role's
inline policies together at most 10,240, a managed policy at most 6,144, at most 10 managed
policies attached to a role (default); white space is not counted. AWS refuses with
``LimitExceeded`` (HTTP 409), worded as these public samples show:

* PutRolePolicy: "Maximum policy size of 10240 bytes exceeded for role NAME"
  (serverless/serverless#7643: "Status Code: 409; Error Code: LimitExceeded");
* CreatePolicy, CreatePolicyVersion: "Cannot exceed quota for PolicySize: 6144"
  (ministryofjustice/cloud-platform-environments#14473);
* AttachRolePolicy: "Cannot exceed quota for PoliciesPerRole: 10" (aws/eks-hybrid#741,
  "Status Code: 409");
* CreateRole, UpdateAssumeRolePolicy: "Cannot exceed quota for ACLSizePerRole: 2048"
  (apache/airflow#27331, kubeflow/kubeflow#6687: "status code: 409").
"""

from __future__ import annotations

import json
import re

from standin import moto_state
from standin.httpserver import HttpResponse
from standin.principals import Principal
from standin.protocols import Call, error_response

TRUST_POLICY_CHARS = 2048
ROLE_INLINE_CHARS = 10240
MANAGED_POLICY_CHARS = 6144
MANAGED_POLICIES_PER_ROLE = 10
_WHITESPACE = re.compile(r"\s")


def chars(text: str) -> int:
    """A policy's size as IAM counts it: its characters less white space."""
    return len(_WHITESPACE.sub("", text or ""))


def refuse_past_quota(call: Call, principal: Principal, request_id: str) -> HttpResponse | None:
    """AWS's LimitExceeded for an IAM write past a size quota, else None."""
    if call.service != "iam":
        return None
    message = _past_quota(call, principal.account)
    return (
        None if message is None else error_response(call, "LimitExceeded", message, 409, request_id)
    )


def _past_quota(call: Call, account: str) -> str | None:
    params, operation = call.params, call.operation
    if operation in ("CreatePolicy", "CreatePolicyVersion"):
        if chars(params.get("PolicyDocument", "")) > MANAGED_POLICY_CHARS:
            return f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_CHARS}"
    elif operation in ("CreateRole", "UpdateAssumeRolePolicy"):
        if chars(params.get("AssumeRolePolicyDocument") or params.get("PolicyDocument", "")) > (
            TRUST_POLICY_CHARS
        ):
            return f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_CHARS}"
    elif operation == "PutRolePolicy":
        name = params.get("RoleName", "")
        role = moto_state.find_role(account, name)
        others = dict(role.policies) if role is not None else {}
        others.pop(params.get("PolicyName", ""), None)  # the same name is replaced
        total = sum(chars(t if isinstance(t, str) else json.dumps(t)) for t in others.values())
        if total + chars(params.get("PolicyDocument", "")) > ROLE_INLINE_CHARS:
            return f"Maximum policy size of {ROLE_INLINE_CHARS} bytes exceeded for role {name}"
    elif operation == "AttachRolePolicy":
        role = moto_state.find_role(account, params.get("RoleName", ""))
        attached = set(role.managed_policies) if role is not None else set()
        if params.get("PolicyArn") not in attached and len(attached) >= MANAGED_POLICIES_PER_ROLE:
            return f"Cannot exceed quota for PoliciesPerRole: {MANAGED_POLICIES_PER_ROLE}"
    return None
