"""The evaluator against the IAM user guide's truth tables (properties, not examples).

Sources: "IAM JSON policy elements: Condition operators", "Creating a condition with multiple
context keys or values", "Single-valued vs. multivalued context keys", "Policy evaluation logic"
and "IAM policy elements: Variables and tags" (docs.aws.amazon.com/IAM/latest/UserGuide/).
"""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st
from iampolicy.conditions import OPERATORS, failing_clauses

from iampolicy import (
    Caller,
    Decision,
    PrincipalFacts,
    authorize,
    evaluate,
    request_context,
    trust_policy_problems,
)

HOST = Caller(
    "arn:aws:sts::100000000000:assumed-role/AdminEnvRole/i-0abc",
    "100000000000",
    "arn:aws:iam::100000000000:role/automation/AdminEnvRole",
)
words = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=4)
word_sets = st.sets(words, min_size=1, max_size=4)


def holds(condition: dict, context: dict) -> bool:
    return failing_clauses(condition, context) == []


NEGATED = {name for name, (_, negated) in OPERATORS.items() if negated}
POSITIVE = set(OPERATORS) - NEGATED


@given(st.sampled_from(sorted(OPERATORS)), words)
def test_an_absent_key_fails_every_operator_but_the_negated_ones(operator, value):
    """ "If the key ... is not present in the request context, the values do not match and the
    condition is false. If the policy condition requires that the key is not matched, such as
    StringNotLike ..., the condition is true.\""""
    assert holds({operator: {"k:absent": value}}, {}) == (operator in NEGATED)


@given(st.sampled_from(sorted(OPERATORS)), words)
def test_if_exists_holds_when_the_key_is_absent(operator, value):
    assert holds({operator + "IfExists": {"k:absent": value}}, {})


@given(st.sampled_from(sorted(OPERATORS)), words)
def test_for_all_values_of_nothing_holds_and_for_any_value_of_nothing_does_not(operator, value):
    assert holds({f"ForAllValues:{operator}": {"aws:TagKeys": value}}, {})
    assert not holds({f"ForAnyValue:{operator}": {"aws:TagKeys": value}}, {})


@given(st.booleans(), st.booleans())
def test_null_is_true_exactly_when_asked_about_an_absent_key(present, ask_absent):
    context = {"sts:sourceidentity": "alice"} if present else {}
    condition = {"Null": {"sts:SourceIdentity": "true" if ask_absent else "false"}}
    assert holds(condition, context) == (ask_absent != present)


@given(words, word_sets)
def test_several_values_of_one_key_are_ored_and_negation_is_nor(value, wanted):
    context = {"aws:username": value}
    assert holds({"StringEquals": {"aws:username": sorted(wanted)}}, context) == (value in wanted)
    assert holds({"StringNotEquals": {"aws:username": sorted(wanted)}}, context) == (
        value not in wanted
    )


@given(words, words, words, words)
def test_several_keys_and_several_operators_are_anded(a, b, want_a, want_b):
    context = {"k:a": a, "k:b": b}
    same_block = {"StringEquals": {"k:a": want_a, "k:b": want_b}}
    two_blocks = {"StringEquals": {"k:a": want_a}, "StringLike": {"k:b": want_b}}
    expected = a == want_a and b == want_b
    assert holds(same_block, context) == expected
    assert holds(two_blocks, context) == expected


@given(word_sets, word_sets)
def test_set_operators_are_subset_and_intersection(request_values, policy_values):
    context = {"aws:tagkeys": tuple(sorted(request_values))}
    wanted = sorted(policy_values)
    assert holds({"ForAllValues:StringEquals": {"aws:TagKeys": wanted}}, context) == (
        request_values <= policy_values
    )
    assert holds({"ForAnyValue:StringEquals": {"aws:TagKeys": wanted}}, context) == bool(
        request_values & policy_values
    )
    assert holds({"ForAllValues:StringNotEquals": {"aws:TagKeys": wanted}}, context) == (
        not request_values & policy_values
    )


