"""IAM policy evaluation for ``sts:AssumeRole``, as AWS does it (the subset the story needs).

moto accepts any AssumeRole; the gateway asks this module instead. Two documents decide:

* the target role's **trust policy** (a resource policy): its ``Principal.AWS`` entries must name
  the caller (its role or session ARN, its account as ``arn:aws:iam::N:root`` or ``N``, or ``*``);
* the caller's **identity policies** (the role's inline and managed policies, or a user's own and
  its groups'), which must allow the action on the role ARN.

An explicit Deny in either wins. Across accounts both must allow. Within one account a trust
policy naming the caller's exact ARN suffices alone; naming the account root delegates the decision
to the identity policies, exactly as on AWS. Condition operators and keys this module does not
know fail closed: an Allow carrying one grants nothing, a Deny carrying one applies.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass, field
from typing import Any

ASSUME_ROLE = "sts:AssumeRole"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"
TAG_SESSION = "sts:TagSession"


class Verdict(enum.Enum):
    """One document's answer for one action."""

    DENY = "deny"  # an explicit Deny matched
    ALLOW_EXACT = "allow-exact"  # allowed by a statement naming the caller's exact ARN
    ALLOW = "allow"  # allowed (by account, wildcard or identity policy)
    NONE = "none"  # nothing matched: implicit deny


@dataclass(frozen=True)
class Caller:
    """Who is calling, as a policy sees it.

    Attributes:
        account: the caller's account id.
        arn: the caller's ARN (``arn:aws:sts::A:assumed-role/R/S`` or ``arn:aws:iam::A:user/U``).
        principal_arn: ``aws:PrincipalArn``: the role ARN for a role session, else ``arn``.
    """

    account: str
    arn: str
    principal_arn: str

    @property
    def exact_arns(self) -> set[str]:
        """ARNs that name this caller exactly in a ``Principal`` element."""
        return {self.arn, self.principal_arn}


@dataclass(frozen=True)
class AssumeRequest:
    """The parts of an AssumeRole request that policies look at."""

    role_arn: str
    external_id: str | None = None
    source_identity: str | None = None
    tagged: bool = False
    extra_context: dict[str, str] = field(default_factory=dict)

    @property
    def actions(self) -> list[str]:
        """Every action this request needs: AssumeRole, plus the source identity and tag ones."""
        actions = [ASSUME_ROLE]
        if self.source_identity is not None:
            actions.append(SET_SOURCE_IDENTITY)
        if self.tagged:
            actions.append(TAG_SESSION)
        return actions


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _statements(document: dict) -> list[dict]:
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, dict)]


