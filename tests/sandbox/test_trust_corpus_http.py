"""The public trust-policy corpus against the sandbox's AssumeRole, over HTTP.

Each case's policy is put on a role of the trainee account with ``UpdateAssumeRolePolicy`` by an
administrator of that account (through the gateway, so IAM's refusals apply), then the host, an
other role of the admin account and a role of another account each make the product's
AssumeRole. The outcome must be the one AWS's rules give (``tests/policy/trust_corpus.py``).
"""

from __future__ import annotations

import json

import boto3
import botocore.exceptions

from tests.policy import trust_corpus as corpus

ALLOW_STS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}],
    }
)
EC2_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
TAGS = [{"Key": k, "Value": v} for k, v in corpus.TAGS.items()]


def _role(sandbox, arn: str) -> None:
    account, rest = arn.split(":")[4], arn.split(":role/", 1)[1]
    path, name = (
        ("/" + rest.rsplit("/", 1)[0] + "/", rest.rsplit("/", 1)[1]) if "/" in rest else ("/", rest)
    )
    iam = sandbox.backdoor_session(account).client("iam")
    iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=EC2_TRUST)
    iam.put_role_policy(RoleName=name, PolicyName="AssumeAnything", PolicyDocument=ALLOW_STS)


def _session(sandbox, arn: str, session_name: str) -> boto3.Session:
    sts = sandbox.backdoor_session(arn.split(":")[4]).client("sts")
    creds = sts.assume_role(RoleArn=arn, RoleSessionName=session_name)["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=sandbox.options.region,
    )


def _trainee_admin(sandbox) -> boto3.Session:
    iam = sandbox.backdoor_session(corpus.TRAINEE).client("iam")
    iam.create_user(UserName="account-admin")
    everything = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    iam.put_user_policy(
        UserName="account-admin", PolicyName="All", PolicyDocument=json.dumps(everything)
    )
    key = iam.create_access_key(UserName="account-admin")["AccessKey"]
    return boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name=sandbox.options.region,
    )


def _lets_in(session: boto3.Session, role_arn: str) -> bool:
    try:
        session.client("sts").assume_role(
            RoleArn=role_arn,
            RoleSessionName=corpus.SESSION_NAME,
            SourceIdentity=corpus.SOURCE_IDENTITY,
            Tags=TAGS,
        )
    except botocore.exceptions.ClientError as exc:
        assert exc.response["Error"]["Code"] == "AccessDenied", exc.response
        return False
    return True


def test_the_sandbox_assumes_as_aws_decides_for_every_corpus_policy(sandbox):
    org = sandbox.backdoor_session(corpus.ADMIN).client("organizations")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    for arn in (corpus.HOST, corpus.OTHER, corpus.FOREIGN):
        _role(sandbox, arn)
    target = f"arn:aws:iam::{corpus.TRAINEE}:role/CorpusRole"
    _role(sandbox, target)
    probes = [
        _session(sandbox, corpus.HOST, corpus.HOST_SESSION.rsplit("/", 1)[1]),
        _session(sandbox, corpus.OTHER, "ops-session"),
        _session(sandbox, corpus.FOREIGN, "ops-session"),
    ]
    iam = _trainee_admin(sandbox).client("iam")
    wrong = []
    for case in corpus.CASES:
        document = json.dumps(case.rendered(org_id))
        try:
            iam.update_assume_role_policy(RoleName="CorpusRole", PolicyDocument=document)
        except botocore.exceptions.ClientError as exc:
            code = exc.response["Error"]["Code"]
            if not (case.iam_refuses and code == "MalformedPolicyDocument"):
                wrong.append((case.name, "refused", exc.response["Error"]["Message"]))
            continue
        if case.iam_refuses:
            wrong.append((case.name, "IAM would refuse it", "accepted"))
            continue
        who = tuple(_lets_in(session, target) for session in probes)
        if who != case.who:
            wrong.append((case.name, case.who, who))
    assert wrong == [], "\n".join(map(str, wrong))
