"""Trust lint: each finding of issue 3, on the story's policies."""

import json

from console.aws.trustlint import ERROR, INFO, WARNING, lint_trust_policy, recommended_policy

ADMIN = "100000000000"
HOST = f"arn:aws:iam::{ADMIN}:role/AdminEnvRole"


def policy(
    principal, actions=("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"), condition=None
):
    statement = {"Effect": "Allow", "Principal": principal, "Action": list(actions)}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def lint(doc, source_identity=True):
    return lint_trust_policy(
        doc, admin_account=ADMIN, host_role_arn=HOST, source_identity=source_identity
    )


def severities(findings):
    return [f.severity for f in findings]


def test_the_recommended_policy_has_only_the_pinning_info():
    findings = lint(recommended_policy(HOST, source_identity=True))
    assert severities(findings) == [INFO]
    assert "aws:PrincipalArn" in findings[0].fix


def test_a_pinned_policy_is_clean():
    assert lint(recommended_policy(HOST, source_identity=True, pin=True)) == []


def test_wildcard_principal_is_an_error():
    findings = lint(policy("*"))
    assert findings[0].severity == ERROR and "(*)" in findings[0].message
    assert severities(lint(policy({"AWS": "*"})))[0] == ERROR


def test_admin_root_and_bare_account_are_warnings_with_the_fix():
    for principal in (f"arn:aws:iam::{ADMIN}:root", ADMIN):
        findings = lint(policy({"AWS": principal}))
        assert severities(findings)[0] == WARNING
        assert HOST in findings[0].message
        assert json.loads(findings[0].fix)["Statement"][0]["Principal"] == {"AWS": HOST}


def test_another_account_is_an_error():
    findings = lint(policy({"AWS": "arn:aws:iam::999999999999:role/AdminEnvRole"}))
    assert findings[0].severity == ERROR and "999999999999" in findings[0].message


def test_missing_set_source_identity_is_an_error_only_when_the_course_sets_it():
    doc = policy({"AWS": HOST}, actions=("sts:AssumeRole", "sts:TagSession"))
    assert any("SetSourceIdentity" in f.message for f in lint(doc, source_identity=True))
    assert not any("SetSourceIdentity" in f.message for f in lint(doc, source_identity=False))


def test_missing_tag_session_is_an_error():
    doc = policy({"AWS": HOST}, actions=("sts:AssumeRole", "sts:SetSourceIdentity"))
    assert any(f.severity == ERROR and "TagSession" in f.message for f in lint(doc))


def test_sts_wildcard_action_covers_everything():
    required = {"Null": {"sts:SourceIdentity": "false"}}
    assert severities(lint(policy({"AWS": HOST}, actions=("sts:*",), condition=required))) == [INFO]


def test_a_trust_letting_sessions_in_without_source_identity_is_warned():
    findings = lint(policy({"AWS": HOST}))
    assert severities(findings) == [WARNING]
    assert "without a SourceIdentity" in findings[0].message
    fix = json.loads(findings[0].fix)["Statement"][0]
    assert fix["Condition"]["Null"] == {"sts:SourceIdentity": "false"}
    assert severities(lint({"Version": "2012-10-17", "Statement": [fix]})) == [INFO]
    assert severities(lint(policy({"AWS": HOST}), source_identity=False)) == [INFO]


def test_a_foreign_account_is_named_as_the_policy_names_it():
    stranger = "arn:aws:iam::777777777777:root"
    [finding] = [f for f in lint(policy({"AWS": [HOST, stranger]})) if f.severity == "error"]
    assert stranger in finding.message and "SomeoneElse" not in finding.message
