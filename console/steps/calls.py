"""How the step kinds talk to AWS: every page of a list, error codes, and botocore's waiters.

The clients come from the engine (``ctx.client``) with retries and ledger hooks installed; these
functions only shape the calls. Waiters are botocore's own where the service ships one; where it
does not (an IAM user or a CodeCommit repository being gone), a small waiter model of the same
kind is built here, so every wait polls the same way and fails the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError, WaiterError
from botocore.waiter import WaiterModel

from console.errors import WhodidthisError

# Answers to a poll that say nothing about the resource polled: the poll itself was throttled
# (the throttling codes of docs/architecture.md, "Facts about AWS", and botocore's list) or AWS
# failed to answer it. botocore's waiters turn any error no acceptor matches into a give-up,
# so a poll throttled past the client's retries ended the wait as if the resource had failed
# (issue 14, item 7: a CREATE_COMPLETE stack reported "create failed"). Every waiter here polls
# again instead.
NOT_AN_ANSWER = (
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalFailure",
    "InternalError",
    "InternalServerError",
    "ServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
)
Progress = Callable[[str], None]
POLL_AGAIN = [{"matcher": "error", "expected": code, "state": "retry"} for code in NOT_AN_ANSWER]


class WaitFailed(WhodidthisError):
    """A waiter gave up: the resource reached a failure state or never reached the wanted one."""

    code = "WaitFailed"


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ClientError (``NoSuchEntity``, ``404``, ...)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


async def found_after_all(exc: ClientError, codes: tuple[str, ...], find: Callable[[], Awaitable]):
    """What a create was told already exists, looked up again; ``exc`` is raised otherwise.

    A create's answer can be lost after the create took effect (a 500 from AWS, a dropped
    connection): botocore retries, and the retry hears ``EntityAlreadyExists``,
    ``AlreadyExistsException``, ... about the resource its own first attempt made. Or someone
    made one between our look and our create. The caller adopts what this returns only when it
    carries our tags (``ownership.refuse_unless_ours``), so a stranger's is never taken.

    Args:
        exc: the create's error.
        codes: the error codes that mean "it exists already" for this create.
        find: looks the resource up (None when it is not there after all).
    """
    if error_code(exc) not in codes:
        raise exc
    found = await find()
    if found is None:  # gone again, or never there: the create's own error stands
        raise exc
    return found


def is_missing(exc: ClientError, *codes: str) -> bool:
    """True when ``exc`` says the resource does not exist (one of ``codes``)."""
    return error_code(exc) in codes


async def every(client, operation: str, key: str, **params) -> list:
    """Every item under ``key`` across all pages of a paginated list call.

    Args:
        client: an aiobotocore client.
        operation: the snake_case operation (``list_access_keys``).
        key: the result key holding the items (``AccessKeyMetadata``).
        **params: the call's parameters.
    """
    items: list = []
    async for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(key) or [])
    return items


def duration(seconds: float) -> str:
    """``90`` as ``1 min 30 s``; ``3600`` as ``60 min``: a wait's budget as people read it."""
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")


def _announce(progress: Progress | None, what: str, source: str, delay: int, attempts: int):
    """Say, as the row's last action, what is awaited and for how long at most."""
    if progress is not None:
        progress(
            f"waiting up to {duration(delay * attempts)} for {what} "
            f"({source}: every {delay} s, {attempts} polls)"
        )


def _failed(what: str, source: str, delay: int, attempts: int, exc: WaiterError) -> WaitFailed:
    """The give-up, naming what was awaited and the budget it had."""
    reason = str(exc.kwargs.get("reason", exc))
    if "Max attempts exceeded" in reason:
        state = _last_state(exc.last_response)
        return WaitFailed(
            f"Waiting for {what} failed: still {state or 'not done'} after "
            f"{duration(delay * attempts)} ({source}: {attempts} polls every {delay} s). AWS "
            "has not finished; look at it in the console, then run the command again."
        )
    return WaitFailed(f"Waiting for {what} failed: {reason}")


def _last_state(response: Mapping[str, Any] | None) -> str | None:
    """The state the last poll saw (a stack's, a cluster's, a node group's), if it says one."""
    response = response or {}
    for key in ("cluster", "nodegroup", "fargateProfile"):
        if isinstance(response.get(key), dict) and response[key].get("status"):
            return str(response[key]["status"])
    stacks = response.get("Stacks") or []
    return str(stacks[0].get("StackStatus")) if stacks else None


