"""The request context: the condition keys AWS sets for a request, under lower-cased names.

Keys are case-insensitive in IAM, so the context stores them lower-cased and the evaluator looks
them up lower-cased. A multivalued key (``aws:TagKeys``, ``aws:PrincipalOrgPaths``) holds a
tuple; every other key a string. A key the request does not carry is simply absent, which is what
the condition operators test for (see ``conditions``).

``AssumeRole`` carries, besides the global keys, ``sts:RoleSessionName``, ``sts:ExternalId``
(when given), ``sts:SourceIdentity`` (when given), ``aws:RequestTag/KEY`` and ``aws:TagKeys``
(for session tags) and ``sts:TransitiveTagKeys``; ``aws:MultiFactorAuthPresent`` is true when the
request carries an MFA serial number and token code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from iampolicy.statements import Caller


@dataclass(frozen=True)
class PrincipalFacts:
    """What AWS knows about the caller beyond its ARN.

    Attributes:
        principal_type: ``AssumedRole``, ``User``, ``Account`` or ``FederatedUser``.
        user_id: ``aws:userid`` (``AROA...:session`` for a role session).
        user_name: ``aws:username`` (IAM users only).
        tags: the principal's tags (a session's tags override its role's).
        org_id: ``aws:PrincipalOrgID`` when the account belongs to an organization.
        org_paths: ``aws:PrincipalOrgPaths``.
        mfa: whether the caller's credentials were issued with MFA; None for long-term keys.
        source_identity: the caller's own session's SourceIdentity (``aws:SourceIdentity``).
    """

    principal_type: str = "AssumedRole"
    user_id: str | None = None
    user_name: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    org_id: str | None = None
    org_paths: tuple[str, ...] = ()
    mfa: bool | None = None
    source_identity: str | None = None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def request_context(
    caller: Caller,
    facts: PrincipalFacts,
    *,
    source_ip: str = "127.0.0.1",
    secure_transport: bool = True,
    region: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The global condition keys of any request by ``caller``."""
    moment = now or datetime.now(UTC)
    context: dict[str, Any] = {
        "aws:principalarn": caller.principal_arn,
        "aws:principalaccount": caller.account,
        "aws:principaltype": facts.principal_type,
        "aws:currenttime": _iso(moment),
        "aws:epochtime": str(int(moment.timestamp())),
        "aws:sourceip": source_ip,
        "aws:securetransport": "true" if secure_transport else "false",
    }
    optional = {
        "aws:userid": facts.user_id,
        "aws:username": facts.user_name,
        "aws:principalorgid": facts.org_id,
        "aws:requestedregion": region,
        "aws:sourceidentity": facts.source_identity,
    }
    context.update({k: v for k, v in optional.items() if v is not None})
    if facts.org_paths:
        context["aws:principalorgpaths"] = tuple(facts.org_paths)
    if facts.mfa is not None:
        context["aws:multifactorauthpresent"] = "true" if facts.mfa else "false"
    for key, value in facts.tags.items():
        context[f"aws:principaltag/{key.lower()}"] = value
    return context


def assume_role_context(
    base: Mapping[str, Any],
    *,
    role_session_name: str | None,
    external_id: str | None = None,
    source_identity: str | None = None,
    tags: Mapping[str, str] | None = None,
    transitive_tag_keys: tuple[str, ...] = (),
    mfa: bool = False,
) -> dict[str, Any]:
    """``base`` plus the keys an ``sts:AssumeRole`` request carries."""
    context = dict(base)
    optional = {
        "sts:rolesessionname": role_session_name,
        "sts:externalid": external_id,
        "sts:sourceidentity": source_identity,
    }
    context.update({k: v for k, v in optional.items() if v is not None})
    if tags:
        for key, value in tags.items():
            context[f"aws:requesttag/{key.lower()}"] = value
        context["aws:tagkeys"] = tuple(tags)
    if transitive_tag_keys:
        context["sts:transitivetagkeys"] = tuple(transitive_tag_keys)
    if mfa:
        context["aws:multifactorauthpresent"] = "true"
    return context
