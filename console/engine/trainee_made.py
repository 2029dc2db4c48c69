"""The engine's ``trainee-made`` command: delete what the named trainees made by hand.

A console queues it (the inventory view's clean action, behind the typed confirmation); the
engine serves it like any command, as the operator who asked, with the same code as
``teardown --trainee-made --yes`` (``console.classroom.cleanup.clean_trainee``): the inventory
from CloudTrail, then the deletes of the kinds whodidthis can delete, each call in the ledger
with its reason (``trainee-made AWS::SQS::Queue orders: made by alice (IAM user) at 10:32``).
What someone else made, the course's own IAM users and kinds whodidthis cannot delete are
kept and named. The trainees' environments (what the steps built) are left as they are: their
state does not change; a ``trainee-made`` event per trainee names each line, and the
command's result says what became of each trainee.

Each trainee waits for the engine's slots and for any pipeline running for that trainee, as a
teardown does, so a clean never races a build of the same account. A ``cancel`` (or SIGTERM)
stops the trainees whose clean has not begun; one under way finishes its deletes, each of which
is already in the ledger as it is made.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from typing import TYPE_CHECKING

from console.classroom.cleanup import clean_trainee, cleaned_line
from console.classroom.inventory import class_window_start

if TYPE_CHECKING:
    from console.engine.scheduler import CommandRun
    from console.model import Command


CANCELLED = "cancelled by an operator before its clean began"


def tally(lines: list) -> str:
    """``2 deleted, 1 kept`` (or ``nothing made by hand``) for one trainee's lines."""
    counts = Counter(line.outcome for line in lines)
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or (
        "nothing made by hand"
    )


async def clean_one(engine, run, trainee, since: float) -> str:
    """One trainee's clean; what became of it, in a few words. A
    delete that failed, or an account not entered, counts in ``run.failures``."""
    store = engine.store
    try:
        inv, lines = await clean_trainee(
            engine.course, trainee, engine.broker, run.operator, engine.recorder, since, delete=True
        )
    except Exception as exc:  # an account we cannot enter: this trainee's answer, not all
        words = f"could not clean: {exc}"
        run.failures += 1
    else:
        failed = [line for line in lines if line.outcome == "failed"]
        run.failures += len(failed)
        words = tally(lines) + (f"; could not check: {inv.errors[0]}" if inv.errors else "")
        store.add_event(
            "trainee-made",
            trainee.name,
            lines=[cleaned_line(line).strip() for line in lines],
            errors=inv.errors,
            failed=len(failed),
        )
    return words


async def serve(engine, command: Command, run_of: type[CommandRun]) -> CommandRun:
    """Serve ``command`` (kind ``trainee-made``) for its trainees; returns its run.

    ``run_of(command, names, run_id, operator=...)`` makes the engine's ``CommandRun``."""
    names = [t.name for t in engine.course.trainees_in(command.trainees)]
    operator = command.operator or engine.operator
    store = engine.store
    run_id = store.begin_run(command.kind.value, operator.name, os.getpid(), names)
    run = run_of(command, names, run_id, operator=operator)
    since = class_window_start(store)

    async def one(trainee) -> str:
        async with engine.slots, engine.trainee_lock(trainee.name):
            if trainee.name in run.cancelled:  # a cancel, or SIGTERM, before its turn
                store.add_event("trainee-made", trainee.name, lines=[CANCELLED], cancelled=True)
                return f"{trainee.name}: {CANCELLED}"
            return f"{trainee.name}: {await clean_one(engine, run, trainee, since)}"

    with engine.cancellable(run):
        results = await asyncio.gather(*(one(t) for t in engine.course.trainees_in(names)))
    stopped = sum(result.endswith(CANCELLED) for result in results)
    summary = run.summary() | {
        "trainee_made": list(results),
        "failed": run.failures,
        "cancelled": stopped,
    }
    store.finish_run(run_id, summary)
    store.add_event("summary", None, **summary)
    store.finish_command(command.id, "; ".join(results)[:500] or "nothing to do")
    return run
