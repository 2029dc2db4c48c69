"""Plain-text and JSON renderings of the store's records, shared by the CLI and the console.

No Textual here: the console's widgets use these helpers for the words, and style them.
"""

from __future__ import annotations

import datetime as dt

from console.course.model import Course
from console.model import (
    Event,
    LedgerRecord,
    Operator,
    TraineeState,
    TraineeStatus,
    forgeable_of,
    operator_level,
)

STATE_SYMBOLS = {
    TraineeState.PENDING: "·",
    TraineeState.ASSUMING: "◌",
    TraineeState.RUNNING: "▶",
    TraineeState.READY: "✔",
    TraineeState.FAILED: "✖",
    TraineeState.CANCELLED: "⊘",
    TraineeState.TEARING_DOWN: "▼",
    TraineeState.TORN_DOWN: "○",
}


WHAT_TO_DO = {
    "AccessDenied": "What to do: make the trainee's role trust the host role only "
    "(`whodidthis iam-templates`, or `whodidthis preflight COURSE` to see why), then retry (r).",
    "BucketAlreadyExists": "What to do: the bucket name is taken in all of AWS: change the "
    "s3_bucket step's name in the course file (use {trainee} and {course}), then retry (r).",
    "Leftovers": "What to do: resources still carry the trainee's tags: tear down again (t) "
    "to delete those of kinds the steps build (ours only); delete the others by hand.",
    "TraineeMade": "What to do: the trainee made these by hand: `whodidthis teardown COURSE "
    "--trainee-made --yes` deletes the kinds whodidthis can delete (each in the ledger); "
    "delete the others by hand, or keep them on purpose.",
}


def what_to_do(error_code: str | None) -> str | None:
    """The line the detail screen ends an error with: what the operator can do next."""
    if not error_code:
        return None
    hint = WHAT_TO_DO.get(error_code)
    if hint is None and "Throttl" in error_code:
        return "What to do: AWS is throttling; retry (r) in a minute, or lower concurrency."
    return hint


def iso(ts: float | None) -> str | None:
    """Epoch seconds -> ISO 8601 UTC with milliseconds."""
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds")


def clock(ts: float | None) -> str:
    """Epoch seconds -> ``HH:MM:SS`` local time."""
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S") if ts else "--:--:--"


def short_principal(arn: str | None) -> str:
    """``arn:aws:sts::1:assumed-role/ManageEnvRole/alice@dojo`` -> ``ManageEnvRole/alice@dojo``."""
    if not arn:
        return ""
    if ":assumed-role/" in arn:
        return arn.split(":assumed-role/", 1)[1]
    return arn.split(":", 5)[-1]


def step_progress(status: TraineeStatus) -> str:
    """``3/5``: the current (or last finished) step, 1-based, of the step count."""
    done = sum(1 for s in status.steps if s.state.value in ("DONE", "TORN_DOWN"))
    if status.step_index is not None:
        return f"{status.step_index + 1}/{status.step_count}"
    return f"{done}/{status.step_count}"


def current_step(status: TraineeStatus) -> str | None:
    if status.step_index is None:
        return None
    for step in status.steps:
        if step.index == status.step_index:
            return f"{step.kind}:{step.name}"
    return None


def iso_times(fields: dict) -> dict:
    """``fields`` with every time (``ts``, ``*_at``) as ISO 8601 UTC: JSON never says epoch."""
    return {
        key: iso(value)
        if (key == "ts" or key.endswith("_at")) and isinstance(value, int | float)
        else value
        for key, value in fields.items()
    }


def event_json(event: Event) -> dict:
    """An event as a JSON Lines object: ``ts``, ``type``, ``trainee``, then its fields."""
    return {
        "ts": iso(event.ts),
        "type": event.type,
        "trainee": event.trainee,
        **iso_times(event.fields),
    }


def event_text(event: Event) -> str | None:
    """An event as one human line, or None for events too fine for text output."""
    f = event.fields
    when = clock(event.ts)
    if event.type == "trainee" and "state" in f:
        extra = f"  {f.get('error') or f.get('receipt') or ''}".rstrip()
        return f"{when} {event.trainee:<14} {f['state']}{extra}"
    if event.type == "step" and f.get("state") in ("DONE", "FAILED", "TORN_DOWN"):
        return f"{when} {event.trainee:<14}   step {f.get('index', 0) + 1} {f['state']}"
    if event.type == "summary":
        states = ", ".join(f"{n} {s}" for s, n in f.get("states", {}).items())
        return f"{when} {f.get('command', 'run')} finished: {states or 'nothing to do'}"
    return None


