"""Lab progress: every ``[[check]]`` of the course, evaluated per trainee, read-only.

Each trainee's checks run one after another with that trainee's ManageEnvRole session (its
account's API budget is shared with the trainee, who is working in it); trainees run side by
side up to the course's concurrency. Clients refuse any changing call
(``console.classroom.reads``), so a check can never change an account nor write a ledger change
record; the only records a round of checks leaves are the AssumeRole and the identity check of
each session, which the ledger keeps for every session.

A check that fails to ask (AccessDenied, throttling beyond retries) is "not reached" with the
error as its detail: one broken check never hides the others.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from console.classroom.milestone_kinds import KINDS, Facts, Verdict
from console.classroom.reads import ReadClients
from console.course.model import Course, Trainee


@dataclass(frozen=True)
class Round:
    """One trainee's answers: ``(milestone name, verdict)`` in course order, or why none."""

    trainee: str
    verdicts: tuple[tuple[str, Verdict], ...] = ()
    error: str | None = None


def trainee_users(course: Course, trainee: Trainee) -> frozenset[str]:
    """The IAM user names the course's ``iam_user`` steps make for ``trainee``."""
    return frozenset(s.name_for(course, trainee) for s in course.steps if s.kind == "iam_user")


async def check_trainee(course: Course, trainee: Trainee, session, config) -> Round:
    """Every milestone of ``trainee``, in course order, with read-only clients."""
    facts = Facts(course.region, course.role_name, trainee_users(course, trainee))
    verdicts = []
    async with AsyncExitStack() as stack:
        clients = ReadClients(session, config, stack, course.region)
        for milestone in course.checks:
            params = milestone.render(course, trainee)
            try:
                verdict = await KINDS[milestone.kind](clients, params, facts)
            except (ClientError, BotoCoreError) as exc:
                verdict = Verdict(False, f"could not check: {_reason(exc)}")
            verdicts.append((milestone.name, verdict))
    return Round(trainee.name, tuple(verdicts))


def _reason(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code')}: {error.get('Message')}"
    return str(exc)


async def check_all(course: Course, broker, operator, names=()) -> list[Round]:
    """Every trainee's round (those in ``names``, or all), up to ``course.concurrency`` at once."""
    from console.aws.attribution import LedgerContext, current

    gate = asyncio.Semaphore(course.concurrency)

    async def one(trainee: Trainee) -> Round:
        async with gate:
            current.set(LedgerContext(course.name, trainee.name, trainee.account, step="progress"))
            try:
                session = await broker.session_for(trainee.name, trainee.account, operator)
            except Exception as exc:  # an account we cannot enter: say so on its row
                return Round(trainee.name, error=str(exc))
            return await check_trainee(course, trainee, session.session, broker.client_config)

    return list(await asyncio.gather(*(one(t) for t in course.trainees_in(names))))
