"""Plain-text and JSON renderings of the store's records, shared by the CLI and the console.

No Textual here: the console's widgets use these helpers for the words, and style them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from console.course.model import Course
from console.model import Event, LedgerRecord, Operator, TraineeState, TraineeStatus

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
}


def printable(text: str | None) -> str:
    """``text`` safe to print on a terminal: control and format characters (ESC, newline, tab,
    bidi overrides) shown as escapes (``\\x1b``, ``\\n``), so a name an operator chose can
    neither drive the terminal nor forge a line of output."""
    if not text:
        return text or ""
    if text.isprintable():
        return text
    return "".join(_escaped(ch) if unicodedata.category(ch)[0] == "C" else ch for ch in text)


def _escaped(ch: str) -> str:
    special = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if ch in special:
        return special[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def cell(text: str | None) -> str:
    """A Markdown table cell: :func:`printable`, and ``|`` escaped so it adds no column."""
    return printable(text).replace("|", "\\|")


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
        return printable(f"{when} {event.trainee:<14} {f['state']}{extra}")
    if event.type == "step" and f.get("state") in ("DONE", "FAILED", "TORN_DOWN"):
        return f"{when} {event.trainee:<14}   step {f.get('index', 0) + 1} {f['state']}"
    if event.type == "summary":
        states = ", ".join(f"{n} {s}" for s, n in f.get("states", {}).items())
        head = f.get("ledger_head") or {}
        kept = f" (ledger head {head['links']}:{head['sha256']})" if head.get("sha256") else ""
        return f"{when} {f.get('command', 'run')} finished: {states or 'nothing to do'}{kept}"
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
                "ou_note": t.ou_note,
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
        line = (
            f"{t.name:<14} {t.account:<12} {state:<14} {step_progress(t):<5} "
            f"{short_principal(t.principal_arn):<40} {t.error or t.receipt or ''}"
        )
        if t.ou_note:
            line += f"  [OU: {t.ou_note}]"
        lines.append(printable(line.rstrip()))
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
    """How the operator is known, in a few words: ``verified: SSM session owner ARN`` or
    ``from --operator, not verified``."""
    if operator.source == "ssm-session":
        return f"verified: owner of this SSM session, {operator.arn}"
    if operator.source == "flag":
        return "from --operator, not verified"
    return "the login user, not verified"


def ledger_json(record: LedgerRecord) -> dict:
    """A ledger record with the fields of docs/contracts.md, "Ledger record" (``ts`` as ISO 8601)."""
    data = {name: getattr(record, name) for name in LEDGER_FIELDS}
    data["ts"] = iso(record.ts)
    data["outcome"] = record.outcome.value
    data["attempt_request_ids"] = list(record.attempt_request_ids)
    return data


def ledger_line(record: LedgerRecord) -> str:
    """One ledger record for people: time, trainee, call, principal, outcome, request id,
    and the operator the call was made for."""
    outcome = record.outcome.value
    if record.error_code:
        outcome += f" {record.error_code}"
    return printable(
        f"{iso(record.ts)}  {record.trainee:<12} {record.service}:{record.operation:<24} "
        f"{short_principal(record.principal_arn):<40} {outcome:<10} "
        f"{record.request_id or '-'}  for {record.operator or '-'}"
    )
