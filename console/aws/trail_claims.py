"""Whether a lost create was our own, from CloudTrail: the claim's last witness.

When the answer to our create was lost (a crash, SIGTERM, a full disk) and reading the resource
back cannot place it (S3's CreationDate "can change when making changes to your bucket", or
the host's clock was off), the trainee account's event history can: the resource's newest
create, and whether the session that made it is the one the ledger names. Asked with the
trainee role (``cloudtrail:LookupEvents`` is in its policy), quietly (no progress lines in the
middle of a build), at CloudTrail's pace.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from console.aws.cloudtrail import Pace, event_time, issued_key, lookup


@dataclass(frozen=True)
class SessionMark:
    """What the ledger knows of the session that made a call whose answer was lost: its
    principal, and whichever of the call's request id, its key's digest, or the AssumeRole
    that issued the key the record got to keep (a crash leaves only the last)."""

    principal_arn: str | None
    request_id: str | None = None
    key_digest: str | None = None
    assume_request_id: str | None = None


async def made_by_session(
    client, account: str, region: str, *, name: str, create: str, delete: str, mark: SessionMark
) -> bool:
    """True when the trail says the resource ``name`` that exists now was made by ``mark``'s
    session: the newest successful ``create``/``delete`` of that name is a ``create`` made by
    that very session (its request id; else its key, by digest or as the AssumeRole that
    ``assume_request_id`` names issued it). False when the trail is silent (a create younger
    than the delivery delay included) or names anyone else."""
    from console.aws.attribution import key_digest

    pace = Pace()
    found = await lookup(client, account, region, ("ResourceName", name), pace, quiet=True)
    changes = [f.event for f in found if f.event.get("eventName") in (create, delete)]
    changes = [e for e in changes if not e.get("errorCode")]
    newest = max(changes, key=lambda e: event_time(e) or 0.0, default=None)
    if newest is None or newest.get("eventName") != create:
        return False
    identity = newest.get("userIdentity") or {}
    if mark.principal_arn and identity.get("arn") != mark.principal_arn:
        return False
    if mark.request_id:
        return newest.get("requestID") == mark.request_id
    if mark.key_digest:
        return key_digest(identity.get("accessKeyId")) == mark.key_digest
    if not (mark.assume_request_id and identity.get("accessKeyId")):
        return False
    return await _issued_by(client, account, region, mark.assume_request_id, newest, pace) == (
        identity.get("accessKeyId")
    )


async def _issued_by(client, account: str, region: str, request_id: str, call: dict, pace):
    """The access key the AssumeRole of ``request_id`` issued, looked for in the 12 hours a
    session lasts before ``call`` (the broker's STS client is regional: the course's region)."""
    from datetime import UTC

    end = event_time(call) or time.time()
    window = {
        "StartTime": datetime.fromtimestamp(end - 43200, UTC),
        "EndTime": datetime.fromtimestamp(end + 1, UTC),
    }
    assumed = await lookup(
        client, account, region, ("EventName", "AssumeRole"), pace, quiet=True, **window
    )
    return next((issued_key(f.event) for f in assumed if f.request_id == request_id), None)
