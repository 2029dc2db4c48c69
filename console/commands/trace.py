"""``whodidthis trace COURSE RESOURCE [--json] [--cloudtrail]``: one resource's history.

RESOURCE is an ARN (``arn:aws:iam::200000000001:user/alice``) or a trainee resource name as the
course renders it (``alice-eks``; ``alice/dojo-app`` when several trainees have one of that
name). The history comes from the ledger, oldest first: every create, change and delete, with
the principal, the session name, the source identity, the operator and the request id.

With ``--cloudtrail`` the trainee account's CloudTrail event history is asked too, as AWS
writes it (``console.aws.cloudtrail``): ``LookupEvents`` by ``ResourceName`` (its answer's own
``Resources`` say which events are the target's: IAM's records have no ``resources``), then by
``AccessKeyId`` for the ledger's calls still unseen (the key each session used, read from the
role account's copy of the AssumeRole whose request id the ledger keeps), in the course's
region and in us-east-1 (IAM, STS), paced at 2 requests per second per account and region, a
progress line on stderr. Each event is marked ``both``, ``cloudtrail only`` (a change made
outside whodidthis), ``not yet delivered`` (younger than the delivery window, 15 minutes unless
``--delivery-window``), ``beyond event history`` (older than 90 days) or ``ledger only`` (none
of those: a call cut short by a crash, or a record CloudTrail lost).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from console.commands.cloudtrail_join import contradictions
from console.commands.options import (
    CourseOptions,
    add_common,
    add_course,
    add_delivery_window,
    add_output,
    new_parser,
)
from console.commands.output import emit
from console.commands.report import NOT_A_CHANGE
from console.course.model import Course, Step, Trainee
from console.engine import interruptible
from console.errors import EXIT_OK, UsageError
from console.kinds import KINDS
from console.kinds.arns import match_arn
from console.model import LedgerRecord, operator_columns
from console.words import iso, printable, short_principal

CLOUDTRAIL_TYPE = {kind: spec.cloudtrail_type for kind, spec in KINDS.items()}


@dataclass(frozen=True)
class Target:
    """The resource asked about: its trainee, step and name."""

    trainee: Trainee
    step: Step
    name: str
    label: str  # the ledger's step label, ``kind:name``


def resolve_target(course: Course, resource: str) -> Target:
    """The trainee and step that own ``resource`` (an ARN or a resource name).

    Raises:
        UsageError: no step of the course makes it, or several do.
    """
    kind = account = trainee_name = None
    shown = echoed(resource)
    if resource.startswith("arn:"):
        parts = resource.split(":", 5)
        if len(parts) != 6:
            raise UsageError(f"{shown} is not an ARN (arn:aws:SERVICE:REGION:ACCOUNT:...)")
        matched = match_arn(resource)
        if matched:
            spec, account, name = matched
            kind = spec.kind
        else:  # a type no kind builds: look for its name alone
            account, name = parts[4], parts[5].split("/")[-1]
    else:
        trainee_name, _, name = resource.rpartition("/")
    found = [
        Target(t, s, s.name_for(course, t), f"{s.kind}:{s.name_for(course, t)}")
        for t in course.trainees
        for s in course.steps
        if s.name_for(course, t) == name
        and (kind is None or s.kind == kind)
        and (not account or t.account == account)
        and (not trainee_name or t.name == trainee_name)
    ]
    if not found:
        raise UsageError(
            f"no step of course {course.name} makes {shown}; give an ARN or a resource "
            "name as the course renders it (e.g. the trainee's user name, or alice/dojo-app)"
        )
    if len(found) > 1:
        choices = ", ".join(f"{t.trainee.name}/{t.name}" for t in found[:5])
        raise UsageError(f"{shown} names {len(found)} resources; say which: {choices}")
    return found[0]


ECHO_LIMIT = 120  # characters of a user's argument repeated in a message


def echoed(text: str) -> str:
    """A user's argument as a message repeats it: printable, and cut to ``ECHO_LIMIT``."""
    if len(text) <= ECHO_LIMIT:
        return printable(text)
    return f"{printable(text[:ECHO_LIMIT])}... ({len(text)} characters)"


