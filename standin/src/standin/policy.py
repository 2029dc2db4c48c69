"""``sts:AssumeRole`` decided by the shared evaluator (``iampolicy``), as AWS decides it.

moto accepts any AssumeRole; the gateway asks this module instead. The target role's trust policy
and the caller's identity policies are evaluated together for each action the request needs
(``sts:AssumeRole``, plus ``sts:SetSourceIdentity`` with a SourceIdentity and ``sts:TagSession``
with session tags), with the full request context AWS sets: the caller's ``aws:Principal*``
keys, ``sts:RoleSessionName``, ``sts:ExternalId``, ``sts:SourceIdentity``, ``aws:RequestTag/*``,
``aws:TagKeys``, MFA, time and source address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from iampolicy.patterns import glob

from iampolicy import (
    Authorization,
    Caller,
    PrincipalFacts,
    assume_role_context,
    authorize,
    request_context,
)

ASSUME_ROLE = "sts:AssumeRole"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"
TAG_SESSION = "sts:TagSession"
_TAG_KEY = re.compile(r"^Tags\.member\.(\d+)\.(Key|Value)$")
_TRANSITIVE = re.compile(r"^TransitiveTagKeys\.member\.\d+$")


@dataclass(frozen=True)
class AssumeRequest:
    """The parts of an AssumeRole request that policies look at."""

    role_arn: str
    role_session_name: str | None = None
    external_id: str | None = None
    source_identity: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()
    mfa: bool = False

    @property
    def actions(self) -> list[str]:
        """Every action this request needs: AssumeRole, plus the source identity and tag ones."""
        actions = [ASSUME_ROLE]
        if self.source_identity is not None:
            actions.append(SET_SOURCE_IDENTITY)
        if self.tags:
            actions.append(TAG_SESSION)
        return actions


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
    """The policy-relevant parts of an AssumeRole request's form parameters."""
    transitive = tuple(v for k, v in params.items() if _TRANSITIVE.match(k))
    return AssumeRequest(
        role_arn=params.get("RoleArn", ""),
        role_session_name=params.get("RoleSessionName"),
        external_id=params.get("ExternalId"),
        source_identity=params.get("SourceIdentity"),
        tags=session_tags(params),
        transitive_tag_keys=transitive,
        mfa=bool(params.get("SerialNumber") and params.get("TokenCode")),
    )


def role_account(role_arn: str) -> str:
    """The account of ``arn:aws:iam::ACCOUNT:role/...``."""
    parts = role_arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def assume_context(caller: Caller, facts: PrincipalFacts, request: AssumeRequest) -> dict:
    """The request context AWS sets for this AssumeRole."""
    return assume_role_context(
        request_context(caller, facts),
        role_session_name=request.role_session_name,
        external_id=request.external_id,
        source_identity=request.source_identity,
        tags=request.tags,
        transitive_tag_keys=request.transitive_tag_keys,
        mfa=request.mfa,
    )


def refusal(
    trust, identity: list, caller: Caller, facts: PrincipalFacts, request: AssumeRequest
) -> tuple[str, Authorization] | None:
    """The first action AWS would refuse for this AssumeRole and why, or None when allowed.

    Args:
        trust: the target role's trust policy (document or parsed statements).
        identity: the caller's identity policies (documents, JSON texts or parsed statements).
        caller: who is calling.
        facts: what else AWS knows of the caller (tags, MFA, source identity).
        request: what is asked.
    """
    context = assume_context(caller, facts, request)
    account = role_account(request.role_arn)
    for action in request.actions:
        answer = authorize(caller, action, request.role_arn, context, identity, trust, account)
        if not answer.allowed:
            return action, answer
    return None


def wildcard_match(pattern: str, value: str) -> bool:
    """IAM-style ``*``/``?`` match, also used by the fault rules' ``principal`` filter."""
    return glob(pattern, value)
