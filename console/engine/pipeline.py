"""One trainee's pipeline: assume the role, then run the steps in order (or in reverse for a
teardown), recording every state change in the store.

Convergence (docs/contracts.md, "Convergence"): a trainee that is not READY resumes at its first step not done (a
FAILED one at its failed step); a READY one is re-checked with read-only calls and repaired
where something drifted. Any error fails this trainee alone, with the AWS error code, the
message and the principal that got it.
"""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace

from console.aws.attribution import (
    LedgerContext,
    Recorder,
    current,
    install_ledger_hooks,
    update_context,
)
from console.aws.organizations import new_account_note
from console.aws.ou_pins import SUSPENDED
from console.aws.retry_voice import announce_retries
from console.aws.sessions import SessionBroker, TraineeSession
from console.aws.trail_claims import SessionMark
from console.classroom.inventory import Inventory, take, trainee_made_text
from console.classroom.progress import trainee_users
from console.classroom.reads import ReadClients, enabled_regions
from console.course.model import STEP_KINDS, Course, Step, Trainee
from console.engine.confirm import (
    GONE,
    PRESENT,
    UNCONFIRMED,
    Verdict,
    lagging_text,
    read_through_cloud_control,
    unconfirmed_text,
)
from console.engine.ports import TraineeRows
from console.engine.sweep import DELETABLE, leftovers_text, receipt_text, sweep
from console.engine.sweep import resource_name as sweep_name
from console.errors import WhodidthisError
from console.model import Leftover, Operator, Outcome, StepState, TraineeState, TraineeStatus
from console.steps.base import PlannedDeletion, StepContext, StepKind
from console.steps.ownership import OurCreate, may_have_acted
from console.words import ou_code_of

UNREACHABLE = (
    "AWS could not be reached from this host (network, proxy, DNS or VPC endpoint); "
    "nothing was changed by this call. Run the command again once the endpoint answers: "
    "the trainee resumes at this step"
)


@dataclass(frozen=True)
class Failure:
    """Why a trainee failed, in the words the console and the CLI show."""

    code: str
    message: str
    principal: str | None

    @property
    def text(self) -> str:
        who = f" (as {self.principal})" if self.principal else ""
        return f"{self.code}: {self.message}{who}"


def failure_of(exc: BaseException, principal: str | None) -> Failure:
    """The AWS error code and message of ``exc``, or our own error's class and message."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.exceptions import ConnectionError as NoConnection

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return Failure(error.get("Code", "ClientError"), error.get("Message", str(exc)), principal)
    if isinstance(exc, WhodidthisError):
        code = getattr(exc, "code", type(exc).__name__)
        message = str(exc)
        # Our errors that carry an AWS code often start their message with it already.
        return Failure(code, message.removeprefix(f"{code}: "), principal)
    if isinstance(exc, NoConnection):  # the message names the endpoint URL
        return Failure(type(exc).__name__, f"{exc}. {UNREACHABLE}", principal)
    if isinstance(exc, BotoCoreError):
        return Failure(type(exc).__name__, str(exc), principal)
    return Failure(type(exc).__name__, str(exc) or repr(exc), principal)


def step_label(step: Step, course: Course, trainee: Trainee) -> str:
    """``codecommit_repo:dojo-app``: the ledger's ``step`` field."""
    return f"{step.kind}:{step.name_for(course, trainee)}"


