"""sts:AssumeRole through the gateway: what AWS allows lands in the right account; what AWS
refuses is refused with AWS's exact error."""

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.sandbox.aws import (
    ADMIN,
    HOST_ROLE_ARN,
    SESSION_NAME,
    TAGS,
    assume,
    aws_error,
    denied_message,
    host,
    manage_role,
    session_of,
    trainee_session,
)

HOST_ARN = f"arn:aws:sts::{ADMIN}:assumed-role/AdminEnvRole/i-0a1b2c3d4e5f60718"


def assert_denied(error, caller_arn, role_arn, action="sts:AssumeRole"):
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["ResponseMetadata"]["RequestId"]
    assert error["Error"] == {
        "Type": "Sender",
        "Code": "AccessDenied",
        "Message": denied_message(caller_arn, role_arn, action),
    }


def test_the_host_assumes_every_trainee_role_into_its_account(sandbox):
    sts = host().client("sts")
    for name, account in sandbox.trainees:
        response = sts.assume_role(
            RoleArn=manage_role(account),
            RoleSessionName=SESSION_NAME,
            SourceIdentity="operator",
            Tags=TAGS,
        )
        expected = f"arn:aws:sts::{account}:assumed-role/ManageEnvRole/{SESSION_NAME}"
        assert response["AssumedRoleUser"]["Arn"] == expected, name
        assert response["SourceIdentity"] == "operator"
        identity = session_of(response).client("sts").get_caller_identity()
        assert (identity["Account"], identity["Arn"]) == (account, expected)
    assumes = [r for r in sandbox.trail() if r["operation"] == "AssumeRole"]
    assert [r["target_role_arn"] for r in assumes] == [manage_role(a) for _, a in sandbox.trainees]
    assert {r["principal_arn"] for r in assumes} == {HOST_ARN}
    checks = [r for r in sandbox.trail() if r["operation"] == "GetCallerIdentity"]
    assert {r["source_identity"] for r in checks} == {"operator"}


def test_a_resource_created_by_a_trainee_session_exists_in_that_account_only(sandbox):
    alice, bob = sandbox.account_of("alice"), sandbox.account_of("bob")
    trainee_session(alice).client("iam").create_user(UserName="alice")
    assert sandbox.backdoor_session(alice).client("iam").get_user(UserName="alice")
    for other in (bob, ADMIN):
        error = aws_error(sandbox.backdoor_session(other).client("iam").get_user, UserName="alice")
        assert error["Error"]["Code"] == "NoSuchEntity"


def test_a_trainee_session_cannot_assume_another_trainees_role(sandbox):
    alice, bob = sandbox.account_of("alice"), sandbox.account_of("bob")
    sts = trainee_session(alice).client("sts")
    error = aws_error(sts.assume_role, RoleArn=manage_role(bob), RoleSessionName="hop")
    caller = f"arn:aws:sts::{alice}:assumed-role/ManageEnvRole/{SESSION_NAME}"
    assert_denied(error, caller, manage_role(bob))


def test_a_closed_accounts_role_is_denied_as_aws_answers(sandbox):
    """A SUSPENDED (closed) account's role cannot be assumed: 403 AccessDenied naming the
    caller and the role, as real answers show (cited in standin/assume_role.py)."""
    ou = sandbox.create_ou(["Closing"], ou_name="closing")
    target = manage_role(ou.account_of("Closing"))
    assert assume(host(), target)["AssumedRoleUser"]  # ACTIVE: its trust decides
    organizations = sandbox.backdoor_session(ADMIN).client("organizations", region_name="us-east-1")
    organizations.close_account(AccountId=ou.account_of("Closing"))
    assert_denied(aws_error(assume, host(), target), HOST_ARN, target)


