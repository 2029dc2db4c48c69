"""Trust-policy lint for ``ManageEnvRole``: is the role trusted by exactly the host's role?

Each finding carries a severity and the exact trust-policy JSON to paste as the fix. The story's
"before" state (trusting the admin account's root) is a warning: any principal in that account
allowed ``sts:AssumeRole`` could act in every trainee account.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

ERROR, WARNING, INFO = "error", "warning", "info"
_ACCOUNT = re.compile(r"^(?:arn:aws[\w-]*:iam::)?(\d{12})(?::root)?$")
_ARN_ACCOUNT = re.compile(r"^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):")


@dataclass(frozen=True)
class Finding:
    """One lint finding: how bad, what is wrong, and the policy to paste instead."""

    severity: str
    message: str
    fix: str

    def to_json(self) -> dict:
        return {"severity": self.severity, "message": self.message, "fix": json.loads(self.fix)}


def recommended_policy(host_role_arn: str, *, source_identity: bool, pin: bool = False) -> dict:
    """The trust policy whodidthis recommends: the host role only, with the actions it needs."""
    actions = ["sts:AssumeRole", "sts:TagSession"]
    if source_identity:
        actions.insert(1, "sts:SetSourceIdentity")
    statement = {
        "Sid": "TrustTheAutomationHostRoleOnly",
        "Effect": "Allow",
        "Principal": {"AWS": host_role_arn},
        "Action": actions,
    }
    if pin:
        statement["Condition"] = {"ArnEquals": {"aws:PrincipalArn": host_role_arn}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _principals(statement: dict) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        return [str(p) for p in _as_list(principal.get("AWS"))]
    return []


def _actions(statement: dict) -> set[str]:
    return {str(a).lower() for a in _as_list(statement.get("Action"))}


def _allows(actions: set[str], action: str) -> bool:
    return any(a in ("*", "sts:*", action.lower()) for a in actions)


def lint_trust_policy(
    document: dict | str,
    *,
    admin_account: str,
    host_role_arn: str,
    source_identity: bool,
) -> list[Finding]:
    """Findings for one role's trust policy, most severe first."""
    if isinstance(document, str):
        document = dict(json.loads(document))
    fix = json.dumps(recommended_policy(host_role_arn, source_identity=source_identity), indent=2)
    findings: list[Finding] = []
    allow = [s for s in _as_list(document.get("Statement")) if s.get("Effect") == "Allow"]
    host_statements = []
    for statement in allow:
        for principal in _principals(statement):
            findings.extend(_principal_findings(principal, admin_account, host_role_arn, fix))
            if principal in ("*", host_role_arn) or _ACCOUNT.match(principal):
                host_statements.append(statement)
    actions = set().union(*(_actions(s) for s in host_statements)) if host_statements else set()
    if host_statements and not _allows(actions, "sts:TagSession"):
        findings.append(
            Finding(
                ERROR,
                "The trust policy does not allow sts:TagSession; "
                "whodidthis tags its sessions, so every assume would fail.",
                fix,
            )
        )
    if source_identity and host_statements and not _allows(actions, "sts:SetSourceIdentity"):
        findings.append(
            Finding(
                ERROR,
                "The course sets SourceIdentity but the trust policy does "
                "not allow sts:SetSourceIdentity: the build would fail.",
                fix,
            )
        )
    if not any(_pinned(s) for s in host_statements):
        pinned = json.dumps(
            recommended_policy(host_role_arn, source_identity=source_identity, pin=True), indent=2
        )
        findings.append(
            Finding(
                INFO,
                "No condition pins aws:PrincipalArn or sts:SourceIdentity; "
                "a condition documents and enforces who may assume.",
                pinned,
            )
        )
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(findings, key=lambda f: order[f.severity])


def _principal_findings(principal: str, admin: str, host_role_arn: str, fix: str) -> list[Finding]:
    if principal == "*":
        return [Finding(ERROR, "The trust policy trusts any AWS principal (*).", fix)]
    if principal == host_role_arn:
        return []
    bare = _ACCOUNT.match(principal)
    account = bare.group(1) if bare else None
    if account is None and (arn := _ARN_ACCOUNT.match(principal)):
        account = arn.group(1)
    if account != admin:
        return [
            Finding(
                ERROR,
                f"The trust policy trusts {principal}, outside the admin account {admin}.",
                fix,
            )
        ]
    if bare:
        return [
            Finding(
                WARNING,
                f"The trust policy trusts the whole admin account ({principal}): "
                "any principal there allowed sts:AssumeRole can act in this account. "
                f"Trust {host_role_arn} instead.",
                fix,
            )
        ]
    return [
        Finding(
            WARNING, f"The trust policy trusts {principal}, not the host role {host_role_arn}.", fix
        )
    ]


def _pinned(statement: dict) -> bool:
    condition = json.dumps(statement.get("Condition") or {}).lower()
    return "aws:principalarn" in condition or "sts:sourceidentity" in condition
