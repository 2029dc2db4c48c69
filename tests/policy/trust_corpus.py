"""Trust policies from public sources, with the outcome AWS's documented rules give.

Each case is a trust policy for a role in the trainee account (``<TRAINEE>``) as published, with
its source (a URL, or a repository path at a commit), and the principals and values of the
story put in: ``<ADMIN>`` is the admin account, ``<HOST>`` the host role (with a path:
``role/automation/AdminEnvRole``), ``<OTHER>`` another role of the admin account, ``<FOREIGN>``
a role of another account with the host role's name, ``<ORG>`` the admin account's organization.

Where a source allows only ``sts:AssumeRole``, the case either keeps it (and nobody can make the
product's request, which also needs ``sts:SetSourceIdentity`` and ``sts:TagSession``) or says
"actions as whodidthis needs them" and lists the three: the principal and condition logic is the
source's either way.

Denys name the three actions rather than ``sts:*``: IAM (and moto) accept only the sts:AssumeRole
family in a trust policy's actions.

Every probe makes the product's request: RoleSessionName ``ops@dojo-2026-12``, SourceIdentity
``ops``, session tags ``course``, ``trainee``, ``operator``, no ExternalId, no MFA, from
127.0.0.1 over TLS. ``who`` is (host, other admin-account role, foreign role) allowed; ``lint`` is
the severity the lint must give (``ok``: nothing above info); ``iam_refuses``: IAM would answer
``MalformedPolicyDocument`` when the policy is saved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

ADMIN = "400000000000"
TRAINEE = "500000000001"
FOREIGN_ACCOUNT = "300000000000"
HOST = f"arn:aws:iam::{ADMIN}:role/automation/AdminEnvRole"
HOST_SESSION = f"arn:aws:sts::{ADMIN}:assumed-role/AdminEnvRole/i-0123456789abcdef0"
OTHER = f"arn:aws:iam::{ADMIN}:role/OpsRole"
FOREIGN = f"arn:aws:iam::{FOREIGN_ACCOUNT}:role/AdminEnvRole"
SESSION_NAME = "ops@dojo-2026-12"
SOURCE_IDENTITY = "ops"
TAGS = {"course": "dojo-2026-12", "trainee": "alice", "operator": "ops"}
A3 = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
NEEDS = "actions as whodidthis needs them"

GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
PRINCIPAL = GUIDE + "reference_policies_elements_principal.html"
KEYS = GUIDE + "reference_policies_condition-keys.html"
EXTERNAL_ID = GUIDE + "id_roles_create_for-user_externalid.html"
MFA = GUIDE + "id_credentials_mfa_configure-api-require.html"
OPERATORS = GUIDE + "reference_policies_elements_condition_operators.html"
SOURCE_ID = GUIDE + "id_credentials_temp_control-access_monitor.html"
SESSION_TAGS = GUIDE + "id_session-tags.html"
DATES = GUIDE + "reference_policies_examples_aws-dates.html"
DENY_IP = GUIDE + "reference_policies_examples_aws_deny-ip.html"
CROSS = GUIDE + "tutorial_cross-account-with-roles.html"
EC2_ROLE = GUIDE + "id_roles_use_switch-role-ec2.html"
OIDC = GUIDE + "id_roles_create_for-idp_oidc.html"
EVAL = GUIDE + "reference_policies_evaluation-logic.html"
TF = (
    "github.com/terraform-aws-modules/terraform-aws-iam modules/iam-assumable-role/main.tf "
    "@0225232fa6327f2e295b8c74a7b3e2f170ea2ed0"
)
AFT = (
    "github.com/aws-ia/terraform-aws-control_tower_account_factory "
    "modules/aft-iam-roles/service-role/trust_policy.tpl; docs: "
    "https://docs.aws.amazon.com/controltower/latest/userguide/aft-required-roles.html"
)
ISB = (
    "github.com/aws-solutions/innovation-sandbox-on-aws source/infrastructure/lib/components/"
    "account-pool/sandbox-account-resources.ts (SandboxAccountRole: AccountPrincipal(hub) with "
    "ArnEquals aws:PrincipalArn = the hub's IntermediateRole)"
)
CDK = (
    "github.com/aws/aws-cdk packages/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml "
    "@0403165e337172606080731a2e165bab1dde3f31"
)
PERIMETER = "github.com/aws-samples/data-perimeter-policy-examples (identity perimeter on roles)"


@dataclass(frozen=True)
class Case:
    """One published trust policy and what AWS's rules make of it."""

    name: str
    source: str
    document: dict
    who: tuple[bool, bool, bool]
    lint: str
    iam_refuses: bool = False
    note: str = ""

    def rendered(self, org_id: str = "o-a1b2c3d4e5") -> dict:
        text = json.dumps(self.document)
        for token, value in (
            ("<ADMIN>", ADMIN),
            ("<TRAINEE>", TRAINEE),
            ("<HOST_SESSION>", HOST_SESSION),
            ("<HOST>", HOST),
            ("<OTHER>", OTHER),
            ("<FOREIGN>", FOREIGN),
            ("<ORG>", org_id),
        ):
            text = text.replace(token, value)
        return json.loads(text)


