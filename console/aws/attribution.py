"""Attribution: every AWS call made for a trainee that changes something becomes a ledger record.

The record is written as an intent before the call and completed with the outcome and the AWS
request id after it (DESIGN.md, "Ledger record"). Recording is wired into the clients themselves
through botocore's ``before-call`` / ``after-call`` / ``after-call-error`` events, so no step
can make a changing call that escapes the ledger. Who is acting (trainee, step, principal) comes
from a context variable that each trainee's task sets for itself.
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass, replace
from typing import Protocol

from console.model import LedgerRecord, Outcome

# Read-only prefixes (DESIGN.md: read-only calls may be left out of the ledger).
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Head", "BatchGet", "Check", "Lookup")
# Identity checks are recorded although they change nothing (DESIGN.md).
ALWAYS_RECORDED = {"GetCallerIdentity", "AssumeRole"}


def is_recorded(operation: str) -> bool:
    """True for operations the ledger records: changing calls, AssumeRole, identity checks."""
    return operation in ALWAYS_RECORDED or not operation.startswith(READ_ONLY_PREFIXES)


@dataclass(frozen=True)
class LedgerContext:
    """Who is acting, for the records of the calls made in this task."""

    course: str
    trainee: str
    account: str
    principal_arn: str | None = None
    session_name: str | None = None
    source_identity: str | None = None
    step: str | None = None

    def record(self, service: str, operation: str) -> LedgerRecord:
        return LedgerRecord(
            id=None,
            ts=time.time(),
            course=self.course,
            trainee=self.trainee,
            account=self.account,
            step=self.step,
            service=service,
            operation=operation,
            principal_arn=self.principal_arn,
            session_name=self.session_name,
            source_identity=self.source_identity,
        )


current = contextvars.ContextVar[LedgerContext | None]("whodidthis_ledger_context", default=None)


def update_context(**fields) -> LedgerContext | None:
    """Change fields of this task's ledger context (step, principal, ...)."""
    ctx = current.get()
    if ctx is not None:
        ctx = replace(ctx, **fields)
        current.set(ctx)
    return ctx


class Recorder(Protocol):
    """Where ledger records go (the store, in the engine)."""

    def intent(self, record: LedgerRecord) -> int | None: ...

    def complete(
        self,
        token: int,
        *,
        outcome: Outcome,
        request_id: str | None,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> None: ...


class NullRecorder:
    """Records nothing: for checks run without a state store."""

    def intent(self, record: LedgerRecord) -> int | None:
        return None

    def complete(self, token: int, **outcome) -> None:
        return None


class MemoryRecorder:
    """Keeps records in a list: for tests and for one-shot commands."""

    def __init__(self) -> None:
        self.records: list[LedgerRecord] = []

    def intent(self, record: LedgerRecord) -> int:
        self.records.append(record)
        return len(self.records) - 1

    def complete(self, token: int, **outcome) -> None:
        self.records[token] = replace(self.records[token], **outcome)


_TOKEN = "whodidthis_ledger_token"


def unanswered_outcome(exception: BaseException) -> Outcome:
    """The outcome of a call that got no answer from AWS.

    botocore's ``ConnectionError`` family (``EndpointConnectionError``, ``ConnectTimeoutError``,
    ``ProxyConnectionError``, ``SSLError``; aiobotocore maps aiohttp's connection errors onto
    them) means no connection was made, so AWS never saw the call: ``error``. A connection
    that closed or timed out after the request went out (``ConnectionClosedError``,
    ``ReadTimeoutError``) leaves it ``unknown``: AWS may have acted; the record keeps the error.
    """
    from botocore.exceptions import ConnectionError as NoConnection

    return Outcome.ERROR if isinstance(exception, NoConnection) else Outcome.UNKNOWN


def install_ledger_hooks(client, recorder: Recorder, overrides: dict | None = None) -> None:
    """Record the client's changing calls in the ledger, attributed from ``current``.

    Args:
        client: an (aio)botocore client.
        recorder: where records go.
        overrides: fields that differ for this client's records; the host's STS client
            records its AssumeRole calls with the host as principal.
    """
    service = client.meta.service_model.service_name
    overrides = overrides or {}

    def before_call(model, context, **_):
        ctx = current.get()
        if ctx is None or not is_recorded(model.name):
            return None
        record = ctx.record(service, model.name)
        if overrides:
            record = replace(record, **overrides)
        context[_TOKEN] = recorder.intent(record)
        return None  # a value here would short-circuit the call

    def after_call(http_response, parsed, context, **_):
        token = context.get(_TOKEN)
        if token is None:
            return
        error = parsed.get("Error") or {}
        recorder.complete(
            token,
            outcome=Outcome.ERROR if http_response.status_code >= 300 else Outcome.OK,
            request_id=parsed.get("ResponseMetadata", {}).get("RequestId"),
            error_code=error.get("Code"),
            error_message=error.get("Message"),
        )

    def after_call_error(exception, context, **_):
        token = context.pop(_TOKEN, None)
        if token is not None:
            recorder.complete(
                token,
                outcome=unanswered_outcome(exception),
                request_id=None,
                error_code=type(exception).__name__,
                error_message=str(exception)[:500],
            )

    events = client.meta.events
    events.register("before-call", before_call)
    events.register("after-call", after_call)
    events.register("after-call-error", after_call_error)
