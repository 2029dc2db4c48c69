"""Hand-written cases for the differential test: each pins one rule of AWS's evaluation logic.

The comment above each group names the IAM User Guide page the group's rule comes from. The table
is kept one case a line (formatting off) so that it reads as a table.
"""

from __future__ import annotations

from typing import Any

from differential_corpus import PRINCIPALS, TARGETS, VERSION, A, B, Case, Principal, Target

from iampolicy import Caller

ANA, BOB, BUILDER, PARTNER, EVE = PRINCIPALS
EC2 = Principal(
    "service ec2",
    Caller("ec2.amazonaws.com", "", "ec2.amazonaws.com", service="ec2.amazonaws.com"),
    {},
)
OBJECT, PUT, LIST, QUEUE, PARTNER_QUEUE, INSTANCE, GET_ROLE, SECRET, TRUST, SHARED = TARGETS


def _allow(action: Any = "*", resource: Any = "*", condition: dict | None = None, **more) -> dict:
    """An identity statement; ``None`` leaves Action or Resource out (for NotAction...)."""
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **more}
    if condition:
        statement["Condition"] = condition
    return {key: value for key, value in statement.items() if value is not None}


def _deny(action: Any = "*", resource: Any = "*", condition: dict | None = None, **more) -> dict:
    return {**_allow(action, resource, condition, **more), "Effect": "Deny"}


def _grant(principal: Any, action: Any = "*", resource: Any = None, **more) -> dict:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, **more}
    if resource is not None:
        statement["Resource"] = resource
    return statement


def _hand(
    name: str,
    principal: Principal,
    target: Target,
    identity: list[dict] | None = None,
    resource: list[dict] | None = None,
    context: dict | None = None,
    version: str = VERSION,
) -> Case:
    documents = [{"Version": version, "Statement": s} for s in ([identity] if identity else [])]
    policy = {"Version": version, "Statement": resource} if resource else None
    return Case(
        f"hand {name}", principal, target, documents, policy, {**principal.keys, **(context or {})}
    )