def doc(*statements: dict, version: str = "2012-10-17") -> dict:
    return {"Version": version, "Statement": list(statements)}


def allow(principal, actions=A3, condition=None, sid=None) -> dict:
    statement = {"Effect": "Allow", "Principal": principal, "Action": actions}
    if sid:
        statement["Sid"] = sid
    if condition:
        statement["Condition"] = condition
    return statement


def deny(principal, actions="sts:AssumeRole", condition=None, sid=None) -> dict:
    statement = {"Effect": "Deny", "Principal": principal, "Action": actions}
    if sid:
        statement["Sid"] = sid
    if condition:
        statement["Condition"] = condition
    return statement


ROOT = {"AWS": "arn:aws:iam::<ADMIN>:root"}
T, F = True, False

CASES = [
    Case("root-of-admin-account", CROSS, doc(allow(ROOT)), (T, T, F), "warning", note=NEEDS),
    Case(
        "bare-account-id",
        PRINCIPAL,
        doc(allow({"AWS": "<ADMIN>"})),
        (T, T, F),
        "warning",
        note=NEEDS,
    ),
    Case(
        "root-assume-only",
        CROSS,
        doc(allow(ROOT, "sts:AssumeRole")),
        (F, F, F),
        "error",
        note="verbatim: sts:AssumeRole only, so the tagged request is refused",
    ),
    Case("host-role-arn", PRINCIPAL, doc(allow({"AWS": "<HOST>"})), (T, F, F), "ok", note=NEEDS),
    Case(
        "host-role-arn-without-path",
        PRINCIPAL,
        doc(allow({"AWS": "arn:aws:iam::<ADMIN>:role/AdminEnvRole"})),
        (F, F, F),
        "error",
        iam_refuses=True,
        note="the ARN rebuilt from the session ARN: no such role, IAM says Invalid principal",
    ),
    Case(
        "host-session-arn",
        PRINCIPAL + " (role session principals)",
        doc(allow({"AWS": "<HOST_SESSION>"})),
        (T, F, F),
        "ok",
        note=NEEDS,
    ),
    Case(
        "star-limited-to-account",
        KEYS + " (aws:PrincipalAccount)",
        doc(allow("*", condition={"StringEquals": {"aws:PrincipalAccount": "<ADMIN>"}})),
        (T, T, F),
        "warning",
        note=NEEDS,
    ),
    Case(
        "star-pinned-to-host",
        KEYS + " (aws:PrincipalArn)",
        doc(allow({"AWS": "*"}, condition={"ArnEquals": {"aws:PrincipalArn": "<HOST>"}})),
        (T, F, F),
        "ok",
        note=NEEDS,
    ),
    Case(
        "star-limited-to-org",
        KEYS + " (aws:PrincipalOrgID)",
        doc(allow({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": "<ORG>"}})),
        (T, T, F),
        "error",
        note=NEEDS + "; the foreign account is outside the organization, but every member "
        "account's principals get in: an error",
    ),
    Case(
        "aws-star",
        PRINCIPAL + " (all principals)",
        doc(allow({"AWS": "*"})),
        (T, T, T),
        "error",
        note=NEEDS,
    ),
    Case(
        "anonymous-star",
        PRINCIPAL + " (all principals)",
        doc(allow("*")),
        (T, T, T),
        "error",
        note=NEEDS,
    ),
    Case(
        "external-id",
        EXTERNAL_ID,
        doc(
            allow(
                ROOT,
                condition={
                    "StringEquals": {"sts:ExternalId": "Unique ID Assigned by Example Corp"}
                },
            )
        ),
        (F, F, F),
        "error",
        note=NEEDS + "; the product sends no ExternalId",
    ),
    Case(
        "external-id-if-exists",
        OPERATORS + " (...IfExists)",
        doc(allow(ROOT, condition={"StringEqualsIfExists": {"sts:ExternalId": "abc"}})),
        (T, T, F),
        "warning",
        note=NEEDS,
    ),
    Case(
        "mfa-required",
        MFA,
        doc(allow(ROOT, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
        (F, F, F),
        "error",
        note=NEEDS + "; role sessions carry no MFA",
    ),
    Case(
        "mfa-deny-if-exists-false",
        OPERATORS + " (BoolIfExists)",
        doc(
            allow(ROOT),
            deny("*", A3, {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
        ),
        (F, F, F),
        "error",
        note=NEEDS,
    ),
    Case(
        "terraform-mfa",
        TF + " (assume_role_with_mfa)",
        doc(
            allow(
                {"AWS": ["<HOST>"]},
                "sts:AssumeRole",
                {
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                    "NumericLessThan": {"aws:MultiFactorAuthAge": "86400"},
                },
            )
        ),
        (F, F, F),
        "error",
    ),
    Case(
        "terraform-default",
        TF + " (assume_role, trusted_role_actions default)",
        doc(allow({"AWS": ["<HOST>"]}, ["sts:AssumeRole"])),
        (F, F, F),
        "error",
    ),
    Case(
        "terraform-actions-set",
        TF + " (trusted_role_actions = the three)",
        doc(allow({"AWS": ["<HOST>"]}, A3)),
        (T, F, F),
        "ok",
    ),
    Case(
        "terraform-external-id",
        TF + " (role_sts_externalid)",
        doc(allow({"AWS": ["<HOST>"]}, A3, {"StringEquals": {"sts:ExternalId": ["x-123"]}})),
        (F, F, F),
        "error",
    ),
    Case(
        "terraform-self-assume",
        TF + " (allow_self_assume_role)",
        doc(
            allow(
                {"AWS": "*"},
                ["sts:AssumeRole"],
                {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::<TRAINEE>:role/CorpusRole"}},
                sid="ExplicitSelfRoleAssumption",
            ),
            allow({"AWS": ["<HOST>"]}, A3),
        ),
        (T, F, F),
        "ok",
    ),
    Case(
        "aft-execution",
        AFT,
        doc(
            allow(
                {
                    "AWS": [
                        "arn:aws:iam::<ADMIN>:root",
                        "arn:aws:sts::<ADMIN>:assumed-role/AWSAFTAdmin/AWSAFT-Session",
                    ]
                }
            )
        ),
        (T, T, F),
        "warning",
        note=NEEDS,
    ),
    Case(
        "aft-execution-verbatim",
        AFT,
        doc(allow({"AWS": ["arn:aws:iam::<ADMIN>:root"]}, "sts:AssumeRole")),
        (F, F, F),
        "error",
    ),
    Case(
        "aft-admin",
        AFT + " (AWSAFTAdmin trust)",
        doc(allow({"AWS": "arn:aws:iam::<ADMIN>:root"})),
        (T, T, F),
        "warning",
        note=NEEDS,
    ),
    Case(
        "isb-sandbox-account-role",
        ISB,
        doc(allow(ROOT, condition={"ArnEquals": {"aws:PrincipalArn": "<HOST>"}})),
        (T, F, F),
        "ok",
        note=NEEDS + "; IntermediateRole is the host role",
    ),
    Case(
        "isb-verbatim",
        ISB,
        doc(allow(ROOT, "sts:AssumeRole", {"ArnEquals": {"aws:PrincipalArn": "<HOST>"}})),
        (F, F, F),
        "error",
    ),
    Case(
        "isb-with-cloudformation",
        ISB + " (with the CloudFormation service principal)",
        doc(
            allow(ROOT, condition={"ArnEquals": {"aws:PrincipalArn": "<HOST>"}}),
            allow({"Service": "cloudformation.amazonaws.com"}, "sts:AssumeRole"),
        ),
        (T, F, F),
        "ok",
        note=NEEDS,
    ),
    Case(
        "cdk-deploy-role",
        CDK + " (DeploymentActionRole, TrustedAccounts = admin)",
        doc(allow({"AWS": "<TRAINEE>"}), allow({"AWS": ["<ADMIN>"]})),
        (T, T, F),
        "error",
        note=NEEDS + "; the trainee account's own principals get in too: an error",
    ),
    Case(
        "cdk-deploy-role-untrusted",
        CDK + " (DeploymentActionRole, no TrustedAccounts)",
        doc(allow({"AWS": "<TRAINEE>"})),
        (F, F, F),
        "error",
        note=NEEDS,
    ),
    Case(
        "cdk-cfn-exec-role",
        CDK + " (CloudFormationExecutionRole)",
        doc(allow({"Service": "cloudformation.amazonaws.com"}, "sts:AssumeRole")),
        (F, F, F),
        "error",
    ),
    Case(
        "deny-other-role",
        EVAL + " (explicit deny)",
        doc(allow(ROOT), deny({"AWS": "<OTHER>"}, A3)),
        (T, F, F),
        "warning",
        note=NEEDS,
    ),
    Case(
        "deny-the-host",
        EVAL + " (explicit deny)",
        doc(allow(ROOT), deny({"AWS": "<HOST>"})),
        (F, T, F),
        "error",
        note=NEEDS,
    ),
    Case(
        "deny-without-source-identity",
        SOURCE_ID,
        doc(
            allow({"AWS": "<HOST>"}),
            deny("*", "sts:AssumeRole", {"Null": {"sts:SourceIdentity": "true"}}),
        ),
        (T, F, F),
        "ok",
        note=NEEDS,
    ),
    Case(
        "source-identity-required",
        SOURCE_ID,
        doc(allow({"AWS": "<HOST>"}, condition={"Null": {"sts:SourceIdentity": "false"}})),
        (T, F, F),
        "ok",
        note=NEEDS,
    ),
    Case(
        "source-identity-equals",
        SOURCE_ID,
        doc(allow(ROOT, condition={"StringEquals": {"sts:SourceIdentity": "ops"}})),
        (T, T, F),
        "warning",
        note=NEEDS,
    ),
    Case(
        "session-name-username",
        KEYS + " (sts:RoleSessionName with ${aws:username})",
        doc(allow(ROOT, condition={"StringLike": {"sts:RoleSessionName": "${aws:username}"}})),
        (F, F, F),
        "error",
        note=NEEDS + "; aws:username is absent for role sessions",
    ),
    Case(
        "session-name-course",
        KEYS + " (sts:RoleSessionName)",
        doc(
            allow(
                {"AWS": "<HOST>"},
                condition={"StringLike": {"sts:RoleSessionName": "*@dojo-2026-12"}},
            )
        ),
        (T, F, F),
        "ok",
        note=NEEDS,
    ),
    Case(
        "request-tags-required",
        SESSION_TAGS,
        doc(
            allow(
                {"AWS": "<HOST>"},
                condition={
                    "StringEquals": {"aws:RequestTag/course": "dojo-2026-12"},
                    "ForAllValues:StringEquals": {"aws:TagKeys": ["course", "trainee", "operator"]},
                },
            )
        ),
        (T, F, F),
        "ok",
        note=NEEDS,
    ),
    Case(
        "tag-keys-not-allowed",
        SESSION_TAGS,
        doc(
            allow(
                {"AWS": "<HOST>"},
                condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["Project", "CostCenter"]}},
            )
        ),
        (F, F, F),
        "error",
        note=NEEDS,
    ),
    Case(
        "date-window-open",
        DATES,
        doc(
            allow(
                {"AWS": "<HOST>"},
                condition={
                    "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
                    "DateLessThan": {"aws:CurrentTime": "2099-12-31T23:59:59Z"},
                },
            )
        ),
        (T, F, F),
        "ok",
        note=NEEDS,
    ),
    Case(
        "date-window-closed",
        DATES,
        doc(
            allow(
                {"AWS": "<HOST>"},
                condition={
                    "DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
                    "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"},
                },
            )
        ),
        (F, F, F),
        "error",
        note=NEEDS,
    ),
    Case(
        "deny-outside-ip-range",
        DENY_IP,
        doc(
            allow({"AWS": "<HOST>"}),
            deny("*", A3, {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}),
        ),
        (F, F, F),
        "error",
        note=NEEDS + "; the host calls from 127.0.0.1 here",
    ),
    Case(
        "deny-insecure-transport",
        KEYS + " (aws:SecureTransport)",
        doc(allow({"AWS": "<HOST>"}), deny("*", A3, {"Bool": {"aws:SecureTransport": "false"}})),
        (T, F, F),
        "ok",
        note=NEEDS,
    ),
    Case(
        "not-principal-deny",
        PRINCIPAL + " (NotPrincipal: not allowed in trust policies)",
        doc(
            allow(ROOT), {"Effect": "Deny", "NotPrincipal": {"AWS": ["<HOST>"]}, "Action": "sts:*"}
        ),
        (F, F, F),
        "error",
        iam_refuses=True,
    ),
    Case(
        "not-principal-allow",
        PRINCIPAL + " (NotPrincipal)",
        doc({"Effect": "Allow", "NotPrincipal": {"AWS": "<FOREIGN>"}, "Action": A3}),
        (F, F, F),
        "error",
        iam_refuses=True,
    ),
    Case(
        "partial-wildcard-principal",
        PRINCIPAL + " (no wildcards inside a principal)",
        doc(allow({"AWS": "arn:aws:iam::<ADMIN>:role/*"})),
        (F, F, F),
        "error",
        iam_refuses=True,
    ),
    Case(
        "star-with-path-wildcard",
        PRINCIPAL + " (aws:PrincipalArn with wildcards)",
        doc(
            allow(
                {"AWS": "*"},
                condition={
                    "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::<ADMIN>:role/automation/*"}
                },
            )
        ),
        (T, F, F),
        "warning",
        note=NEEDS + "; every role under /automation/ gets in",
    ),
    Case(
        "host-and-foreign",
        PRINCIPAL + " (several principals)",
        doc(allow({"AWS": ["<HOST>", "<FOREIGN>"]})),
        (T, F, T),
        "error",
        note=NEEDS,
    ),
    Case(
        "ec2-service",
        EC2_ROLE,
        doc(allow({"Service": "ec2.amazonaws.com"}, "sts:AssumeRole")),
        (F, F, F),
        "error",
    ),
    Case(
        "github-oidc",
        OIDC,
        doc(
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": "arn:aws:iam::<TRAINEE>:oidc-provider/token.actions.githubusercontent.com"
                },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
                },
            }
        ),
        (F, F, F),
        "error",
        note="another action (AssumeRoleWithWebIdentity) for a federated user",
    ),
    Case(
        "any-value-principal-arn",
        OPERATORS + " (ForAnyValue on a single-valued key)",
        doc(allow(ROOT, condition={"ForAnyValue:StringEquals": {"aws:PrincipalArn": ["<HOST>"]}})),
        (T, F, F),
        "ok",
        note=NEEDS,
    ),
    Case(
        "perimeter-deny-other-accounts",
        PERIMETER,
        doc(allow("*"), deny("*", A3, {"StringNotEquals": {"aws:PrincipalAccount": "<ADMIN>"}})),
        (T, T, F),
        "warning",
        note=NEEDS,
    ),
]
