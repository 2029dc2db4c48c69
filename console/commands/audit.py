"""``whodidthis audit COURSE [--since T] [-o FORMAT]``: each command's operator, confirmed by AWS.

What the host shows about its operator can be forged where someone has root (the SSM agent
gives ssm-user passwordless sudo) or redirects SSM and STS calls; CloudTrail cannot be written
from the host. For each queued command (apply, retry, teardown) since ``--since``, audit asks
CloudTrail (``console.aws.cloudtrail``), paced at 2 requests per second per account and region:

1. **The session.** In the admin account (the host's), in the host's region as IMDS names it,
   the course's and us-east-1: ``StartSession`` records to this instance. The operator must
   have had one that overlaps the command (started before it ended, not terminated before it
   began). Where the command recorded the SSM session it was read from, that session's
   ``StartSession`` must be the operator's, and so must every session whose worker enclosed it.
2. **The calls.** In each trainee account, every changing call the ledger has for the command
   must be in CloudTrail, made with an access key issued by an AssumeRole (the role account's
   copy, whose request id the ledger keeps) whose role session name and SourceIdentity name the
   operator; the call's own ``userIdentity`` must say the same.

3. **Each record.** Every changing call the ledger has since ``--since``, whichever command
   (or operator) it names, is held to the CloudTrail record of its request id as ``trace
   --cloudtrail`` holds it (``console.commands.cloudtrail_join``): a record naming another
   principal, principal id, session or access key than CloudTrail is ``contradicted`` on a
   line of its own, so a row rewritten to blame someone else cannot leave its command unseen.

Each command ends ``confirmed``, ``contradicted`` (with the evidence) or ``not yet delivered``
(evidence missing, and the command younger than the delivery window). Any contradiction: exit 1.
``-o json`` prints one verdict per line (``--json`` its synonym), ``-o yaml`` them as one sequence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from console.aws.cloudtrail import (
    NOT_YET_DELIVERED,
    Pace,
    issued_key,
    issuing_records,
    lookup,
    operator_owner_name,
    regions_for,
    session_check,
    session_of,
    ssm_sessions,
    too_young,
)
from console.commands.cloudtrail_join import contradictions as record_contradictions
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
from console.engine import interruptible
from console.errors import EXIT_OK, WhodidthisError
from console.model import Command, LedgerRecord, Outcome, operator_name
from console.words import printable

CONFIRMED, CONTRADICTED = "confirmed", "contradicted"
EXIT_CONTRADICTED = 1


@dataclass
class Verdict:
    """One command's verdict and the evidence for it."""

    command: int
    kind: str
    operator: str | None
    level: str | None
    verdict: str
    evidence: list[str] = field(default_factory=list)
    calls: int = 0
    #: Who set the Owner's session name: True its caller (sts:AssumeRole), False IAM, an
    #: identity provider (SAML, web identity) or IAM Identity Center, None not settled.
    owner_name_chosen: bool | None = None


@dataclass
class Evidence:
    """What CloudTrail says: SSM sessions to this instance, AssumeRoles, calls by request id."""

    instance_id: str | None
    sessions: dict[str, dict] = field(default_factory=dict)  # session id -> start, end, owner
    assumed: dict[str, dict] = field(default_factory=dict)  # AssumeRole request id -> record
    calls: dict[str, dict] = field(default_factory=dict)  # request id -> record
    issuing: list[dict] = field(default_factory=list)  # the records that issued the Owners


def command_records(command: Command, ledger: list[LedgerRecord], now: float):
    """The ledger's changing trainee calls made for ``command``, while it ran."""
    start = command.claimed_at or command.created_at or 0.0
    end = command.done_at or now
    names = set(command.trainees)
    return [
        r
        for r in ledger
        if start <= r.ts <= end
        and operator_name(r.operator) == operator_name(command.operator)
        and (not names or r.trainee in names)
        and r.operation not in NOT_A_CHANGE
        and r.step != "trace"
    ]


def audited_records(ledger: list[LedgerRecord], since: float) -> list[LedgerRecord]:
    """Every changing trainee call since ``since`` that AWS answered: each one is held to its
    CloudTrail record, whatever command or operator the ledger says it was made for."""
    return [
        r
        for r in ledger
        if r.ts >= since
        and r.operation not in NOT_A_CHANGE
        and r.step != "trace"
        and r.request_id
        and r.outcome is not Outcome.UNKNOWN
    ]


@dataclass
class RecordVerdict:
    """A ledger record CloudTrail contradicts: what it says, and what CloudTrail says."""

    record: int
    trainee: str
    operation: str
    request_id: str | None
    operator: str | None
    verdict: str
    cloudtrail_says: dict


def record_verdicts(records: list[LedgerRecord], evidence: Evidence) -> list[RecordVerdict]:
    """The records whose CloudTrail record names someone else (``contradicted``)."""
    found = []
    for record in records:
        event = evidence.calls.get(record.request_id or "")
        said = record_contradictions(record, event) if event is not None else {}
        if said:
            found.append(
                RecordVerdict(
                    record.id or 0, record.trainee, f"{record.service}:{record.operation}",
                    record.request_id, operator_name(record.operator), CONTRADICTED, said,
                )
            )  # fmt: skip
    return found


