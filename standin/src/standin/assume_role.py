"""``sts:AssumeRole`` as AWS decides it, in front of moto (which allows everything).

``check`` refuses what AWS would refuse (a role that does not exist, a trust or identity policy
that does not allow the caller, SourceIdentity or tags without their permission, role chaining
beyond one hour) with AWS's exact error. ``rewrite_answer`` rewrites moto's answer: it records the
new session's SourceIdentity and tags (which moto drops), shortens its lifetime when a fault asks
for it, and returns SourceIdentity in the response as AWS does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from standin import moto_state
from standin.authorization import identity_texts
from standin.policy import assume_request, refusal, session_tags
from standin.principals import Principal, SessionFacts

_ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")
_NAME_PATTERN = re.compile(r"^[\w+=,.@-]{2,64}$")
_ACCESS_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
_EXPIRATION = re.compile(rb"<Expiration>[^<]*</Expiration>")
CHAINED_MAX_SECONDS = 3600
CLOSED_STATES = ("SUSPENDED", "PENDING_CLOSURE")  # Organizations' AccountStatus (botocore)


@dataclass(frozen=True)
class Refusal:
    """An AssumeRole answer other than success."""

    code: str
    message: str
    status: int


def _invalid(value: str, field_name: str, constraint: str) -> Refusal:
    return Refusal(
        "ValidationError",
        f"1 validation error detected: Value '{value}' at '{field_name}' failed to satisfy "
        f"constraint: Member must {constraint}",
        400,
    )


def _name_problem(value: str | None, field_name: str) -> Refusal | None:
    """STS's check of RoleSessionName and SourceIdentity: 2-64 chars of ``[\\w+=,.@-]``."""
    if value is None:
        return None
    if len(value) < 2:
        return _invalid(value, field_name, "have length greater than or equal to 2")
    if len(value) > 64:
        return _invalid(value, field_name, "have length less than or equal to 64")
    if not _NAME_PATTERN.match(value):
        return _invalid(value, field_name, "satisfy regular expression pattern: [\\w+=,.@-]*")
    return None


def _validation(params: dict[str, str]) -> Refusal | None:
    """What STS refuses before looking at any policy."""
    problem = _name_problem(params.get("RoleSessionName"), "roleSessionName")
    if problem is None:
        problem = _name_problem(params.get("SourceIdentity"), "sourceIdentity")
    source_identity = params.get("SourceIdentity") or ""
    if problem is None and source_identity.lower().startswith("aws:"):
        problem = _invalid(
            source_identity, "sourceIdentity", "not start with the reserved prefix aws:"
        )
    return problem


def _chaining(caller: Principal, params: dict[str, str]) -> Refusal | None:
    duration = int(params.get("DurationSeconds") or 3600)
    if caller.kind == "assumed-role" and duration > CHAINED_MAX_SECONDS:
        return Refusal(
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed "
            "by role chaining.",
            400,
        )
    return None


def check(caller: Principal, params: dict[str, str]) -> Refusal | None:
    """AWS's refusal of this AssumeRole by ``caller``, or None when AWS would allow it."""
    invalid = _validation(params)
    if invalid is not None:
        return invalid
    request = assume_request(params)
    role = (
        moto_state.find_role_by_arn(request.role_arn) if _ROLE_ARN.match(request.role_arn) else None
    )
    denied: str | None = "sts:AssumeRole"
    # A closed (SUSPENDED) or closing account's roles cannot be assumed; STS answers as for
    # a role that does not trust the caller. Real answers: 403 AccessDenied "User: <caller> is
    # not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::<account>:role/..."
    # for a suspended account in aws-samples/aws-security-reference-architecture-examples#218
    # and CrowdStrike/cloud-resource-estimator#25 (accounts of an organization, closed).
    account = _ROLE_ARN.match(request.role_arn)
    if account and moto_state.account_status(account.group(1)) in CLOSED_STATES:
        role = None
    if role is not None:
        refused = refusal(
            role.assume_role_policy_document,
            identity_texts(caller),
            caller.caller,
            caller.facts,
            request,
        )
        denied = refused[0] if refused else None
    if denied is not None:
        return Refusal(
            "AccessDenied",
            f"User: {caller.arn} is not authorized to perform: {denied} "
            f"on resource: {request.role_arn}",
            403,
        )
    return _chaining(caller, params)


def _iso(moment: datetime) -> bytes:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()


def rewrite_answer(
    caller: Principal, params: dict[str, str], body: bytes, lifetime: int | None
) -> tuple[bytes, str | None, SessionFacts]:
    """Rewrite moto's successful AssumeRole body; returns it, the new key id and its facts."""
    match = _ACCESS_KEY.search(body)
    new_key = match.group(1).decode() if match else None
    expires_at = None
    if lifetime is not None:
        expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=lifetime)
        body = _EXPIRATION.sub(b"<Expiration>" + _iso(expires_at) + b"</Expiration>", body, 1)
    # SourceIdentity persists along a role chain, as on AWS.
    source_identity = params.get("SourceIdentity") or caller.source_identity
    if source_identity:
        element = f"<SourceIdentity>{source_identity}</SourceIdentity>".encode()
        body = body.replace(b"</AssumeRoleResult>", element + b"</AssumeRoleResult>", 1)
    facts = SessionFacts(source_identity, session_tags(params), expires_at)
    return body, new_key, facts
