"""What a course file may contain: its keys, the step kinds and what each value must look like.

This module is the single "what is allowed" of the course file. The validator reads it to check a
file and to say what to write instead; the engine reads ``STEP_KINDS`` to know each kind's
parameters; ``course_reference()`` renders it as text for documentation and ``--help``-like
output. Nothing here touches AWS.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field

PLACEHOLDERS = ("trainee", "course", "account")
"""The names a parameter may use as ``{name}``: the trainee's name, the course name, the account."""

IDENTIFIER_MAX = 32


@dataclass(frozen=True)
class ValueRule:
    """What a string must look like (after placeholders are rendered) to be accepted by AWS.

    Attributes:
        what: the thing it names, with an article ("an S3 bucket name").
        allowed: what is allowed, phrased to follow "use" in a message.
        chars: a regex character class body of the allowed characters.
        min_len: fewest characters.
        max_len: most characters.
        edges: a character class body the first and last character must belong to, if any.
        pattern: a full regex the value must match (checked after the simpler rules), if any.
        forbidden: pairs of (regex searched in the value, reason) that reject it.
        empty_ok: whether "" is accepted (it means "not set").
        shape: why a value that fails ``pattern`` is wrong, e.g. 'it is not like "us-east-1"'.
    """

    what: str
    allowed: str
    chars: str
    min_len: int = 1
    max_len: int = 64
    edges: str | None = None
    pattern: str | None = None
    forbidden: tuple[tuple[str, str], ...] = ()
    empty_ok: bool = False
    shape: str = "it does not have that shape"

    def problem(self, value: str) -> str | None:
        """Why ``value`` is not acceptable, or None when it is."""
        if value == "" and self.empty_ok:
            return None
        bad = sorted(set(re.sub(f"[{self.chars}]", "", value, flags=re.ASCII)))
        if bad:
            shown = " ".join(_show_char(c) for c in bad[:5])
            return f"it contains {shown}"
        if not self.min_len <= len(value) <= self.max_len:
            if self.min_len == self.max_len:
                return f"it has {len(value)} characters, not {self.min_len}"
            return f"it has {len(value)} characters, not {self.min_len}-{self.max_len}"
        if self.edges:
            for where, char in (("starts", value[0]), ("ends", value[-1])):
                if not re.fullmatch(f"[{self.edges}]", char, flags=re.ASCII):
                    return f"it {where} with {_show_char(char)}"
        for regex, reason in self.forbidden:
            if re.search(regex, value, flags=re.ASCII):
                return reason
        if self.pattern and not re.fullmatch(self.pattern, value, flags=re.ASCII):
            return self.shape
        return None


def _show_char(char: str) -> str:
    """A character as a reader can see it, even when it is a space or a control character."""
    if char.isprintable() and not char.isspace():
        return f'"{char}"'
    return f"U+{ord(char):04X}"


