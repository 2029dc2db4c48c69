"""AWS's policy evaluation logic: explicit Deny first, then an Allow from the policies that count.

From the IAM user guide's "Policy evaluation logic": every applicable statement is considered;
a Deny whose conditions hold wins over everything; otherwise the request needs an Allow. Within one
account an Allow from either the identity policies or the resource policy suffices, except that a
resource policy naming only the *account* (``arn:aws:iam::A:root`` or ``A``) delegates to the
identity policies, and that a role's trust policy or a KMS key policy must itself grant (naming the
caller, or naming the account and the identity policies allowing). Across accounts both must allow;
a resource with no policy grants nothing across accounts. A service principal has only the resource
policy. Anything not allowed is an implicit deny.

Service control and resource control policies, permission boundaries and session policies are not
modelled: the sandbox has none, and on AWS a refusal they cause is named as possible, never asserted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from iampolicy.conditions import failing_clauses
from iampolicy.statements import Caller, Statement, parse


class Decision(enum.Enum):
    """The three answers, named as ``iam:SimulatePrincipalPolicy`` names them."""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


@dataclass(frozen=True)
class StatementResult:
    """A statement that applies to the request (principal, action and resource match)."""

    statement: Statement
    named: str  # exact, account, anyone, identity
    failing: tuple[str, ...]  # the condition clauses that do not hold

    @property
    def holds(self) -> bool:
        return not self.failing

    def describe(self) -> str:
        """``statement 'Sid' (condition StringEquals sts:ExternalId does not hold)``."""
        if not self.failing:
            return self.statement.label
        return f"{self.statement.label} (condition {', '.join(self.failing)} does not hold)"


@dataclass(frozen=True)
class PolicyAnswer:
    """One set of documents' answer for one request."""

    decision: Decision
    allowing: tuple[StatementResult, ...] = ()
    denying: tuple[StatementResult, ...] = ()
    blocked: tuple[StatementResult, ...] = ()  # Allow statements whose conditions fail

    @property
    def named(self) -> set[str]:
        """How the allowing statements name the caller."""
        return {r.named for r in self.allowing}


def evaluate(
    documents: Iterable[dict | str | tuple[Statement, ...]],
    caller: Caller,
    action: str,
    resource: str | None,
    context: Mapping[str, Any],
) -> PolicyAnswer:
    """Evaluate ``documents`` (identity policies, or one resource policy) for a request.

    Args:
        documents: policy documents (dicts, JSON text, or already parsed statements).
        caller: who asks.
        action: ``service:Operation``.
        resource: the resource ARN, or None when it is not known (any Resource matches).
        context: the request context, keys lower-cased (see ``iampolicy.context``).
    """
    allowing: list[Any] = []
    denying: list[Any] = []
    blocked: list[Any] = []
    for document in documents:
        statements = document if isinstance(document, tuple) else parse(document)
        for statement in statements:
            result = _applies(statement, caller, action, resource, context)
            if result is None:
                continue
            if statement.effect == "Deny":
                if result.holds:
                    denying.append(result)
            elif statement.effect == "Allow":
                (allowing if result.holds else blocked).append(result)
    if denying:
        decision = Decision.EXPLICIT_DENY
    elif allowing:
        decision = Decision.ALLOWED
    else:
        decision = Decision.IMPLICIT_DENY
    return PolicyAnswer(decision, tuple(allowing), tuple(denying), tuple(blocked))


def _applies(
    statement: Statement,
    caller: Caller,
    action: str,
    resource: str | None,
    context: Mapping[str, Any],
) -> StatementResult | None:
    named = statement.names(caller)
    if named is None or not statement.covers_action(action):
        return None
    if not statement.covers_resource(resource, context):
        return None
    failing = failing_clauses(statement.condition, context, statement.variables)
    return StatementResult(statement, named, tuple(failing))