@given(words)
def test_string_operators_case_rules(value):
    context = {"k:v": value.upper()}
    assert not holds({"StringEquals": {"k:v": value}}, context)
    assert holds({"StringEqualsIgnoreCase": {"k:v": value}}, context)
    assert holds({"StringEquals": {"K:V": value.upper()}}, context)  # keys ignore case


def test_wildcards_and_variable_escapes():
    context = {"aws:username": "ana", "sts:rolesessionname": "ops@dojo*"}
    assert holds({"StringLike": {"sts:RoleSessionName": "*@dojo${*}"}}, context)
    assert not holds({"StringLike": {"sts:RoleSessionName": "*@dojo${*}x"}}, context)
    assert holds({"StringLike": {"sts:RoleSessionName": "ops@doj?*"}}, context)
    assert holds({"StringEquals": {"k:x": "${aws:username}"}}, {**context, "k:x": "ana"})
    assert holds({"StringEquals": {"k:x": "${aws:PrincipalTag/team, 'none'}"}}, {"k:x": "none"})
    assert not holds({"StringEquals": {"k:x": "${aws:PrincipalTag/team}"}}, {"k:x": ""})


def test_numeric_date_bool_ip_binary_and_arn_operators():
    context = {
        "aws:multifactorauthage": "300",
        "aws:currenttime": "2026-12-01T12:00:00Z",
        "aws:securetransport": "true",
        "aws:sourceip": "203.0.113.9",
        "k:bin": "QmluYXJ5",
        "aws:principalarn": HOST.principal_arn,
    }
    assert holds({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, context)
    assert not holds({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "x"}}, context)
    assert holds({"DateGreaterThan": {"aws:CurrentTime": "2026-11-30"}}, context)
    assert holds({"DateLessThan": {"aws:CurrentTime": "1796169600"}}, context)  # 2026-12-02
    assert holds({"Bool": {"aws:SecureTransport": True}}, context)
    assert holds({"IpAddress": {"aws:SourceIp": ["198.51.100.0/24", "203.0.113.0/24"]}}, context)
    assert holds({"NotIpAddress": {"aws:SourceIp": "2001:db8::/32"}}, context)
    assert holds({"BinaryEquals": {"k:bin": "QmluYXJ5"}}, context)
    assert holds({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*/AdminEnvRole"}}, context)
    assert holds({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::100000000000:role/*"}}, context)
    assert not holds({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*"}}, context)
    assert not holds({"NoSuchOperator": {"aws:PrincipalArn": "*"}}, context)


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@given(st.permutations([0, 1]))
def test_an_explicit_deny_wins_whatever_the_order(order):
    statements = [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"},
    ]
    document = _doc(*(statements[i] for i in order))
    answer = evaluate([document], HOST, "s3:DeleteBucket", "arn:aws:s3:::b", {})
    assert answer.decision is Decision.EXPLICIT_DENY
    assert evaluate([document], HOST, "s3:ListBucket", "arn:aws:s3:::b", {}).decision is (
        Decision.ALLOWED
    )


@given(st.sampled_from(["iam:CreateUser", "IAM:createuser", "iam:CREATEUSER"]))
def test_actions_ignore_case_resources_do_not(action):
    document = _doc(
        {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "arn:aws:iam::*:user/a"}
    )
    assert (
        evaluate([document], HOST, action, "arn:aws:iam::1:user/a", {}).decision is Decision.ALLOWED
    )
    assert evaluate([document], HOST, action, "arn:aws:iam::1:user/A", {}).decision is (
        Decision.IMPLICIT_DENY
    )


def test_not_action_and_not_resource():
    power_user = _doc(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}
    )
    assert evaluate([power_user], HOST, "sqs:CreateQueue", None, {}).decision is Decision.ALLOWED
    assert evaluate([power_user], HOST, "iam:CreateUser", None, {}).decision is (
        Decision.IMPLICIT_DENY
    )
    fenced = _doc({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret*"})
    assert evaluate([fenced], HOST, "s3:GetObject", "arn:aws:s3:::secret/x", {}).decision is (
        Decision.IMPLICIT_DENY
    )


def test_cross_account_needs_both_and_one_account_root_delegates():
    role = "arn:aws:iam::200000000001:role/ManageEnvRole"
    trust_root = _doc(
        {"Effect": "Allow", "Principal": {"AWS": "100000000000"}, "Action": "sts:AssumeRole"}
    )
    allow = [_doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role})]
    context = request_context(HOST, PrincipalFacts())
    assert authorize(
        HOST, "sts:AssumeRole", role, context, allow, trust_root, "200000000001"
    ).allowed
    refused = authorize(HOST, "sts:AssumeRole", role, context, [], trust_root, "200000000001")
    assert refused.refused_by == "identity"
    same = "arn:aws:iam::100000000000:role/Other"
    exact = _doc(
        {"Effect": "Allow", "Principal": {"AWS": HOST.principal_arn}, "Action": "sts:AssumeRole"}
    )
    assert authorize(HOST, "sts:AssumeRole", same, context, [], exact, "100000000000").allowed
    assert not authorize(
        HOST, "sts:AssumeRole", same, context, [], trust_root, "100000000000"
    ).allowed


def test_a_role_arn_without_the_path_does_not_name_the_role():
    pathless = _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::100000000000:role/AdminEnvRole"},
            "Action": "sts:AssumeRole",
        }
    )
    answer = evaluate([pathless], HOST, "sts:AssumeRole", None, {})
    assert answer.decision is Decision.IMPLICIT_DENY


def test_iam_refuses_not_principal_and_partial_wildcards_in_trust_policies():
    assert trust_policy_problems(
        _doc(
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": "arn:aws:iam::1:root"},
                "Action": "sts:AssumeRole",
            }
        )
    )
    assert trust_policy_problems(
        _doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::1:role/*"},
                "Action": "sts:AssumeRole",
            }
        )
    )
    assert not trust_policy_problems(
        _doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    )


def test_blocked_statements_name_the_failing_condition():
    trust = _doc(
        {
            "Sid": "NeedsExternalId",
            "Effect": "Allow",
            "Principal": {"AWS": "100000000000"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "x"}},
        }
    )
    answer = evaluate([trust], HOST, "sts:AssumeRole", None, {})
    assert [r.describe() for r in answer.blocked] == [
        "statement 'NeedsExternalId' (condition StringEquals sts:ExternalId does not hold)"
    ]


PAIRS = [
    ("StringEquals", "StringNotEquals"),
    ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"),
    ("StringLike", "StringNotLike"),
    ("NumericEquals", "NumericNotEquals"),
    ("DateEquals", "DateNotEquals"),
    ("ArnEquals", "ArnNotEquals"),
    ("ArnLike", "ArnNotLike"),
    ("IpAddress", "NotIpAddress"),
]
values = st.one_of(
    words,
    st.integers(0, 5).map(str),
    st.sampled_from(
        ["10.0.0.1", "10.0.0.0/8", "192.0.2.7", "arn:aws:iam::1:role/a", "arn:aws:iam::*:role/*"]
    ),
)


@given(st.sampled_from(PAIRS), values, st.lists(values, min_size=1, max_size=3))
def test_a_negated_operator_is_the_negation_when_the_key_is_present(pair, value, wanted):
    """ "...NotEquals: negated matching": on a present single value, exactly one of the pair."""
    positive, negative = pair
    context = {"k:v": value}
    assert holds({positive: {"k:v": wanted}}, context) != holds(
        {negative: {"k:v": wanted}}, context
    )


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Allow", "Deny"]), st.sampled_from(["s3:*", "s3:Get*", "iam:*", "*"])
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["s3:GetObject", "s3:PutObject", "iam:CreateUser", "sqs:CreateQueue"]),
)
def test_the_decision_is_deny_if_any_deny_matches_else_allow_if_any_allow(statements, action):
    """ "Policy evaluation logic": an explicit deny overrides any allow; no allow is implicit."""
    document = _doc(*({"Effect": e, "Action": a, "Resource": "*"} for e, a in statements))
    matches = [e for e, a in statements if a == "*" or action.startswith(a.rstrip("*"))]
    expected = (
        Decision.EXPLICIT_DENY
        if "Deny" in matches
        else Decision.ALLOWED
        if "Allow" in matches
        else Decision.IMPLICIT_DENY
    )
    assert evaluate([document], HOST, action, "arn:aws:s3:::b", {}).decision is expected


BUCKET_OBJECT = "arn:aws:s3:::dojo-bucket/notes.txt"


@given(st.booleans(), st.sampled_from(["exact", "account", "other"]))
def test_in_one_account_a_bucket_policy_is_one_more_way_to_allow(identity_allows, names):
    """ "If either the identity-based policy or the resource-based policy within the same account
    allows the request and the other doesn't, the request is still allowed" (single account)."""
    principal = {
        "exact": HOST.principal_arn,
        "account": "arn:aws:iam::100000000000:root",
        "other": "arn:aws:iam::100000000000:user/someone",
    }[names]
    bucket = _doc(
        {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "s3:*", "Resource": "*"}
    )
    identity = [_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})]
    answer = authorize(
        HOST, "s3:GetObject", BUCKET_OBJECT, {}, identity if identity_allows else [], bucket
    )
    assert answer.allowed == (identity_allows or names == "exact")


@given(st.sampled_from(["sts:AssumeRole", "kms:Decrypt"]))
def test_a_trust_or_key_policy_must_grant_even_in_one_account(action):
    resource = (
        "arn:aws:iam::100000000000:role/Target"
        if action.startswith("sts")
        else "arn:aws:kms:us-east-1:100000000000:key/1234abcd"
    )
    someone_else = _doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::100000000000:user/x"}, "Action": "*"}
    )
    identity = [_doc({"Effect": "Allow", "Action": "*", "Resource": "*"})]
    refused = authorize(HOST, action, resource, {}, identity, someone_else, "100000000000")
    assert (refused.allowed, refused.refused_by) == (False, "resource")


def test_across_accounts_a_resource_without_policy_grants_nothing():
    identity = [_doc({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"})]
    queue = "arn:aws:sqs:us-east-1:200000000001:jobs"
    refused = authorize(HOST, "sqs:SendMessage", queue, {}, identity, None, "200000000001")
    assert (refused.allowed, refused.refused_by) == (False, "resource")
    assert authorize(HOST, "sqs:SendMessage", queue, {}, identity, None, "100000000000").allowed


def test_a_service_principal_is_decided_by_the_resource_policy_alone():
    ec2 = Caller("ec2.amazonaws.com", "", "ec2.amazonaws.com", service="ec2.amazonaws.com")
    trust = _doc(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:*"}
    )
    role = "arn:aws:iam::100000000000:role/Target"
    assert authorize(ec2, "sts:AssumeRole", role, {}, [], trust, "100000000000").allowed
    other = _doc({**trust["Statement"][0], "Principal": {"Service": "lambda.amazonaws.com"}})
    assert not authorize(ec2, "sts:AssumeRole", role, {}, [], other, "100000000000").allowed


@given(word_sets, st.sampled_from(["StringEquals", "StringNotEquals", "StringLike"]))
def test_a_multivalued_key_without_a_set_operator_never_holds(values, operator):
    """ "Multivalued context keys require a condition set operator" (single vs. multivalued)."""
    context = {"aws:tagkeys": tuple(sorted(values))}
    assert not holds({operator: {"aws:TagKeys": sorted(values)}}, context)
    assert not holds({operator + "IfExists": {"aws:TagKeys": "zzzzz"}}, context)
