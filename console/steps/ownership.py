"""Ownership checks and teardown-plan lines shared by the step kinds.

A resource is ours only when it carries this course's and trainee's tags (``ctx.is_ours``).
Every kind creates its resource with the tags in the create call itself, so an untagged
resource is normally a stranger's. The one exception is an S3 bucket, whose tags may be put in a
second call: see ``s3.py`` for how a crash between the two is handled, inside the window
:class:`OurCreate` describes.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.aws.trail_claims import SessionMark
from console.steps.base import NotOurs, PlannedDeletion, StepContext


@dataclass(frozen=True)
class OurCreate:
    """What the ledger says of this step's own create call, for an untagged resource's claim.

    The engine passes it as ``ctx.extra["our_create"]`` (None: no answered create call of ours,
    or one deleted since). A claim exists only for a crash between the create and the tagging,
    so the window is open only while neither a tagging call nor the step's DONE came after.

    Attributes:
        at: when our create call was made (the ledger record's ``ts``, the host's clock).
        tagged: a tagging call for the step answered after it: an untagged resource now was
            untagged on purpose (an instructor keeping it), never claimed again.
        step_done: the step was DONE before this run: the create window is closed.
        answered: AWS's answer to the create reached us (``ok``); False when it was lost (the
            record left ``unknown`` by a crash, or a server error that may follow the fact).
        session: the session the record names, for CloudTrail to confirm the create was its
            own when reading the resource back cannot tell.
    """

    at: float
    tagged: bool = False
    step_done: bool = False
    answered: bool = True
    session: SessionMark | None = None

    @property
    def window_open(self) -> bool:
        return not (self.tagged or self.step_done)


#: Errors AWS may answer after the call took effect (the server failed on the way back): the
#: resource may exist. A 4xx refusal (AccessDenied, BucketAlreadyExists) made nothing.
MAY_HAVE_ACTED = frozenset(
    {"InternalError", "InternalFailure", "ServiceUnavailable", "ServiceFailure", "500", "503"}
)


def may_have_acted(record) -> bool:
    """A ledger record of a call that may have taken effect: ``ok``, ``unknown`` (no answer,
    or a crash before it was written), or a server error."""
    outcome = getattr(record.outcome, "value", record.outcome)
    if outcome in ("ok", "unknown"):
        return True
    return outcome == "error" and (record.error_code or "") in MAY_HAVE_ACTED


def tags_from_pairs(
    pairs: list[dict] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    """``[{"Key": k, "Value": v}, ...]`` (IAM, S3, CloudFormation) as a dict."""
    return {pair[key]: pair[value] for pair in pairs or ()}


def refuse_unless_ours(ctx: StepContext, resource: str, tags: dict[str, str]) -> None:
    """Raise NotOurs when ``tags`` do not carry this course's and trainee's tags."""
    if not ctx.is_ours(tags):
        raise NotOurs(resource, tags)


def gone(resource: str) -> PlannedDeletion:
    """A plan line for a resource that does not exist: nothing to do."""
    return PlannedDeletion(resource, None, ours=False, exists=False, note="already gone")


def kept(resource: str, arn: str | None, tags: dict[str, str]) -> PlannedDeletion:
    """A plan line for a resource that exists but is not ours: it is left alone."""
    found = (
        ", ".join(f"{k}={v}" for k, v in sorted(tags.items()) if k.startswith("whodidthis:"))
        or "no whodidthis tags"
    )
    return PlannedDeletion(
        resource, arn, ours=False, note=f"kept: not tagged for this course and trainee ({found})"
    )


def to_delete(resource: str, arn: str | None, note: str = "") -> PlannedDeletion:
    """A plan line for a resource of ours that teardown deletes."""
    return PlannedDeletion(resource, arn, ours=True, note=note or "would delete")


def deleted(line: PlannedDeletion) -> PlannedDeletion:
    """The plan line as teardown reports it once the resource is confirmed gone."""
    return PlannedDeletion(
        line.resource,
        line.resource_arn,
        ours=True,
        exists=False,
        note="deleted" + (f" ({line.note})" if line.note != "would delete" else ""),
    )
