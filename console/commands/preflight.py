"""``whodidthis preflight COURSE``: can the host act in every trainee account, is each trust
policy what it should be, and may each trainee's role make every call the course will make?
Changes nothing.

The host role's ARN, path included, comes from IAM (``console.aws.hostrole``). Then for every
trainee, concurrently: assume the role, confirm the identity, read the role's trust policy and
lint it (``console.aws.trustlint``: the evaluator's answer for the host's real request), and
simulate as the role every action the steps and templates need. A refused assume is diagnosed
by ``preflight_checks.diagnose``, which says only what its checks establish.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from console.aws import sdk
from console.aws.attribution import LedgerContext, current
from console.aws.identity import role_arn_of
from console.aws.organizations import new_account_note
from console.aws.permissions import course_needs
from console.aws.trustcheck import lint, product_request, read_trust
from console.aws.trustlint import ERROR, Finding, ProductRequest, recommended_policy
from console.commands.options import CourseOptions, add_common, add_course, add_output, new_parser
from console.commands.output import emit
from console.commands.preflight_checks import diagnose, permission_findings, quota_findings
from console.engine import interruptible
from console.errors import EXIT_FAILED, EXIT_OK
from console.model import Operator


@dataclass
class PreflightRow:
    """One trainee's preflight: who the host becomes there, or why it cannot, and the lint."""

    trainee: str
    account: str
    principal_arn: str | None = None
    error: str | None = None
    error_code: str | None = None
    diagnosis: str | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not any(f.severity == ERROR for f in self.findings)

    def to_json(self) -> dict:
        return {
            "trainee": self.trainee,
            "account": self.account,
            "principal_arn": self.principal_arn,
            "error": self.error,
            "error_code": self.error_code,
            "diagnosis": self.diagnosis,
            "ok": self.ok,
            "findings": [f.to_json() for f in self.findings],
        }


async def preflight(
    course,
    host,
    operator: Operator | str,
    names: list[str] | None = None,
    recorder=None,
    host_role_arn: str | None = None,
    on_done: Callable[[], None] | None = None,
) -> list[PreflightRow]:
    """Preflight ``names`` (default: every trainee) at the course's concurrency.

    Args:
        host_role_arn: the host role's ARN with its path (default: asked of IAM).
        on_done: called as each trainee's check ends (the CLI's ``n/N``).
    """
    from console.aws.attribution import NullRecorder
    from console.aws.sessions import broker_for
    from console.redaction import quiet_sdk_loggers

    quiet_sdk_loggers()
    recorder = recorder or NullRecorder()
    targets = course.trainees_in(names)
    slots = asyncio.Semaphore(course.concurrency)
    if host_role_arn is None:
        host_role_arn = (await asyncio.to_thread(host_role_of, host, course.region)).arn
    needs = course_needs(course)
    async with broker_for(course, host, operator=operator, recorder=recorder) as broker:

        async def one(trainee) -> PreflightRow:
            async with slots:
                row = await _check(course, host, broker, trainee, (host_role_arn, needs))
            if on_done is not None:
                on_done()
            return row

        return list(await asyncio.gather(*(one(t) for t in targets)))


def host_role_of(host, region: str):
    """The host role as IAM names it; rebuilt from the session ARN only if IAM cannot tell."""
    from console.aws.hostrole import HostRole, lookup_host_role

    found = lookup_host_role(host.arn, region=region)
    if found.arn is None:
        return HostRole(role_arn_of(host.arn), None, found.problem)
    return found


def _product_request(course, broker, trainee) -> ProductRequest:
    """The AssumeRole the broker makes for ``trainee`` (what the lint's probes send)."""
    return product_request(
        course.name, trainee.name, broker.session_name, broker.source_identity,
        broker.operator.name,
    )  # fmt: skip