def ledger_history(ledger: list[LedgerRecord], target: Target) -> list[LedgerRecord]:
    """The target's creates, changes and deletes from the ledger, oldest first."""
    return [
        r
        for r in ledger
        if r.trainee == target.trainee.name
        and r.step == target.label
        and r.operation not in NOT_A_CHANGE
    ]


def trace_json(record: LedgerRecord, seen: str | None = None) -> dict:
    """One history event, as ``trace --json`` prints it."""
    acting, who = record.acting, operator_columns(record.operator)
    event = {
        "ts": iso(record.ts),
        "operation": f"{record.service}:{record.operation}",
        "principal_arn": acting.principal_arn,
        "session_name": acting.session_name,
        "source_identity": acting.source_identity,
        "operator": who["operator"],
        "operator_source": who["operator_source"],
        "operator_arn": who["operator_arn"],
        "request_id": record.request_id,
        "assume_request_id": acting.assume_request_id,
        "outcome": record.outcome.value,
    }
    if seen:
        event["seen"] = seen
    return event


def cloudtrail_json(event: dict) -> dict:
    """A CloudTrail event the ledger does not have, in the same fields."""
    from console.aws.cloudtrail import caller_words, session_of

    identity = event.get("userIdentity", {})
    session_name, source = session_of(identity)
    service = event.get("eventSource", "").split(".", 1)[0]
    return {
        "ts": _cloudtrail_time(event.get("eventTime")),
        "operation": f"{service}:{event.get('eventName')}",
        "principal_arn": identity.get("arn") or caller_words(identity),
        "session_name": session_name,
        "source_identity": source,
        "operator": None,
        "operator_source": None,
        "operator_arn": None,
        "request_id": event.get("requestID"),
        "assume_request_id": None,
        "outcome": "error" if event.get("errorCode") else "ok",
        "seen": "cloudtrail only",
    }


