"""Preflight says only what its checks establish when AssumeRole is refused (issue 12)."""

import json

from tests.identity.test_preflight import ADMIN, by_name, preflight

HOST = f"arn:aws:iam::{ADMIN}:role/AdminEnvRole"
ACTIONS = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]


def trust(condition=None, principal=None):
    statement = {"Effect": "Allow", "Principal": principal or {"AWS": HOST}, "Action": ACTIONS}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def run(sb, tmp_path):
    env = sb.clean_env()
    env["WHODIDTHIS_STATE_DIR"] = str(tmp_path)
    code, data, _ = preflight(env, sb.course_path)
    return code, by_name(data)


def test_a_trust_condition_is_named_and_the_host_policy_is_not_blamed(sandbox_factory, tmp_path):
    sb = sandbox_factory(trainees=3)
    alice, bob = sb.account_of("alice"), sb.account_of("bob")
    sb.set_trust_policy(alice, "ManageEnvRole", trust({"StringEquals": {"sts:ExternalId": "x"}}))
    pinned = trust({"ArnEquals": {"aws:PrincipalArn": HOST}}, {"AWS": f"arn:aws:iam::{ADMIN}:root"})
    sb.set_trust_policy(bob, "ManageEnvRole", pinned)
    code, rows = run(sb, tmp_path)
    assert code == 1
    diagnosis = rows["alice"]["diagnosis"]
    assert "the host's own policy allows it (checked with iam:SimulatePrincipalPolicy)" in diagnosis
    assert "sts:ExternalId" in diagnosis and "explicit Deny" in diagnosis
    assert "does not allow sts:AssumeRole" not in diagnosis
    # root pinned to the host by aws:PrincipalArn: only the host gets in, nothing to warn about
    assert rows["bob"]["ok"]
    assert [f["severity"] for f in rows["bob"]["findings"]] == []
    assert rows["carol"]["ok"]


def test_the_host_policy_is_named_when_it_is_the_cause(sandbox_factory, tmp_path):
    sb = sandbox_factory(trainees=2)
    no_tags = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "sts:TagSession", "Resource": "*"}],
    }
    sb.backdoor_session(ADMIN).client("iam").put_role_policy(
        RoleName="AdminEnvRole", PolicyName="NoSessionTags", PolicyDocument=json.dumps(no_tags)
    )
    code, rows = run(sb, tmp_path)
    assert code == 1
    for name in ("alice", "bob"):
        diagnosis = rows[name]["diagnosis"]
        assert diagnosis.startswith(f"the host's own policy ({HOST}) does not allow sts:TagSession")
        assert "trust policy" not in diagnosis


def test_every_missing_action_is_named_at_once(sandbox_factory, tmp_path):
    """A trust that allows only sts:AssumeRole misses SetSourceIdentity and TagSession both:
    one diagnosis names both (it once named TagSession alone, then SetSourceIdentity alone)."""
    sb = sandbox_factory(trainees=2)
    only_assume = trust()
    only_assume["Statement"][0]["Action"] = "sts:AssumeRole"
    sb.set_trust_policy(sb.account_of("alice"), "ManageEnvRole", only_assume)
    no_tags = trust()
    no_tags["Statement"][0]["Action"] = ["sts:AssumeRole", "sts:SetSourceIdentity"]
    sb.set_trust_policy(sb.account_of("bob"), "ManageEnvRole", no_tags)
    code, rows = run(sb, tmp_path)
    assert code == 1
    both = rows["alice"]["diagnosis"]
    assert "refuses sts:SetSourceIdentity and sts:TagSession" in both, both
    one = rows["bob"]["diagnosis"]
    assert "refuses sts:TagSession," in one and "SetSourceIdentity" not in one, one


def test_a_principal_tag_condition_is_among_the_causes_named(sandbox_factory, tmp_path):
    sb = sandbox_factory(trainees=1)
    tagged = trust({"StringEquals": {"aws:PrincipalTag/team": "instructors"}})
    sb.set_trust_policy(sb.account_of("alice"), "ManageEnvRole", tagged)
    code, rows = run(sb, tmp_path)
    assert code == 1
    diagnosis = rows["alice"]["diagnosis"]
    assert "aws:PrincipalTag/*" in diagnosis and "aws:PrincipalArn" in diagnosis
