"""One trainee's pipeline: assume the role, then run the steps in order (or in reverse for a
teardown), recording every state change in the store.

Convergence (DESIGN.md): a trainee that is not READY resumes at its first step not done (a
FAILED one at its failed step); a READY one is re-checked with read-only calls and repaired
where something drifted. Any error fails this trainee alone, with the AWS error code, the
message and the principal that got it.
"""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from dataclasses import dataclass

from console.aws.attribution import LedgerContext, current, install_ledger_hooks, update_context
from console.aws.sessions import SessionBroker, TraineeSession
from console.course.model import Course, Step, Trainee
from console.errors import WhodidthisError
from console.model import Outcome, StepState, TraineeState, TraineeStatus
from console.steps.base import StepContext, StepKind

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
    """Runs one trainee's steps with its assumed-role session and per-account clients."""

    def __init__(
        self,
        course: Course,
        trainee: Trainee,
        *,
        store,
        broker: SessionBroker,
        kinds: dict[str, StepKind],
        recorder,
        cancelled=lambda: False,
    ):
        self.course, self.trainee, self.store = course, trainee, store
        self.broker, self.kinds, self.recorder = broker, kinds, recorder
        self.cancelled = cancelled
        self.session: TraineeSession | None = None
        self._created: set[str] | None = None  # step labels our ledger shows we created

    def _set(self, **fields) -> None:
        self.store.set_trainee(self.trainee.name, **fields)

    async def run(self, teardown: bool = False) -> TraineeState:
        """Converge (or tear down) this trainee; returns its final state. Never raises for AWS
        errors: they become a FAILED state with the reason."""
        current.set(LedgerContext(self.course.name, self.trainee.name, self.trainee.account))
        before = self.store.trainee(self.trainee.name)
        self._set(
            state=TraineeState.ASSUMING,
            error=None,
            error_code=None,
            started_at=time.time(),
            finished_at=None,
            last_action=f"assume {self.course.role_name}",
        )
        try:
            self.session = await self.broker.session_for(self.trainee.name, self.trainee.account)
        except Exception as exc:  # noqa: BLE001 - every failure is reported on the trainee
            self.broker.forget(self.trainee.name)
            return self._fail(failure_of(exc, self.broker.host_arn))
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
                    return await self._teardown(client)
                return await self._converge(client, before)
            except Exception as exc:  # noqa: BLE001
                return self._fail(failure_of(exc, s.principal_arn))

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
                install_ledger_hooks(made, self.recorder)
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
            if step.kind == "cloudformation_stack"
            else None,
            extra={"created_by_us": self._created_by_us(step)},
        )

    def _created_by_us(self, step: Step) -> bool:
        """True when the ledger shows our create call for this step, completed or interrupted,
        and no delete after it: an untagged resource left by a crash is then ours to adopt."""
        if self._created is None:  # read the trainee's ledger once, not once per step
            self._created = set()
            for record in self.store.ledger(trainee=self.trainee.name):
                if record.step is None or record.outcome == Outcome.ERROR:
                    continue
                if record.operation.startswith("Create"):
                    self._created.add(record.step)
                elif record.operation.startswith("Delete") and record.outcome == Outcome.OK:
                    self._created.discard(record.step)
        return step_label(step, self.course, self.trainee) in self._created

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
            finished_at=time.time(),
            step_index=None,
            last_action="all steps done",
        )
        return TraineeState.READY

    async def _teardown(self, client) -> TraineeState:
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
        update_context(step=None)
        self._set(
            state=TraineeState.TORN_DOWN,
            finished_at=time.time(),
            step_index=None,
            last_action="torn down",
        )
        return TraineeState.TORN_DOWN

    async def plan(self) -> list[tuple[str, object]]:
        """The teardown plan for this trainee: (step label, PlannedDeletion) in teardown order."""
        current.set(LedgerContext(self.course.name, self.trainee.name, self.trainee.account))
        self.session = await self.broker.session_for(self.trainee.name, self.trainee.account)
        plan = []
        async with AsyncExitStack() as stack:
            client = self._client_factory(stack)
            for step in reversed(self.course.steps):
                label = step_label(step, self.course, self.trainee)
                for item in await self.kinds[step.kind].plan_teardown(self._context(step, client)):
                    plan.append((label, item))
        return plan

    def _fail(self, failure: Failure) -> TraineeState:
        self._set(
            state=TraineeState.FAILED,
            error=failure.text,
            error_code=failure.code,
            finished_at=time.time(),
            last_action=f"failed: {failure.code}",
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
