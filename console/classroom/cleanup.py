"""Deleting what a trainee made by hand, only when asked (``teardown --trainee-made``).

Only what the inventory found made by the trainee themself (their IAM user, or a role session
they started) and still there is considered; of that, only kinds with a deleter
(``console.classroom.made_kinds``: SQS queues, EC2 instances, S3 buckets, IAM users) are
deleted, each call
through a client with the ledger's hooks, its record's step saying why: ``trainee-made
AWS::SQS::Queue lab-q: made by alice (IAM user) at 10:32``. Everything else is named and
left alone: a resource someone else made, or of a kind whodidthis cannot delete, is never
guessed at. The course's own IAM users (named by its ``iam_user`` steps, ``keep``, or carrying
its tags) are never deleted here, whoever CloudTrail says made them.
Without the flag, nothing here runs and nothing untagged is ever deleted.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AsyncExitStack
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from console.aws.attribution import install_ledger_hooks, update_context
from console.classroom.inventory import Inventory, Made
from console.classroom.made_kinds import BY_EVENT, NotTheTrainees
from console.words import clock


@dataclass(frozen=True)
class Cleaned:
    """What became of one hand-made resource: ``deleted``, ``failed`` or ``kept``, and why."""

    made: Made
    outcome: str
    why: str


def reason(made: Made) -> str:
    """The ledger's step for deleting ``made``: what it is, who made it and when."""
    return (
        f"trainee-made {made.type} {made.name}: made by {made.creator.text} at {clock(made.at)[:5]}"
    )


def plan(inv: Inventory, keep: Collection[str] = ()) -> list[Cleaned]:
    """What ``--trainee-made`` would do with each resource in ``inv`` (nothing deleted yet);
    ``keep`` names the course's own IAM users (``progress.trainee_users``)."""
    out = []
    for made in inv.made:
        if made.exists is False:
            continue
        if made.type == "AWS::IAM::User" and made.name in keep:
            out.append(Cleaned(made, "kept", "the course's own IAM user (an iam_user step)"))
        elif not made.by_trainee:
            out.append(Cleaned(made, "kept", f"made by {made.creator.text}, not the trainee"))
        elif not made.deletable:
            out.append(Cleaned(made, "kept", "whodidthis cannot delete this kind; do it by hand"))
        else:
            out.append(Cleaned(made, "delete", reason(made)))
    return out


async def clean(
    inv: Inventory, session, config, recorder, issued, keep: Collection[str] = ()
) -> list[Cleaned]:
    """Delete what ``plan`` marks for deletion, each call in the ledger; returns every line."""
    done = []
    async with AsyncExitStack() as stack:
        clients: dict[tuple[str, str], object] = {}

        async def client(service: str, region: str):
            if (service, region) not in clients:
                made = await stack.enter_async_context(
                    session.create_client(service, region_name=region, config=config)
                )
                install_ledger_hooks(made, recorder, issued=issued)
                clients[service, region] = made
            return clients[service, region]

        for line in plan(inv, keep):
            if line.outcome != "delete":
                done.append(line)
                continue
            update_context(step=line.why, region=line.made.region)
            deleter = BY_EVENT[line.made.event].delete
            assert deleter is not None  # plan() said deletable
            try:
                await deleter(client, line.made.region, line.made.id)
            except NotTheTrainees as exc:
                done.append(Cleaned(line.made, "kept", str(exc)))
                continue
            except (ClientError, BotoCoreError) as exc:
                done.append(Cleaned(line.made, "failed", f"{line.why}; {exc}"))
                continue
            done.append(Cleaned(line.made, "deleted", line.why))
    update_context(step=None)
    return done


def cleaned_line(line: Cleaned) -> str:
    """One line for people: what, where, and what happened."""
    m = line.made
    return f"  {line.outcome:<8} {m.type} {m.name} in {m.region}: {line.why}"


def course_users(course) -> set[str]:
    """Every IAM user the course's ``iam_user`` steps name, for any trainee: never deleted as
    hand-made (an account shared by two trainees holds both)."""
    from console.classroom.progress import trainee_users

    return set().union(*(trainee_users(course, t) for t in course.trainees))


async def clean_trainee(course, trainee, broker, operator, recorder, since: float, *, delete: bool):
    """One trainee's inventory with the broker's session for ``operator``, then its plan
    (``delete`` False) or its deletes (True); returns (the inventory, its lines). What
    ``teardown --trainee-made`` runs in the CLI and the engine's ``trainee-made`` command."""
    from console.aws.attribution import LedgerContext, current
    from console.classroom.inventory import inventory_of

    current.set(LedgerContext(course.name, trainee.name, trainee.account, step="inventory"))
    session = await broker.session_for(trainee.name, trainee.account, operator)
    inv = await inventory_of(course, trainee, session.session, broker.client_config, since)
    keep = course_users(course)
    if not delete:
        return inv, plan(inv, keep)
    config = broker.client_config
    return inv, await clean(inv, session.session, config, recorder, broker.issued, keep)
