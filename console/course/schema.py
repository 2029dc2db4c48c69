"""What a course file may contain: its keys, the step kinds and what each value must look like.

This module (with ``console.rules`` for single values and ``console.kinds`` for the step kinds'
parameters) is the "what is allowed" of the course file. The validator reads it to check a file
and to say what to write instead; the engine reads ``STEP_KINDS`` to know each kind's parameters;
``course_reference()`` renders it as text for documentation and ``--help``-like output. Nothing
here touches AWS.
"""

from __future__ import annotations

from console.kinds import KINDS, KindSpec
from console.kinds.cloudformation_stack import CAPABILITIES
from console.kinds.params import ParamSpec, params
from console.rules import (
    ACCOUNT_ID,
    IAM_ROLE_NAME,
    IDENTIFIER,
    ORGANIZATIONAL_UNIT_ID,
    REGION,
    TAG_KEY,
)

__all__ = [
    "CAPABILITIES",
    "COURSE_KEYS",
    "PLACEHOLDERS",
    "STEP_KINDS",
    "TOP_LEVEL_KEYS",
    "TRAINEE_KEYS",
    "ParamSpec",
    "course_reference",
]

PLACEHOLDERS = ("trainee", "course", "account")
"""The names a parameter may use as ``{name}``: the trainee's name, the course name, the account."""

COURSE_KEYS = params(
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

TRAINEE_KEYS = params(
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

# The kinds are specified in ``console.kinds``; the course file's schema is their parameters.
STEP_KINDS: dict[str, KindSpec] = dict(KINDS)

TOP_LEVEL_KEYS = ("course", "trainee", "step")


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
