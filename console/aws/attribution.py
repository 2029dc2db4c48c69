"""Attribution: every AWS call made for a trainee that changes something becomes a ledger record.

The record is written as an intent before the call and completed with the outcome and the AWS
request id after it (docs/contracts.md, "Ledger record"). Recording is wired into the clients themselves
through botocore's ``before-call`` / ``after-call`` / ``after-call-error`` events, so no step
can make a changing call that escapes the ledger. Who is acting (trainee, step, principal) comes
from a context variable that each trainee's task sets for itself.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from console.model import ACTING_COLUMNS, Acting, LedgerRecord, Operator, Outcome

# Read-only prefixes (docs/contracts.md: read-only calls are left out of the ledger).
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Head", "BatchGet", "Check", "Lookup", "Simulate")
# Identity checks are recorded although they change nothing (docs/contracts.md).
ALWAYS_RECORDED = {"GetCallerIdentity", "AssumeRole"}


def is_recorded(operation: str) -> bool:
    """True for operations the ledger records: changing calls, AssumeRole, identity checks."""
    return operation in ALWAYS_RECORDED or not operation.startswith(READ_ONLY_PREFIXES)


@dataclass(frozen=True)
class LedgerContext:
    """Who is acting, for the records of the calls made in this task: the identity AWS sees
    (``acting``) and the human the command acts for (``operator``)."""

    course: str
    trainee: str
    account: str
    acting: Acting = Acting()
    step: str | None = None
    region: str | None = None
    operator: Operator | None = None

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
            acting=self.acting,
            region=self.region,
            operator=self.operator,
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
    """Where ledger records go (the store, in the engine).

    ``intent`` writes a record before the call; ``settle`` gives it the outcome after it.
    """

    def intent(self, record: LedgerRecord) -> int | None: ...

    def settle(
        self,
        token: int,
        *,
        outcome: Outcome,
        request_id: str | None,
        error_code: str | None = None,
        error_message: str | None = None,
        attempt_request_ids: tuple[str, ...] = (),
        principal_id: str | None = None,
        assume_request_id: str | None = None,
        access_key_digest: str | None = None,
    ) -> None: ...


class NullRecorder:
    """Records nothing: for checks run without a state store."""

    def intent(self, record: LedgerRecord) -> int | None:
        return None

    def settle(self, token: int, **outcome) -> None:
        return None


class MemoryRecorder:
    """Keeps records in a list: for tests and for one-shot commands."""

    def __init__(self) -> None:
        self.records: list[LedgerRecord] = []

    def intent(self, record: LedgerRecord) -> int:
        self.records.append(record)
        return len(self.records) - 1

    def settle(self, token: int, **outcome) -> None:
        outcome = {k: v for k, v in outcome.items() if v is not None or k == "request_id"}
        outcome["attempt_request_ids"] = tuple(outcome.get("attempt_request_ids", ()))
        record = self.records[token]
        signed = {k: outcome.pop(k) for k in ACTING_COLUMNS if k in outcome}  # known at signing
        self.records[token] = replace(record, acting=replace(record.acting, **signed), **outcome)


_TOKEN = "whodidthis_ledger_token"
_ATTEMPTS = "whodidthis_attempt_request_ids"
_SIGNED_BY = "whodidthis_signed_by"
_KEY_DIGEST = "whodidthis_key_digest"
_KEY_ID = re.compile(r"Credential=([A-Z0-9]{16,128})/")

#: access key id -> the AssumeRole that issued it (``SessionBroker.issued``), or None.
Issued = Callable[[str], Any]


def key_digest(access_key_id: str | None) -> str | None:
    """The first 16 hex digits of the access key id's sha256: what the ledger keeps of the key
    a call was signed with, to compare with CloudTrail's ``accessKeyId`` (never the id itself:
    the store refuses anything shaped like one)."""
    if not access_key_id:
        return None
    return hashlib.sha256(access_key_id.encode()).hexdigest()[:16]


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


def install_ledger_hooks(
    client, recorder: Recorder, overrides: dict | None = None, issued: Issued | None = None
) -> None:
    """Record the client's changing calls in the ledger, attributed from ``current``.

    Each attempt's request id is kept (``needs-retry`` sees every answer, retried or not), and
    the record names the AssumeRole whose credentials signed the request that AWS answered
    (read from the signed request's ``Authorization`` header, looked up with ``issued``).

    Args:
        client: an (aio)botocore client.
        recorder: where records go.
        overrides: fields that differ for this client's records.
        issued: finds the AssumeRole that issued an access key id (``SessionBroker.issued``).
    """
    service = client.meta.service_model.service_name
    region = client.meta.region_name
    overrides = overrides or {}

    def before_call(model, context, **_):
        ctx = current.get()
        if ctx is None or not is_recorded(model.name):
            return None
        record = ctx.record(service, model.name)
        record = replace(record, region=record.region or region, **overrides)
        context[_TOKEN] = recorder.intent(record)
        context[_ATTEMPTS] = []
        return None  # a value here would short-circuit the call

    def signed(request, **_):
        # Registered last: the signer (and any credential refresh) has run by now.
        context = getattr(request, "context", None) or {}
        if context.get(_TOKEN) is None:
            return
        match = _KEY_ID.search(str(request.headers.get("Authorization", "")))
        if match:
            context[_KEY_DIGEST] = key_digest(match.group(1))
        if issued is None:
            return
        issue = issued(match.group(1)) if match else None
        if issue is not None:
            context[_SIGNED_BY] = issue

    def attempt(response, request_dict, **_):
        context = request_dict.get("context") or {}
        if context.get(_TOKEN) is not None and response is not None:
            request_id = response[1].get("ResponseMetadata", {}).get("RequestId")
            if request_id:
                context[_ATTEMPTS].append(request_id)
        return None  # never decides a retry: botocore's own handler does

    def after_call(http_response, parsed, context, **_):
        token = context.get(_TOKEN)
        if token is None:
            return
        error = parsed.get("Error") or {}
        request_id = parsed.get("ResponseMetadata", {}).get("RequestId")
        issue = context.get(_SIGNED_BY)
        recorder.settle(
            token,
            outcome=Outcome.ERROR if http_response.status_code >= 300 else Outcome.OK,
            request_id=request_id,
            error_code=error.get("Code"),
            error_message=error.get("Message"),
            attempt_request_ids=_with(context.get(_ATTEMPTS, []), request_id),
            principal_id=getattr(issue, "principal_id", None),
            assume_request_id=getattr(issue, "request_id", None),
            access_key_digest=context.get(_KEY_DIGEST),
        )

    def after_call_error(exception, context, **_):
        token = context.pop(_TOKEN, None)
        if token is not None:  # no answer from AWS: the outcome says whether it saw the call
            recorder.settle(
                token,
                outcome=unanswered_outcome(exception),
                request_id=None,
                error_code=type(exception).__name__,
                error_message=str(exception)[:500],
                attempt_request_ids=tuple(context.get(_ATTEMPTS, [])),
            )

    events = client.meta.events
    events.register("before-call", before_call)
    events.register_last("request-created", signed)
    events.register_first("needs-retry", attempt)
    events.register("after-call", after_call)
    events.register("after-call-error", after_call_error)


def _with(ids: list[str], answered: str | None) -> tuple[str, ...]:
    """Every attempt's id, the answered one last (needs-retry may not have seen it)."""
    if answered and (not ids or ids[-1] != answered):
        ids = [*ids, answered]
    return tuple(ids)
