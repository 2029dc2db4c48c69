"""The host role's ARN comes from IAM with its path, never rebuilt from the session ARN."""

import json

import botocore.session

from console.aws.hostrole import lookup_host_role
from tests.sandbox.aws import ADMIN, HOST_ROLE_ARN, host

EC2 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def test_a_role_with_a_path_is_named_with_it(sandbox):
    iam = sandbox.backdoor_session(ADMIN).client("iam")
    iam.create_role(
        RoleName="PathHost", Path="/automation/", AssumeRolePolicyDocument=json.dumps(EC2)
    )
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName="PathHost", PolicyName="Read", PolicyDocument=json.dumps(allow))
    arn = f"arn:aws:iam::{ADMIN}:role/automation/PathHost"
    creds = (
        sandbox.backdoor_session(ADMIN)
        .client("sts")
        .assume_role(RoleArn=arn, RoleSessionName="i-0path")["Credentials"]
    )
    session = botocore.session.Session()
    session.set_credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    found = lookup_host_role(f"arn:aws:sts::{ADMIN}:assumed-role/PathHost/i-0path", session)
    assert (found.arn, found.source) == (arn, "iam:GetRole")


def test_the_instance_profile_answers_when_get_role_is_refused(sandbox):
    session_arn = host().client("sts").get_caller_identity()["Arn"]
    assert lookup_host_role(session_arn).source == "iam:GetRole"
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:GetRole", "Resource": "*"}],
    }
    sandbox.backdoor_session(ADMIN).client("iam").put_role_policy(
        RoleName="AdminEnvRole", PolicyName="NoGetRole", PolicyDocument=json.dumps(deny)
    )
    found = lookup_host_role(session_arn)
    assert (found.arn, found.source) == (HOST_ROLE_ARN, "iam:GetInstanceProfile")