def _cloudtrail_time(text: str | None) -> str | None:
    """CloudTrail's ``2026-12-01T21:40:56Z`` in the ledger's form, so the two sort together."""
    if not text:
        return None
    from datetime import datetime

    return iso(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def ledger_mark(record: LedgerRecord, in_trail: set, now: float, window: float) -> str:
    """Where a ledger record was seen: ``both``, or why CloudTrail does not have it."""
    from console.aws.cloudtrail import (
        BEYOND_HISTORY,
        NOT_YET_DELIVERED,
        beyond_history,
        too_young,
    )

    if record.request_id in in_trail:
        return "both"
    if too_young(record.ts, now, window):
        return NOT_YET_DELIVERED
    if beyond_history(record.ts, now):
        return BEYOND_HISTORY
    return "ledger only"


def joined(
    records: list[LedgerRecord],
    events: list[dict],
    now: float | None = None,
    window: float = 0,
    course: str = "",
) -> list[dict]:
    """Ledger records and CloudTrail events, marked where each was seen, oldest first.

    A record and the event of the same request id are ``both`` only when CloudTrail names the
    same principal, session and access key as the record; otherwise the record is
    ``contradicted`` and says which fields CloudTrail names otherwise (a ledger rewritten after
    the fact). A call both saw also carries ``cloudtrail_identity``: ``same`` when CloudTrail's
    session name and SourceIdentity are the ledger's, else what CloudTrail says. A record
    CloudTrail lacks is ``not yet delivered``, ``beyond event history`` or ``ledger only``; an
    event of this course's session that the ledger lacks says so.
    """
    from console.aws.cloudtrail import session_of

    now = time.time() if now is None else now
    by_request = {e.get("requestID"): e for e in events if e.get("requestID")}
    in_ledger = {r.request_id for r in records if r.request_id}
    rows = []
    for record in records:
        event = by_request.get(record.request_id) if record.request_id else None
        if event is None:
            rows.append(trace_json(record, ledger_mark(record, set(by_request), now, window)))
            continue
        differs = contradictions(record, event)
        row = trace_json(record, "contradicted" if differs else "both")
        said = session_of(event.get("userIdentity") or {})
        same = said == (record.acting.session_name, record.acting.source_identity)
        row["cloudtrail_identity"] = "same" if same else f"differs: {said[0]} / {said[1]}"
        if differs:
            row["cloudtrail_says"] = differs
        rows.append(row)
    for event in events:
        if event.get("requestID") in in_ledger:
            continue
        row = cloudtrail_json(event)
        if course and (row["session_name"] or "").endswith(f"@{course}"):
            row["note"] = "made by a whodidthis session of this course; the ledger has no record"
        rows.append(row)
    return sorted(rows, key=lambda row: row["ts"] or "")


@dataclass
class Trail:
    """What CloudTrail says: the target's events, and the SSM sessions to this instance."""

    events: list[dict]
    sessions: dict[str, dict]
    instance_id: str | None = None


async def lookup_events(
    course: Course, target: Target, host, operator, recorder, records=(), since=None
) -> Trail:
    """The trainee account's changing CloudTrail events about the target (or the ledger's
    calls on it), by ResourceName, then by AccessKeyId for the ledger's calls still unseen;
    with ``since`` (epoch seconds), also the admin account's SSM sessions to this instance
    from then on (StartSession/TerminateSession, as ``audit`` reads them)."""
    from datetime import UTC, datetime

    from console.aws.attribution import LedgerContext, current
    from console.aws.cloudtrail import Found, Pace, lookup, regions_for, ssm_sessions
    from console.aws.sessions import broker_for

    trainee = target.trainee
    current.set(LedgerContext(course.name, trainee.name, trainee.account, step="trace"))
    found: dict[str, Found] = {}
    ours = {r.request_id for r in records if r.request_id}
    async with broker_for(course, host, operator=operator, recorder=recorder) as broker:
        session = await broker.session_for(trainee.name, trainee.account, operator)
        pace = Pace()
        for region in regions_for(course.region):
            async with session.session.create_client(
                "cloudtrail", region_name=region, config=broker.client_config
            ) as cloudtrail:
                attribute = ("ResourceName", target.name)
                for f in await lookup(cloudtrail, trainee.account, region, attribute, pace):
                    found.setdefault(f.event.get("eventID") or str(id(f)), f)
        seen = {f.request_id for f in found.values()}
        unseen = [r for r in records if r.request_id and r.request_id not in seen]
        if unseen:
            extra = await _by_access_key(session, broker, course, trainee.account, unseen, pace)
            for f in extra:
                found.setdefault(f.event.get("eventID") or str(id(f)), f)
        trail = Trail([], {})
        if since is not None:
            import botocore.session

            from console.aws.ssm_host import imds_facts

            trail.instance_id, host_region = imds_facts(botocore.session.get_session())
            start = datetime.fromtimestamp(since - 43200, UTC)  # a session: < 12 h before
            regions = regions_for(host_region, course.region)
            trail.sessions = await ssm_sessions(
                broker, host.account, regions, pace, start, trail.instance_id
            )
    wanted = (CLOUDTRAIL_TYPE[target.step.kind], target.name)
    trail.events = [
        f.event
        for f in found.values()
        if f.changing and (wanted in f.resources or f.request_id in ours)
    ]
    return trail


async def _by_access_key(session, broker, course, account, unseen, pace) -> list:
    """The events of ``unseen`` ledger calls, found by the access key their session used."""
    from datetime import UTC, datetime

    from console.aws.cloudtrail import issued_key, lookup, regions_for

    wanted = {r.request_id for r in unseen}
    issuers = {r.acting.assume_request_id for r in unseen if r.acting.assume_request_id}
    start = datetime.fromtimestamp(min(r.ts for r in unseen) - 43200, UTC)  # a session: <12 h
    found = []
    for region in regions_for(course.region):
        async with session.session.create_client(
            "cloudtrail", region_name=region, config=broker.client_config
        ) as cloudtrail:
            assumed = await lookup(
                cloudtrail, account, region, ("EventName", "AssumeRole"), pace, StartTime=start
            )
            keys = {issued_key(f.event) for f in assumed if f.request_id in issuers}
            for key in sorted(k for k in keys if k):
                calls = await lookup(cloudtrail, account, region, ("AccessKeyId", key), pace)
                found += [f for f in calls if f.request_id in wanted]
    return found


def trace_line(row: dict) -> str:
    """One history event for people."""
    seen = f"{row['seen']:<15} " if "seen" in row else ""
    if row.get("cloudtrail_identity", "same") != "same":
        seen += f"(CloudTrail {row['cloudtrail_identity']}) "
    if row.get("cloudtrail_says"):
        said = ", ".join(f"{k}={v}" for k, v in row["cloudtrail_says"].items())
        seen += f"(CloudTrail: {said}) "
    who = short_principal(row["principal_arn"]) or "-"
    return printable(
        f"{row['ts']}  {seen}{row['operation']:<34} {row['outcome']:<7} {who} "
        f"for {row['operator'] or '-'}  {row['request_id'] or '-'}"
    )


EXAMPLES = """examples:
  whodidthis trace dojo.toml arn:aws:s3:::dojo-alice-data   an ARN's history
  whodidthis trace dojo.toml alice-data --cloudtrail         also what CloudTrail says
  whodidthis trace dojo.toml alice-data -o yaml"""


@dataclass(frozen=True, kw_only=True)
class TraceOptions(CourseOptions):
    resource: str = ""
    output: str = "table"
    cloudtrail: bool = False
    delivery_window: float = 15.0


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES)
    add_course(p)
    p.add_argument("resource", metavar="RESOURCE", help="an ARN or a trainee resource name")
    add_output(p, json_help="one JSON event per line (as -o json)")
    p.add_argument(
        "--cloudtrail",
        action="store_true",
        help="also ask the trainee account's CloudTrail (LookupEvents) and mark each event",
    )
    add_delivery_window(p)
    add_common(p)
    # two positionals, options anywhere among them: the dispatcher parses these intermixed
    p.set_defaults(handler=cli_trace, options=TraceOptions, intermixed=True)
    return p


