"""The story's "before" states behave as AWS would, and can be fixed while running."""

import pytest

from tests.sandbox.aws import ADMIN, assume, aws_error, denied_message, host, manage_role

HOST_ARN = f"arn:aws:sts::{ADMIN}:assumed-role/AdminEnvRole/i-0a1b2c3d4e5f60718"
STATES = ["root-trust", "no-role", "other-account", "no-source-identity", "wildcard"]


@pytest.fixture
def before(sandbox_factory):
    names = ["alice", "bob", "carol", "dave", "erin"]
    return sandbox_factory(trainees=6, before=dict(zip(names, STATES, strict=True)))


@pytest.mark.parametrize(
    ("name", "with_source_identity", "allowed"),
    [
        ("alice", True, True),  # root-trust: the host's own policy allows it, so AWS allows it
        ("bob", False, False),  # no-role
        ("carol", False, False),  # other-account
        ("dave", True, False),  # no-source-identity, asked with a SourceIdentity
        ("dave", False, True),  # ... and without one
        ("erin", True, True),  # wildcard: anyone may, including the host
        ("frank", True, True),  # trusted (the "after" state)
    ],
)
def test_each_before_state(before, name, with_source_identity, allowed):
    target = manage_role(before.account_of(name))
    extra = {"SourceIdentity": "operator"} if with_source_identity else {}
    if allowed:
        response = assume(host(), target, **extra)
        assert response["AssumedRoleUser"]["Arn"].startswith(
            f"arn:aws:sts::{before.account_of(name)}:assumed-role/ManageEnvRole/"
        )
    else:
        action = "sts:SetSourceIdentity" if with_source_identity else "sts:AssumeRole"
        error = aws_error(assume, host(), target, **extra)
        assert error["Error"]["Message"] == denied_message(HOST_ARN, target, action)


def test_the_topology_has_what_the_story_says(before):
    iam = before.backdoor_session(ADMIN).client("iam")
    attached = iam.list_attached_role_policies(RoleName="AdminEnvRole")["AttachedPolicies"]
    # What `whodidthis iam-templates` writes, deployed through the stand-in's CloudFormation.
    assert {p["PolicyName"] for p in attached} == {
        "PowerUserAccess",
        "AmazonSSMManagedInstanceCore",
    }
    assert sorted(iam.list_role_policies(RoleName="AdminEnvRole")["PolicyNames"]) == [
        "AssumeManageEnvRole",
        "ListTraineeAccounts",
    ]
    profile = iam.get_instance_profile(InstanceProfileName="AdminEnvRole")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["AdminEnvRole"]
    frank = before.backdoor_session(before.account_of("frank")).client("iam")
    trust = frank.get_role(RoleName="ManageEnvRole")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ADMIN}:role/AdminEnvRole"}
    assert frank.get_role(RoleName="EksClusterRole")["Role"]["Arn"].endswith("role/EksClusterRole")
    assert [t[0] for t in before.trainees] == ["alice", "bob", "carol", "dave", "erin", "frank"]
    assert before.course_path.read_text().count("[[trainee]]") == 6


def test_a_trainee_can_be_broken_and_fixed_while_running(sandbox):
    target = manage_role(sandbox.account_of("judy"))
    sandbox.apply_before_state("judy", "no-role")
    assert aws_error(assume, host(), target)["Error"]["Code"] == "AccessDenied"
    sandbox.apply_before_state("judy", "trusted")
    assert assume(host(), target, SourceIdentity="operator")["Credentials"]


def test_trainee_names_past_the_story_cast(sandbox_factory):
    sandbox = sandbox_factory(trainees=14)
    assert sandbox.trainees[11:] == [
        ("niaj", "200000000012"),
        ("trainee-0013", "200000000013"),
        ("trainee-0014", "200000000014"),
    ]
    assert assume(host(), manage_role("200000000014"))["Credentials"]
