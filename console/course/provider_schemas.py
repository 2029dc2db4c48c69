"""CloudFormation's resource provider schemas, as the pinned cfn-lint ships them.

Every registry resource type publishes, in its provider schema, the IAM permissions each of its
handlers needs (``handlers.create.permissions``, ``.update``, ``.delete``, ``.read``): what
the caller of CreateStack, UpdateStack and DeleteStack must be allowed when no service role is
passed. cfn-lint (pinned in pyproject.toml) ships those schemas for every region:
``cfnlint/data/schemas/providers/<region>.json`` maps each type available in the region to a
hash, and ``cfnlint/data/schemas/resources/<hash>.json`` is its schema.

The files are read straight from the installed package (``importlib.util.find_spec`` locates it
without importing cfn-lint, whose import costs seconds), once per region and type.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

# The handlers whose permissions a stack's caller needs. CloudFormation invokes ``create``,
# ``update`` and ``delete`` for CreateStack, UpdateStack and DeleteStack, and ``read`` after
# them and for drift detection: the handler contract has every create and update end in a
# model a subsequent ``read`` returns (the CloudFormation CLI user guide, "Resource type
# handler contracts": aws-cloudformation/cloudformation-cli, doc_source/
# resource-type-test-contract), and many registry handlers end their create and update by
# calling their read handler, so a role without the read permissions can fail the create (the
# Lambda function's read needs lambda:GetFunctionScalingConfig, its create does not list it).
# ``list`` is left out: no stack operation invokes it; it serves Cloud Control's ListResources
# (and the IaC generator's scans), which a course's ``resource_exists`` milestone may use, so
# those milestones' types get their list permissions (``LIST_HANDLERS``) instead.
STACK_HANDLERS = ("create", "read", "update", "delete")
LIST_HANDLERS = ("list",)
# An IAM action as a policy can name it. A few schemas list a word that is not one (the log
# group's ``s3:REST.PUT.OBJECT``, an S3 access-log operation name); IAM would refuse a policy
# naming it, so it is reported, not written.
IAM_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")


class UnknownResourceType(LookupError):
    """A template names a resource type CloudFormation does not have in the region."""

    def __init__(self, kind: str, region: str):
        self.kind, self.region = kind, region
        super().__init__(
            f"resource type {kind} does not exist in {region} (cfn-lint's provider schemas); "
            "check its spelling, or choose a region that has it"
        )


@dataclass(frozen=True)
class HandlerPermissions:
    """What a resource type's handlers need, as its provider schema says.

    Attributes:
        kind: the resource type (``AWS::SQS::Queue``).
        by_handler: ``{handler: (actions...)}`` for the handlers asked about.
        not_actions: words the schema lists that are not IAM actions (left out).
        published: False when the schema has no handlers (a non-registry type such as
            ``AWS::CloudFormation::WaitConditionHandle``: CloudFormation itself does the work).
    """

    kind: str
    by_handler: dict[str, tuple[str, ...]]
    not_actions: tuple[str, ...] = ()
    published: bool = True

    @property
    def actions(self) -> list[str]:
        """Every action of the handlers asked about, in first-seen order."""
        return list(dict.fromkeys(a for actions in self.by_handler.values() for a in actions))


@functools.cache
def schema_root() -> Path:
    """The folder of cfn-lint's shipped schemas (``.../cfnlint/data/schemas``)."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("cfn-lint is not installed; it is a dependency of whodidthis")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"


def known_region(region: str) -> bool:
    """True when cfn-lint ships CloudFormation's provider schemas for ``region``."""
    return (
        bool(re.fullmatch(r"[a-z0-9-]+", region))
        and (schema_root() / "providers" / f"{region}.json").is_file()
    )


@functools.cache
def region_types(region: str) -> dict[str, str]:
    """``{resource type: schema hash}`` for the types CloudFormation has in ``region``
    (none for a region cfn-lint does not know: every type is then unknown there)."""
    if not known_region(region):
        return {}
    path = schema_root() / "providers" / f"{region}.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


@functools.cache
def _schema_by_hash(digest: str) -> dict:
    return dict(json.loads((schema_root() / "resources" / f"{digest}.json").read_text("utf-8")))


def provider_schema(kind: str, region: str) -> dict:
    """The provider schema of ``kind`` in ``region``.

    Raises:
        UnknownResourceType: the region has no such type.
    """
    digest = region_types(region).get(kind)
    if digest is None:
        raise UnknownResourceType(kind, region)
    return _schema_by_hash(digest)


def handler_permissions(
    kind: str, region: str, handlers: tuple[str, ...] = STACK_HANDLERS
) -> HandlerPermissions:
    """The permissions of ``handlers`` of ``kind`` in ``region``, from its provider schema.

    Raises:
        UnknownResourceType: the region has no such type.
    """
    published = provider_schema(kind, region).get("handlers") or {}
    by_handler, odd = {}, []
    for handler in handlers:
        listed = (published.get(handler) or {}).get("permissions") or []
        by_handler[handler] = tuple(a for a in listed if IAM_ACTION.match(a))
        odd += [a for a in listed if not IAM_ACTION.match(a)]
    return HandlerPermissions(kind, by_handler, tuple(dict.fromkeys(odd)), bool(published))


def has_read_handler(kind: str, region: str) -> bool:
    """True when Cloud Control API can read ``kind`` (its schema publishes a read handler)."""
    try:
        return bool((provider_schema(kind, region).get("handlers") or {}).get("read"))
    except UnknownResourceType:
        return False


def type_for_arn_service(service: str, resource: str, region: str) -> str | None:
    """The CloudFormation type an ARN's ``service:resource-type`` names, by name.

    ``sqs:queue`` is ``AWS::SQS::Queue``; ``logs:log-group`` is ``AWS::Logs::LogGroup``. Used
    only to ask Cloud Control about a leftover no step kind builds; None when no type matches.
    """
    wanted = (service.lower(), resource.replace("-", "").lower())
    for kind in region_types(region):
        parts = kind.split("::")
        if len(parts) == 3 and parts[0] == "AWS" and (parts[1].lower(), parts[2].lower()) == wanted:
            return kind
    return None


def primary_identifier(kind: str, region: str) -> str | None:
    """The one property that identifies a ``kind`` resource to Cloud Control (None when the
    schema names several)."""
    try:
        found = provider_schema(kind, region).get("primaryIdentifier") or []
    except UnknownResourceType:
        return None
    return str(found[0]).rsplit("/", 1)[-1] if len(found) == 1 else None
