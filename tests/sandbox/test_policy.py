"""The AssumeRole policy evaluator on its own: trust, identity, conditions, fail-closed."""

import pytest

from console.sandbox.policy import (
    AssumeRequest,
    Caller,
    Verdict,
    conditions_hold,
    denied_action,
    evaluate_identity,
    evaluate_trust,
)

ADMIN = "100000000000"
TRAINEE = "200000000001"
HOST_ROLE = f"arn:aws:iam::{ADMIN}:role/AdminEnvRole"
HOST = Caller(ADMIN, f"arn:aws:sts::{ADMIN}:assumed-role/AdminEnvRole/i-1", HOST_ROLE)
TARGET = f"arn:aws:iam::{TRAINEE}:role/ManageEnvRole"
ALLOW_ALL = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def trust(principal, action="sts:AssumeRole", effect="Allow", condition=None):
    statement = {"Effect": effect, "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def ctx(**keys):
    return {k.lower(): v for k, v in keys.items()}


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ({"AWS": HOST_ROLE}, Verdict.ALLOW_EXACT),
        ({"AWS": [f"arn:aws:iam::{TRAINEE}:root", HOST_ROLE]}, Verdict.ALLOW_EXACT),
        ({"AWS": HOST.arn}, Verdict.ALLOW_EXACT),
        ({"AWS": f"arn:aws:iam::{ADMIN}:root"}, Verdict.ALLOW),
        ({"AWS": ADMIN}, Verdict.ALLOW),
        ({"AWS": "*"}, Verdict.ALLOW),
        ("*", Verdict.ALLOW),
        ({"AWS": "arn:aws:iam::999999999999:role/AdminEnvRole"}, Verdict.NONE),
        ({"AWS": f"arn:aws:iam::{ADMIN}:role/OtherRole"}, Verdict.NONE),
        ({"Service": "ec2.amazonaws.com"}, Verdict.NONE),
    ],
)
def test_trust_principal_forms(principal, expected):
    assert evaluate_trust(trust(principal), HOST, "sts:AssumeRole", {}) is expected


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        ("sts:AssumeRole", True),
        ("sts:*", True),
        ("*", True),
        ("STS:assume*", True),
        (["sts:TagSession", "sts:AssumeRole"], True),
        ("sts:TagSession", False),
    ],
)
def test_trust_action_wildcards_and_lists(action, allowed):
    verdict = evaluate_trust(trust({"AWS": HOST_ROLE}, action), HOST, "sts:AssumeRole", {})
    assert (verdict is Verdict.ALLOW_EXACT) is allowed


def test_deny_wins_over_allow_in_trust():
    document = trust({"AWS": HOST_ROLE})
    document["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "sts:*"})
    assert evaluate_trust(document, HOST, "sts:AssumeRole", {}) is Verdict.DENY


def test_cross_account_needs_both_trust_and_identity():
    request = AssumeRequest(TARGET)
    assert denied_action(trust({"AWS": HOST_ROLE}), [ALLOW_ALL], HOST, request) is None
    assert denied_action(trust({"AWS": HOST_ROLE}), [], HOST, request) == "sts:AssumeRole"


def test_same_account_exact_principal_suffices_alone_but_root_does_not():
    same = Caller(
        TRAINEE, f"arn:aws:sts::{TRAINEE}:assumed-role/Ops/s", f"arn:aws:iam::{TRAINEE}:role/Ops"
    )
    request = AssumeRequest(TARGET)
    assert denied_action(trust({"AWS": same.principal_arn}), [], same, request) is None
    root = trust({"AWS": f"arn:aws:iam::{TRAINEE}:root"})
    assert denied_action(root, [], same, request) == "sts:AssumeRole"
    assert denied_action(root, [ALLOW_ALL], same, request) is None


def test_identity_action_resource_and_not_forms():
    scoped = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": "arn:aws:iam::*:role/ManageEnvRole",
            }
        ]
    }
    assert evaluate_identity([scoped], "sts:AssumeRole", TARGET, {}) is Verdict.ALLOW
    other = TARGET.replace("ManageEnvRole", "Other")
    assert evaluate_identity([scoped], "sts:AssumeRole", other, {}) is Verdict.NONE
    power_user = {
        "Statement": [
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
        ]
    }
    assert evaluate_identity([power_user], "sts:AssumeRole", TARGET, {}) is Verdict.ALLOW
    assert evaluate_identity([power_user], "iam:CreateUser", TARGET, {}) is Verdict.NONE
    not_resource = {"Statement": [{"Effect": "Deny", "Action": "sts:*", "NotResource": other}]}
    assert (
        evaluate_identity([ALLOW_ALL, not_resource], "sts:AssumeRole", TARGET, {}) is Verdict.DENY
    )


