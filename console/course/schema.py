"""What a course file may contain: its keys, the step kinds and what each value must look like.

This module (with ``console.course.rules`` for single values) is the "what is allowed" of the
course file. The validator reads it to check a file and to say what to write instead; the
engine reads ``STEP_KINDS`` to know each kind's parameters; ``course_reference()`` renders it
as text for documentation and ``--help``-like output. Nothing here touches AWS.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from console.course.rules import (
    ACCOUNT_ID,
    CODECOMMIT_DESCRIPTION,
    CODECOMMIT_NAME,
    EKS_CLUSTER_NAME,
    EKS_NODEGROUP_NAME,
    EKS_VERSION,
    IAM_GROUP_NAME,
    IAM_POLICY_ARN,
    IAM_ROLE_ARN,
    IAM_ROLE_NAME,
    IAM_USER_NAME,
    IDENTIFIER,
    OPTIONAL_IAM_ROLE_ARN,
    ORGANIZATIONAL_UNIT_ID,
    REGION,
    S3_BUCKET_NAME,
    STACK_NAME,
    STACK_PARAMETER_KEY,
    SUBNET_ID,
    TAG_KEY,
    ValueRule,
)

PLACEHOLDERS = ("trainee", "course", "account")
"""The names a parameter may use as ``{name}``: the trainee's name, the course name, the account."""

CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")

TYPES = ("str", "int", "bool", "list[str]", "table[str, str]")


@dataclass(frozen=True)
class ParamSpec:
    """One key of a course table or step: its type, whether it is required, and its default.

    Attributes:
        name: the TOML key.
        type: one of ``TYPES``.
        required: whether the key must be present.
        default: the value used when the key is absent (copied, never shared).
        doc: one line for the reference.
        example: a TOML line to show in messages, e.g. ``concurrency = 10``.
        rule: what a string (or each string of a list) must look like, if checked.
        choices: the only allowed strings (for a str, or each item of a list), if limited.
        minimum: the smallest allowed int, if limited.
        maximum: the largest allowed int, if limited.
        placeholders: whether ``{trainee}``, ``{course}`` and ``{account}`` are rendered in it.
        key_rule: what each key of a table must look like, if checked.
    """

    name: str
    type: str
    required: bool = False
    default: object = None
    doc: str = ""
    example: str = ""
    rule: ValueRule | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    placeholders: bool = False
    key_rule: ValueRule | None = None

    def fresh_default(self) -> object:
        """A copy of the default, so no two steps share one list or table."""
        return copy.deepcopy(self.default)


@dataclass(frozen=True)
class StepSpec:
    """A step kind: what it builds and the parameters it takes (``params`` in file order)."""

    kind: str
    doc: str
    params: dict[str, ParamSpec] = field(default_factory=dict)


def _specs(*params: ParamSpec) -> dict[str, ParamSpec]:
    return {p.name: p for p in params}


def _name(rule: ValueRule, example: str, default: str | None = None) -> ParamSpec:
    """The ``name`` parameter every step kind has: required unless it has a default."""
    return ParamSpec(
        "name",
        "str",
        required=default is None,
        default=default,
        doc=f"{rule.what} (placeholders allowed)",
        example=f'name = "{example}"',
        rule=rule,
        placeholders=True,
    )


COURSE_KEYS = _specs(
    ParamSpec(
        "name",
        "str",
        True,
        doc="the course; used in tags and session names",
        example='name = "dojo-2026-12"',
        rule=IDENTIFIER,
    ),
    ParamSpec(
        "region",
        "str",
        True,
        doc="the AWS region the steps build in",
        example='region = "ap-northeast-1"',
        rule=REGION,
    ),
    ParamSpec(
        "role_name",
        "str",
        default="ManageEnvRole",
        doc="the role assumed in each trainee account",
        example='role_name = "ManageEnvRole"',
        rule=IAM_ROLE_NAME,
    ),
    ParamSpec(
        "concurrency",
        "int",
        default=10,
        doc="trainees worked on at once",
        example="concurrency = 10",
        minimum=1,
        maximum=256,
    ),
    ParamSpec(
        "failure_tolerance",
        "int",
        default=None,
        doc="stop starting new trainees after this many failures (default: no limit)",
        example="failure_tolerance = 3",
        minimum=0,
    ),
    ParamSpec(
        "host_role",
        "str",
        default=None,
        doc="the role the host must be acting as (optional check)",
        example='host_role = "AdminEnvRole"',
        rule=IAM_ROLE_NAME,
    ),
    ParamSpec(
        "source_identity",
        "bool",
        default=False,
        doc="set SourceIdentity to the operator (trust needs sts:SetSourceIdentity)",
        example="source_identity = true",
    ),
    ParamSpec(
        "trainees_from_ou",
        "str",
        default=None,
        doc="take the trainees from this OU's ACTIVE accounts instead of [[trainee]] tables "
        "(the host needs organizations:ListAccountsForParent)",
        example='trainees_from_ou = "ou-ab12-cd34ef56"',
        rule=ORGANIZATIONAL_UNIT_ID,
    ),
    ParamSpec(
        "trainee_name_tag",
        "str",
        default=None,
        doc="with trainees_from_ou: the account tag holding each trainee's name "
        "(default: the account name made safe)",
        example='trainee_name_tag = "trainee"',
        rule=TAG_KEY,
    ),
)

