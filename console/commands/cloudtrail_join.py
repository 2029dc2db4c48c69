"""A ledger record held to the CloudTrail record of the same request: one comparison, used by
``trace --cloudtrail`` (per row) and ``audit`` (per command, and record by record).

The request id says which event is the record's; the event then says who made the call. A
record that names another principal, principal id, session or access key (by digest) than
CloudTrail is ``contradicted``: the ledger was rewritten after the fact, whatever its hash
chain says (a forger can recompute the chain, not CloudTrail).
"""

from __future__ import annotations

from console.aws.attribution import key_digest
from console.model import LedgerRecord


def contradictions(record: LedgerRecord, event: dict) -> dict:
    """The fields CloudTrail names otherwise than the record: principal, session, key."""
    identity = event.get("userIdentity") or {}
    arn = identity.get("arn")
    acting = record.acting
    said = {
        "principal_arn": (acting.principal_arn, arn),
        "principal_id": (acting.principal_id, identity.get("principalId")),
        "access_key_digest": (acting.access_key_digest, key_digest(identity.get("accessKeyId"))),
    }
    if record.operation == "AssumeRole":  # the record names the new session, the caller the host
        wanted = (event.get("requestParameters") or {}).get("roleSessionName")
        said["session_name"] = (acting.session_name, wanted)
    elif arn and ":assumed-role/" in arn:
        said["session_name"] = (acting.session_name, arn.rsplit("/", 1)[-1])
    # A field either side leaves empty is not a contradiction (old records, IAM users).
    return {
        name: theirs for name, (ours, theirs) in said.items() if ours and theirs and ours != theirs
    }
