"""Trust-policy lint for ``ManageEnvRole``: who can assume it, by the evaluator's answer.

The lint asks the shared evaluator (``iampolicy``) about probes: the host role making
the product's own AssumeRole (its session name, SourceIdentity and session tags), another
principal of the admin account, and principals of other accounts (each one the policy names,
plus a stranger), each making that same request. From the answers:

* only the host gets in: clean (an info finding suggests pinning ``aws:PrincipalArn``);
* other principals of the admin account get in too: warning;
* principals of other accounts, or anyone, get in: error;
* the host does not get in (and which statement, condition or missing action stops it): error;
* IAM would refuse the document (``NotPrincipal``, partial wildcards in ``Principal``): error.

Each finding carries a fix: a complete trust policy that keeps the document's other legitimate
statements (service principals, federated providers, Denys that do not stop the host) and lets
exactly the host role in; the evaluator checks the fix before it is offered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from iampolicy import (
    Caller,
    Decision,
    PolicyAnswer,
    PrincipalFacts,
    assume_role_context,
    evaluate,
    request_context,
    trust_policy_problems,
)
from iampolicy.statements import as_list

ERROR, WARNING, INFO = "error", "warning", "info"
HOST = "host"  # a finding's topic: the host role itself cannot get in
STRANGER_ACCOUNTS = ("999999999999", "888888888888")


@dataclass(frozen=True)
class Finding:
    """One lint finding: how bad, what is wrong, and the policy to paste instead; ``topic``
    is ``HOST`` when it says the host cannot get in (else who else can, or the form)."""

    severity: str
    message: str
    fix: str
    topic: str = ""

    def to_json(self) -> dict:
        return {"severity": self.severity, "message": self.message, "fix": json.loads(self.fix)}


@dataclass(frozen=True)
class ProductRequest:
    """The AssumeRole the product makes (what the probes send)."""

    session_name: str = "operator@course"
    source_identity: str | None = "operator"
    tags: dict[str, str] = field(
        default_factory=lambda: {"course": "course", "trainee": "trainee", "operator": "operator"}
    )

    @property
    def actions(self) -> list[str]:
        actions = ["sts:AssumeRole"]
        if self.source_identity is not None:
            actions.append("sts:SetSourceIdentity")
        if self.tags:
            actions.append("sts:TagSession")
        return actions


@dataclass(frozen=True)
class Subject:
    """Who the lint judges for: the host role (path included) and the request it makes."""

    admin: str
    host: str
    request: ProductRequest
    org_id: str | None = None
    host_session: str | None = None


# A session without a SourceIdentity names no operator: with source_identity = true the trust
# requires one (IAM's Null operator: "false" means the key must be present; IAM User Guide,
# "Condition operator to check existence of condition keys"; sts:SourceIdentity, "Monitor and
# control actions taken with assumed roles").
REQUIRE_SOURCE_IDENTITY = {"Null": {"sts:SourceIdentity": "false"}}


def recommended_policy(
    host_role_arn: str, *, source_identity: bool, pin: bool = False, require: bool | None = None
) -> dict:
    """The trust policy whodidthis recommends: the host role only, with the actions it needs;
    with ``source_identity``, only sessions that carry one (``require=False``: allowed, not
    required, for a role shared by courses that do not all set it)."""
    need = source_identity if require is None else require
    return {
        "Version": "2012-10-17",
        "Statement": [_host_statement(host_role_arn, source_identity, pin, need)],
    }


def _host_statement(host_role_arn: str, source_identity: bool, pin: bool, need: bool) -> dict:
    actions = ["sts:AssumeRole", "sts:TagSession"]
    if source_identity:
        actions.insert(1, "sts:SetSourceIdentity")
    statement = {
        "Sid": "TrustTheAutomationHostRoleOnly",
        "Effect": "Allow",
        "Principal": {"AWS": host_role_arn},
        "Action": actions,
    }
    condition: dict = {}
    if pin:
        condition["ArnEquals"] = {"aws:PrincipalArn": host_role_arn}
    if source_identity and need:
        condition.update(REQUIRE_SOURCE_IDENTITY)
    if condition:
        statement["Condition"] = condition
    return statement


def _session_caller(role_arn: str) -> Caller:
    account = role_arn.split(":")[4]
    name = role_arn.rsplit("/", 1)[-1]
    return Caller(f"arn:aws:sts::{account}:assumed-role/{name}/probe", account, role_arn)


def _probe_for(entry: str) -> Caller:
    """A caller the ``Principal`` entry names: the role/user itself, or a role in the account."""
    if entry.isdigit() or entry.endswith(":root"):
        account = entry if entry.isdigit() else entry.split(":")[4]
        return _session_caller(f"arn:aws:iam::{account}:role/SomeoneElse")
    if ":assumed-role/" in entry:
        parts = entry.split(":")
        role = parts[5].split("/")[1]
        return Caller(entry, parts[4], f"arn:aws:iam::{parts[4]}:role/{role}")
    if ":user/" in entry:
        return Caller(entry, entry.split(":")[4], entry)
    return _session_caller(entry)


@dataclass
class Probes:
    """What the evaluator answered for each probe."""

    host: dict[str, PolicyAnswer]
    admin_others: list[str]  # principals of the admin account, other than the host, let in
    foreign: list[str]  # principals of other accounts let in
    anyone: bool  # a stranger in an unnamed account is let in


class _Judge:
    """Asks the evaluator about each probe for one document."""

    def __init__(self, document: dict, subject: Subject):
        self.document, self.admin, self.host = document, subject.admin, subject.host
        self.request, self.org_id = subject.request, subject.org_id
        self.host_session = subject.host_session
        self.role_arn = "arn:aws:iam::000000000000:role/ManageEnvRole"

    @property
    def host_caller(self) -> Caller:
        if self.host_session:
            return Caller(self.host_session, self.admin, self.host)
        return _session_caller(self.host)

    def context(self, caller: Caller) -> dict:
        base = request_context(caller, PrincipalFacts(mfa=False, org_id=self.org_id))
        return assume_role_context(
            base,
            role_session_name=self.request.session_name,
            source_identity=self.request.source_identity,
            tags=self.request.tags,
        )

    def answers(self, caller: Caller) -> dict[str, PolicyAnswer]:
        context = self.context(caller)
        return {
            action: evaluate([self.document], caller, action, self.role_arn, context)
            for action in self.request.actions
        }

    def lets_in(self, caller: Caller) -> bool:
        return all(a.decision is Decision.ALLOWED for a in self.answers(caller).values())

    def probes(self) -> Probes:
        named = {str(e) for s in _statements(self.document) for e in _aws_entries(s)} - {"*"}
        path = self.host.split(":role/", 1)[-1].rsplit("/", 1)[0]
        # (what a finding may name, the probe): a made-up probe is named by no finding, so a
        # message never names a principal the policy does not name.
        admin_callers: list[tuple[str, Caller]] = [
            ("", _session_caller(f"arn:aws:iam::{self.admin}:role/SomeoneElse"))
        ]
        if "/" in self.host.split(":role/", 1)[-1]:  # a sibling under the host role's path
            admin_callers.append(
                ("", _session_caller(f"arn:aws:iam::{self.admin}:role/{path}/SomeoneElse"))
            )
        foreign_callers: list[tuple[str, Caller]] = []
        for entry in sorted(named):
            caller = _probe_for(entry)
            if caller.principal_arn == self.host or entry == self.host_session:
                continue
            (admin_callers if caller.account == self.admin else foreign_callers).append(
                (entry, caller)
            )
        stranger = next(a for a in STRANGER_ACCOUNTS if a != self.admin)
        stranger_caller = _session_caller(f"arn:aws:iam::{stranger}:role/Stranger")
        return Probes(
            host=self.answers(self.host_caller),
            admin_others=[e or "SomeoneElse" for e, c in admin_callers if self.lets_in(c)],
            foreign=[e for e, c in foreign_callers if self.lets_in(c)],
            anyone=self.lets_in(stranger_caller),
        )

    def without_source_identity(self) -> bool:
        """True when the host gets in with no SourceIdentity (a session naming no operator)."""
        bare = _Judge(
            self.document,
            Subject(
                self.admin,
                self.host,
                replace(self.request, source_identity=None),
                self.org_id,
                self.host_session,
            ),
        )
        return bare.lets_in(bare.host_caller)


def _statements(document: dict) -> list[dict]:
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def _aws_entries(statement: dict) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    return [str(e) for e in as_list(principal.get("AWS"))] if isinstance(principal, dict) else []


def lint_trust_policy(
    document: dict | str,
    *,
    admin_account: str,
    host_role_arn: str,
    source_identity: bool,
    request: ProductRequest | None = None,
    org_id: str | None = None,
    host_session_arn: str | None = None,
) -> list[Finding]:
    """Findings for one role's trust policy, most severe first.

    Args:
        document: the trust policy (a dict or JSON text).
        admin_account: the account of the host.
        host_role_arn: the host role's ARN as IAM names it, path included.
        source_identity: whether the course sets SourceIdentity.
        request: the AssumeRole the product makes (default: a representative one).
        org_id: the host account's organization id, for ``aws:PrincipalOrgID`` conditions.
        host_session_arn: the host's own session ARN (a policy may name that session).
    """
    if isinstance(document, str):
        document = dict(json.loads(document))
    if request is None:
        request = ProductRequest(source_identity="operator" if source_identity else None)
    subject = Subject(admin_account, host_role_arn, request, org_id, host_session_arn)
    fix = json.dumps(propose_fix(document, subject), indent=2)
    problems = trust_policy_problems(document)
    if problems:
        return [Finding(ERROR, f"IAM refuses this trust policy: {'; '.join(problems)}.", fix)]
    judge = _Judge(document, subject)
    probes = judge.probes()
    findings = _access_findings(document, probes, admin_account, host_role_arn, fix)
    findings += _host_findings(document, probes, host_role_arn, fix)
    if source_identity and not findings and judge.without_source_identity():
        findings.append(
            Finding(
                WARNING,
                f"The trust policy lets {host_role_arn} in without a SourceIdentity: such a "
                "session names no operator, and CloudTrail cannot say who acted. Require one "
                '(Condition "Null": {"sts:SourceIdentity": "false"}).',
                fix,
            )
        )
    if not findings and not _pinned(document):
        pinned = recommended_policy(host_role_arn, source_identity=source_identity, pin=True)
        findings.append(
            Finding(
                INFO,
                "No condition pins aws:PrincipalArn or sts:SourceIdentity; "
                "a condition documents and enforces who may assume.",
                json.dumps(_keep_others(document, pinned, host_role_arn), indent=2),
            )
        )
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(findings, key=lambda f: order[f.severity])


def _access_findings(document, probes: Probes, admin: str, host: str, fix: str) -> list[Finding]:
    findings = []
    if probes.anyone and "aws:principalorgid" in json.dumps(document).lower():
        findings.append(
            Finding(
                ERROR,
                "The trust policy lets every principal of the organization assume the role "
                "(aws:PrincipalOrgID): other member accounts included.",
                fix,
            )
        )
    elif probes.anyone:
        findings.append(
            Finding(ERROR, "The trust policy lets any AWS principal (*) assume the role.", fix)
        )
    elif probes.foreign:
        findings.append(
            Finding(
                ERROR,
                f"The trust policy trusts {', '.join(probes.foreign)}, outside the admin "
                f"account {admin}.",
                fix,
            )
        )
    if probes.admin_others and not probes.anyone:
        whole = any(
            e == admin or e == f"arn:aws:iam::{admin}:root" or e == "*"
            for s in _statements(document)
            for e in _aws_entries(s)
        )
        if whole:
            message = (
                f"The trust policy trusts the whole admin account ({admin}): any principal there "
                f"allowed sts:AssumeRole can act in this account. Trust {host} instead."
            )
        else:
            others = ", ".join(p for p in probes.admin_others if p != "SomeoneElse")
            message = (
                f"The trust policy trusts {others}, not only the host role {host}."
                if others
                else f"The trust policy lets principals of {admin} other than {host} in."
            )
        findings.append(Finding(WARNING, message, fix))
    return findings


def _host_findings(document, probes: Probes, host: str, fix: str) -> list[Finding]:
    findings = []
    for action, answer in probes.host.items():
        if answer.decision is Decision.ALLOWED:
            continue
        findings.append(Finding(ERROR, _why_not(document, action, answer, host), fix, HOST))
    return findings


def _why_not(document: dict, action: str, answer: PolicyAnswer, host: str) -> str:
    if answer.denying:
        stops = "; ".join(r.describe() for r in answer.denying)
        return f"The host role {host} cannot {action}: {stops} denies it."
    if answer.blocked:
        stops = "; ".join(r.describe() for r in answer.blocked)
        return f"The host role {host} cannot {action}: {stops}."
    hint = ""
    name = host.rsplit("/", 1)[-1]
    for statement in _statements(document):
        for entry in _aws_entries(statement):
            if entry != host and entry.startswith("arn:") and entry.rsplit("/", 1)[-1] == name:
                hint = (
                    f" The policy names {entry}, but the host role is {host}: a role's ARN "
                    "includes its path."
                )
    extra = {
        "sts:TagSession": " whodidthis tags its sessions, so every assume would fail.",
        "sts:SetSourceIdentity": " The course sets SourceIdentity (source_identity = true).",
    }.get(action, "")
    return f"The host role {host} cannot {action}: no statement allows it.{hint}{extra}"


def _legitimate_rest(document: dict) -> tuple[list[dict], list[dict]]:
    """The statements that grant no AWS principal (service, federated), and the Denys."""
    grants, denies = [], []
    for statement in _statements(document):
        if "NotPrincipal" in statement:
            continue  # IAM refuses NotPrincipal in a trust policy
        if statement.get("Effect") == "Deny":
            denies.append(statement)
            continue
        principal = statement.get("Principal")
        if not isinstance(principal, dict):
            continue
        rest = {k: v for k, v in principal.items() if k != "AWS"}
        if rest:
            grants.append({**statement, "Principal": rest})
    return grants, denies


def _keep_others(document: dict, host_only: dict, host: str) -> dict:
    """``host_only``'s statements plus the document's statements that grant no AWS principal."""
    grants, denies = _legitimate_rest(document)
    return {"Version": "2012-10-17", "Statement": host_only["Statement"] + grants + denies}


def _exactly_host(candidate: dict, subject: Subject) -> bool:
    probes = _Judge(candidate, subject).probes()
    host_in = all(a.decision is Decision.ALLOWED for a in probes.host.values())
    return host_in and not (probes.anyone or probes.foreign or probes.admin_others)


def propose_fix(document: dict, subject: Subject) -> dict:
    """A complete trust policy keeping the legitimate rest and letting exactly the host in.

    The host's statement comes first; then the statements for service principals and federated
    providers; then each Deny that does not stop the host (a Deny that does is the problem).
    """
    source_identity = subject.request.source_identity is not None
    host = subject.host
    statements = recommended_policy(host, source_identity=source_identity)["Statement"]
    grants, denies = _legitimate_rest(document)
    statements = statements + grants
    for deny in denies:
        trial = {"Version": "2012-10-17", "Statement": [*statements, deny]}
        if _exactly_host(trial, subject):
            statements.append(deny)
    candidate = {"Version": "2012-10-17", "Statement": statements}
    if _exactly_host(candidate, subject):
        return candidate
    return recommended_policy(host, source_identity=source_identity)


def _pinned(document: dict) -> bool:
    for statement in _statements(document):
        found = statement.get("Condition") or {}
        # Null only requires a key to be there: it pins no value.
        found = {k: v for k, v in found.items() if k != "Null"} if isinstance(found, dict) else {}
        condition = json.dumps(found).lower()
        if "aws:principalarn" in condition or "sts:sourceidentity" in condition:
            return True
    return False
