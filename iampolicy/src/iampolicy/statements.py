"""Policy documents parsed once into statements that answer "does this apply to that request?".

``parse`` caches by the document's JSON text, so the sandbox pays for a role's policies once, not
per call. A statement applies when its ``Principal`` (resource policies only), ``Action`` and
``Resource`` match; its ``Condition`` then decides whether its ``Effect`` takes hold.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from iampolicy.patterns import VERSION_WITH_VARIABLES, any_of, glob

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROOT = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):root$")


class MalformedPolicy(ValueError):
    """A document IAM would refuse with ``MalformedPolicyDocument`` (the message is IAM's)."""


@dataclass(frozen=True)
class Caller:
    """Who makes a request, as the ``Principal`` element and the ``aws:Principal*`` keys see it.

    Attributes:
        arn: the session ARN (``arn:aws:sts::A:assumed-role/R/S``), a user's ARN, or a service
            name for a service principal.
        account: the caller's account ("" for a service principal).
        principal_arn: ``aws:PrincipalArn``: the role's ARN *with its path* for a role session,
            else ``arn``.
        service: the service principal (``ec2.amazonaws.com``) when a service calls.
    """

    arn: str
    account: str
    principal_arn: str
    service: str | None = None

    @property
    def exact_arns(self) -> frozenset[str]:
        """The ARNs that name this caller itself in a ``Principal`` element."""
        return frozenset({self.arn, self.principal_arn})


def as_list(value: Any) -> list:
    """A policy element's value as a list (a string and a list of strings are both allowed)."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass(frozen=True)
class PrincipalSet:
    """A ``Principal`` (or ``NotPrincipal``) element."""

    anyone: bool
    accounts: frozenset[str]
    arns: frozenset[str]
    services: frozenset[str]
    others: frozenset[str]  # Federated / CanonicalUser entries

    @classmethod
    def parse(cls, element: Any) -> PrincipalSet:
        if element == "*":
            return cls(True, frozenset(), frozenset(), frozenset(), frozenset())
        if not isinstance(element, dict):
            return cls(False, frozenset(), frozenset(), frozenset(), frozenset())
        accounts, arns, anyone = set(), set(), False
        for entry in map(str, as_list(element.get("AWS"))):
            if entry == "*":
                anyone = True
            elif _ACCOUNT_ID.match(entry):
                accounts.add(entry)
            elif root := _ROOT.match(entry):
                accounts.add(root.group(1))
            else:
                arns.add(entry)
        services = frozenset(map(str, as_list(element.get("Service"))))
        others = frozenset(
            map(str, as_list(element.get("Federated")) + as_list(element.get("CanonicalUser")))
        )
        return cls(anyone, frozenset(accounts), frozenset(arns), services, others)

    def match(self, caller: Caller) -> str | None:
        """How this set names ``caller``: ``exact``, ``account``, ``anyone`` or None."""
        if caller.service is not None:
            return "exact" if caller.service in self.services or self.anyone else None
        if self.arns & caller.exact_arns:
            return "exact"
        if caller.account in self.accounts:
            return "account"
        if self.anyone:
            return "anyone"
        return None


@dataclass(frozen=True)
class Statement:
    """One parsed statement."""

    index: int
    sid: str | None
    effect: str
    principal: PrincipalSet | None
    not_principal: PrincipalSet | None
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    condition: Any
    variables: bool

    @property
    def label(self) -> str:
        """How a person finds this statement in the document."""
        return f"statement {self.sid!r}" if self.sid else f"statement #{self.index + 1}"

    def names(self, caller: Caller) -> str | None:
        """How the statement's principal element names ``caller`` (None: it does not)."""
        if self.principal is not None:
            return self.principal.match(caller)
        if self.not_principal is not None:
            return None if self.not_principal.match(caller) else "anyone"
        return "identity"  # an identity policy: it applies to its holder

    def covers_action(self, action: str) -> bool:
        if self.actions is not None:
            return any_of(self.actions, False).fullmatch(action) is not None
        if self.not_actions is not None:
            return any_of(self.not_actions, False).fullmatch(action) is None
        return False

    def covers_resource(self, resource: str | None, context: Mapping[str, Any]) -> bool:
        """Whether the statement's resources include ``resource`` (None: not known, any)."""
        if self.resources is None and self.not_resources is None:
            return True  # trust policies name no resource: the role itself
        if resource is None:
            return True
        patterns = self.resources if self.resources is not None else self.not_resources
        assert patterns is not None
        if self.variables and any("${" in p for p in patterns):
            hit = any(glob(p, resource, context=context) for p in patterns)
        else:
            hit = any_of(patterns).fullmatch(resource) is not None
        return hit if self.resources is not None else not hit


def _strings(statement: dict, key: str) -> tuple[str, ...] | None:
    return tuple(map(str, as_list(statement[key]))) if key in statement else None


def _statement(index: int, raw: dict, variables: bool) -> Statement:
    principal = PrincipalSet.parse(raw["Principal"]) if "Principal" in raw else None
    not_principal = PrincipalSet.parse(raw["NotPrincipal"]) if "NotPrincipal" in raw else None
    return Statement(
        index=index,
        sid=str(raw["Sid"]) if raw.get("Sid") else None,
        effect=str(raw.get("Effect", "")),
        principal=principal,
        not_principal=not_principal,
        actions=_strings(raw, "Action"),
        not_actions=_strings(raw, "NotAction"),
        resources=_strings(raw, "Resource"),
        not_resources=_strings(raw, "NotResource"),
        condition=raw.get("Condition"),
        variables=variables,
    )


@functools.lru_cache(maxsize=4096)
def _parse_text(text: str) -> tuple[Statement, ...]:
    try:
        document = json.loads(text)
    except ValueError:
        document = json.loads(unquote(text))  # IAM's API returns documents URL-encoded
    return _parse_dict(document)


def _parse_dict(document: dict) -> tuple[Statement, ...]:
    if not isinstance(document, dict):
        raise MalformedPolicy("Syntax errors in policy.")
    variables = str(document.get("Version", "")) == VERSION_WITH_VARIABLES
    raw = as_list(document.get("Statement"))
    return tuple(_statement(i, s, variables) for i, s in enumerate(raw) if isinstance(s, dict))


def parse(document: dict | str) -> tuple[Statement, ...]:
    """A document's statements (cached by JSON text)."""
    if isinstance(document, str):
        return _parse_text(document)
    return _parse_text(json.dumps(document, sort_keys=True))


def trust_policy_problems(document: dict | str) -> list[str]:
    """What IAM refuses in a role's trust policy (``MalformedPolicyDocument`` messages)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return ["This policy contains invalid Json"]
    if not isinstance(document, dict) or not as_list(document.get("Statement")):
        return ["Syntax errors in policy."]
    problems = []
    for raw in as_list(document.get("Statement")):
        if not isinstance(raw, dict):
            problems.append("Syntax errors in policy.")
            continue
        if "NotPrincipal" in raw:
            problems.append("AssumeRolepolicy contained an invalid principal element: NotPrincipal")
        elif "Principal" not in raw:
            problems.append("AssumeRolepolicy contained an invalid principal element")
        if raw.get("Effect") not in ("Allow", "Deny"):
            problems.append("Syntax errors in policy.")
        if "Resource" in raw or "NotResource" in raw:
            problems.append("Has prohibited field Resource")
        problems.extend(_principal_problems(raw.get("Principal")))
    return problems


def _principal_problems(element: Any) -> list[str]:
    if element is None or element == "*":
        return []
    if not isinstance(element, dict):
        return [f"Invalid principal in policy: {json.dumps(element)}"]
    problems = []
    for entry in map(str, as_list(element.get("AWS"))):
        if entry != "*" and "*" in entry:
            problems.append(f'Invalid principal in policy: "AWS":"{entry}"')
    return problems