async def _check(course, host, broker, trainee, shared) -> PreflightRow:
    from console.aws.config import aio_client_config
    from console.aws.sessions import AssumeRoleDenied
    from console.engine.pipeline import failure_of

    current.set(LedgerContext(course.name, trainee.name, trainee.account, step="preflight"))
    row = PreflightRow(trainee.name, trainee.account)
    try:
        session = await broker.session_for(trainee.name, trainee.account)
    except AssumeRoleDenied as exc:
        row.error, row.error_code = f"{exc.code}: {exc.aws_message}", exc.code
        new_account = new_account_note(trainee, time.time())
        if new_account:  # a fresh OU account: not broken, just not ready yet
            row.diagnosis = new_account
            policy = recommended_policy(
                shared[0] or role_arn_of(host.arn) or "", source_identity=course.source_identity
            )
            row.findings.append(
                Finding(ERROR, f"{course.role_name} cannot be assumed yet: {new_account}",
                        json.dumps(policy, indent=2))
            )  # fmt: skip
        else:
            row.diagnosis = await diagnose(broker, trainee, shared[0])
        return row
    except Exception as exc:  # reported on the row
        failure = failure_of(exc, broker.host_arn)
        row.error, row.error_code = failure.text, failure.code
        return row
    row.principal_arn = session.principal_arn
    try:
        async with session.session.create_client(
            "iam", region_name=course.region, config=aio_client_config(None)
        ) as iam:
            role, document = await read_trust(iam, course.role_name)
            permissions = await permission_findings(
                iam, course, role["Arn"], trainee.account, shared[1]
            )
            permissions += await quota_findings(iam, course, role)
    except Exception as exc:
        row.error = f"assumed, but could not read the trust policy: {failure_of(exc, None).text}"
        row.error_code = failure_of(exc, None).code
        return row
    findings = lint(course, document, host_arn=host.arn, host_role_arn=shared[0],
                    request=_product_request(course, broker, trainee))  # fmt: skip
    order = {ERROR: 0, "warning": 1, "info": 2}
    row.findings = sorted(findings + permissions, key=lambda f: order.get(f.severity, 3))
    return row


def rows_text(rows: list[PreflightRow], wall: float) -> str:
    """Preflight for people: one line per trainee, then its findings with their fixes."""
    from console.words import short_principal

    lines = []
    for row in rows:
        mark = "ok " if row.ok else "ERR"
        who = short_principal(row.principal_arn) if row.principal_arn else row.error
        lines.append(f"{mark} {row.trainee:<14} {row.account}  {who}")
        if row.diagnosis:
            lines.append(f"      likely cause: {row.diagnosis}")
        for finding in row.findings:
            lines.append(f"      {finding.severity}: {finding.message}")
            if finding.severity != "info":
                lines.extend(f"        {line}" for line in finding.fix.splitlines())
    bad = sum(not r.ok for r in rows)
    lines.append(f"{len(rows)} trainees checked in {wall:.2f}s; {bad} with problems.")
    return "\n".join(lines)


EXAMPLES = """examples:
  whodidthis preflight dojo.toml           every trainee: assume, trust lint, permissions
  whodidthis preflight dojo.toml -o json   one JSON object (ok, trainees, findings)"""


@dataclass(frozen=True, kw_only=True)
class PreflightOptions(CourseOptions):
    output: str = "table"


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES)
    add_course(p)
    add_output(p, json_help="print one JSON object (as -o json)")
    add_common(p)
    p.set_defaults(handler=cli_preflight, options=PreflightOptions)
    return p


def cli_preflight(args: PreflightOptions) -> int:
    """Entry point of ``whodidthis preflight``."""
    from console.aws.operator import resolve_operator
    from console.commands.headless import open_course
    from console.commands.views import CountLine
    from console.engine.opening import check_host
    from console.engine.process import StoreRecorder

    opened = open_course(args)
    host = check_host(opened.course, args.allow_long_term_keys)
    sdk.install()  # a headless process making clients for every trainee (the console never does)
    started = time.perf_counter()
    counter = CountLine("checked", len(opened.course.trainees))
    rows = interruptible.run(
        lambda: preflight(
            opened.course,
            host,
            resolve_operator(args.operator),
            recorder=StoreRecorder(opened.store),
            on_done=counter.tick,
        )
    )
    counter.close()
    wall = time.perf_counter() - started

    def data() -> dict:
        return {
            "course": opened.course.name,
            "host": host.arn,
            "ok": all(r.ok for r in rows),
            "wall_seconds": round(wall, 3),
            "trainees": [r.to_json() for r in rows],
        }

    emit(args.output, data, lambda: rows_text(rows, wall))
    return EXIT_OK if all(r.ok for r in rows) else EXIT_FAILED