_ANA_ARN = {"AWS": ANA.caller.arn}
_ROOT_A = {"AWS": f"arn:aws:iam::{A}:root"}
_ROOT_B = {"AWS": f"arn:aws:iam::{B}:root"}
_OBJ = OBJECT.resource
# fmt: off
HAND: list[Case] = [
    # "Policy evaluation for requests within a single account": either side allows.
    _hand("bucket policy alone grants its own account's user", ANA, OBJECT, None, [_grant(_ANA_ARN, "s3:GetObject", _OBJ)]),
    _hand("bucket policy naming only the account grants nothing alone", ANA, OBJECT, None, [_grant(_ROOT_A, "s3:GetObject", _OBJ)]),
    _hand("identity alone grants beside a bucket policy for others", ANA, OBJECT, [_allow("s3:GetObject", _OBJ)], [_grant({"AWS": BOB.caller.arn}, "s3:*", _OBJ)]),
    _hand("bucket policy Deny naming the account denies its users", ANA, OBJECT, [_allow()], [{**_grant(_ROOT_A, "s3:*", "*"), "Effect": "Deny"}]),
    _hand("role session named by its role ARN in a bucket policy", BUILDER, OBJECT, None, [_grant({"AWS": BUILDER.caller.principal_arn}, "s3:GetObject", _OBJ)]),
    _hand("role session named by its session ARN in a bucket policy", BUILDER, OBJECT, None, [_grant({"AWS": BUILDER.caller.arn}, "s3:GetObject", _OBJ)]),
    # "Cross-account policy evaluation logic": both accounts must allow.
    _hand("cross-account queue: both allow", ANA, PARTNER_QUEUE, [_allow("sqs:SendMessage")], [_grant(_ROOT_A, "sqs:SendMessage", PARTNER_QUEUE.resource)]),
    _hand("cross-account queue: resource only", ANA, PARTNER_QUEUE, None, [_grant(_ANA_ARN, "sqs:SendMessage", PARTNER_QUEUE.resource)]),
    _hand("cross-account queue: identity only, no queue policy", ANA, PARTNER_QUEUE, [_allow("sqs:*")]),
    _hand("cross-account queue: queue policy for another account", ANA, PARTNER_QUEUE, [_allow()], [_grant(_ROOT_B, "sqs:*", "*")]),
    # A role's trust policy must grant, even within one account.
    _hand("trust names the caller's role: no identity policy needed", BUILDER, TRUST, None, [_grant({"AWS": BUILDER.caller.principal_arn}, "sts:AssumeRole")]),
    _hand("trust names the account: identity policy allows", BUILDER, TRUST, [_allow("sts:AssumeRole")], [_grant({"AWS": A}, "sts:AssumeRole")]),
    _hand("trust names the account: no identity policy", BUILDER, TRUST, None, [_grant({"AWS": A}, "sts:AssumeRole")]),
    _hand("trust names someone else: identity allows in vain", ANA, TRUST, [_allow()], [_grant({"AWS": BOB.caller.arn}, "sts:AssumeRole")]),
    _hand("cross-account trust names the partner role", PARTNER, TRUST, [_allow("sts:AssumeRole", TRUST.resource)], [_grant({"AWS": PARTNER.caller.principal_arn}, "sts:AssumeRole")]),
    _hand("cross-account trust without the partner's identity policy", PARTNER, TRUST, None, [_grant({"AWS": PARTNER.caller.principal_arn}, "sts:AssumeRole")]),
    _hand("cross-account trust to anyone with an external id", EVE, SHARED, None, [_grant("*", "sts:AssumeRole", Condition={"StringEquals": {"sts:ExternalId": "dojo-42"}})], {"sts:ExternalId": "dojo-42"}),
    _hand("trust Deny NotPrincipal spares the named role", BUILDER, TRUST, [_allow()], [_grant({"AWS": A}, "sts:AssumeRole"), {"Effect": "Deny", "NotPrincipal": {"AWS": [BUILDER.caller.principal_arn, f"arn:aws:iam::{A}:root"]}, "Action": "sts:AssumeRole"}]),
    _hand("trust Deny NotPrincipal naming the account spares its users", ANA, TRUST, [_allow()], [_grant({"AWS": A}, "sts:AssumeRole"), {"Effect": "Deny", "NotPrincipal": {"AWS": [BUILDER.caller.principal_arn, f"arn:aws:iam::{A}:root"]}, "Action": "sts:AssumeRole"}]),
    _hand("trust Deny NotPrincipal catches another user", ANA, TRUST, [_allow()], [_grant({"AWS": A}, "sts:AssumeRole"), {"Effect": "Deny", "NotPrincipal": {"AWS": [BUILDER.caller.principal_arn, BUILDER.caller.arn]}, "Action": "sts:AssumeRole"}]),
    _hand("a service principal assumes the role its trust names", EC2, TRUST, None, [_grant({"Service": "ec2.amazonaws.com"}, "sts:AssumeRole")]),
    _hand("a service principal the trust does not name", EC2, TRUST, None, [_grant({"Service": "lambda.amazonaws.com"}, "sts:AssumeRole")]),
    # Condition operators ("IAM JSON policy elements: Condition operators").
    _hand("ForAllValues over an absent key holds", ANA, OBJECT, [_allow(condition={"ForAllValues:StringEquals": {"aws:TagKeys": "team"}})]),
    _hand("ForAnyValue over an absent key fails", ANA, OBJECT, [_allow(condition={"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}})]),
    _hand("a negated operator over an absent key holds", ANA, OBJECT, [_allow(condition={"StringNotEquals": {"aws:PrincipalTag/team": "red"}})]),
    _hand("IfExists over a present key still tests it", ANA, OBJECT, [_allow(condition={"StringEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}})], context={"aws:RequestedRegion": "eu-west-1"}),
    _hand("Null false over a present key", ANA, OBJECT, [_allow(condition={"Null": {"aws:PrincipalTag/team": "false"}})], context={"aws:PrincipalTag/team": "red"}),
    _hand("a variable's default stands in for an absent key", ANA, OBJECT, [_allow(condition={"StringEquals": {"aws:RequestedRegion": "${aws:PrincipalTag/region, 'eu-west-1'}"}})], context={"aws:RequestedRegion": "eu-west-1"}),
    _hand("resource variable resolves to the user's name", ANA, OBJECT, [_allow("s3:GetObject", "arn:aws:s3:::dojo-bucket/home/${aws:username}/*")]),
    _hand("resource variable for another user", BOB, OBJECT, [_allow("s3:GetObject", "arn:aws:s3:::dojo-bucket/home/${aws:username}/*")]),
    _hand("a variable without value matches no resource", BUILDER, OBJECT, [_allow("s3:GetObject", "arn:aws:s3:::dojo-bucket/home/${aws:username}/*")]),
    _hand("version 2008-10-17 takes a variable literally", ANA, OBJECT, [_allow("s3:GetObject", "arn:aws:s3:::dojo-bucket/home/${aws:username}/*")], version="2008-10-17"),
    _hand("actions ignore case", ANA, OBJECT, [_allow("S3:getobject", _OBJ)]),
    _hand("resource ARNs keep case", ANA, OBJECT, [_allow("s3:GetObject", _OBJ.upper().replace("ARN:AWS:S3", "arn:aws:s3"))]),
    _hand("NotAction allows every other action", ANA, OBJECT, [_allow(None, "*", NotAction="s3:PutObject")]),
    _hand("several values of one key are ORed", ANA, OBJECT, [_allow(condition={"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}})], context={"aws:RequestedRegion": "eu-west-1"}),
    _hand("IPv6 source in an IPv6 range", ANA, OBJECT, [_allow(condition={"IpAddress": {"aws:SourceIp": "2001:db8::/32"}})], context={"aws:SourceIp": "2001:db8::1"}),
    _hand("IPv4 source against an IPv6 range", ANA, OBJECT, [_allow(condition={"IpAddress": {"aws:SourceIp": "2001:db8::/32"}})], context={"aws:SourceIp": "10.0.0.1"}),
    _hand("date policy value in epoch seconds", ANA, OBJECT, [_allow(condition={"DateGreaterThan": {"aws:CurrentTime": "1767225600"}})], context={"aws:CurrentTime": "2026-12-01T10:00:00Z"}),
    _hand("numeric compare is numeric, not textual", ANA, OBJECT, [_allow(condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "100"}})], context={"aws:MultiFactorAuthAge": "30"}),
    _hand("StringLike with ? and *", ANA, LIST, [_allow("s3:ListBucket", LIST.resource, {"StringLike": {"s3:prefix": "home/a?a/*"}})], context={"s3:prefix": "home/ana/notes"}),
    _hand("ArnLike matches part by part", BUILDER, OBJECT, [_allow(condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/team/*"}})]),
    _hand("ArnEquals with a different account", PARTNER, PARTNER_QUEUE, [_allow(condition={"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/Partner"}})]),
    _hand("an explicit Deny beats every Allow", ANA, OBJECT, [_allow(), _deny("s3:Get*", "arn:aws:s3:::dojo-bucket/*")], [_grant(_ANA_ARN, "*", "*")]),
    _hand("a Deny whose condition fails does not deny", ANA, OBJECT, [_allow(), _deny(condition={"Bool": {"aws:SecureTransport": "false"}})], context={"aws:SecureTransport": "true"}),
    _hand("Bool compares without case", ANA, OBJECT, [_allow(condition={"Bool": {"aws:SecureTransport": "True"}})], context={"aws:SecureTransport": "true"}),
    _hand("StringEquals on a multivalued key without a set operator", ANA, OBJECT, [_allow(condition={"StringEquals": {"aws:TagKeys": "team"}})], context={"aws:TagKeys": ["team", "env"]}),
    _hand("StringNotEquals on a multivalued key without a set operator", ANA, OBJECT, [_allow(condition={"StringNotEquals": {"aws:TagKeys": "cost"}})], context={"aws:TagKeys": ["team", "env"]}),
    _hand("a date without a time", ANA, OBJECT, [_allow(condition={"DateGreaterThan": {"aws:CurrentTime": "2026-11-30"}})], context={"aws:CurrentTime": "2026-12-01T10:00:00Z"}),
    _hand("NumericEquals with a decimal", ANA, OBJECT, [_allow(condition={"NumericEquals": {"aws:MultiFactorAuthAge": "3600.0"}})], context={"aws:MultiFactorAuthAge": "3600"}),
    _hand("Principal * across accounts still needs the identity side", EVE, OBJECT, None, [_grant("*", "s3:GetObject", _OBJ)]),
    _hand("Principal * across accounts with the identity side", EVE, OBJECT, [_allow("s3:GetObject")], [_grant("*", "s3:GetObject", _OBJ)]),
    _hand("a Deny to * in a bucket policy", EVE, OBJECT, [_allow()], [_grant("*", "s3:*", "*"), {**_grant("*", "s3:GetObject", _OBJ), "Effect": "Deny"}]),
    _hand("* inside an ARN's last part spans slashes", ANA, OBJECT, [_allow("s3:GetObject", "arn:aws:s3:::dojo-bucket/home/*/notes.txt")]),
    _hand("? in an action", ANA, OBJECT, [_allow("s3:GetObjec?", _OBJ)]),
    _hand("the ${*} escape is a literal star", ANA, LIST, [_allow("s3:ListBucket", LIST.resource, {"StringEquals": {"s3:prefix": "home/${*}"}})], context={"s3:prefix": "home/*"}),
    _hand("the ${*} escape is no wildcard", ANA, LIST, [_allow("s3:ListBucket", LIST.resource, {"StringLike": {"s3:prefix": "home/${*}"}})], context={"s3:prefix": "home/ana"}),
    _hand("a resolved variable in NotResource", ANA, OBJECT, [_allow(), _deny("*", None, NotResource="arn:aws:s3:::dojo-bucket/home/${aws:username}/*")]),
    _hand("a short NotResource ARN ending in * (Allow)", ANA, QUEUE, [_allow("sqs:SendMessage", None, NotResource="arn:aws:sqs:eu-*")]),
    _hand("a short NotResource ARN ending in * (Deny)", ANA, QUEUE, [_allow(), _deny("sqs:*", None, NotResource="arn:aws:sqs:eu-*")]),
    _hand("a short Resource ARN ending in *", ANA, QUEUE, [_allow("sqs:SendMessage", "arn:aws:sqs:us-*")]),
    _hand("an unresolvable variable in NotResource", BUILDER, OBJECT, [_allow(), _deny("*", None, NotResource="arn:aws:s3:::dojo-bucket/home/${aws:username}/*")]),
    _hand("a resolved variable in NotResource for another user", BOB, OBJECT, [_allow(), _deny("*", None, NotResource="arn:aws:s3:::dojo-bucket/home/${aws:username}/*")]),
    _hand("ArnLike with a wildcard account", PARTNER, QUEUE, [_allow(condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}})], [_grant(_ROOT_B, "sqs:*", "*")]),
    _hand("StringLike on an ARN key", BUILDER, OBJECT, [_allow(condition={"StringLike": {"aws:PrincipalArn": "*:role/team/*"}})]),
    _hand("a tag variable in a condition", ANA, OBJECT, [_allow(condition={"StringEquals": {"aws:ResourceTag/env": "${aws:PrincipalTag/env}"}})], context={"aws:PrincipalTag/env": "prod", "aws:ResourceTag/env": "prod"}),
]
# fmt: on