def record_line(v: RecordVerdict) -> str:
    """One contradicted record for people."""
    said = ", ".join(f"{k}={val}" for k, val in v.cloudtrail_says.items())
    return printable(
        f"record {v.record} {v.operation} ({v.request_id}) of {v.trainee}, by "
        f"{v.operator or '-'} in the ledger: {v.verdict}: CloudTrail names {said}"
    )


async def gather(course, host, operator, recorder, records, start: datetime) -> Evidence:
    """Everything audit needs from CloudTrail, in the admin and the trainee accounts."""
    import botocore.session

    from console.aws.attribution import LedgerContext, current
    from console.aws.sessions import broker_for
    from console.aws.ssm_host import imds_facts

    instance_id, host_region = imds_facts(botocore.session.get_session())
    evidence = Evidence(instance_id)
    pace = Pace()
    async with broker_for(course, host, operator=operator, recorder=recorder) as broker:
        regions = regions_for(host_region, course.region)
        evidence.sessions = await ssm_sessions(
            broker, host.account, regions, pace, start, instance_id
        )
        owners = [(s["owner"], s["key"]) for s in evidence.sessions.values()]
        evidence.issuing = await issuing_records(broker, host.account, regions, pace, start, owners)
        accounts = {r.account: r.trainee for r in records}
        for account, trainee in sorted(accounts.items()):
            current.set(LedgerContext(course.name, trainee, account, step="trace"))
            session = await broker.session_for(trainee, account, operator)
            mine = [r for r in records if r.account == account]
            await _trainee_calls(session, broker, course, account, mine, pace, start, evidence)
    return evidence


async def _trainee_calls(session, broker, course, account, records, pace, start, evidence):
    """The AssumeRoles that issued the ledger's sessions, and the calls made with their keys."""
    issuers = {r.acting.assume_request_id for r in records if r.acting.assume_request_id}
    for region in regions_for(course.region):
        async with session.session.create_client(
            "cloudtrail", region_name=region, config=broker.client_config
        ) as cloudtrail:
            assumed = await lookup(
                cloudtrail, account, region, ("EventName", "AssumeRole"), pace, StartTime=start
            )
            for f in assumed:
                if f.request_id in issuers:
                    evidence.assumed[f.request_id] = f.event
            keys = {issued_key(evidence.assumed[i]) for i in issuers if i in evidence.assumed}
            for key in sorted(k for k in keys if k):
                for f in await lookup(cloudtrail, account, region, ("AccessKeyId", key), pace):
                    if f.request_id and f.changing:
                        evidence.calls[f.request_id] = f.event


def judge(
    command: Command, records, evidence: Evidence, course: str, now, window, *, sets_si=True
) -> Verdict:
    """The verdict on one command (``sets_si``: the course sets SourceIdentity; without it the
    sessions carry none, and expecting one would contradict every honest command)."""
    from console.aws.names import session_name, source_identity

    operator = command.operator
    verdict = Verdict(
        command.id or 0,
        command.kind.value,
        operator_name(operator),
        operator.level if operator else None,
        CONFIRMED,
        calls=len(records),
    )
    if operator is None:
        verdict.verdict, verdict.evidence = CONTRADICTED, ["the command names no operator"]
        return verdict
    contradictions, missing = session_check(
        command, operator, evidence.sessions, evidence.instance_id
    )
    names = (
        session_name(operator.name, course),
        source_identity(operator.name) if sets_si else None,
    )
    for record in records:
        found = _call_check(record, names, evidence)
        (missing if found and found.startswith("missing:") else contradictions).extend(
            [found.removeprefix("missing: ")] if found else []
        )
    last = max([command.done_at or now, *(r.ts for r in records)])
    if contradictions:
        verdict.verdict, verdict.evidence = CONTRADICTED, contradictions
    elif missing and too_young(last, now, window):
        verdict.verdict, verdict.evidence = NOT_YET_DELIVERED, missing
    elif missing:
        verdict.verdict, verdict.evidence = CONTRADICTED, missing
    else:
        verdict.evidence = [
            f"StartSession by {operator.arn or operator.name} overlaps it; "
            f"{len(records)} call(s) in CloudTrail as {names[0]} / SourceIdentity {names[1]}"
        ]
    named = operator_owner_name(operator, evidence.sessions, evidence.issuing)
    if named is not None:
        verdict.owner_name_chosen = named.chosen
        verdict.evidence.append(f"who named the owner: {named.words}")
    return verdict


