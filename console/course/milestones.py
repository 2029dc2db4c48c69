"""The course's lab milestones: ``[[check]]`` tables, their kinds and how each is validated.

A check is a milestone a trainee reaches by doing a lab step: it has a ``name`` (what the
instructor sees, e.g. "made the data bucket"), a ``kind`` and that kind's parameters, which may
use the same placeholders as step parameters. ``CHECK_KINDS`` is the one place a kind's
parameters are declared; the validator, the reference text and the evaluator
(``console.progress``) all read it. Checks are optional: a course without ``[[check]]`` tables
has no milestones.

Example::

    [[check]]
    name = "signed in"
    kind = "signed_in"

    [[check]]
    name = "made the data bucket"
    kind = "resource_exists"
    type = "AWS::S3::Bucket"
    name_pattern = "{trainee}-data-*"
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from console.course.checks import Problems, check_table, describe, quote, suggest
from console.kinds.params import ParamSpec
from console.kinds.params import params as _specs
from console.rules import IAM_USER_NAME, REGION, ValueRule


@dataclass(frozen=True)
class CheckSpec:
    """A check kind: what reaching it means and the parameters it takes (in file order)."""

    kind: str
    doc: str
    params: dict[str, ParamSpec] = field(default_factory=dict)


CHECK_NAME = ValueRule(
    what="a milestone name",
    allowed="1-64 printable characters",
    chars=r"\w .,:;'()/+&#@-",
    max_len=64,
)
OPTIONAL_REGION = dataclasses.replace(REGION, empty_ok=True)
EVENT_NAME = ValueRule(
    what="an API call as IAM names it",
    allowed='"service:Operation", e.g. "eks:CreateNodegroup"',
    chars=r"a-zA-Z0-9:-",
    max_len=128,
    pattern=r"[a-z0-9-]+:[A-Z][A-Za-z0-9]+",
    shape='it is not like "eks:CreateNodegroup"',
)
RESOURCE_TYPE = ValueRule(
    what="a CloudFormation resource type",
    allowed='"AWS::Service::Resource", e.g. "AWS::S3::Bucket"',
    chars=r"A-Za-z0-9:",
    max_len=128,
    pattern=r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+",
    shape='it is not like "AWS::S3::Bucket"',
)


def _text(name: str, doc: str, example: str, *, required: bool = True, default=None) -> ParamSpec:
    return ParamSpec(
        name,
        "str",
        required=required,
        default=default,
        doc=doc + " (placeholders allowed)",
        example=example,
        placeholders=True,
    )


CHECK_KINDS: dict[str, CheckSpec] = {
    "signed_in": CheckSpec(
        "signed_in",
        "the trainee's IAM user has signed in to the console (IAM's PasswordLastUsed)",
        _specs(
            ParamSpec(
                "user",
                "str",
                default="{trainee}",
                doc="the IAM user (placeholders allowed)",
                example='user = "{trainee}"',
                rule=IAM_USER_NAME,
                placeholders=True,
            )
        ),
    ),
    "resource_exists": CheckSpec(
        "resource_exists",
        "a resource of this type whose name (or ARN) matches the pattern exists, in the "
        "course region or the one named (its service's list call, else Cloud Control's "
        "ListResources)",
        _specs(
            ParamSpec(
                "type",
                "str",
                True,
                doc="the CloudFormation resource type",
                example='type = "AWS::S3::Bucket"',
                rule=RESOURCE_TYPE,
            ),
            _text(
                "name_pattern", "a name or ARN; * matches anything", 'name_pattern = "{trainee}-*"'
            ),
            ParamSpec(
                "region",
                "str",
                default="",
                doc='where to look ("": the course region)',
                example='region = "eu-west-1"',
                rule=OPTIONAL_REGION,
            ),
        ),
    ),
    "s3_object": CheckSpec(
        "s3_object",
        "an object with this key, or any object under this prefix, is in the bucket",
        _specs(
            _text("bucket", "the bucket", 'bucket = "{trainee}-data"'),
            _text("key", "the object's key", 'key = "index.html"', required=False, default=""),
            _text("prefix", "any key under it", 'prefix = "results/"', required=False, default=""),
        ),
    ),
    "codecommit_commits": CheckSpec(
        "codecommit_commits",
        "a branch of a CodeCommit repository has at least N commits",
        _specs(
            _text("repository", "the repository", 'repository = "dojo-app"'),
            _text("branch", "the branch", 'branch = "main"', required=False, default="main"),
            ParamSpec(
                "at_least",
                "int",
                default=1,
                doc="the fewest commits",
                example="at_least = 3",
                minimum=1,
                maximum=100,
            ),
        ),
    ),
    "stack_output": CheckSpec(
        "stack_output",
        "a CloudFormation stack's output equals a value or matches a regular expression",
        _specs(
            _text("stack", "the stack", 'stack = "{trainee}-lab"'),
            ParamSpec(
                "output", "str", True, doc="the output's key", example='output = "WebsiteURL"'
            ),
            _text("equals", "the value it must have", 'equals = "ok"', required=False, default=""),
            ParamSpec(
                "matches",
                "str",
                default="",
                doc="a regular expression the value must match (searched)",
                example='matches = "^https://"',
            ),
        ),
    ),
    "did": CheckSpec(
        "did",
        "the trainee's own principal made this call successfully (CloudTrail LookupEvents)",
        _specs(
            ParamSpec(
                "event",
                "str",
                True,
                doc="the call, as IAM names it",
                example='event = "eks:CreateNodegroup"',
                rule=EVENT_NAME,
            ),
        ),
    ),
}


def check_milestones(value: object, problems: Problems) -> list[tuple[int, str, str, dict, int]]:
    """The ``[[check]]`` tables that passed: ``(index, name, kind, params, line)`` each."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(
            ("check",),
            f"{describe(value)} is not a list of tables",
            "write each milestone as a [[check]] table with double brackets",
        )
        return []
    checked: list[tuple[int, str, str, dict, int]] = []
    first: dict[str, int] = {}
    for index, table in enumerate(value):
        path = ("check", index)
        if not isinstance(table, dict):
            problems.add(path, f"{describe(table)} is not a table", "write a [[check]] table")
            continue
        found = _check_one(index, table, problems)
        if found is None:
            continue
        name = found[1]
        if name in first:
            problems.add(
                path + ("name",),
                f"{quote(name)} is already the name of check[{first[name] + 1}]",
                "give each milestone its own name",
            )
            continue
        first[name] = index
        checked.append(found)
    return checked


