"""``whodidthis preflight COURSE``: can the host act in every trainee account, and is each
trust policy what it should be? Changes nothing.

For every trainee, concurrently: assume the role, confirm the identity, read the role's trust
policy, lint it. A denied assume is diagnosed by trying again without SourceIdentity, then
without session tags: AWS's message is the same whatever the cause, the retries tell them apart.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

from console.aws import sdk
from console.aws.attribution import LedgerContext, current
from console.aws.identity import role_arn_of
from console.aws.trustlint import ERROR, Finding, lint_trust_policy
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
    course, host, operator: Operator | str, names: list[str] | None = None, recorder=None
) -> list[PreflightRow]:
    """Preflight ``names`` (default: every trainee) at the course's concurrency."""
    from console.aws.attribution import NullRecorder
    from console.aws.sessions import broker_for
    from console.redaction import quiet_sdk_loggers

    quiet_sdk_loggers()
    recorder = recorder or NullRecorder()
    targets = [t for t in course.trainees if not names or t.name in names]
    slots = asyncio.Semaphore(course.concurrency)
    async with broker_for(
        course,
        host_arn=host.arn,
        operator=operator,
        recorder=recorder,
        host_principal_id=host.user_id,
    ) as broker:

        async def one(trainee) -> PreflightRow:
            async with slots:
                return await _check(course, host, broker, trainee)

        return list(await asyncio.gather(*(one(t) for t in targets)))


async def _check(course, host, broker, trainee) -> PreflightRow:
    from console.aws.config import aio_client_config
    from console.aws.sessions import AssumeRoleDenied
    from console.engine.pipeline import failure_of

    current.set(LedgerContext(course.name, trainee.name, trainee.account, step="preflight"))
    row = PreflightRow(trainee.name, trainee.account)
    try:
        session = await broker.session_for(trainee.name, trainee.account)
    except AssumeRoleDenied as exc:
        row.error, row.error_code = f"{exc.code}: {exc.aws_message}", exc.code
        row.diagnosis = await _diagnose(broker, trainee)
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
            role = (await iam.get_role(RoleName=course.role_name))["Role"]
    except Exception as exc:
        row.error = f"assumed, but could not read the trust policy: {failure_of(exc, None).text}"
        row.error_code = failure_of(exc, None).code
        return row
    document = role["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        document = json.loads(unquote(document))
    row.findings = lint_trust_policy(
        document,
        admin_account=host.account,
        host_role_arn=role_arn_of(host.arn) or "",  # preflight runs on an identified host
        source_identity=course.source_identity,
    )
    return row


async def _diagnose(broker, trainee) -> str:
    """Tell the causes of a denial apart by what a plainer AssumeRole does."""
    if (
        broker.source_identity
        and await broker.probe(trainee.name, trainee.account, source_identity=False, tags=True)
        is None
    ):
        return (
            "the trust policy does not allow sts:SetSourceIdentity (the course sets "
            "source_identity = true): add it to the host role's statement"
        )
    if await broker.probe(trainee.name, trainee.account, source_identity=False, tags=False) is None:
        return "the trust policy does not allow sts:TagSession: add it to the host role's statement"
    return (
        "the role does not exist, or its trust policy does not trust the host role, or the "
        "host's own policy does not allow sts:AssumeRole on it: check the role in account "
        f"{trainee.account} and paste the trust policy from `whodidthis iam-templates`"
    )


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


def cli_preflight(args) -> int:
    """Entry point of ``whodidthis preflight``."""
    from console.aws.operator import resolve_operator
    from console.commands.headless import open_course
    from console.engine.process import StoreRecorder, check_host

    opened = open_course(args)
    host = check_host(opened.course, args.allow_long_term_keys)
    sdk.install()  # a headless process making clients for every trainee (the console never does)
    started = time.perf_counter()
    rows = asyncio.run(
        preflight(
            opened.course,
            host,
            resolve_operator(args.operator),
            recorder=StoreRecorder(opened.store),
        )
    )
    wall = time.perf_counter() - started
    if args.json:
        json.dump(
            {
                "course": opened.course.name,
                "host": host.arn,
                "ok": all(r.ok for r in rows),
                "wall_seconds": round(wall, 3),
                "trainees": [r.to_json() for r in rows],
            },
            sys.stdout,
        )
        sys.stdout.write("\n")
    else:
        print(rows_text(rows, wall))
    return EXIT_OK if all(r.ok for r in rows) else EXIT_FAILED