def cli_trace(args: TraceOptions) -> int:
    """Entry point of ``whodidthis trace``."""
    from console.commands.headless import open_course
    from console.commands.trace_sessions import command_marks, commands_of, mark_line, marked

    opened = open_course(args, sync=False)
    try:
        target = resolve_target(opened.course, args.resource)
        records = ledger_history(opened.store.ledger(trainee=target.trainee.name), target)
        marks: list[dict] = []
        if args.cloudtrail:
            now, window = time.time(), args.delivery_window * 60
            commands = commands_of(opened.store.commands(), records, now)
            since = min((c.claimed_at or c.created_at or now for c in commands), default=None)
            trail = _cloudtrail(args, opened, target, records, since)
            rows = joined(records, trail.events, now, window, course=opened.course.name)
            marks = command_marks(commands, records, trail, now, window)
            rows = marked(rows, marks)
        else:
            rows = [trace_json(r) for r in records]
    finally:
        opened.store.close()
    title = printable(f"{target.label} of {target.trainee.name} ({target.trainee.account}):")
    text = [title, *map(trace_line, rows), *map(mark_line, marks)]
    emit(args.output, lambda: rows, lambda: "\n".join(text), lines=True)
    return EXIT_OK


def _cloudtrail(args: TraceOptions, opened, target: Target, records, since) -> Trail:
    from console.aws.operator import resolve_operator
    from console.engine.opening import check_host
    from console.engine.process import StoreRecorder

    host = check_host(opened.course, args.allow_long_term_keys)
    operator = resolve_operator(args.operator)
    return interruptible.run(
        lambda: lookup_events(
            opened.course, target, host, operator, StoreRecorder(opened.store), records, since
        )
    )
