"""``whodidthis iam-templates``: the story's console clicks as CloudFormation.

Two templates: the admin account's ``AdminEnvRole`` with its three policies and its instance
profile, and every trainee account's ``ManageEnvRole`` trusting only ``AdminEnvRole`` (with
``sts:SetSourceIdentity`` and ``sts:TagSession``), ready to deploy as a StackSet.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from console.aws.trustlint import recommended_policy
from console.errors import EXIT_OK, UsageError

POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
# What the step kinds call in a trainee account (plus reading the role itself for preflight).
BUILD_ACTIONS = [
    "iam:*",
    "codecommit:*",
    "s3:*",
    "eks:*",
    "cloudformation:*",
    "sts:GetCallerIdentity",
]
# Teardown's sweep and handout, named even where a wildcard above covers them, so a policy
# narrowed later keeps them (and an identity-policy check shows why each is there).
SWEEP_AND_HANDOUT_ACTIONS = [
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
]
# ``trainees_from_ou``: PowerUserAccess excludes organizations:*, so the host role is granted
# these itself. They work only in the organization's management account or in an account
# registered as a delegated administrator for AWS Organizations.
ORGANIZATION_ACTIONS = [
    "organizations:ListAccountsForParent",
    "organizations:ListTagsForResource",
]


def admin_template(host_role: str = "AdminEnvRole", role_name: str = "ManageEnvRole") -> dict:
    """The admin account's host role, its policies and its instance profile."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"whodidthis: the automation host's role ({host_role}) and instance "
        "profile. No access key is created. For trainees_from_ou, deploy it in the "
        "organization's management account or a delegated administrator account: "
        "organizations:ListAccountsForParent works only there.",
        "Resources": {
            "HostRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": host_role,
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "ec2.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "ManagedPolicyArns": [POWER_USER, SSM_CORE],
                    "Policies": [
                        {
                            "PolicyName": "AssumeManageEnvRole",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": [
                                            "sts:AssumeRole",
                                            "sts:SetSourceIdentity",
                                            "sts:TagSession",
                                        ],
                                        "Resource": f"arn:aws:iam::*:role/{role_name}",
                                    },
                                    {
                                        # The owner of the SSM session an operator types in
                                        # (the human behind ssm-user); it has no resource ARN.
                                        "Sid": "FindTheHumanBehindSsmUser",
                                        "Effect": "Allow",
                                        "Action": "ssm:DescribeSessions",
                                        "Resource": "*",
                                    },
                                ],
                            },
                        },
                        {
                            "PolicyName": "ListTraineeAccounts",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Sid": "TraineesFromOuNeedsManagementOrDelegatedAdmin",
                                        "Effect": "Allow",
                                        "Action": ORGANIZATION_ACTIONS,
                                        "Resource": "*",
                                    }
                                ],
                            },
                        },
                    ],
                },
            },
            "HostInstanceProfile": {
                "Type": "AWS::IAM::InstanceProfile",
                "Properties": {"InstanceProfileName": host_role, "Roles": [{"Ref": "HostRole"}]},
            },
        },
        "Outputs": {
            "HostRoleArn": {"Value": {"Fn::GetAtt": ["HostRole", "Arn"]}},
            "InstanceProfileArn": {"Value": {"Fn::GetAtt": ["HostInstanceProfile", "Arn"]}},
        },
    }


def trainee_template(
    admin_account: str, host_role: str = "AdminEnvRole", role_name: str = "ManageEnvRole"
) -> dict:
    """Every trainee account's role, trusting only the host role (pinned by a condition)."""
    host_arn = f"arn:aws:iam::{admin_account}:role/{host_role}"
    trust = recommended_policy(host_arn, source_identity=True, pin=True)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"whodidthis: {role_name}, trusting only {host_arn}. Deploy to every "
        "trainee account (a StackSet).",
        "Resources": {
            "ManageEnvRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": role_name,
                    "MaxSessionDuration": 3600,
                    "AssumeRolePolicyDocument": trust,
                    "Policies": [
                        {
                            "PolicyName": "BuildTrainingEnvironment",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {"Effect": "Allow", "Action": BUILD_ACTIONS, "Resource": "*"},
                                    {
                                        "Sid": "SweepAndHandout",
                                        "Effect": "Allow",
                                        "Action": SWEEP_AND_HANDOUT_ACTIONS,
                                        "Resource": "*",
                                    },
                                ],
                            },
                        }
                    ],
                    "Tags": [{"Key": "whodidthis:tool", "Value": "whodidthis"}],
                },
            },
        },
        "Outputs": {"ManageEnvRoleArn": {"Value": {"Fn::GetAtt": ["ManageEnvRole", "Arn"]}}},
    }


def cli_iam_templates(args) -> int:
    """Print both templates, or write them to ``--out DIR``."""
    admin = args.admin_account
    if admin is None:
        from console.aws.identity import resolve_host_identity

        admin = resolve_host_identity().account
    if not admin or not (admin.isdigit() and len(admin) == 12):
        raise UsageError(
            "--admin-account must be the 12-digit id of the account that runs the "
            "automation host (it could not be read from the host identity)."
        )
    files = {
        "admin-env-role.json": admin_template(args.host_role, args.role_name),
        "manage-env-role.json": trainee_template(admin, args.host_role, args.role_name),
    }
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, body in files.items():
            (out / name).write_text(json.dumps(body, indent=2) + "\n")
            print(out / name)
        print(
            "note: trainees_from_ou needs the host in the organization's management account or"
            " a delegated administrator account (organizations:ListAccountsForParent works only"
            " there)"
        )
    else:
        for name, body in files.items():
            sys.stdout.write(f"# {name}\n{json.dumps(body, indent=2)}\n")
    return EXIT_OK