TRAINEE_KEYS = _specs(
    ParamSpec(
        "name",
        "str",
        True,
        doc="the trainee; used in tags, session tags and names",
        example='name = "alice"',
        rule=IDENTIFIER,
    ),
    ParamSpec(
        "account",
        "str",
        True,
        doc="the trainee's 12-digit AWS account id, quoted",
        example='account = "111111111111"',
        rule=ACCOUNT_ID,
    ),
)

STEP_KINDS: dict[str, StepSpec] = {
    "iam_user": StepSpec(
        "iam_user",
        "the trainee's IAM user",
        _specs(
            _name(IAM_USER_NAME, "{trainee}", default="{trainee}"),
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
    ),
    "codecommit_repo": StepSpec(
        "codecommit_repo",
        "a CodeCommit repository",
        _specs(
            _name(CODECOMMIT_NAME, "dojo-app"),
            ParamSpec(
                "description",
                "str",
                default="",
                doc="the repository's description",
                example='description = "The app {trainee} works on"',
                rule=CODECOMMIT_DESCRIPTION,
                placeholders=True,
            ),
        ),
    ),
    "s3_bucket": StepSpec(
        "s3_bucket",
        "an S3 bucket (names are global across accounts)",
        _specs(
            _name(S3_BUCKET_NAME, "dojo-{account}-data"),
            ParamSpec(
                "versioning",
                "bool",
                default=False,
                doc="turn on bucket versioning",
                example="versioning = true",
            ),
        ),
    ),
    "eks_cluster": StepSpec(
        "eks_cluster",
        "an EKS cluster, with an optional node group",
        _specs(
            _name(EKS_CLUSTER_NAME, "dojo-{trainee}"),
            ParamSpec(
                "role_arn",
                "str",
                True,
                doc="the cluster's service role",
                example='role_arn = "arn:aws:iam::{account}:role/EksClusterRole"',
                rule=IAM_ROLE_ARN,
                placeholders=True,
            ),
            ParamSpec(
                "version",
                "str",
                default="1.31",
                doc="the Kubernetes version",
                example='version = "1.31"',
                rule=EKS_VERSION,
                placeholders=True,
            ),
            ParamSpec(
                "subnet_ids",
                "list[str]",
                default=[],
                doc="subnets for the cluster",
                example='subnet_ids = ["subnet-0123456789abcdef0"]',
                rule=SUBNET_ID,
                placeholders=True,
            ),
            ParamSpec(
                "nodegroup",
                "str",
                default="",
                doc='a node group to create ("": none)',
                example='nodegroup = "workers"',
                rule=EKS_NODEGROUP_NAME,
                placeholders=True,
            ),
            ParamSpec(
                "node_role_arn",
                "str",
                default="",
                doc='the node group\'s role ("": the same as role_arn)',
                example='node_role_arn = "arn:aws:iam::{account}:role/EksNodeRole"',
                rule=OPTIONAL_IAM_ROLE_ARN,
                placeholders=True,
            ),
        ),
    ),
    "cloudformation_stack": StepSpec(
        "cloudformation_stack",
        "a template deployed per trainee",
        _specs(
            _name(STACK_NAME, "dojo-{trainee}-network"),
            ParamSpec(
                "template",
                "str",
                True,
                doc="the template file, relative to the course file (no placeholders)",
                example='template = "templates/network.yaml"',
            ),
            ParamSpec(
                "parameters",
                "table[str, str]",
                default={},
                doc="the template's parameters (values may use placeholders)",
                example='parameters = { Owner = "{trainee}" }',
                placeholders=True,
                key_rule=STACK_PARAMETER_KEY,
            ),
            ParamSpec(
                "capabilities",
                "list[str]",
                default=[],
                doc="what the template may create that needs acknowledging",
                example='capabilities = ["CAPABILITY_NAMED_IAM"]',
                choices=CAPABILITIES,
            ),
        ),
    ),
}

TOP_LEVEL_KEYS = ("course", "trainee", "step", "check")


def course_reference() -> str:
    """The course file's keys and step kinds as plain text, for docs and help output."""
    out = ["[course]"]
    out += [_param_line(p) for p in COURSE_KEYS.values()]
    out += ["", "[[trainee]]  (one per trainee, at least one; or [course] trainees_from_ou)"]
    out += [_param_line(p) for p in TRAINEE_KEYS.values()]
    out += ["", "[[step]]  (in build order, at least one; kind = one of the kinds below)"]
    for spec in STEP_KINDS.values():
        out += ["", f'kind = "{spec.kind}": {spec.doc}']
        out += [_param_line(p) for p in spec.params.values()]
    names = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    out += ["", f"Placeholders in step parameters: {names}; write {{{{ or }}}} for a brace."]
    return "\n".join(out) + "\n"


def _param_line(spec: ParamSpec) -> str:
    if spec.required:
        need = "required"
    elif spec.default is None:
        need = "optional"
    else:
        need = f"default {_toml_literal(spec.default)}"
    allowed = f"; {spec.rule.allowed}" if spec.rule else ""
    if spec.choices:
        allowed = "; one of " + ", ".join(spec.choices)
    return f"  {spec.name} ({spec.type}, {need}): {spec.doc}{allowed}"


def _toml_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[]" if not value else str(value)
    if isinstance(value, dict):
        return "{}" if not value else str(value)
    return str(value)
