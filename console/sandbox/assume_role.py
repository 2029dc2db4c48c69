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

from console.sandbox import moto_state
from console.sandbox.policy import AssumeRequest, denied_action
from console.sandbox.principals import Principal, SessionFacts

_ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")
_NAME_PATTERN = re.compile(r"^[\w+=,.@-]{2,64}$")
_TAG_KEY = re.compile(r"^Tags\.member\.(\d+)\.(Key|Value)$")
_ACCESS_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
_EXPIRATION = re.compile(rb"<Expiration>[^<]*</Expiration>")
CHAINED_MAX_SECONDS = 3600


@dataclass(frozen=True)
class Refusal:
    """An AssumeRole answer other than success."""

    code: str
    message: str
    status: int


def session_tags(params: dict[str, str]) -> dict[str, str]:
    """``Tags.member.N.Key/Value`` form parameters as a dict."""
    keys: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, value in params.items():
        match = _TAG_KEY.match(name)
        if match:
            (keys if match.group(2) == "Key" else values)[match.group(1)] = value
    return {keys[n]: values.get(n, "") for n in keys}


def assume_request(params: dict[str, str]) -> AssumeRequest:
    """The policy-relevant parts of an AssumeRole request."""
    return AssumeRequest(
        role_arn=params.get("RoleArn", ""),
        external_id=params.get("ExternalId"),
        source_identity=params.get("SourceIdentity"),
        tagged=bool(session_tags(params)),
    )


def _identity_documents(caller: Principal) -> list[dict]:
    if caller.kind == "assumed-role":
        role = moto_state.find_role(caller.account, caller.role_name or "")
        return moto_state.role_policy_documents(role) if role is not None else []
    user = moto_state.find_user_by_arn(caller.account, caller.arn)
    return moto_state.user_policy_documents(caller.account, user) if user is not None else []


def _validation(caller: Principal, params: dict[str, str]) -> Refusal | None:
    source_identity = params.get("SourceIdentity")
    if source_identity is not None and (
        not _NAME_PATTERN.match(source_identity) or source_identity.lower().startswith("aws:")
    ):
        return Refusal(
            "ValidationError",
            f"1 validation error detected: Value '{source_identity}' at 'sourceIdentity' "
            "failed to satisfy constraint: Member must satisfy regular expression pattern: "
            "[\\w+=,.@-]*",
            400,
        )
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
    request = assume_request(params)
    match = _ROLE_ARN.match(request.role_arn)
    role = moto_state.find_role(match.group(1), match.group(2)) if match else None
    denied: str | None = "sts:AssumeRole"
    if role is not None and role.arn == request.role_arn:
        trust = moto_state.parse_document(role.assume_role_policy_document)
        denied = denied_action(trust, _identity_documents(caller), caller.caller, request)
    if denied is not None:
        return Refusal(
            "AccessDenied",
            f"User: {caller.arn} is not authorized to perform: {denied} "
            f"on resource: {request.role_arn}",
            403,
        )
    return _validation(caller, params)


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