def status_json(course: Course, trainees: list[TraineeStatus], holder: dict | None) -> dict:
    """The ``status --json`` object (docs/contracts.md, "JSON output")."""
    return {
        "course": course.name,
        "engine": iso_times(holder) if holder else None,
        "trainees": [
            {
                "name": t.name,
                "account": t.account,
                "state": t.state.value,
                "step": current_step(t),
                "step_index": t.step_index,
                "step_count": t.step_count,
                "principal_arn": t.principal_arn,
                "error": t.error,
                "error_code": t.error_code,
                "leftovers": [{"arn": item.arn, "type": item.type} for item in t.leftovers],
                "receipt": t.receipt,
                "steps": [
                    {
                        "kind": s.kind,
                        "name": s.name,
                        "state": s.state.value,
                        "error": s.error,
                        "resource_arn": s.resource_arn,
                    }
                    for s in t.steps
                ],
            }
            for t in trainees
        ],
    }


def status_table(
    course: Course, trainees: list[TraineeStatus], holder: dict | None, now: float
) -> str:
    """The ``status`` table for people."""
    engine = (
        f"engine running (pid {holder['pid']} on {holder['host']})"
        if holder
        else "no engine running"
    )
    lines = [
        f"{course.name}  {len(trainees)} trainees  {engine}",
        f"{'TRAINEE':<14} {'ACCOUNT':<12} {'STATE':<14} {'STEP':<5} {'PRINCIPAL':<40} ERROR",
    ]
    for t in trainees:
        state = f"{STATE_SYMBOLS[t.state]} {t.state.value}"
        lines.append(
            f"{t.name:<14} {t.account:<12} {state:<14} {step_progress(t):<5} "
            f"{short_principal(t.principal_arn):<40} {t.error or t.receipt or ''}".rstrip()
        )
    return "\n".join(lines)


LEDGER_FIELDS = (
    "ts",
    "course",
    "trainee",
    "account",
    "step",
    "service",
    "operation",
    "principal_arn",
    "session_name",
    "source_identity",
    "request_id",
    "outcome",
    "error_code",
    "error_message",
    # Added with issue 11: the join with CloudTrail, and the human behind the session.
    "region",
    "principal_id",
    "assume_request_id",
    "operator",
    "operator_source",
    "operator_arn",
    "attempt_request_ids",
    "resource_arn",
)


def operator_words(operator: Operator) -> str:
    """How the operator is known, in a few words, its level first: ``ssm-session: owner of
    this SSM session, ARN`` (and whether it could be forged here) or ``claimed: from
    --operator, not verified``."""
    if operator.source == "ssm-session":
        words = f"ssm-session: owner of this SSM session, {operator.arn}"
        if operator.forgeable:
            count = len(operator.forgeable)
            words += f" (forgeable here: {count} reason{'s' if count > 1 else ''}; run audit)"
        return words
    if operator.source == "flag":
        return "claimed: from --operator, not verified"
    return "claimed: the login user, not verified"


def ledger_json(record: LedgerRecord) -> dict:
    """A ledger record with the fields of docs/contracts.md, "Ledger record" (``ts`` as ISO 8601)."""
    data = {name: getattr(record, name) for name in LEDGER_FIELDS}
    data["ts"] = iso(record.ts)
    data["outcome"] = record.outcome.value
    data["attempt_request_ids"] = list(record.attempt_request_ids)
    data["operator_level"] = operator_level(record.operator_source)
    data["operator_forgeable"] = forgeable_of(record.operator_evidence)
    return data


def ledger_line(record: LedgerRecord) -> str:
    """One ledger record for people: time, trainee, call, principal, outcome, request id,
    and the operator the call was made for."""
    outcome = record.outcome.value
    if record.error_code:
        outcome += f" {record.error_code}"
    return (
        f"{iso(record.ts)}  {record.trainee:<12} {record.service}:{record.operation:<24} "
        f"{short_principal(record.principal_arn):<40} {outcome:<10} "
        f"{record.request_id or '-'}  for {record.operator or '-'}"
        f" ({operator_level(record.operator_source) or '-'})"
    )
