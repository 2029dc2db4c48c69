"""A ``cloudformation_stack`` template, checked before any call: cfn-lint, types, capabilities.

At course load each template is

* linted by cfn-lint (pinned) for the course's region: an error (rule ``E…``) rejects the
  course, naming the template file, line, rule id and message; a warning (``W…``) is shown and
  does not; ``I…`` rules are not run;
* read for its resource types, each of which must exist in the region's provider schemas
  (``console.course.provider_schemas``);
* checked for the capabilities CloudFormation would demand (``needed_capabilities``), which the
  step must state in ``capabilities``: AWS answers ``InsufficientCapabilities`` otherwise.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CAPABILITY_IAM = "CAPABILITY_IAM"
CAPABILITY_NAMED_IAM = "CAPABILITY_NAMED_IAM"
CAPABILITY_AUTO_EXPAND = "CAPABILITY_AUTO_EXPAND"
# AWS::IAM::Policy's PolicyName is required and names an inline policy, not an IAM entity:
# templates with one deploy with CAPABILITY_IAM (aws-cloudformation-templates,
# IAM/IAM_Users_Groups_and_Policies.yaml), so it never makes a template "named".
_NAME_EXEMPT = {"AWS::IAM::Policy"}


class TemplateUnreadable(ValueError):
    """The template is neither JSON nor YAML CloudFormation can read."""


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (``!Ref x`` is ``{"Ref": x}``)."""


def _short_form(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _short_form)


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> str:
    return json.dumps(_load(text))


def _load(text: str) -> dict:
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.load(text, Loader=_CfnLoader)
        except yaml.YAMLError as exc:
            raise TemplateUnreadable(f"not JSON or YAML: {exc}") from None
    if not isinstance(document, dict):
        raise TemplateUnreadable("the template is not a mapping of sections")
    return document


def read_template(text: str) -> dict:
    """The template as a dict (JSON or YAML, short-form tags expanded).

    Raises:
        TemplateUnreadable: it is neither.
    """
    return dict(json.loads(_parsed(text)))


def resources(document: dict) -> dict[str, dict]:
    """``{logical id: resource}`` of the template's ``Resources`` section."""
    found = document.get("Resources")
    if not isinstance(found, dict):
        return {}
    return {str(k): v for k, v in found.items() if isinstance(v, dict)}


def resource_types(document: dict) -> list[str]:
    """The resource types the template declares, in order, once each."""
    return list(dict.fromkeys(str(r.get("Type")) for r in resources(document).values()))


@functools.cache
def iam_capability_types() -> tuple[str, ...]:
    """The types that need ``CAPABILITY_IAM`` (or ``_NAMED_IAM``), as AWS documents them.

    Read from botocore's CloudFormation model: CreateStack's ``Capabilities`` documentation
    lists them (AWS::IAM::AccessKey, Group, InstanceProfile, ManagedPolicy, Policy, Role, User,
    UserToGroupAddition).
    """
    import botocore.session

    model = botocore.session.get_session().get_service_model("cloudformation")
    shape = model.operation_model("CreateStack").input_shape
    assert shape is not None
    text = shape.members["Capabilities"].documentation
    return tuple(dict.fromkeys(re.findall(r"AWS::IAM::\w+", text)))


def _uses_macros(document: dict) -> list[str]:
    found = []
    if document.get("Transform"):
        found.append(f"Transform {json.dumps(document['Transform'])}")
    if '"Fn::Transform"' in json.dumps(document):
        found.append("Fn::Transform")
    return found


def needed_capabilities(document: dict) -> dict[str, list[str]]:
    """The capabilities CloudFormation will demand, each with the resources that demand it.

    IAM resources need ``CAPABILITY_IAM``; with a custom name (``RoleName``, ``UserName``,
    ``GroupName``, ``ManagedPolicyName``, ``InstanceProfileName``: the ``<Type>Name``
    property) ``CAPABILITY_NAMED_IAM``; a Transform or ``Fn::Transform`` (macros)
    ``CAPABILITY_AUTO_EXPAND`` (CreateStack's ``Capabilities``, botocore's model).
    """
    needed: dict[str, list[str]] = {}
    iam_types = iam_capability_types()
    for logical_id, resource in resources(document).items():
        kind = str(resource.get("Type"))
        if kind not in iam_types:
            continue
        props = resource.get("Properties") or {}
        name_key = kind.rsplit("::", 1)[-1] + "Name"
        if kind not in _NAME_EXEMPT and isinstance(props, dict) and props.get(name_key):
            needed.setdefault(CAPABILITY_NAMED_IAM, []).append(f"{logical_id} ({name_key})")
        else:
            needed.setdefault(CAPABILITY_IAM, []).append(f"{logical_id} ({kind})")
    for macro in _uses_macros(document):
        needed.setdefault(CAPABILITY_AUTO_EXPAND, []).append(macro)
    return needed


def missing_capabilities(document: dict, stated: list[str]) -> dict[str, list[str]]:
    """The needed capabilities the step does not state (NAMED_IAM covers IAM)."""
    have = set(stated)
    if CAPABILITY_NAMED_IAM in have:
        have.add(CAPABILITY_IAM)
    return {cap: why for cap, why in needed_capabilities(document).items() if cap not in have}


def line_of(text: str, logical_id: str) -> int:
    """The line declaring ``logical_id`` (1 when it cannot be found)."""
    pattern = re.compile(rf"""^[ \t]*["']?{re.escape(logical_id)}["']?[ \t]*:""", re.M)
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


@dataclass(frozen=True)
class LintFinding:
    """One cfn-lint match: where, which rule, what it says, and whether it is fatal."""

    path: Path
    line: int
    rule: str
    message: str

    @property
    def fatal(self) -> bool:
        """cfn-lint's errors (``E…``) reject the course; its warnings do not."""
        return self.rule.startswith("E")

    def text(self) -> str:
        """``templates/q.yaml:12: E3002 message`` (the form of every course problem)."""
        return f"{self.path}:{self.line}: {self.rule} {self.message}"


@functools.lru_cache(maxsize=32)
def _lint(text: str, region: str) -> tuple[tuple[int, str, str], ...]:
    """cfn-lint's matches, kept on disk per (template, region, cfn-lint release): importing
    cfn-lint and linting costs 5 s of CPU, and every command loads the course."""
    path = _cache_path(text, region)
    try:
        return tuple(tuple(m) for m in json.loads(path.read_text(encoding="utf-8")))  # type: ignore[misc]
    except (OSError, ValueError):
        pass
    from cfnlint.api import ManualArgs, lint  # seconds to import: only with a template

    matches = lint(text, config=ManualArgs(regions=[region]))
    found = tuple((int(m.linenumber or 1), str(m.rule.id), str(m.message)) for m in matches)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(found), encoding="utf-8")
    except OSError:
        pass  # a read-only home: lint again next time
    return found


def _cache_path(text: str, region: str) -> Path:
    """Where the lint of ``text`` for ``region`` is kept ($XDG_CACHE_HOME/whodidthis)."""
    import hashlib
    import os

    from console.course.provider_schemas import schema_root

    release = (schema_root().parent.parent / "version.py").read_bytes()
    key = hashlib.sha256(release + b"\0" + region.encode() + b"\0" + text.encode()).hexdigest()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "whodidthis" / "cfn-lint" / f"{key}.json"


def lint_template(path: Path, region: str) -> list[LintFinding]:
    """cfn-lint's errors and warnings for the template at ``path`` in ``region``."""
    text = path.read_text(encoding="utf-8")
    return [LintFinding(path, line, rule, msg) for line, rule, msg in _lint(text, region)]
