"""``iam_user``: the trainee's IAM user (behaviour: ``console.steps.iam_user``)."""

from __future__ import annotations

from console.kinds.params import ParamSpec, name_param, params
from console.kinds.spec import KindSpec
from console.rules import IAM_GROUP_NAME, IAM_POLICY_ARN, IAM_USER_NAME

SPEC = KindSpec(
    kind="iam_user",
    doc="the trainee's IAM user",
    noun="IAM user",
    service="iam",
    create="CreateUser",
    actions=(
        "iam:CreateUser",
        "iam:GetUser",
        "iam:TagUser",
        "iam:ListUserTags",
        "iam:DeleteUser",
        "iam:GetLoginProfile",
        "iam:CreateLoginProfile",
        "iam:DeleteLoginProfile",
        "iam:AttachUserPolicy",
        "iam:DetachUserPolicy",
        "iam:ListAttachedUserPolicies",
        "iam:ListAccessKeys",
        "iam:DeleteAccessKey",
    ),
    arn="arn:{partition}:iam::{account}:user{path}{name}",
    tagging_type="iam:user",
    cloudtrail_type="AWS::IAM::User",
    cloudformation_type="AWS::IAM::User",
    params=params(
        name_param(IAM_USER_NAME, "{trainee}", default="{trainee}"),
        ParamSpec(
            "policy_arns",
            "list[str]",
            default=[],
            doc="managed policies to attach",
            example='policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]',
            rule=IAM_POLICY_ARN,
            placeholders=True,
        ),
        ParamSpec(
            "groups",
            "list[str]",
            default=[],
            doc="IAM groups to add the user to",
            example='groups = ["trainees"]',
            rule=IAM_GROUP_NAME,
            placeholders=True,
        ),
        ParamSpec(
            "console_login",
            "bool",
            default=False,
            doc="the user may sign in to the console (`whodidthis handout` sets its "
            "one-time password)",
            example="console_login = true",
        ),
    ),
)