def test_source_identity_and_tags_need_their_own_actions():
    only_assume = trust({"AWS": HOST_ROLE})
    with_source = AssumeRequest(TARGET, source_identity="op")
    assert denied_action(only_assume, [ALLOW_ALL], HOST, with_source) == "sts:SetSourceIdentity"
    tagged = AssumeRequest(TARGET, tagged=True)
    assert denied_action(only_assume, [ALLOW_ALL], HOST, tagged) == "sts:TagSession"
    full = trust({"AWS": HOST_ROLE}, ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"])
    both = AssumeRequest(TARGET, source_identity="op", tagged=True)
    assert denied_action(full, [ALLOW_ALL], HOST, both) is None


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"StringEquals": {"sts:ExternalId": "abc"}}, ctx(**{"sts:ExternalId": "abc"}), True),
        ({"StringEquals": {"sts:ExternalId": "abc"}}, ctx(**{"sts:ExternalId": "x"}), False),
        ({"StringEquals": {"sts:ExternalId": "abc"}}, {}, False),
        (
            {"StringEquals": {"sts:ExternalId": ["x", "abc"]}},
            ctx(**{"sts:ExternalId": "abc"}),
            True,
        ),
        (
            {"StringLike": {"sts:SourceIdentity": "op-*"}},
            ctx(**{"sts:SourceIdentity": "op-1"}),
            True,
        ),
        ({"StringLike": {"sts:SourceIdentity": "op-*"}}, ctx(**{"sts:SourceIdentity": "x"}), False),
        (
            {"ArnEquals": {"aws:PrincipalArn": HOST_ROLE}},
            ctx(**{"aws:PrincipalArn": HOST_ROLE}),
            True,
        ),
        (
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin*"}},
            ctx(**{"aws:PrincipalArn": HOST_ROLE}),
            True,
        ),
        (
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Ops"}},
            ctx(**{"aws:PrincipalArn": HOST_ROLE}),
            False,
        ),
        ({"StringEqualsIfExists": {"sts:ExternalId": "abc"}}, {}, True),
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {}, None),
        ({"StringEquals": {"aws:RequestedRegion": "ap-northeast-1"}}, {}, None),
    ],
)
def test_conditions(condition, context, expected):
    assert conditions_hold({"Condition": condition}, context) is expected


def test_unknown_condition_fails_closed_both_ways():
    unknown = {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}
    allow = trust({"AWS": HOST_ROLE}, condition=unknown)
    assert evaluate_trust(allow, HOST, "sts:AssumeRole", {}) is Verdict.NONE
    deny = trust({"AWS": HOST_ROLE})
    deny["Statement"].append(
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Condition": unknown}
    )
    assert evaluate_trust(deny, HOST, "sts:AssumeRole", {}) is Verdict.DENY


def test_principal_arn_condition_uses_the_role_arn_not_the_session():
    condition = {"ArnEquals": {"aws:PrincipalArn": HOST_ROLE}}
    document = trust({"AWS": f"arn:aws:iam::{ADMIN}:root"}, condition=condition)
    assert denied_action(document, [ALLOW_ALL], HOST, AssumeRequest(TARGET)) is None
    other = Caller(
        ADMIN, f"arn:aws:sts::{ADMIN}:assumed-role/Ops/s", f"arn:aws:iam::{ADMIN}:role/Ops"
    )
    assert denied_action(document, [ALLOW_ALL], other, AssumeRequest(TARGET)) == "sts:AssumeRole"


def test_not_principal_is_not_supported_and_fails_closed():
    document = {
        "Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "x"}, "Action": "sts:AssumeRole"}]
    }
    assert evaluate_trust(document, HOST, "sts:AssumeRole", {}) is Verdict.NONE
