"""Is a leftover the Tagging API lists really there? Asked of AWS before it fails a trainee.

The Resource Groups Tagging API's GetResources returns "tagged or previously tagged" resources:
a resource deleted minutes ago can still be listed for minutes to hours. So each candidate
is confirmed before it is called a leftover:

* a type a step kind builds is read by that step kind (its ``plan_teardown``: GetUser,
  HeadBucket, DescribeStacks, ...), in the pipeline;
* any other type is read through the Cloud Control API's GetResource, when its provider schema
  publishes a read handler and one primary identifier the ARN gives (the ARN itself, or its
  last part for a ``...Name``/``...Id``); otherwise, or when the read is refused, it stays a
  leftover, named as unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.course.provider_schemas import (
    has_read_handler,
    primary_identifier,
    type_for_arn_service,
)
from console.model import Leftover

PRESENT, GONE, UNCONFIRMED = "present", "gone", "unconfirmed"


@dataclass(frozen=True)
class Verdict:
    """What AWS said of one candidate, and why it could not say when it could not."""

    leftover: Leftover
    state: str
    why: str = ""


def cloud_control_target(leftover: Leftover, region: str) -> tuple[str, str] | str:
    """(CloudFormation type, identifier) to read ``leftover`` with, or why there is none.

    A name is used only when the ARN's resource part is ``type/name`` or ``type:name`` with a
    flat name: a hierarchical one (an SSM parameter ``/lab/x``) may be spelt otherwise, and a
    wrong identifier would read as "not found", calling a real leftover gone.
    """
    service, _, kind_name = leftover.type.partition(":")
    kind = type_for_arn_service(service, kind_name, region)
    if kind is None:
        return f"no CloudFormation type matches {leftover.type}"
    if not has_read_handler(kind, region):
        return f"Cloud Control cannot read {kind} (its schema has no read handler)"
    key = primary_identifier(kind, region)
    if key is None:
        return f"{kind} is identified by several properties"
    if key.endswith("Arn"):
        return kind, leftover.arn
    resource = leftover.arn.split(":", 5)[-1]
    name = resource.removeprefix(kind_name)[1:] if resource.startswith(kind_name) else ""
    if key.endswith(("Name", "Id")) and name and not any(c in name for c in "/:"):
        return kind, name
    return f"{kind} is identified by {key}, which its ARN does not give unambiguously"


async def read_through_cloud_control(client, leftover: Leftover, region: str) -> Verdict:
    """PRESENT, GONE or UNCONFIRMED (with why) for a type no step kind builds."""
    from botocore.exceptions import BotoCoreError, ClientError

    target = cloud_control_target(leftover, region)
    if isinstance(target, str):
        return Verdict(leftover, UNCONFIRMED, target)
    kind, identifier = target
    try:
        control = await client("cloudcontrol")
        await control.get_resource(TypeName=kind, Identifier=identifier)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code == "ResourceNotFoundException":
            return Verdict(leftover, GONE)
        return Verdict(leftover, UNCONFIRMED, f"Cloud Control GetResource answered {code}")
    except BotoCoreError as exc:
        return Verdict(leftover, UNCONFIRMED, f"Cloud Control GetResource failed: {exc}")
    return Verdict(leftover, PRESENT)


def lagging_text(gone: list[Leftover]) -> str:
    """The note for candidates AWS says are gone but the tag index still lists."""
    if not gone:
        return ""
    named = "; ".join(f"{item.arn} ({item.type})" for item in gone[:10])
    more = f"; and {len(gone) - 10} more" if len(gone) > 10 else ""
    return f"; {len(gone)} deleted, still in the tag index: {named}{more}"


def unconfirmed_text(verdicts: list[Verdict]) -> str:
    """The part of the failure naming leftovers AWS could not confirm."""
    if not verdicts:
        return ""
    named = "; ".join(f"{v.leftover.arn} ({v.why})" for v in verdicts[:10])
    return f" Unconfirmed (kept as leftovers: AWS could not be asked whether they exist): {named}."