def test_a_principal_not_in_the_trust_policy_is_denied(sandbox):
    iam = sandbox.backdoor_session(ADMIN).client("iam")
    iam.create_user(UserName="jenkins")
    iam.attach_user_policy(
        UserName="jenkins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    key = iam.create_access_key(UserName="jenkins")["AccessKey"]
    jenkins = boto3.Session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    target = manage_role(sandbox.account_of("carol"))
    error = aws_error(assume, jenkins, target)
    assert_denied(error, f"arn:aws:iam::{ADMIN}:user/jenkins", target)


@pytest.mark.parametrize(
    "role_arn",
    [
        "arn:aws:iam::200000000001:role/NoSuchRole",
        "arn:aws:iam::555555555555:role/ManageEnvRole",
    ],
)
def test_a_role_that_does_not_exist_is_denied(sandbox, role_arn):
    assert_denied(aws_error(assume, host(), role_arn), HOST_ARN, role_arn)


def test_source_identity_needs_set_source_identity_in_the_trust(sandbox_factory):
    sandbox = sandbox_factory(before={"dave": "no-source-identity"})
    target = manage_role(sandbox.account_of("dave"))
    error = aws_error(assume, host(), target, SourceIdentity="operator")
    assert_denied(error, HOST_ARN, target, "sts:SetSourceIdentity")
    assert assume(host(), target)["AssumedRoleUser"]["Arn"].endswith(SESSION_NAME)


def test_session_tags_need_tag_session_in_the_trust(sandbox):
    account = sandbox.account_of("erin")
    sandbox.set_trust_policy(
        account,
        "ManageEnvRole",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": HOST_ROLE_ARN},
                    "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                }
            ],
        },
    )
    error = aws_error(assume, host(), manage_role(account), Tags=TAGS)
    assert_denied(error, HOST_ARN, manage_role(account), "sts:TagSession")
    assert assume(host(), manage_role(account), SourceIdentity="operator")


def trust_with(condition):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ADMIN}:root"},
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }
        ],
    }


def test_an_external_id_condition_must_hold(sandbox):
    account = sandbox.account_of("frank")
    target = manage_role(account)
    sandbox.set_trust_policy(
        account, "ManageEnvRole", trust_with({"StringEquals": {"sts:ExternalId": "dojo-2026"}})
    )
    assert_denied(aws_error(assume, host(), target), HOST_ARN, target)
    assert_denied(aws_error(assume, host(), target, ExternalId="guess"), HOST_ARN, target)
    assert assume(host(), target, ExternalId="dojo-2026")["Credentials"]


def test_a_principal_arn_condition_must_hold(sandbox):
    account = sandbox.account_of("grace")
    target = manage_role(account)
    sandbox.set_trust_policy(
        account,
        "ManageEnvRole",
        trust_with({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Ops*"}}),
    )
    assert_denied(aws_error(assume, host(), target), HOST_ARN, target)
    sandbox.set_trust_policy(
        account, "ManageEnvRole", trust_with({"ArnEquals": {"aws:PrincipalArn": HOST_ROLE_ARN}})
    )
    assert assume(host(), target)["Credentials"]


def test_role_chaining_is_capped_at_one_hour(sandbox):
    error = aws_error(
        assume, host(), manage_role(sandbox.account_of("heidi")), DurationSeconds=7200
    )
    assert error["Error"]["Code"] == "ValidationError"
    assert "1 hour session limit" in error["Error"]["Message"]


def test_a_key_moto_never_issued_is_an_invalid_token(sandbox):
    stranger = boto3.Session(
        aws_access_key_id="ASIA" + "QAAAAAAAB2345678",
        aws_secret_access_key="x" * 40,
        aws_session_token="y",
    )
    error = aws_error(stranger.client("sts").get_caller_identity)
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Error"]["Code"] == "InvalidClientTokenId"
    assert error["Error"]["Message"] == "The security token included in the request is invalid."


def test_a_short_credential_lifetime_expires_sessions_as_aws_does(sandbox):
    sandbox.faults.set_credential_lifetime(900)
    response = assume(host(), manage_role(sandbox.account_of("ivan")))
    expected = datetime.now(UTC) + timedelta(seconds=900)
    assert abs(response["Credentials"]["Expiration"] - expected) < timedelta(seconds=30)
    sandbox.faults.set_credential_lifetime(0)
    expired = session_of(assume(host(), manage_role(sandbox.account_of("ivan"))))
    error = aws_error(expired.client("sts").get_caller_identity)
    assert error["Error"]["Code"] == "ExpiredToken"
    assert error["Error"]["Message"] == "The security token included in the request is expired"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