IDENTIFIER = ValueRule(
    what="a name for tags and session names",
    allowed=f"1-{IDENTIFIER_MAX} characters of lowercase letters, digits and '-', "
    "not starting or ending with '-'",
    chars="a-z0-9-",
    max_len=IDENTIFIER_MAX,
    edges="a-z0-9",
)
ACCOUNT_ID = ValueRule(
    what="an AWS account id",
    allowed='the 12-digit AWS account id in quotes, e.g. "111111111111"',
    chars="0-9",
    min_len=12,
    max_len=12,
)
REGION = ValueRule(
    what="an AWS region",
    allowed='a region name such as "ap-northeast-1" or "us-east-1"',
    chars="a-z0-9-",
    max_len=32,
    pattern=r"[a-z]{2}(-[a-z]+)+-[0-9]",
    shape="it is not shaped like a region (letters-letters-digit)",
)
IAM_ROLE_NAME = ValueRule(
    what="an IAM role name",
    allowed="1-64 characters of letters, digits and _+=,.@-",
    chars=r"\w+=,.@-",
)
IAM_USER_NAME = ValueRule(
    what="an IAM user name",
    allowed="1-64 characters of letters, digits and _+=,.@-",
    chars=r"\w+=,.@-",
)
IAM_GROUP_NAME = ValueRule(
    what="an IAM group name",
    allowed="1-128 characters of letters, digits and _+=,.@-",
    chars=r"\w+=,.@-",
    max_len=128,
)
_ARN_CHARS = r"\w+=,.@/:*-"
IAM_POLICY_ARN = ValueRule(
    what="an IAM policy ARN",
    allowed='a policy ARN, e.g. "arn:aws:iam::aws:policy/ReadOnlyAccess" or '
    '"arn:aws:iam::{account}:policy/MyPolicy"',
    chars=_ARN_CHARS,
    max_len=2048,
    pattern=r"arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[\w+=,.@/-]+",
    shape="it is not shaped like arn:aws:iam::ACCOUNT:policy/NAME",
)
IAM_ROLE_ARN = ValueRule(
    what="an IAM role ARN",
    allowed='a role ARN, e.g. "arn:aws:iam::{account}:role/EksClusterRole"',
    chars=_ARN_CHARS,
    max_len=2048,
    pattern=r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+",
    shape="it is not shaped like arn:aws:iam::ACCOUNT:role/NAME",
)
OPTIONAL_IAM_ROLE_ARN = dataclasses.replace(IAM_ROLE_ARN, empty_ok=True)
CODECOMMIT_NAME = ValueRule(
    what="a CodeCommit repository name",
    allowed="1-100 characters of letters, digits, '.', '_' and '-', not ending in '.git'",
    chars=r"\w.-",
    max_len=100,
    forbidden=((r"\.git$", "it ends with '.git'"), (r"^\.{1,2}$", "it is only dots")),
)
S3_BUCKET_NAME = ValueRule(
    what="an S3 bucket name",
    allowed="3-63 characters of lowercase letters, digits, '.' and '-', "
    "starting and ending with a letter or digit",
    chars="a-z0-9.-",
    min_len=3,
    max_len=63,
    edges="a-z0-9",
    forbidden=(
        (r"\.\.", "it contains '..'"),
        (r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$", "it looks like an IP address"),
        (r"^xn--|^sthree-", "it starts with a prefix AWS reserves"),
        (r"-s3alias$|--ol-s3$", "it ends with a suffix AWS reserves"),
    ),
)
EKS_CLUSTER_NAME = ValueRule(
    what="an EKS cluster name",
    allowed="1-100 characters of letters, digits, '_' and '-', starting with a letter or digit",
    chars=r"A-Za-z0-9_-",
    max_len=100,
    pattern=r"[A-Za-z0-9][A-Za-z0-9_-]*",
    shape="it does not start with a letter or digit",
)
EKS_NODEGROUP_NAME = ValueRule(
    what="an EKS node group name",
    allowed='"" (no node group) or 1-63 characters of letters, digits, \'_\' and \'-\', '
    "starting with a letter or digit",
    chars=r"A-Za-z0-9_-",
    max_len=63,
    pattern=r"[A-Za-z0-9][A-Za-z0-9_-]*",
    shape="it does not start with a letter or digit",
    empty_ok=True,
)
EKS_VERSION = ValueRule(
    what="a Kubernetes version",
    allowed='a version such as "1.31"',
    chars="0-9.",
    max_len=8,
    pattern=r"[0-9]+\.[0-9]+",
    shape="it is not MAJOR.MINOR",
)
SUBNET_ID = ValueRule(
    what="a subnet id",
    allowed='a subnet id such as "subnet-0123456789abcdef0"',
    chars="a-z0-9-",
    max_len=32,
    pattern=r"subnet-[0-9a-f]{8,17}",
    shape="it is not subnet- and 8-17 hex digits",
)
STACK_NAME = ValueRule(
    what="a CloudFormation stack name",
    allowed="1-128 characters of letters, digits and '-', starting with a letter",
    chars="A-Za-z0-9-",
    max_len=128,
    pattern=r"[A-Za-z][A-Za-z0-9-]*",
    shape="it does not start with a letter",
)
STACK_PARAMETER_KEY = ValueRule(
    what="a CloudFormation parameter name",
    allowed="1-255 letters and digits, as the template's Parameters section names it",
    chars="A-Za-z0-9",
    max_len=255,
)
CODECOMMIT_DESCRIPTION = ValueRule(
    what="a repository description",
    allowed="at most 1000 characters",
    chars=r"\s\S",
    min_len=0,
    max_len=1000,
)

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
    ParamSpec("name", "str", True, doc="the course; used in tags and session names",
              example='name = "dojo-2026-12"', rule=IDENTIFIER),
    ParamSpec("region", "str", True, doc="the AWS region the steps build in",
              example='region = "ap-northeast-1"', rule=REGION),
    ParamSpec("role_name", "str", default="ManageEnvRole",
              doc="the role assumed in each trainee account",
              example='role_name = "ManageEnvRole"', rule=IAM_ROLE_NAME),
    ParamSpec("concurrency", "int", default=10, doc="trainees worked on at once",
              example="concurrency = 10", minimum=1, maximum=256),
    ParamSpec("failure_tolerance", "int", default=None,
              doc="stop starting new trainees after this many failures (default: no limit)",
              example="failure_tolerance = 3", minimum=0),
    ParamSpec("host_role", "str", default=None,
              doc="the role the host must be acting as (optional check)",
              example='host_role = "AdminEnvRole"', rule=IAM_ROLE_NAME),
    ParamSpec("source_identity", "bool", default=False,
              doc="set SourceIdentity to the operator (trust needs sts:SetSourceIdentity)",
              example="source_identity = true"),
)