def _call_check(
    record: LedgerRecord, names: tuple[str, str | None], evidence: Evidence
) -> str | None:
    """Why ``record`` contradicts the operator (``missing: ...`` when unseen), else None."""
    call = f"{record.service}:{record.operation} ({record.request_id})"
    if record.outcome is Outcome.UNKNOWN or not record.request_id:
        return None  # no answer was heard: nothing to hold CloudTrail to
    assumed = evidence.assumed.get(record.acting.assume_request_id or "")
    if assumed is None:
        return f"missing: the AssumeRole {record.acting.assume_request_id} that issued {call}'s key"
    asked = assumed.get("requestParameters") or {}
    if (asked.get("roleSessionName"), asked.get("sourceIdentity")) != names:
        return (
            f"{call} used a key issued by AssumeRole {record.acting.assume_request_id} as "
            f"{asked.get('roleSessionName')} / SourceIdentity {asked.get('sourceIdentity')}"
        )
    event = evidence.calls.get(record.request_id)
    if event is None:
        return f"missing: {call} in CloudTrail"
    if session_of(event.get("userIdentity") or {}) != names:
        return f"{call} was made as {session_of(event.get('userIdentity') or {})} in CloudTrail"
    if said := record_contradictions(record, event):
        words = ", ".join(f"{k}={v}" for k, v in said.items())
        return f"ledger record {record.id} of {call} was changed: CloudTrail names {words}"
    return None


def verdict_line(v: Verdict) -> str:
    """One command's verdict for people."""
    head = f"command {v.command} {v.kind} by {v.operator or '-'} ({v.level or '-'}): {v.verdict}"
    return "\n".join([head, *(f"  - {e}" for e in v.evidence)])


def _asked(work: Callable[[], Coroutine[Any, Any, Evidence]]) -> Evidence:
    """Run the coroutine ``work()`` makes; a refusal or an unreachable AWS is a clear error,
    not a traceback."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return interruptible.run(work)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise WhodidthisError(
            f"audit: {exc.operation_name} was refused ({error.get('Code')}: "
            f"{error.get('Message')}); the host role needs cloudtrail:LookupEvents (in "
            "PowerUserAccess) and each ManageEnvRole too (`whodidthis iam-templates`)"
        ) from None
    except BotoCoreError as exc:
        raise WhodidthisError(f"audit: CloudTrail could not be asked ({exc})") from None


def cli_audit(args) -> int:
    """Entry point of ``whodidthis audit``."""
    from console.commands.headless import open_course
    from console.commands.views import parse_since

    now = time.time()
    since = parse_since(args.since, now) if args.since else 0.0
    opened = open_course(args, sync=False)
    try:
        commands = [c for c in opened.store.commands() if (c.created_at or 0) >= since]
        ledger = opened.store.ledger()
        per_command = {c.id: command_records(c, ledger, now) for c in commands}
        each = audited_records(ledger, since)
        records = list({r.id: r for found in [*per_command.values(), each] for r in found}.values())
        evidence = read_cloudtrail(args, opened, records, since, now)
    finally:
        opened.store.close()
    window = args.delivery_window * 60
    verdicts = [
        judge(
            c,
            per_command[c.id],
            evidence,
            opened.course.name,
            now,
            window,
            sets_si=opened.course.source_identity,
        )
        for c in commands
    ]
    forged = record_verdicts(each, evidence)
    emit(
        args.output,
        lambda: [asdict(v) for v in verdicts] + [asdict(r) for r in forged],
        lambda: (
            "\n".join([*map(verdict_line, verdicts), *map(record_line, forged)])
            or "no command to audit"
        ),
        lines=True,
    )
    contradicted = bool(forged) or any(v.verdict == CONTRADICTED for v in verdicts)
    return EXIT_CONTRADICTED if contradicted else EXIT_OK


def read_cloudtrail(args, opened, records: list[LedgerRecord], since: float, now: float):
    """What CloudTrail holds about the commands since ``since``: the one AWS read of audit,
    as the host identity (checked first) and each trainee's ManageEnvRole session."""
    from console.aws.operator import resolve_operator
    from console.engine.opening import check_host
    from console.engine.process import StoreRecorder

    host = check_host(opened.course, args.allow_long_term_keys)
    start = datetime.fromtimestamp(max(since - 43200, now - 90 * 86400), UTC)
    operator = resolve_operator(args.operator)
    recorder = StoreRecorder(opened.store)
    return _asked(lambda: gather(opened.course, host, operator, recorder, records, start))


AUDIT_EXAMPLES = """examples:
  whodidthis audit dojo.toml               each command's operator, confirmed from CloudTrail
  whodidthis audit dojo.toml --since 2h -o json    one JSON verdict per command and line
  whodidthis audit dojo.toml -o yaml               the verdicts as one YAML sequence"""


@dataclass(frozen=True, kw_only=True)
class AuditOptions(CourseOptions):
    since: str | None = None
    output: str = "table"
    delivery_window: float = 15.0


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=AUDIT_EXAMPLES)
    add_course(p)
    p.add_argument(
        "--since",
        default=None,
        metavar="WHEN",
        help="only commands from then on: an ISO 8601 time (UTC) or a duration (30m, 2h, 1d)",
    )
    add_output(p, json_help="one JSON verdict per command and line (as -o json)")
    add_delivery_window(p)
    add_common(p)
    p.set_defaults(handler=cli_audit, options=AuditOptions)
    return p