def _glob(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    """IAM wildcard match: ``*`` any run, ``?`` one character, nothing else is special."""
    return _glob_regex(pattern, case_sensitive).fullmatch(value) is not None


@functools.lru_cache(maxsize=4096)
def _glob_regex(pattern: str, case_sensitive: bool) -> re.Pattern:
    """The compiled form of an IAM wildcard (a policy's few patterns are matched per call)."""
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(regex, 0 if case_sensitive else re.IGNORECASE)


def _matches_action(statement: dict, action: str) -> bool:
    if "Action" in statement:
        return any(_glob(p, action, False) for p in _as_list(statement["Action"]))
    if "NotAction" in statement:
        return not any(_glob(p, action, False) for p in _as_list(statement["NotAction"]))
    return False


def _matches_resource(statement: dict, resource: str) -> bool:
    if "Resource" in statement:
        return any(_glob(p, resource) for p in _as_list(statement["Resource"]))
    if "NotResource" in statement:
        return not any(_glob(p, resource) for p in _as_list(statement["NotResource"]))
    return False


# operator -> (compare(pattern, value), negated). Keys and operators are case-insensitive on AWS.
_OPERATORS = {
    "stringequals": (lambda p, v: p == v, False),
    "stringnotequals": (lambda p, v: p == v, True),
    "stringlike": (lambda p, v: _glob(p, v), False),
    "stringnotlike": (lambda p, v: _glob(p, v), True),
    "arnequals": (lambda p, v: p == v, False),
    "arnnotequals": (lambda p, v: p == v, True),
    "arnlike": (lambda p, v: _glob(p, v), False),
    "arnnotlike": (lambda p, v: _glob(p, v), True),
}
KNOWN_CONDITION_KEYS = frozenset(
    {"aws:principalarn", "aws:principalaccount", "sts:externalid", "sts:sourceidentity"}
)


def _condition_block(operator: str, clauses: Any, context: dict[str, str]) -> bool | None:
    """True/False for one operator block; None when the operator or a key is unknown."""
    name = operator.lower()
    if_exists = name.endswith("ifexists")
    name = name.removesuffix("ifexists")
    if name not in _OPERATORS or not isinstance(clauses, dict):
        return None
    compare, negated = _OPERATORS[name]
    for key, patterns in clauses.items():
        if key.lower() not in KNOWN_CONDITION_KEYS:
            return None
        value = context.get(key.lower())
        if value is None:
            if if_exists:
                continue
            return negated  # a missing key never equals anything
        hit = any(compare(str(p), value) for p in _as_list(patterns))
        if hit == negated:
            return False
    return True


def conditions_hold(statement: dict, context: dict[str, str]) -> bool | None:
    """Whether every condition of ``statement`` holds; None when one cannot be evaluated."""
    condition = statement.get("Condition") or {}
    if not isinstance(condition, dict):
        return None
    result: bool | None = True
    for operator, clauses in condition.items():
        block = _condition_block(operator, clauses, context)
        if block is None:
            return None
        result = result and block
    return result


def _principal_match(statement: dict, caller: Caller) -> Verdict:
    """How a statement's ``Principal`` names the caller: exactly, broadly, or not at all."""
    principal = statement.get("Principal")
    if principal == "*":
        return Verdict.ALLOW
    if not isinstance(principal, dict):
        return Verdict.NONE
    best = Verdict.NONE
    for entry in _as_list(principal.get("AWS")):
        entry = str(entry)
        if entry in caller.exact_arns:
            return Verdict.ALLOW_EXACT
        if entry == "*" or entry in (caller.account, f"arn:aws:iam::{caller.account}:root"):
            best = Verdict.ALLOW
    return best


def _statement_verdict(statement: dict, matched: Verdict, context: dict[str, str]) -> Verdict:
    """Combine a statement's effect with how its principal/action/resource matched."""
    effect = statement.get("Effect")
    holds = conditions_hold(statement, context)
    if effect == "Deny":
        return Verdict.DENY if holds is not False else Verdict.NONE
    if effect == "Allow" and holds:
        return matched
    return Verdict.NONE


def _combine(verdicts: list[Verdict]) -> Verdict:
    for verdict in (Verdict.DENY, Verdict.ALLOW_EXACT, Verdict.ALLOW):
        if verdict in verdicts:
            return verdict
    return Verdict.NONE


def evaluate_trust(document: dict, caller: Caller, action: str, context: dict[str, str]) -> Verdict:
    """The trust policy's verdict on ``caller`` performing ``action`` on the role."""
    verdicts = []
    for statement in _statements(document):
        if not _matches_action(statement, action):
            continue
        if "NotPrincipal" in statement:  # not supported: fail closed
            if statement.get("Effect") == "Deny":
                verdicts.append(Verdict.DENY)
            continue
        matched = _principal_match(statement, caller)
        if matched is not Verdict.NONE:
            verdicts.append(_statement_verdict(statement, matched, context))
    return _combine(verdicts)


def evaluate_identity(
    documents: list[dict], action: str, resource: str, context: dict[str, str]
) -> Verdict:
    """The caller's identity policies' verdict on ``action`` on ``resource``."""
    verdicts = []
    for document in documents:
        for statement in _statements(document):
            if _matches_action(statement, action) and _matches_resource(statement, resource):
                verdicts.append(_statement_verdict(statement, Verdict.ALLOW, context))
    return _combine(verdicts)


def role_account(role_arn: str) -> str:
    """The account of ``arn:aws:iam::ACCOUNT:role/...``."""
    parts = role_arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def condition_context(caller: Caller, request: AssumeRequest) -> dict[str, str]:
    """The condition keys AWS sets for an AssumeRole request (lower-cased names)."""
    context = {
        "aws:principalarn": caller.principal_arn,
        "aws:principalaccount": caller.account,
    }
    if request.external_id is not None:
        context["sts:externalid"] = request.external_id
    if request.source_identity is not None:
        context["sts:sourceidentity"] = request.source_identity
    context.update({k.lower(): v for k, v in request.extra_context.items()})
    return context


def denied_action(
    trust: dict, identity: list[dict], caller: Caller, request: AssumeRequest
) -> str | None:
    """The first action AWS would refuse for this AssumeRole, or None when it is allowed.

    Args:
        trust: the target role's trust policy document.
        identity: the caller's identity policy documents.
        caller: who is calling.
        request: what is asked (role ARN, external id, source identity, tags).
    """
    context = condition_context(caller, request)
    same_account = caller.account == role_account(request.role_arn)
    for action in request.actions:
        by_trust = evaluate_trust(trust, caller, action, context)
        by_identity = evaluate_identity(identity, action, request.role_arn, context)
        if Verdict.DENY in (by_trust, by_identity):
            return action
        if same_account and by_trust is Verdict.ALLOW_EXACT:
            continue
        if by_trust is Verdict.NONE or by_identity is not Verdict.ALLOW:
            return action
    return None


def wildcard_match(pattern: str, value: str) -> bool:
    """IAM-style ``*``/``?`` match, also used by the fault rules' ``principal`` filter."""
    return _glob(pattern, value)
