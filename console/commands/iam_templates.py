"""``whodidthis iam-templates``: the story's console clicks as CloudFormation.

Two templates: the admin account's ``AdminEnvRole`` with its three policies and its instance
profile, and every trainee account's ``ManageEnvRole`` trusting only ``AdminEnvRole`` (with
``sts:SetSourceIdentity`` and ``sts:TagSession``), ready to deploy as a StackSet.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from console.aws.permissions import (
    POWER_USER,
    SSM_CORE,
    assume_statements,
    manage_role_policies,
    organization_statements,
)
from console.aws.policy_quotas import check_trust, document
from console.aws.trustlint import recommended_policy
from console.commands.options import Options, add_aws, add_debug, add_output, new_parser
from console.errors import EXIT_OK, UsageError


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
                                "Statement": assume_statements(role_name),
                            },
                        },
                        {
                            "PolicyName": "ListTraineeAccounts",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": organization_statements(),
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
    admin_account: str,
    host_role: str = "AdminEnvRole",
    role_name: str = "ManageEnvRole",
    *,
    course=None,
    host_role_arn: str | None = None,
    require_source_identity: bool | None = None,
) -> dict:
    """Every trainee account's role, trusting only the host role (pinned by a condition).

    Args:
        course: when given, the role is also allowed what the course's steps and templates
            need beyond the step kinds' services (``console.aws.permissions``), in managed
            policies when one inline policy would pass IAM's size quota, and with its
            ``source_identity = true`` the trust requires ``sts:SourceIdentity``.

    Raises:
        PolicyQuotaExceeded: what the course needs cannot fit IAM's quotas (exit 2).
        host_role_arn: the host role's ARN as IAM names it (with its path); default: the
            role ``host_role`` at the root path of ``admin_account``.
        require_source_identity: whether the trust requires ``sts:SourceIdentity`` (default:
            the course's ``source_identity``; False for a role that courses without it share).
    """
    host_arn = host_role_arn or f"arn:aws:iam::{admin_account}:role/{host_role}"
    # SetSourceIdentity is always allowed; a course with source_identity = true also requires
    # it, so no session of its role can be made without an operator's name.
    require = bool(course is not None and course.source_identity)
    if require_source_identity is not None:
        require = require_source_identity
    trust = recommended_policy(host_arn, source_identity=True, pin=True, require=require)
    check_trust(trust)
    policies = manage_role_policies(course)
    resources: dict[str, dict] = {
        "ManageEnvRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": role_name,
                "MaxSessionDuration": 3600,
                "AssumeRolePolicyDocument": trust,
                "Policies": [
                    {
                        "PolicyName": "BuildTrainingEnvironment",
                        "PolicyDocument": document(policies.inline),
                    }
                ],
                "Tags": [{"Key": "whodidthis:tool", "Value": "whodidthis"}],
            },
        },
    }
    for number, statements in enumerate(policies.managed, 1):
        # Beyond IAM's 10,240 characters of inline policy per role: managed policies of at
        # most 6,144 each, attached to the role (console.aws.policy_quotas).
        resources[f"CourseNeeds{number}"] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "Description": f"whodidthis: what the course needs, part {number} of "
                f"{len(policies.managed)}",
                "Roles": [{"Ref": "ManageEnvRole"}],
                "PolicyDocument": document(statements),
            },
        }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"whodidthis: {role_name}, trusting only {host_arn}. Deploy to every "
        "trainee account (a StackSet).",
        "Resources": resources,
        "Outputs": {"ManageEnvRoleArn": {"Value": {"Fn::GetAtt": ["ManageEnvRole", "Arn"]}}},
    }


def template_files(
    admin_account: str,
    host_role: str = "AdminEnvRole",
    role_name: str = "ManageEnvRole",
    course=None,
    host_role_arn: str | None = None,
    require_source_identity: bool | None = None,
) -> dict[str, dict]:
    """File name -> template: ``admin-env-role.json`` and ``manage-env-role.json``."""
    return {
        "admin-env-role.json": admin_template(host_role, role_name),
        "manage-env-role.json": trainee_template(
            admin_account,
            host_role,
            role_name,
            course=course,
            host_role_arn=host_role_arn,
            require_source_identity=require_source_identity,
        ),
    }


def write_templates(out: Path, files: dict[str, dict]) -> list[Path]:
    """Write ``files`` (from ``template_files``) into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in files.items():
        (out / name).write_text(json.dumps(body, indent=2) + "\n")
        written.append(out / name)
    return written


EXAMPLES = """examples:
  whodidthis iam-templates                       both templates, JSON, the host's account
  whodidthis iam-templates -o yaml --out roles/  roles/admin-env-role.yaml and manage-env-role.yaml
  whodidthis iam-templates --course dojo.toml    ManageEnvRole allowed what the course needs"""


@dataclass(frozen=True, kw_only=True)
class TemplateOptions(Options):
    admin_account: str | None = None
    out: str | None = None
    host_role: str = "AdminEnvRole"
    host_role_arn: str | None = None
    role_name: str = "ManageEnvRole"
    course: str | None = None
    output: str = "table"


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES)
    p.add_argument("--admin-account", default=None, metavar="ID")
    p.add_argument("--out", default=None, metavar="DIR", help="write files here (default: print)")
    p.add_argument("--host-role", default="AdminEnvRole")
    p.add_argument(
        "--host-role-arn",
        default=None,
        metavar="ARN",
        help="the host role's ARN with its path (default: asked of IAM on the host)",
    )
    p.add_argument("--role-name", default="ManageEnvRole")
    p.add_argument(
        "--course",
        default=None,
        metavar="COURSE",
        help="also allow ManageEnvRole what this course's steps and templates need",
    )
    add_output(p, json_help="the templates as JSON (the default; as -o json)")
    add_aws(p)
    add_debug(p)
    p.set_defaults(handler=cli_iam_templates, options=TemplateOptions)
    return p