@dataclass(frozen=True)
class Authorization:
    """The final answer for a request and which side decided it."""

    decision: Decision
    refused_by: str | None  # "identity", "resource" or None when allowed
    identity: PolicyAnswer
    resource: PolicyAnswer | None

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOWED


def needs_resource_grant(action: str, resource: str | None) -> bool:
    """Whether, within one account, the resource policy itself must grant (not only IAM).

    A role's trust policy ("IAM roles: Terms and concepts", trust policy; the ``sts:`` actions
    on a role) and a KMS key policy (AWS KMS Developer Guide, "Key policies in AWS KMS":
    "Unless the key policy explicitly allows it, you cannot use IAM policies to allow access to
    a KMS key") must allow the caller, or name the account to hand the decision to IAM. Every
    other resource policy is one more way to allow ("Policy evaluation for requests within a
    single account": "If either the identity-based policy or the resource-based policy within
    the same account allows the request and the other doesn't, the request is still allowed").
    """
    service = action.split(":", 1)[0].lower()
    if service == "sts":
        return True
    return service == "kms" and resource is not None and ":key/" in resource


def authorize(
    caller: Caller,
    action: str,
    resource: str | None,
    context: Mapping[str, Any],
    identity: Iterable[dict | str | tuple[Statement, ...]],
    resource_policy: dict | str | tuple[Statement, ...] | None = None,
    resource_account: str | None = None,
) -> Authorization:
    """Combine identity and resource policies as AWS does (see the module docstring).

    Args:
        caller: who asks.
        action: ``service:Operation``.
        resource: the resource ARN (None: not known).
        context: the request context, keys lower-cased.
        identity: the caller's identity policies.
        resource_policy: the resource's policy: a role's trust policy for the ``sts:`` actions
            (it must grant, see ``needs_resource_grant``), a bucket or queue policy otherwise.
        resource_account: the account owning the resource; when it is not the caller's, both
            sides must allow (a resource with no policy grants nothing across accounts).
    """
    by_identity = evaluate(identity, caller, action, resource, context)
    by_resource = None
    if resource_policy is not None:
        by_resource = evaluate([resource_policy], caller, action, resource, context)
    if by_identity.decision is Decision.EXPLICIT_DENY:
        return Authorization(Decision.EXPLICIT_DENY, "identity", by_identity, by_resource)
    if by_resource is not None and by_resource.decision is Decision.EXPLICIT_DENY:
        return Authorization(Decision.EXPLICIT_DENY, "resource", by_identity, by_resource)
    refused_by = _refused_by(
        caller, by_identity, by_resource, resource_account, needs_resource_grant(action, resource)
    )
    decision = Decision.ALLOWED if refused_by is None else Decision.IMPLICIT_DENY
    return Authorization(decision, refused_by, by_identity, by_resource)


def _refused_by(
    caller: Caller,
    by_identity: PolicyAnswer,
    by_resource: PolicyAnswer | None,
    resource_account: str | None,
    must_grant: bool,
) -> str | None:
    """Which side leaves the request without an Allow (no explicit Deny is left by now)."""
    identity_allows = by_identity.decision is Decision.ALLOWED
    resource_allows = by_resource is not None and by_resource.decision is Decision.ALLOWED
    # An Allow naming the caller itself (or anyone) grants alone; one naming only the account
    # hands the decision to the account's identity policies.
    direct = resource_allows and bool(by_resource and by_resource.named - {"account"})
    if caller.service is not None:
        # A service principal has no identity policy: the resource policy alone decides.
        return None if resource_allows else "resource"
    if resource_account is not None and resource_account != caller.account:
        # "Cross-account policy evaluation logic": both accounts must allow.
        if not resource_allows:
            return "resource"
        return None if identity_allows else "identity"
    if by_resource is None or not must_grant:
        return None if identity_allows or direct else "identity"
    if not resource_allows:
        return "resource"
    return None if direct or identity_allows else "identity"