class TraineePipeline:
    """Runs one trainee's steps with its assumed-role session and per-account clients.

    ``operator`` is the command's: the session is assumed for that operator alone (the broker
    caches sessions per account and operator), so what CloudTrail shows is who asked.
    """

    def __init__(
        self,
        course: Course,
        trainee: Trainee,
        *,
        store: TraineeRows,
        broker: SessionBroker,
        kinds: dict[str, StepKind],
        recorder: Recorder,
        cancelled=lambda: False,
        operator: Operator | str | None = None,
    ):
        self.course, self.trainee, self.store = course, trainee, store
        self.broker, self.kinds, self.recorder = broker, kinds, recorder
        self.cancelled = cancelled
        self.operator = broker.operator if operator is None else Operator.of(operator)
        # Set by run() and plan() before anything reads it.
        self.session: TraineeSession = None  # type: ignore[assignment]
        self._created: dict[str, OurCreate] | None = None  # step label -> our answered create
        self._done: set[int] = set()  # steps DONE when this run began

    def _set(self, **fields) -> None:
        self.store.set_trainee(self.trainee.name, **fields)

    async def run(self, teardown: bool = False) -> TraineeState:
        """Converge (or tear down) this trainee; returns its final state. Never raises for AWS
        errors: they become a FAILED state with the reason."""
        self._begin_context()
        before = self.store.trainee(self.trainee.name)
        note = before.ou_note if before is not None else None
        if note is not None and ou_code_of(note) == SUSPENDED:
            # Organizations says the account is suspended or closing: no AssumeRole can reach
            # it, so none is tried; the note says what becomes of its resources.
            return self._fail(Failure(SUSPENDED, note.split(": ", 1)[1], None))
        self._set(
            state=TraineeState.ASSUMING,
            error=None,
            error_code=None,
            started_at=time.time(),
            finished_at=None,
            receipt=None,
            last_action=f"assume {self.course.role_name}",
        )
        try:
            self.session = await self._session()
        except Exception as exc:  # every failure is reported on the trainee
            self.broker.forget(self.trainee.account, self.operator)
            failure = failure_of(exc, self.broker.host_arn)
            note = new_account_note(self.trainee, time.time())
            if note:  # a fresh OU account: say so, so nobody goes hunting a broken trust policy
                failure = Failure(failure.code, f"{failure.message} ({note})", failure.principal)
            return self._fail(failure)
        s = self.session
        self._set(
            state=TraineeState.TEARING_DOWN if teardown else TraineeState.RUNNING,
            principal_arn=s.principal_arn,
            session_name=s.session_name,
            source_identity=s.source_identity,
            last_action="GetCallerIdentity ok",
        )
        async with AsyncExitStack() as stack:
            client = self._client_factory(stack)
            try:
                if teardown:
                    return await self._teardown(client, before)
                if refused := await self._trust_gate(client):
                    return refused
                return await self._converge(client, before)
            except Exception as exc:
                return self._fail(failure_of(exc, s.principal_arn))

    async def _trust_gate(self, client) -> TraineeState | None:
        """Before a build, preflight's trust check (one GetRole): FAILED when the role's trust
        lets others in (an error finding), so nothing is built in an account anyone may enter;
        each warning becomes a ``trust`` event the CLI and the console show."""
        from console.aws.trustcheck import build_gate, refusal_text

        self._set(last_action=f"check {self.course.role_name}'s trust policy")
        errors, warnings = await build_gate(
            self.course, self.broker, self.session, await client("iam")
        )
        for finding in warnings:
            self.store.add_event("trust", self.trainee.name, severity=finding.severity,
                                 message=finding.message)  # fmt: skip
        if not errors:
            return None
        text = refusal_text(self.course, self.trainee, errors)
        return self._fail(Failure("UnsafeTrustPolicy", text, self.session.principal_arn))

    def _begin_context(self) -> None:
        """This task's ledger context: the trainee, and the operator the command acts for."""
        current.set(
            LedgerContext(
                self.course.name,
                self.trainee.name,
                self.trainee.account,
                region=self.course.region,
                operator=self.operator,
            )
        )

    async def _session(self) -> TraineeSession:
        return await self.broker.session_for(self.trainee.name, self.trainee.account, self.operator)

    def _client_factory(self, stack: AsyncExitStack):
        """``await client("iam")``: one client per service in this trainee's account, with
        explicit retries (one per account, so one throttled account cannot drain another's
        retry budget) and the ledger hooks; closed with ``stack``."""
        clients: dict[str, object] = {}

        async def client(service: str):
            if service not in clients:
                made = await stack.enter_async_context(
                    self.session.session.create_client(
                        service, region_name=self.course.region, config=self.broker.client_config
                    )
                )
                install_ledger_hooks(made, self.recorder, issued=self.broker.issued)
                announce_retries(made, lambda text: self._set(last_action=text))
                clients[service] = made
            return clients[service]

        return client

    def _context(self, step: Step, client) -> StepContext:
        return StepContext(
            course_name=self.course.name,
            trainee=self.trainee.name,
            account=self.trainee.account,
            region=self.course.region,
            params=step.render(self.course, self.trainee),
            client=client,
            progress=lambda text: self._set(last_action=text),
            template_path=str(self.course.template_path(step))
            if STEP_KINDS[step.kind].template_param
            else None,
            template_body=self.course.templates.get(step.index),
            extra={"our_create": self._our_create(step)},
        )

    def _our_create(self, step: Step) -> OurCreate | None:
        """What the ledger says of our create call for ``step`` (see ``OurCreate``): its time,
        whether a tagging call answered after it, and whether the step was DONE; None when no
        create of ours answered, or a delete of ours answered after it."""
        if self._created is None:  # read the trainee's ledger once, not once per step
            self._created = {}
            for record in self.store.ledger(trainee=self.trainee.name):
                if record.step is None:
                    continue
                if record.operation.startswith("Create") and may_have_acted(record):
                    # A create whose answer was lost (a crash, SIGTERM, a full disk, a 500 after
                    # the fact) may have made the resource: the step reads back what exists
                    # (its CreationDate, contents and tags) before claiming it.
                    self._created[record.step] = OurCreate(
                        at=record.ts,
                        answered=record.outcome == Outcome.OK,
                        session=SessionMark(
                            record.acting.principal_arn,
                            record.request_id,
                            record.acting.access_key_digest,
                            record.acting.assume_request_id,
                        ),
                    )
                    continue
                if record.outcome != Outcome.OK:
                    continue
                elif "Tag" in record.operation and record.step in self._created:
                    self._created[record.step] = replace(self._created[record.step], tagged=True)
                elif record.operation.startswith("Delete"):
                    self._created.pop(record.step, None)
            status = self.store.trainee(self.trainee.name)  # before this run changed any step
            self._done = {
                st.index for st in (status.steps if status else ()) if st.state == StepState.DONE
            }
        found = self._created.get(step_label(step, self.course, self.trainee))
        return None if found is None else replace(found, step_done=step.index in self._done)

    async def _converge(self, client, before: TraineeStatus | None) -> TraineeState:
        recheck_all = before is not None and before.state == TraineeState.READY
        done = {st.index for st in (before.steps if before else ()) if st.state == StepState.DONE}
        for step in self.course.steps:
            if self.cancelled():
                return self._cancel("cancelled by an operator")
            kind, label = self.kinds[step.kind], step_label(step, self.course, self.trainee)
            update_context(step=label)
            self._set(step_index=step.index, last_action=f"{label}")
            ctx = self._context(step, client)
            if step.index in done and not recheck_all:
                continue
            self.store.set_step(
                self.trainee.name,
                step.index,
                state=StepState.RUNNING,
                error=None,
                name=ctx.params.get("name"),
            )
            if step.index in done:
                checked = await kind.check(ctx)
                if checked.ok:
                    self.store.set_step(
                        self.trainee.name,
                        step.index,
                        state=StepState.DONE,
                        resource_arn=checked.resource_arn,
                    )
                    continue
                self._set(last_action=f"{label} drifted: {'; '.join(checked.problems)}")
            try:
                result = await kind.apply(ctx)
            except Exception as exc:
                self.store.set_step(
                    self.trainee.name,
                    step.index,
                    state=StepState.FAILED,
                    error=failure_of(exc, self.session.principal_arn).text,
                )
                raise
            self.store.set_step(
                self.trainee.name,
                step.index,
                state=StepState.DONE,
                resource_arn=result.resource_arn,
            )
        update_context(step=None)
        self._set(
            state=TraineeState.READY,
            leftovers=[],
            finished_at=time.time(),
            step_index=None,
            last_action="all steps done",
        )
        return TraineeState.READY

    async def _teardown(self, client, before: TraineeStatus | None) -> TraineeState:
        for step in reversed(self.course.steps):
            if self.cancelled():
                return self._cancel("cancelled by an operator")
            kind, label = self.kinds[step.kind], step_label(step, self.course, self.trainee)
            update_context(step=label)
            self._set(step_index=step.index, last_action=f"tear down {label}")
            ctx = self._context(step, client)
            self.store.set_step(self.trainee.name, step.index, state=StepState.RUNNING, error=None)
            try:
                await kind.teardown(ctx)
            except Exception as exc:
                self.store.set_step(
                    self.trainee.name,
                    step.index,
                    state=StepState.FAILED,
                    error=failure_of(exc, self.session.principal_arn).text,
                )
                raise
            self.store.set_step(
                self.trainee.name, step.index, state=StepState.TORN_DOWN, resource_arn=None
            )
        await self._delete_leftovers(client, before.leftovers if before else ())
        return await self._sweep(client)

    def _leftover_context(self, leftover: Leftover, client) -> tuple[StepKind, StepContext]:
        """The step kind that deletes ``leftover`` and a context naming it (defaults for the
        rest of the kind's parameters): its teardown then checks our tags like any step's."""
        kind = DELETABLE[leftover.type]
        params = {name: spec.fresh_default() for name, spec in STEP_KINDS[kind].params.items()}
        params["name"] = sweep_name(leftover)
        ctx = StepContext(
            course_name=self.course.name,
            trainee=self.trainee.name,
            account=self.trainee.account,
            region=self.course.region,
            params=params,
            client=client,
            progress=lambda text: self._set(last_action=text),
            extra={"our_create": None},  # never claim an untagged resource here
        )
        return self.kinds[kind], ctx

    async def _delete_leftovers(self, client, leftovers) -> None:
        """Delete what the previous sweep found, where a step kind knows how (ours only)."""
        for leftover in leftovers:
            if leftover.type not in DELETABLE:
                continue
            kind, ctx = self._leftover_context(leftover, client)
            update_context(step=f"sweep:{kind.kind}:{ctx.params['name']}")
            self._set(last_action=f"deleting leftover {leftover.arn}")
            await kind.teardown(ctx)

    async def _sweep(self, client) -> TraineeState:
        """TORN_DOWN with a receipt when nothing is left; FAILED naming what is: ours
        (Leftovers), or what the trainee made by hand (TraineeMade), in every enabled region.

        Each candidate the tag index lists in the course's region (and IAM) is confirmed first
        (``console.engine.confirm``): one AWS says is gone is reported "deleted, still in the
        tag index", not a leftover.
        """
        update_context(step="sweep")
        self._set(step_index=None, last_action="sweep every enabled region and IAM")
        async with AsyncExitStack() as stack:
            reads = ReadClients(
                self.session.session, self.broker.client_config, stack, self.course.region
            )
            regions = await enabled_regions(reads)
            others = [r for r in regions if r != self.course.region]
            tagged = await sweep(client, self.course.name, self.trainee.name, reads, others)
            made = await self._trainee_made(reads)
        found = [t for t in tagged if _region_of(t.arn) not in ("", self.course.region)]
        verdicts = [await self._confirm(t, client) for t in tagged if t not in found]
        update_context(step=None)
        found += [v.leftover for v in verdicts if v.state != GONE]
        lagging = lagging_text([v.leftover for v in verdicts if v.state == GONE])
        if found:
            unsure = unconfirmed_text([v for v in verdicts if v.state == UNCONFIRMED])
            text = leftovers_text(found) + unsure + lagging.replace("; ", " Also ", 1)
            failure = Failure("Leftovers", text, self.session.principal_arn)
            return self._fail(failure, leftovers=found, receipt=None)
        receipt = receipt_text(
            time.time(), made.left, regions or [self.course.region], home=self.course.region
        )
        if made.left or made.errors:
            failure = Failure("TraineeMade", trainee_made_text(made), self.session.principal_arn)
            return self._fail(failure, leftovers=[], receipt=receipt)
        self._set(
            state=TraineeState.TORN_DOWN,
            finished_at=time.time(),
            step_index=None,
            leftovers=[],
            receipt=receipt + lagging,
            last_action="torn down; sweep found nothing" + lagging,
        )
        return TraineeState.TORN_DOWN

    async def _confirm(self, leftover: Leftover, client) -> Verdict:
        """Ask AWS whether a candidate the tag index lists is there (the index lags)."""
        if leftover.type in DELETABLE:  # the step kind's own read
            kind, ctx = self._leftover_context(leftover, client)
            there = any(line.exists for line in await kind.plan_teardown(ctx))
            return Verdict(leftover, PRESENT if there else GONE)
        return await read_through_cloud_control(client, leftover, self.course.region)

    async def _trainee_made(self, reads) -> Inventory:
        """What the trainee made by hand since our first call in their account."""
        since = min((r.ts for r in self.store.ledger(trainee=self.trainee.name)), default=0.0)
        made = Inventory(self.trainee.name, self.trainee.account)
        users = set(trainee_users(self.course, self.trainee))
        await take(reads, self.course.role_name, users, since, made)
        return made

    async def plan(self) -> list[tuple[str, PlannedDeletion]]:
        """The teardown plan for this trainee: (step label, PlannedDeletion) in teardown order."""
        self._begin_context()
        self.session = await self._session()
        plan = []
        async with AsyncExitStack() as stack:
            client = self._client_factory(stack)
            for step in reversed(self.course.steps):
                label = step_label(step, self.course, self.trainee)
                for item in await self.kinds[step.kind].plan_teardown(self._context(step, client)):
                    plan.append((label, item))
            before = self.store.trainee(self.trainee.name)
            for leftover in before.leftovers if before else ():
                plan.append(await self._plan_leftover(leftover, client))
        return plan

    async def _plan_leftover(self, leftover: Leftover, client) -> tuple[str, PlannedDeletion]:
        """The plan line of a leftover the last sweep found: deleted when a step kind knows
        how (and it is ours), else kept and named."""
        if leftover.type not in DELETABLE:
            note = "kept: leftover of a kind whodidthis does not build; delete it by hand"
            return "sweep:leftover", PlannedDeletion(leftover.type, leftover.arn, False, True, note)
        kind, ctx = self._leftover_context(leftover, client)
        [line, *_] = await kind.plan_teardown(ctx)
        return f"sweep:{kind.kind}:{ctx.params['name']}", line

    def _fail(self, failure: Failure, **fields) -> TraineeState:
        self._set(
            state=TraineeState.FAILED,
            error=failure.text,
            error_code=failure.code,
            finished_at=time.time(),
            last_action=f"failed: {failure.code}",
            **fields,
        )
        return TraineeState.FAILED

    def _cancel(self, reason: str) -> TraineeState:
        update_context(step=None)
        self._set(
            state=TraineeState.CANCELLED,
            error=reason,
            finished_at=time.time(),
            step_index=None,
            last_action="cancelled",
        )
        return TraineeState.CANCELLED


def _region_of(arn: str) -> str:
    """An ARN's region ("" for IAM, S3 and other global ARNs)."""
    parts = arn.split(":", 5)
    return parts[3] if len(parts) == 6 else ""