TRAINEE_KEYS = _specs(
    ParamSpec("name", "str", True, doc="the trainee; used in tags, session tags and names",
              example='name = "alice"', rule=IDENTIFIER),
    ParamSpec("account", "str", True, doc="the trainee's 12-digit AWS account id, quoted",
              example='account = "111111111111"', rule=ACCOUNT_ID),
)

STEP_KINDS: dict[str, StepSpec] = {
    "iam_user": StepSpec("iam_user", "the trainee's IAM user", _specs(
        _name(IAM_USER_NAME, "{trainee}", default="{trainee}"),
        ParamSpec("policy_arns", "list[str]", default=[], doc="managed policies to attach",
                  example='policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]',
                  rule=IAM_POLICY_ARN, placeholders=True),
        ParamSpec("groups", "list[str]", default=[], doc="IAM groups to add the user to",
                  example='groups = ["trainees"]', rule=IAM_GROUP_NAME, placeholders=True),
    )),
    "codecommit_repo": StepSpec("codecommit_repo", "a CodeCommit repository", _specs(
        _name(CODECOMMIT_NAME, "dojo-app"),
        ParamSpec("description", "str", default="", doc="the repository's description",
                  example='description = "The app {trainee} works on"',
                  rule=CODECOMMIT_DESCRIPTION, placeholders=True),
    )),
    "s3_bucket": StepSpec("s3_bucket", "an S3 bucket (names are global across accounts)", _specs(
        _name(S3_BUCKET_NAME, "dojo-{account}-data"),
        ParamSpec("versioning", "bool", default=False, doc="turn on bucket versioning",
                  example="versioning = true"),
    )),
    "eks_cluster": StepSpec("eks_cluster", "an EKS cluster, with an optional node group", _specs(
        _name(EKS_CLUSTER_NAME, "dojo-{trainee}"),
        ParamSpec("role_arn", "str", True, doc="the cluster's service role",
                  example='role_arn = "arn:aws:iam::{account}:role/EksClusterRole"',
                  rule=IAM_ROLE_ARN, placeholders=True),
        ParamSpec("version", "str", default="1.31", doc="the Kubernetes version",
                  example='version = "1.31"', rule=EKS_VERSION, placeholders=True),
        ParamSpec("subnet_ids", "list[str]", default=[], doc="subnets for the cluster",
                  example='subnet_ids = ["subnet-0123456789abcdef0"]', rule=SUBNET_ID,
                  placeholders=True),
        ParamSpec("nodegroup", "str", default="", doc='a node group to create ("": none)',
                  example='nodegroup = "workers"', rule=EKS_NODEGROUP_NAME, placeholders=True),
        ParamSpec("node_role_arn", "str", default="",
                  doc='the node group\'s role ("": the same as role_arn)',
                  example='node_role_arn = "arn:aws:iam::{account}:role/EksNodeRole"',
                  rule=OPTIONAL_IAM_ROLE_ARN, placeholders=True),
    )),
    "cloudformation_stack": StepSpec("cloudformation_stack", "a template deployed per trainee",
        _specs(
        _name(STACK_NAME, "dojo-{trainee}-network"),
        ParamSpec("template", "str", True,
                  doc="the template file, relative to the course file (no placeholders)",
                  example='template = "templates/network.yaml"'),
        ParamSpec("parameters", "table[str, str]", default={},
                  doc="the template's parameters (values may use placeholders)",
                  example='parameters = { Owner = "{trainee}" }', placeholders=True,
                  key_rule=STACK_PARAMETER_KEY),
        ParamSpec("capabilities", "list[str]", default=[],
                  doc="what the template may create that needs acknowledging",
                  example='capabilities = ["CAPABILITY_NAMED_IAM"]', choices=CAPABILITIES),
    )),
}

TOP_LEVEL_KEYS = ("course", "trainee", "step")


def course_reference() -> str:
    """The course file's keys and step kinds as plain text, for docs and help output."""
    out = ["[course]"]
    out += [_param_line(p) for p in COURSE_KEYS.values()]
    out += ["", "[[trainee]]  (one per trainee, at least one)"]
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