def _check_one(index: int, table: dict, problems: Problems) -> tuple | None:
    path = ("check", index)
    kinds = tuple(CHECK_KINDS)
    kind, name = table.get("kind"), table.get("name")
    before = len(problems)
    if not isinstance(name, str) or (reason := CHECK_NAME.problem(name)):
        what = "missing" if name is None else f"{quote(name)} is not {CHECK_NAME.what}"
        why = "" if name is None or not isinstance(name, str) else f": {reason}"
        problems.add(path + ("name",), what + why, 'name the milestone, e.g. name = "signed in"')
    if not isinstance(kind, str) or kind not in CHECK_KINDS:
        what = "missing" if kind is None else f"unknown check kind {quote(kind)}"
        problems.add(path + ("kind",), what, suggest(str(kind), kinds).replace("allowed", "known"))
        return None
    rest = {k: v for k, v in table.items() if k != "name"}
    params = check_table(
        rest, CHECK_KINDS[kind].params, path, problems, f'a check of kind "{kind}"'
    )
    _check_pairs(kind, params, path, problems)
    if len(problems) > before:
        return None
    return index, str(name), kind, params, problems.lines.line_of(path)


def _check_pairs(kind: str, params: dict, path: tuple, problems: Problems) -> None:
    """What one key alone cannot say: s3_object needs key or prefix; a regex must compile."""
    if kind == "s3_object" and bool(params.get("key")) == bool(params.get("prefix")):
        problems.add(
            path + ("key",),
            "an s3_object check needs exactly one of key and prefix",
            'write key = "index.html" or prefix = "results/"',
        )
    if kind == "stack_output":
        if params.get("equals") and params.get("matches"):
            problems.add(
                path + ("matches",),
                "equals and matches are both given",
                "keep one: equals for an exact value, matches for a regular expression",
            )
        try:
            re.compile(str(params.get("matches") or ""))
        except re.error as exc:
            problems.add(
                path + ("matches",),
                f"{quote(params['matches'])} is not a regular expression ({exc})",
                'write a Python regular expression, e.g. matches = "^https://"',
            )


def checks_reference() -> list[str]:
    """The check kinds as reference lines, for ``course_reference``."""
    out = ["", "[[check]]  (lab milestones, optional; name = what the instructor sees)"]
    for spec in CHECK_KINDS.values():
        out.append(f'kind = "{spec.kind}": {spec.doc}')
        out += [f"  {p.name} ({p.type}): {p.doc}" for p in spec.params.values()]
    return out
