"""The teardown plan: per trainee, what would be deleted and what would be kept, and why.

Read-only (docs/contracts.md: ``teardown`` without ``--yes`` changes nothing): it assumes each role
and asks each step what it would delete. The console's teardown modal shows the same plan.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from console.aws.identity import HostIdentity
from console.course.model import Course
from console.engine import interruptible
from console.engine.ports import TraineeStore
from console.errors import EXIT_OK
from console.model import Operator
from console.steps.base import TAG_COURSE, TAG_TRAINEE
from console.words import short_principal


@dataclass
class PlanItem:
    step: str
    resource: str
    resource_arn: str | None
    delete: bool
    note: str = ""


@dataclass
class TraineePlan:
    trainee: str
    account: str
    principal_arn: str | None = None
    items: list[PlanItem] = field(default_factory=list)
    error: str | None = None
    sweep: str = ""

    def to_json(self) -> dict:
        return {
            "trainee": self.trainee,
            "account": self.account,
            "principal_arn": self.principal_arn,
            "error": self.error,
            "sweep": self.sweep,
            "items": [
                {
                    "step": i.step,
                    "resource": i.resource,
                    "resource_arn": i.resource_arn,
                    "action": "delete" if i.delete else "keep",
                    "note": i.note,
                }
                for i in self.items
            ],
        }


async def teardown_plan(
    course: Course,
    store: TraineeStore,
    host: HostIdentity,
    operator: Operator | str,
    names: list[str] | None = None,
    on_done: Callable[[], None] | None = None,
) -> list[TraineePlan]:
    """The plan for ``names`` (default: every trainee), computed concurrently; ``on_done``
    is called as each trainee's plan is made (the CLI's ``n/N``)."""
    from console.aws.sessions import broker_for
    from console.engine.pipeline import TraineePipeline, failure_of
    from console.engine.process import StoreRecorder
    from console.redaction import quiet_sdk_loggers
    from console.steps import registry

    quiet_sdk_loggers()
    kinds, recorder = registry(), StoreRecorder(store)
    targets = course.trainees_in(names)
    slots = asyncio.Semaphore(course.concurrency)
    async with broker_for(course, host, operator=operator, recorder=recorder) as broker:

        async def one(trainee) -> TraineePlan:
            plan = TraineePlan(trainee.name, trainee.account, sweep=sweep_line(course, trainee))
            pipeline = TraineePipeline(
                course, trainee, store=store, broker=broker, kinds=kinds, recorder=recorder
            )
            async with slots:
                try:
                    for label, item in await pipeline.plan():
                        plan.items.append(
                            PlanItem(
                                label,
                                item.resource,
                                item.resource_arn,
                                item.ours and item.exists,
                                item.note,
                            )
                        )
                except Exception as exc:  # reported on the trainee's plan
                    plan.error = failure_of(exc, broker.host_arn).text
            if pipeline.session:
                plan.principal_arn = pipeline.session.principal_arn
            if on_done is not None:
                on_done()
            return plan

        return list(await asyncio.gather(*(one(t) for t in targets)))


def sweep_line(course: Course, trainee) -> str:
    """What teardown does after the steps, for the plan's last line."""
    return (
        f"every enabled region (Resource Groups Tagging API) and IAM, for anything still tagged "
        f"{TAG_COURSE}={course.name}, {TAG_TRAINEE}={trainee.name}, and CloudTrail for what "
        "the trainee made by hand: TORN_DOWN only if nothing is left"
    )


def plan_text(course: Course, plans: list[TraineePlan]) -> str:
    """The plan for people; says plainly that nothing was changed."""
    lines = [
        f"Teardown plan for {course.name}: nothing has been changed. "
        f"Run again with --yes to proceed."
    ]
    deleting = keeping = 0
    for plan in plans:
        who = f" as {short_principal(plan.principal_arn)}" if plan.principal_arn else ""
        lines.append(f"\n{plan.trainee} ({plan.account}){who}")
        if plan.error:
            lines.append(f"  cannot plan: {plan.error}")
        for item in plan.items:
            action = "delete" if item.delete else "keep  "
            deleting += item.delete
            keeping += not item.delete
            note = f"  ({item.note})" if item.note else ""
            lines.append(f"  {action} {item.step:<36} {item.resource_arn or item.resource}{note}")
        if plan.sweep:
            lines.append(f"  sweep  {plan.sweep}")
    lines.append(f"\n{deleting} resource(s) would be deleted; {keeping} kept.")
    lines.append(
        "Last, teardown sweeps each trainee's account, every enabled region, for anything "
        "still carrying its tags or made by the trainee by hand: a trainee is TORN_DOWN only "
        "when the sweep finds nothing (`--trainee-made` deletes what the trainee made)."
    )
    return "\n".join(lines)


def print_plan(
    opened,
    host: HostIdentity,
    operator: Operator | str,
    names: list[str],
    as_json: bool,
    on_done: Callable[[], None] | None = None,
) -> int:
    """``teardown`` without ``--yes``: print the plan, change nothing, exit 0."""
    from console.aws import sdk

    sdk.install()  # a headless process making clients for every trainee; a console never comes here
    plans = interruptible.run(
        lambda: teardown_plan(opened.course, opened.store, host, operator, names, on_done=on_done)
    )
    if as_json:
        print(json.dumps({"course": opened.course.name, "plan": [p.to_json() for p in plans]}))
    else:
        print(plan_text(opened.course, plans))
    return EXIT_OK
