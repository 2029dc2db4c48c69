"""The sandbox's AssumeRole decision (the shared evaluator with AssumeRole's context), alone."""

import pytest
from standin.policy import AssumeRequest, assume_request, refusal

from iampolicy import Caller, PrincipalFacts

ADMIN = "100000000000"
TRAINEE = "200000000001"
HOST_ROLE = f"arn:aws:iam::{ADMIN}:role/AdminEnvRole"
HOST = Caller(f"arn:aws:sts::{ADMIN}:assumed-role/AdminEnvRole/i-1", ADMIN, HOST_ROLE)
TARGET = f"arn:aws:iam::{TRAINEE}:role/ManageEnvRole"
ALLOW_ALL = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
FACTS = PrincipalFacts(mfa=False)


def trust(principal, action="sts:AssumeRole", effect="Allow", condition=None):
    statement = {"Effect": effect, "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def denied(document, identity=(ALLOW_ALL,), caller=HOST, request=None):
    answer = refusal(document, list(identity), caller, FACTS, request or AssumeRequest(TARGET))
    return answer[0] if answer else None


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        ({"AWS": HOST_ROLE}, True),
        ({"AWS": [f"arn:aws:iam::{TRAINEE}:root", HOST_ROLE]}, True),
        ({"AWS": HOST.arn}, True),
        ({"AWS": f"arn:aws:iam::{ADMIN}:root"}, True),
        ({"AWS": ADMIN}, True),
        ({"AWS": "*"}, True),
        ("*", True),
        ({"AWS": "arn:aws:iam::999999999999:role/AdminEnvRole"}, False),
        ({"AWS": f"arn:aws:iam::{ADMIN}:role/OtherRole"}, False),
        ({"Service": "ec2.amazonaws.com"}, False),
    ],
)
def test_trust_principal_forms(principal, allowed):
    assert (denied(trust(principal)) is None) is allowed


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
    assert (denied(trust({"AWS": HOST_ROLE}, action)) is None) is allowed


def test_deny_wins_over_allow_in_trust():
    document = trust({"AWS": HOST_ROLE})
    document["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "sts:*"})
    assert denied(document) == "sts:AssumeRole"


def test_cross_account_needs_both_trust_and_identity():
    assert denied(trust({"AWS": HOST_ROLE})) is None
    assert denied(trust({"AWS": HOST_ROLE}), identity=()) == "sts:AssumeRole"


def test_same_account_exact_principal_suffices_alone_but_root_does_not():
    same = Caller(
        f"arn:aws:sts::{TRAINEE}:assumed-role/Ops/s", TRAINEE, f"arn:aws:iam::{TRAINEE}:role/Ops"
    )
    assert denied(trust({"AWS": same.principal_arn}), identity=(), caller=same) is None
    root = trust({"AWS": f"arn:aws:iam::{TRAINEE}:root"})
    assert denied(root, identity=(), caller=same) == "sts:AssumeRole"
    assert denied(root, caller=same) is None


def test_source_identity_and_tags_need_their_own_actions():
    only_assume = trust({"AWS": HOST_ROLE})
    with_source = AssumeRequest(TARGET, source_identity="op")
    assert denied(only_assume, request=with_source) == "sts:SetSourceIdentity"
    tagged = AssumeRequest(TARGET, tags={"course": "c"})
    assert denied(only_assume, request=tagged) == "sts:TagSession"
    full = trust({"AWS": HOST_ROLE}, ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"])
    both = AssumeRequest(TARGET, source_identity="op", tags={"course": "c"})
    assert denied(full, request=both) is None


def test_the_conditions_teams_add_for_attribution_are_allowed_when_met():
    """The stricter policies the old sandbox refused although AWS allows them (issue 12)."""
    actions = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    params = {
        "RoleArn": TARGET,
        "RoleSessionName": "ops@dojo",
        "SourceIdentity": "ops",
        "Tags.member.1.Key": "course",
        "Tags.member.1.Value": "dojo",
    }
    request = assume_request(params)
    for condition in (
        {"Null": {"sts:SourceIdentity": "false"}},
        {"StringEquals": {"aws:RequestTag/course": "dojo"}},
        {"StringLike": {"sts:RoleSessionName": "*@dojo"}},
        {"ForAnyValue:StringEquals": {"aws:PrincipalArn": [HOST_ROLE]}},
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["course", "trainee", "operator"]}},
    ):
        assert (
            denied(trust({"AWS": HOST_ROLE}, actions, condition=condition), request=request) is None
        )
    deny_missing = trust({"AWS": HOST_ROLE}, actions)
    deny_missing["Statement"].append(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"Null": {"sts:SourceIdentity": "true"}},
        }
    )
    assert denied(deny_missing, request=request) is None
    assert denied(deny_missing, request=AssumeRequest(TARGET)) == "sts:AssumeRole"


def test_principal_arn_condition_uses_the_role_arn_not_the_session():
    condition = {"ArnEquals": {"aws:PrincipalArn": HOST_ROLE}}
    document = trust({"AWS": f"arn:aws:iam::{ADMIN}:root"}, condition=condition)
    assert denied(document) is None
    other = Caller(
        f"arn:aws:sts::{ADMIN}:assumed-role/Ops/s", ADMIN, f"arn:aws:iam::{ADMIN}:role/Ops"
    )
    assert denied(document, caller=other) == "sts:AssumeRole"


def test_unknown_operator_never_grants_and_an_unknown_key_is_absent():
    unknown = {"NoSuchOperator": {"aws:PrincipalArn": "*"}}
    assert denied(trust({"AWS": HOST_ROLE}, condition=unknown)) == "sts:AssumeRole"
    absent = {"StringNotEquals": {"aws:RequestedRegion": "ap-northeast-1"}}
    assert denied(trust({"AWS": HOST_ROLE}, condition=absent)) is None