def _host_role_arn(args: TemplateOptions) -> tuple[str, str | None]:
    """The admin account and the host role's ARN (with its path), asked of IAM on the host.

    ``--host-role-arn`` wins; with ``--admin-account`` alone the role is at the root path;
    otherwise the host's identity names the account and IAM the role (``console.aws.hostrole``).
    """
    explicit = args.host_role_arn
    if explicit:
        parts = explicit.split(":")
        if len(parts) != 6 or not parts[5].startswith("role/") or not parts[4].isdigit():
            raise UsageError(
                f"--host-role-arn {explicit!r} is not a role ARN "
                "(arn:aws:iam::ACCOUNT:role/PATH/NAME)."
            )
        return parts[4], explicit
    if args.admin_account is not None:
        return args.admin_account, None
    from console.aws.hostrole import lookup_host_role
    from console.aws.identity import resolve_host_identity, role_of

    identity = resolve_host_identity()
    if role_of(identity.arn) != args.host_role:
        return identity.account or "", None  # no account: the caller says what to pass
    found = lookup_host_role(identity.arn)
    if found.arn is None:
        print(
            f"note: IAM did not say the host role's ARN ({found.problem}); the templates "
            f"name it without a path. Pass --host-role-arn if {args.host_role} has one.",
            file=sys.stderr,
        )
    return identity.account or "", found.arn


def cli_iam_templates(args: TemplateOptions) -> int:
    """Print both templates, or write them to ``--out DIR``."""
    admin, host_arn = _host_role_arn(args)
    if not admin or not (admin.isdigit() and len(admin) == 12):
        raise UsageError(
            "--admin-account must be the 12-digit id of the account that runs the "
            "automation host (it could not be read from the host identity)."
        )
    course = None
    if args.course:
        from console.course.model import load_course, resolve_course_path

        course = load_course(resolve_course_path(args.course))
        for warning in course.warnings:
            print(f"{course.path}: {warning}", file=sys.stderr)
    files = template_files(admin, args.host_role, args.role_name, course, host_arn)
    yaml = args.output == "yaml"
    if yaml:
        files = {name.replace(".json", ".yaml"): body for name, body in files.items()}
    if args.out:
        out = Path(args.out)
        try:
            out.mkdir(parents=True, exist_ok=True)
            written = []
            for name, body in files.items():
                (out / name).write_text(_body(body, yaml))
                written.append(out / name)
        except OSError as exc:
            raise UsageError(
                f"--out {out}: cannot write {exc.filename or out} ({exc.strerror}); give a "
                "folder you can write (it is created if missing)"
            ) from None
        for path in written:
            print(path)
        print(
            "note: trainees_from_ou needs the host in the organization's management account or"
            " a delegated administrator account (organizations:ListAccountsForParent works only"
            " there)"
        )
    else:
        for name, body in files.items():
            sys.stdout.write(f"# {name}\n{_body(body, yaml)}")
    return EXIT_OK


def _body(template: dict, yaml: bool) -> str:
    """A template as CloudFormation reads it: JSON, or YAML (the same document)."""
    if yaml:
        from console.commands.output import as_yaml

        return as_yaml(template)
    return json.dumps(template, indent=2) + "\n"