async def wait(
    client, waiter_name: str, what: str, *, progress: Progress | None = None, **params
) -> None:
    """Wait with botocore's waiter ``waiter_name``, within its budget (delay × maxAttempts of
    botocore's ``waiters-2.json``: AWS's own schedule for the service); a give-up becomes a
    WaitFailed naming ``what`` and the budget.

    Args:
        client: an aiobotocore client.
        waiter_name: e.g. ``cluster_active``.
        what: what was awaited, for the error (``EKS cluster dojo-alice to become ACTIVE``).
        progress: shown the wait and its budget as the row's last action.
        **params: the waiter's operation parameters.
    """
    waiter = shipped_waiter(client, waiter_name)
    delay, attempts = waiter.config.delay, waiter.config.max_attempts
    source = f"botocore's {waiter_name} waiter"
    _announce(progress, what, source, delay, attempts)
    try:
        await waiter.wait(**params)
    except WaiterError as exc:
        raise _failed(what, source, delay, attempts, exc) from exc


def shipped_waiter(client, waiter_name: str):
    """botocore's waiter ``waiter_name`` for ``client``, which polls again on a throttled or
    unanswered poll (``NOT_AN_ANSWER``) instead of giving up.

    The shipped model's operation, schedule and acceptors are kept as they are, in order, so
    every state the service ships a verdict for keeps it; the retry acceptors come last.
    """
    from aiobotocore.waiter import create_waiter_with_client

    shipped = client.get_waiter(waiter_name)
    config = shipped.config
    acceptors = [
        {"matcher": a.matcher, "expected": a.expected, "state": a.state}
        | ({"argument": a.argument} if a.argument is not None else {})
        for a in config.acceptors
    ]
    model = {
        "operation": config.operation,
        "delay": config.delay,
        "maxAttempts": config.max_attempts,
        "acceptors": acceptors + POLL_AGAIN,
    }
    waiters = WaiterModel({"version": 2, "waiters": {shipped.name: model}})
    return create_waiter_with_client(shipped.name, waiters, client)


async def wait_until(
    client,
    operation: str,
    what: str,
    acceptors: list[dict],
    *,
    delay: int,
    max_attempts: int,
    progress: Progress | None = None,
    **params,
) -> None:
    """Wait with a botocore waiter built here, for a state no shipped waiter covers.

    Args:
        client: an aiobotocore client.
        operation: the CamelCase describe call the waiter polls (``GetUser``).
        what: what is awaited, for the error.
        acceptors: botocore waiter acceptors (``matcher``, ``expected``, ``state``, ...); a
            response no acceptor matches means "keep polling".
        delay, max_attempts: the polling schedule (the budget is their product).
        progress: shown the wait and its budget as the row's last action.
        **params: the describe call's parameters.
    """
    from aiobotocore.waiter import create_waiter_with_client

    name = f"Whodidthis{operation}"
    model = WaiterModel(
        {
            "version": 2,
            "waiters": {
                name: {
                    "operation": operation,
                    "delay": delay,
                    "maxAttempts": max_attempts,
                    "acceptors": [*acceptors, *POLL_AGAIN],
                }
            },
        }
    )
    source = f"a {operation} waiter"
    _announce(progress, what, source, delay, max_attempts)
    try:
        await create_waiter_with_client(name, model, client).wait(**params)
    except WaiterError as exc:
        raise _failed(what, source, delay, max_attempts, exc) from exc


async def wait_gone(
    client,
    operation: str,
    missing_code: str,
    what: str,
    *,
    delay: int = 2,
    max_attempts: int = 30,
    progress: Progress | None = None,
    **params,
) -> None:
    """Wait until ``operation`` answers ``missing_code``: a waiter for services that ship none.

    IAM and CodeCommit deletes are eventually consistent and have no "not exists" waiter; this
    one succeeds on the not-found error and keeps polling while the describe call still
    succeeds, so it polls and fails exactly like the shipped ones.

    Args:
        client: an aiobotocore client.
        operation: the CamelCase describe call (``GetUser``).
        missing_code: the error code meaning gone (``NoSuchEntity``).
        what: what should be gone, for the error.
        delay, max_attempts: the polling schedule.
        **params: the describe call's parameters.
    """
    await wait_until(
        client,
        operation,
        f"{what} to be gone",
        [{"matcher": "error", "expected": missing_code, "state": "success"}],
        delay=delay,
        max_attempts=max_attempts,
        progress=progress,
        **params,
    )


async def every_by_token(client, operation: str, key: str, *, token: str, **params) -> list:
    """Every item of a list call botocore ships no paginator for, following ``token``.

    Args:
        client: an aiobotocore client.
        operation: the snake_case operation (``list_tags_for_resource``).
        key: the result key holding the items.
        token: the name of the continuation token, the same in request and answer
            (``Marker`` for IAM, ``nextToken`` for CodeCommit).
        **params: the call's parameters.
    """
    items: list = []
    call = getattr(client, operation)
    while True:
        page = await call(**params)
        items.extend(page.get(key) or [])
        if not page.get(token):
            return items
        params = {**params, token: page[token]}
