"""Plain-text and JSON renderings of the store's records, shared by the CLI and the console.

No Textual here: the console's widgets use these helpers for the words, and style them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from console.course.model import Course
from console.model import (
    Event,
    LedgerRecord,
    Operator,
    Outcome,
    StepState,
    TraineeState,
    TraineeStatus,
    forgeable_words,
    operator_name,
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


def printable(text: str | None) -> str:
    """``text`` safe to print on a terminal: control and format characters (ESC, newline, tab,
    bidi overrides) shown as escapes (``\\x1b``, ``\\n``), so a name an operator chose can
    neither drive the terminal nor forge a line of output."""
    if not text:
        return text or ""
    if text.isprintable():
        return text
    return "".join(_escaped(ch) if unicodedata.category(ch)[0] == "C" else ch for ch in text)


_ALL_REGIONS = re.compile(r"regions: all (\d+) enabled \(([^,)]+), [^)]*\)")


def short_receipt(receipt: str | None) -> str | None:
    """A sweep receipt for a table line: the region list (17 names on a commercial account,
    too long at 80 columns) cut to the course's region, the fact kept (``regions: all 17
    enabled (ap-northeast-1, …)``). ``status --json`` and the report keep the full list."""
    if not receipt:
        return receipt
    return _ALL_REGIONS.sub(lambda m: f"regions: all {m[1]} enabled ({m[2]}, …)", receipt)


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
    """Epoch seconds -> ``HH:MM:SSZ``, UTC and labelled so (the ledger's zone, ISO 8601)."""
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%H:%M:%SZ") if ts else "--:--:--"


def short_principal(arn: str | None) -> str:
    """``arn:aws:sts::1:assumed-role/ManageEnvRole/alice@dojo`` -> ``ManageEnvRole/alice@dojo``."""
    if not arn:
        return ""
    if ":assumed-role/" in arn:
        return arn.split(":assumed-role/", 1)[1]
    return arn.split(":", 5)[-1]


def steps_built(status: TraineeStatus) -> int:
    """How many of the trainee's steps exist now: built (DONE) and not torn down since."""
    return sum(1 for s in status.steps if s.state == StepState.DONE)


def step_count(status: TraineeStatus) -> str:
    """The step column: what exists, ``2/5 built`` (a CANCELLED trainee keeps what it built),
    or ``0/5 torn down`` once the trainee is TORN_DOWN; never the index of a step reached."""
    total = status.step_count or len(status.steps)
    built = steps_built(status)
    if status.state == TraineeState.TORN_DOWN:
        return f"{built}/{total} torn down"
    return f"{built}/{total} built"


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
        extra = f"  {f.get('error') or short_receipt(f.get('receipt')) or ''}".rstrip()
        return printable(f"{when} {event.trainee:<14} {f['state']}{extra}")
    if event.type == "trust":  # a warning of the trust check before a build
        return printable(
            f"{when} {event.trainee:<14} trust {f.get('severity')}: {f.get('message')}"
        )
    if event.type == "step" and f.get("state") in ("DONE", "FAILED", "TORN_DOWN"):
        return f"{when} {event.trainee:<14}   step {f.get('index', 0) + 1} {f['state']}"
    if event.type == "trainee-made":  # the engine's clean of what a trainee made by hand
        said = [*f.get("lines", []), *(f"could not check: {e}" for e in f.get("errors", []))]
        who = f"{when} {event.trainee:<14} "
        return "\n".join(printable(f"{who}{line}") for line in said or ["nothing made by hand"])
    if event.type == "summary":
        states = ", ".join(f"{n} {s}" for s, n in f.get("states", {}).items())
        head = f.get("ledger_head") or {}
        kept = f" (ledger head {head['links']}:{head['sha256']})" if head.get("sha256") else ""
        states = states or "; ".join(f.get("trainee_made") or []) or "nothing to do"
        return f"{when} {f.get('command', 'run')} finished: {states}{kept}"
    return None


def ou_code_of(note: str | None) -> str | None:
    """An OU note's code (``OuAccountMoved``, ``OuAccountSuspended``, ...), as the store keeps
    it before the text (``console/aws/ou_pins.py``); None for none or an older, bare note."""
    code, sep, _ = (note or "").partition(": ")
    return code if sep and code.startswith("Ou") and code.isalpha() else None


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
                "steps_built": steps_built(t),
                "principal_arn": t.principal_arn,
                "error": t.error,
                "error_code": t.error_code,
                "leftovers": [{"arn": item.arn, "type": item.type} for item in t.leftovers],
                "receipt": t.receipt,
                "ou_note": t.ou_note,
                "ou_code": ou_code_of(t.ou_note),
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


STATUS_HEADER = (
    f"{'TRAINEE':<14} {'ACCOUNT':<12} {'STATE':<14} {'STEPS':<14} {'PRINCIPAL':<40} ERROR"
)


def status_title(course: Course, trainees: list[TraineeStatus], holder: dict | None) -> str:
    """The ``status`` table's first line: the course, how many trainees, the engine."""
    engine = (
        f"engine running (pid {holder['pid']} on {holder['host']})"
        if holder
        else "no engine running"
    )
    return f"{course.name}  {len(trainees)} trainees  {engine}"


def status_row(t: TraineeStatus) -> str:
    """One trainee's line of the ``status`` table (the columns of :data:`STATUS_HEADER`)."""
    state = f"{STATE_SYMBOLS[t.state]} {t.state.value}"
    return (
        f"{t.name:<14} {t.account:<12} {state:<14} {step_count(t):<14} "
        f"{short_principal(t.principal_arn):<40} {t.error or short_receipt(t.receipt) or ''}"
        + (f"  [OU: {t.ou_note}]" if t.ou_note else "")
    )


def status_table(
    course: Course, trainees: list[TraineeStatus], holder: dict | None, now: float
) -> str:
    """The ``status`` table for people."""
    lines = [status_title(course, trainees, holder), STATUS_HEADER]
    return "\n".join(lines + [printable(status_row(t).rstrip()) for t in trainees])


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
            kind = forgeable_words(operator.forgeable)
            words += f" ({kind} here: {count} reason{'s' if count > 1 else ''}; run audit)"
        return words
    if operator.source == "flag":
        return "claimed: from --operator, not verified"
    return "claimed: the login user, not verified"


def ledger_json(record: LedgerRecord) -> dict:
    """A ledger record with the fields of docs/contracts.md, "Ledger record" (``ts`` as ISO 8601)."""
    flat = record.flat()  # the ledger's columns: the JSON keeps the store's flat names
    data = {name: flat[name] for name in LEDGER_FIELDS}
    data["ts"] = iso(record.ts)
    data["outcome"] = record.outcome.value
    data["attempt_request_ids"] = list(record.attempt_request_ids)
    data["operator_level"] = record.operator.level if record.operator else None
    data["operator_forgeable"] = list(record.operator.forgeable) if record.operator else []
    return data


# Calls that change nothing, by AWS's API naming (Describe*, Get*, List*, Head*) and the two
# identity calls every session makes. Kept in the ledger for attribution (an AssumeRole's
# request id joins CloudTrail), hidden from ``ledger`` and the panel unless asked for.
READ_PREFIXES = ("Describe", "Get", "List", "Head")
READ_CALLS = frozenset({"AssumeRole", "GetCallerIdentity", "LookupEvents"})


def is_read(record: LedgerRecord) -> bool:
    """True for a call that only reads (AssumeRole and GetCallerIdentity included)."""
    return record.operation in READ_CALLS or record.operation.startswith(READ_PREFIXES)


def in_flight(record: LedgerRecord, holder: dict | None) -> bool:
    """An unanswered call of the engine alive now (``holder``): in flight, not lost.

    ``unknown`` means an answer lost in a crash, so it is said only when no engine started
    before the call is alive to complete it.
    """
    if record.outcome != Outcome.UNKNOWN or not holder:
        return False
    return record.ts >= float(holder.get("started_at") or 0.0)


def outcome_words(record: LedgerRecord, holder: dict | None = None) -> str:
    """``ok``, ``error Throttling``, ``in flight`` or ``unknown``."""
    if in_flight(record, holder):
        return "in flight"
    outcome = record.outcome.value
    return f"{outcome} {record.error_code}" if record.error_code else outcome


LEDGER_HEADER = (
    f"{'TIME (UTC)':<29}  {'TRAINEE':<12} {'CALL':<36} {'PRINCIPAL':<40} {'OUTCOME':<10} "
    f"{'REQUEST ID':<36}  FOR (OPERATOR)"
)


def ledger_line(record: LedgerRecord, holder: dict | None = None) -> str:
    """One ledger record for people: time, trainee, call, principal, outcome, request id,
    and the operator the call was made for (the columns of :data:`LEDGER_HEADER`)."""
    call = f"{record.service}:{record.operation}"
    return printable(
        f"{iso(record.ts)}  {record.trainee:<12} {call:<36} "
        f"{short_principal(record.acting.principal_arn):<40} {outcome_words(record, holder):<10} "
        f"{record.request_id or '-':<36}  {operator_name(record.operator) or '-'}"
        f" ({record.operator.level if record.operator else '-'})"
    )
