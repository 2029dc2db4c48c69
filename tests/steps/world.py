"""A trainee's world for step tests: real assumed-role clients, a ledger, and a backdoor.

``World.ctx(params)`` builds the StepContext the engine would: clients from the trainee's
assumed-role session (``SessionBroker``), with explicit retries and the ledger hooks recording
into a ``MemoryRecorder``. ``World.backdoor`` is a plain boto3 session in the same account, for
planting decoys and looking behind the steps' backs.
"""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

from aiobotocore.session import AioSession

from console.aws.attribution import LedgerContext, MemoryRecorder, current, install_ledger_hooks
from console.aws.config import aio_client_config
from console.aws.sessions import SessionBroker
from console.steps.base import StepContext

REGION = "ap-northeast-1"
COURSE = "dojo"


def unique(prefix: str) -> str:
    """A resource name no other test uses (tests share the sandbox within a worker)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class World:
    """One trainee account as a step sees it."""

    trainee: str
    account: str
    backdoor: object
    client: object
    recorder: MemoryRecorder = field(default_factory=MemoryRecorder)
    progress: list[str] = field(default_factory=list)
    session: object = None  # the trainee's TraineeSession (who the trail says acted)

    def ctx(
        self,
        params: dict,
        *,
        trainee: str | None = None,
        course: str = COURSE,
        template_path: str | None = None,
        extra: dict | None = None,
    ) -> StepContext:
        """The StepContext for ``params``; also attributes this task's calls to the trainee."""
        current.set(LedgerContext(course, self.trainee, self.account, step="test"))
        return StepContext(
            course_name=course,
            trainee=trainee or self.trainee,
            account=self.account,
            region=REGION,
            params=params,
            client=self.client,
            progress=self.progress.append,
            template_path=template_path,
            extra=extra or {},
        )

    def operations(self, service: str | None = None) -> list[str]:
        """The recorded (changing) operations, in order."""
        return [
            r.operation for r in self.recorder.records if service is None or r.service == service
        ]

    def clear(self) -> None:
        self.recorder.records.clear()


async def open_world(sandbox, stack: AsyncExitStack, index: int = 0) -> World:
    """Assume the course's role in the ``index``-th trainee account and wire the clients."""
    name, account = sandbox.trainees[index]
    recorder = MemoryRecorder()
    broker = await stack.enter_async_context(
        SessionBroker(
            AioSession(),
            region=REGION,
            role_name="ManageEnvRole",
            course=COURSE,
            operator="tester",
            source_identity=False,
            host_arn=None,
            recorder=recorder,
        )
    )
    session = await broker.session_for(name, account)
    clients: dict[str, object] = {}

    async def client(service: str):
        if service not in clients:
            made = await stack.enter_async_context(
                session.session.create_client(
                    service, region_name=REGION, config=aio_client_config(None)
                )
            )
            install_ledger_hooks(made, recorder)
            clients[service] = made
        return clients[service]

    return World(
        name, account, sandbox.backdoor_session(account), client, recorder, session=session
    )
