"""What each role must be allowed to do: the host, and ``ManageEnvRole`` for a course.

One table serves three readers (the step kinds' own calls come from their specs,
``console.kinds``): ``iam-templates`` (the policies it writes), preflight (the
actions it simulates as each trainee's role) and the sandbox's bootstrap (the policies its roles
get), so they can never disagree.

``TEMPLATE_RESOURCE_ACTIONS`` maps a CloudFormation resource type to the calls CloudFormation
makes *as the caller* (no service role) to create, read, tag and delete it: the actions the
caller's identity policy must allow for a stack of that type to build and to tear down.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from console.kinds import KINDS

POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession")

# What the host role does beyond PowerUserAccess (which allows no iam:* and no organizations:*).
HOST_CHECK_ACTIONS = (
    "iam:GetRole",  # its own role's ARN, with its path (preflight, iam-templates)
    "iam:GetInstanceProfile",
    "iam:SimulatePrincipalPolicy",  # is a refused AssumeRole the host's own policy?
)
SSM_SESSION_ACTIONS = ("ssm:DescribeSessions",)  # the human behind ssm-user
# ``trainees_from_ou``: these work only in the organization's management account or in an
# account registered as a delegated administrator for AWS Organizations.
ORGANIZATION_ACTIONS = (
    "organizations:ListAccountsForParent",
    "organizations:ListTagsForResource",
    "organizations:ListOrganizationalUnitsForParent",  # to say child OUs are not listed
)
HOST_ACTIONS = HOST_CHECK_ACTIONS + SSM_SESSION_ACTIONS + ORGANIZATION_ACTIONS

# The calls each step kind makes in a trainee account (build, check, repair, teardown).
STEP_ACTIONS: dict[str, tuple[str, ...]] = {kind: spec.actions for kind, spec in KINDS.items()}
# Every run: identity checks, preflight's permission check, teardown's sweep, the trace.
COMMON_ACTIONS = (
    "sts:GetCallerIdentity",
    "iam:GetRole",
    "iam:SimulatePrincipalPolicy",
    "tag:GetResources",
    "cloudtrail:LookupEvents",
)
# The services whose whole prefix ManageEnvRole gets (the step kinds' services).
BUILD_SERVICES = tuple(dict.fromkeys(spec.service for spec in KINDS.values()))
# Teardown's sweep and handout, named even where a wildcard above covers them, so a policy
# narrowed later keeps them (and an identity-policy check shows why each is there).
SWEEP_AND_HANDOUT_ACTIONS = (
    "tag:GetResources",
    "iam:ListUsers",
    "iam:ListUserTags",
    "iam:ListRoles",
    "iam:ListRoleTags",
    "iam:ListPolicies",
    "iam:ListPolicyTags",
    "iam:GetAccountPasswordPolicy",
    "iam:GetLoginProfile",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:DeleteLoginProfile",
)

TEMPLATE_RESOURCE_ACTIONS: dict[str, tuple[str, ...]] = {
    # sqs:ListQueueTags and sqs:UntagQueue: the create, read and update handlers' permissions of
    # AWS::SQS::Queue in CloudFormation's provider schema (cfn-lint's
    # data/schemas/resources/0b0fc52a92647916.json); the stand-in now enforces them.
    "AWS::SQS::Queue": (
        "sqs:CreateQueue",
        "sqs:GetQueueUrl",
        "sqs:GetQueueAttributes",
        "sqs:SetQueueAttributes",
        "sqs:ListQueueTags",
        "sqs:TagQueue",
        "sqs:UntagQueue",
        "sqs:DeleteQueue",
    ),
    "AWS::SSM::Parameter": (
        "ssm:PutParameter",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:AddTagsToResource",
        "ssm:DeleteParameter",
    ),
    "AWS::SNS::Topic": (
        "sns:CreateTopic",
        "sns:GetTopicAttributes",
        "sns:TagResource",
        "sns:DeleteTopic",
    ),
    "AWS::S3::Bucket": ("s3:CreateBucket", "s3:PutBucketTagging", "s3:DeleteBucket"),
    "AWS::IAM::Role": (
        "iam:CreateRole",
        "iam:GetRole",
        "iam:TagRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:DeleteRole",
    ),
    "AWS::IAM::User": ("iam:CreateUser", "iam:GetUser", "iam:TagUser", "iam:DeleteUser"),
    "AWS::IAM::Policy": ("iam:PutRolePolicy", "iam:PutUserPolicy", "iam:DeleteRolePolicy"),
    "AWS::IAM::ManagedPolicy": ("iam:CreatePolicy", "iam:GetPolicy", "iam:DeletePolicy"),
    "AWS::IAM::InstanceProfile": (
        "iam:CreateInstanceProfile",
        "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
        "iam:DeleteInstanceProfile",
    ),
    "AWS::Lambda::Function": (
        "lambda:CreateFunction",
        "lambda:GetFunction",
        "lambda:TagResource",
        "lambda:DeleteFunction",
        "iam:PassRole",
    ),
    "AWS::DynamoDB::Table": (
        "dynamodb:CreateTable",
        "dynamodb:DescribeTable",
        "dynamodb:TagResource",
        "dynamodb:DeleteTable",
    ),
    "AWS::Logs::LogGroup": (
        "logs:CreateLogGroup",
        "logs:DescribeLogGroups",
        "logs:TagResource",
        "logs:DeleteLogGroup",
    ),
    "AWS::KMS::Key": (
        "kms:CreateKey",
        "kms:DescribeKey",
        "kms:TagResource",
        "kms:ScheduleKeyDeletion",
    ),
    "AWS::SecretsManager::Secret": (
        "secretsmanager:CreateSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:TagResource",
        "secretsmanager:DeleteSecret",
    ),
    "AWS::CodeCommit::Repository": (
        "codecommit:CreateRepository",
        "codecommit:GetRepository",
        "codecommit:TagResource",
        "codecommit:DeleteRepository",
    ),
    "AWS::ECR::Repository": (
        "ecr:CreateRepository",
        "ecr:DescribeRepositories",
        "ecr:TagResource",
        "ecr:DeleteRepository",
    ),
    "AWS::EC2::VPC": ("ec2:CreateVpc", "ec2:DescribeVpcs", "ec2:CreateTags", "ec2:DeleteVpc"),
    "AWS::EC2::Subnet": (
        "ec2:CreateSubnet",
        "ec2:DescribeSubnets",
        "ec2:CreateTags",
        "ec2:DeleteSubnet",
    ),
    "AWS::EC2::SecurityGroup": (
        "ec2:CreateSecurityGroup",
        "ec2:DescribeSecurityGroups",
        "ec2:CreateTags",
        "ec2:DeleteSecurityGroup",
    ),
    "AWS::EKS::Cluster": (
        "eks:CreateCluster",
        "eks:DescribeCluster",
        "eks:DeleteCluster",
        "iam:PassRole",
    ),
}
# ``Type: AWS::Service::Resource`` in YAML or JSON; parameter types have a fourth part.
_RESOURCE_TYPE = re.compile(r"""["']?Type["']?\s*:\s*["']?(AWS::\w+::\w+)(?![\w:])""")


def template_resource_types(text: str) -> list[str]:
    """The ``AWS::...`` resource types a CloudFormation template declares, in order, once each."""
    return list(dict.fromkeys(_RESOURCE_TYPE.findall(text)))


def template_actions(text: str) -> tuple[dict[str, list[str]], list[str]]:
    """The actions a template's resources need, and the resource types the table does not know.

    Returns:
        ``{action: [resource types needing it]}`` and the unknown types.
    """
    needed: dict[str, list[str]] = {}
    unknown = []
    for kind in template_resource_types(text):
        actions = TEMPLATE_RESOURCE_ACTIONS.get(kind)
        if actions is None:
            unknown.append(kind)
            continue
        for action in actions:
            needed.setdefault(action, []).append(kind)
    return needed, unknown


def course_needs(course) -> dict[str, list[str]]:
    """Every action ``ManageEnvRole`` needs for ``course``, with what needs it.

    Returns:
        ``{action: [reasons]}``, a reason being a step kind or a template file name.
    """
    needed: dict[str, list[str]] = {a: ["whodidthis"] for a in COMMON_ACTIONS}
    for step in course.steps:
        for action in STEP_ACTIONS.get(step.kind, ()):
            needed.setdefault(action, []).append(step.kind)
        template = KINDS[step.kind].template_param
        if template and template in step.params:
            path = course.template_path(step)
            text = course.templates.get(step.index)  # as read at load
            if text is None:
                text = Path(path).read_text(encoding="utf-8")
            for action in template_actions(text)[0]:
                needed.setdefault(action, []).append(Path(path).name)
    return needed


def service_prefixes(actions: Iterable[str]) -> list[str]:
    """The services of ``actions``, in first-seen order."""
    return list(dict.fromkeys(a.split(":", 1)[0] for a in actions))


def manage_role_statements(course=None) -> list[dict]:
    """``ManageEnvRole``'s identity policy statements: the step kinds' services, what every run
    needs, and, given a course, what its steps and templates need beyond those services."""
    actions = [f"{service}:*" for service in BUILD_SERVICES]
    actions += [a for a in COMMON_ACTIONS if a.split(":", 1)[0] not in BUILD_SERVICES]
    if course is not None:
        extra = [a for a in course_needs(course) if a.split(":", 1)[0] not in BUILD_SERVICES]
        actions += [a for a in extra if a not in actions]
    return [
        {"Sid": "BuildTrainingEnvironment", "Effect": "Allow", "Action": actions, "Resource": "*"},
        {
            "Sid": "SweepAndHandout",
            "Effect": "Allow",
            "Action": list(SWEEP_AND_HANDOUT_ACTIONS),
            "Resource": "*",
        },
    ]


def assume_statements(role_name: str = "ManageEnvRole") -> list[dict]:
    """The host role's own checks and its assume of ``role_name`` in every trainee account."""
    return [
        {
            "Sid": "AssumeManageEnvRole",
            "Effect": "Allow",
            "Action": list(ASSUME_ACTIONS),
            "Resource": f"arn:aws:iam::*:role/{role_name}",
        },
        {
            # The owner of the SSM session an operator types in (the human behind ssm-user);
            # it has no resource ARN.
            "Sid": "FindTheHumanBehindSsmUser",
            "Effect": "Allow",
            "Action": list(SSM_SESSION_ACTIONS),
            "Resource": "*",
        },
        {
            # The host role's own ARN (with its path) and what its policy allows.
            "Sid": "PreflightChecksOfTheHostRole",
            "Effect": "Allow",
            "Action": list(HOST_CHECK_ACTIONS),
            "Resource": "*",
        },
    ]


def organization_statements() -> list[dict]:
    """What ``trainees_from_ou`` needs (management or delegated administrator account only)."""
    return [
        {
            "Sid": "TraineesFromOuNeedsManagementOrDelegatedAdmin",
            "Effect": "Allow",
            "Action": list(ORGANIZATION_ACTIONS),
            "Resource": "*",
        }
    ]


def host_statements(role_name: str = "ManageEnvRole") -> list[dict]:
    """All the host role's own statements (besides its two AWS managed policies)."""
    return assume_statements(role_name) + organization_statements()
