"""``cloudformation_stack``: a template file deployed as one stack per trainee.

The stack is created with its ownership tags in CreateStack itself, so an untagged stack is never
one of ours, even after a crash: it is refused, never adopted or deleted. A stack of ours found
mid-operation (a crashed run left it CREATE_IN_PROGRESS, say) is waited for until it settles.
Then: ROLLBACK_COMPLETE (a failed create), and the other states a stack can only leave by being
deleted, are deleted and created again; any other ``*_COMPLETE`` state is adopted, and updated
when its parameters or template differ from the course's ("No updates are to be performed" is
success). When a create, update or delete fails, the error names the first resource that failed
and CloudFormation's reason for it, from the stack's events.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, WaiterError

from console.errors import WhodidthisError
from console.steps import ownership
from console.steps.base import (
    ApplyResult,
    CheckResult,
    PlannedDeletion,
    StepContext,
    StepKind,
    resource_name,
)
from console.steps.calls import (
    duration,
    error_code,
    every,
    found_after_all,
    shipped_waiter,
    wait_until,
)

STACK = "AWS::CloudFormation::Stack"
# States a stack leaves only by being deleted: apply deletes it and creates it again.
RECREATE = {
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "CREATE_FAILED",
    "DELETE_FAILED",
    "REVIEW_IN_PROGRESS",
}
# Every state but *_IN_PROGRESS is settled; REVIEW_IN_PROGRESS (a change set never executed)
# never moves by itself, and a stack that is gone answers ValidationError.
SETTLED: list[dict] = [
    {
        "matcher": "path",
        "argument": "ends_with(Stacks[0].StackStatus, '_IN_PROGRESS')",
        "expected": False,
        "state": "success",
    },
    {
        "matcher": "path",
        "argument": "Stacks[0].StackStatus",
        "expected": "REVIEW_IN_PROGRESS",
        "state": "success",
    },
    {"matcher": "error", "expected": "ValidationError", "state": "success"},
]


class StackFailed(WhodidthisError):
    """A stack operation failed; the message names the first failed resource and its reason."""

    code = "StackFailed"


def _missing(exc: ClientError) -> bool:
    message = str(exc.response.get("Error", {}).get("Message", ""))
    return error_code(exc) == "ValidationError" and "does not exist" in message


async def _stack(cfn, name: str) -> dict | None:
    """The stack as DescribeStacks shows it, or None when there is none by that name."""
    try:
        stacks = (await cfn.describe_stacks(StackName=name))["Stacks"]
    except ClientError as exc:
        if _missing(exc):
            return None
        raise
    return stacks[0] if stacks else None


async def failure_reason(cfn, stack_id: str) -> str:
    """The first failed resource of the stack's latest operation, and CloudFormation's reason.

    Events come newest first; the latest operation's events end (going back in time) at the
    stack's own "User Initiated" event. The earliest resource failure among them is the cause;
    the later ones are usually "Resource creation cancelled" as a consequence.
    """
    failures: list[dict] = []
    async for page in cfn.get_paginator("describe_stack_events").paginate(StackName=stack_id):
        for event in page.get("StackEvents") or []:
            if (
                event.get("ResourceType") == STACK
                and event.get("ResourceStatusReason") == "User Initiated"
            ):
                return _describe_failure(failures)
            if str(event.get("ResourceStatus", "")).endswith("_FAILED"):
                failures.append(event)
    return _describe_failure(failures)


def _describe_failure(failures: list[dict]) -> str:
    resources = [e for e in failures if e.get("ResourceType") != STACK] or failures
    if not resources:
        return "no failed resource is recorded in the stack's events"
    first = resources[-1]
    return (
        f"{first.get('LogicalResourceId')} ({first.get('ResourceType')}) "
        f"{first.get('ResourceStatus')}: {first.get('ResourceStatusReason') or 'no reason'}"
    )


def _schedule(cfn, waiter: str) -> tuple[int, int]:
    """(delay, max attempts) of botocore's waiter ``waiter``: AWS's own schedule."""
    config = cfn.get_waiter(waiter).config
    return int(config.delay), int(config.max_attempts)


async def _in_progress(cfn, stack_id: str) -> str:
    """The resources still in progress (the stuck ones), from the stack's resources."""
    try:
        held = await every(
            cfn, "list_stack_resources", "StackResourceSummaries", StackName=stack_id
        )
    except ClientError:
        return "its resources could not be listed"
    stuck = [
        f"{r.get('LogicalResourceId')} ({r.get('ResourceType')}) {r.get('ResourceStatus')}"
        for r in held
        if str(r.get("ResourceStatus", "")).endswith("_IN_PROGRESS")
    ]
    return (
        "still in progress: " + ", ".join(stuck) if stuck else "no resource says it is in progress"
    )


def _parameters(ctx: StepContext) -> list[dict[str, str]]:
    return [
        {"ParameterKey": key, "ParameterValue": str(value)}
        for key, value in sorted((ctx.params.get("parameters") or {}).items())
    ]


def _template(ctx: StepContext) -> str:
    """The template as read when the course was loaded (never read again: a file swapped
    since would be sent instead); a context built without it reads the file."""
    if ctx.template_body is not None:
        return ctx.template_body
    return Path(ctx.template_path or ctx.params["template"]).read_text(encoding="utf-8")


class CloudFormationStack(StepKind):
    """A stack deployed from the course's template, with the course's parameters."""

    kind = "cloudformation_stack"

    async def apply(self, ctx: StepContext) -> ApplyResult:
        """Create the stack (tagged) or adopt ours, settling or replacing it as needed."""
        cfn, name = await ctx.client(self.service), resource_name(ctx)
        stack = await _stack(cfn, name)
        if stack is not None:
            ownership.refuse_unless_ours(
                ctx, self.resource(ctx), ownership.tags_from_pairs(stack.get("Tags"))
            )
            stack = await self._settle(ctx, cfn, stack)
        if stack is None:
            return ApplyResult(await self._create(ctx, cfn, name), True)
        if stack["StackStatus"] == "UPDATE_ROLLBACK_FAILED":
            raise StackFailed(
                f"{self.resource(ctx)} is UPDATE_ROLLBACK_FAILED "
                f"({await failure_reason(cfn, stack['StackId'])}). Fix the cause, then run "
                "`aws cloudformation continue-update-rollback` and apply again."
            )
        if await self._differences(ctx, cfn, stack):
            await self._update(ctx, cfn, stack["StackId"])
        return ApplyResult(stack["StackId"], False)

    async def _settle(self, ctx: StepContext, cfn, found: dict) -> dict | None:
        """Wait out an operation in progress; delete a stack that can only be replaced.

        Returns the settled stack, or None when there is no stack any more.
        """
        stack: dict | None = found
        if found["StackStatus"].endswith("_IN_PROGRESS"):
            # The longest of botocore's stack waiters (create, update, delete: 30 s x 120).
            delay, attempts = _schedule(cfn, "stack_create_complete")
            await wait_until(
                cfn,
                "DescribeStacks",
                f"{self.resource(ctx)} ({found['StackStatus']}) to settle",
                SETTLED,
                delay=delay,
                max_attempts=attempts,
                progress=ctx.progress,
                StackName=found["StackId"],
            )
            stack = await _stack(cfn, found["StackName"])
        if stack is not None and stack["StackStatus"] in RECREATE:
            ctx.progress(
                f"deleting {stack['StackName']} ({stack['StackStatus']}) to create it again"
            )
            await self._delete(ctx, cfn, stack)
            return None
        return stack

    async def _create(self, ctx: StepContext, cfn, name: str) -> str:
        """Create the stack, once: botocore's retries resend one ``ClientRequestToken``, so
        CloudFormation knows a retry for the request it already has; where a retry still
        hears AlreadyExistsException (its first attempt made the stack, the answer was lost),
        the stack is adopted if it carries our tags, and waited for like our own."""
        ctx.progress(f"creating CloudFormation stack {name}")
        try:
            answer = await cfn.create_stack(
                StackName=name,
                TemplateBody=_template(ctx),
                Parameters=_parameters(ctx),
                Capabilities=list(ctx.params.get("capabilities") or ()),
                Tags=ctx.tag_list(),
                ClientRequestToken=f"whodidthis-{uuid.uuid4().hex}",
            )
            stack_id = answer["StackId"]
        except ClientError as exc:
            stack = await found_after_all(
                exc, ("AlreadyExistsException",), lambda: _stack(cfn, name)
            )
            tags = ownership.tags_from_pairs(stack.get("Tags"))
            ownership.refuse_unless_ours(ctx, self.resource(ctx), tags)
            stack_id = stack["StackId"]
        await self._wait(ctx, cfn, "stack_create_complete", stack_id, "create")
        return stack_id

    async def _update(self, ctx: StepContext, cfn, stack_id: str) -> None:
        ctx.progress(f"updating CloudFormation stack {resource_name(ctx)}")
        try:
            await cfn.update_stack(
                StackName=stack_id,
                TemplateBody=_template(ctx),
                Parameters=_parameters(ctx),
                Capabilities=list(ctx.params.get("capabilities") or ()),
            )
        except ClientError as exc:
            if "No updates are to be performed" in str(exc):
                return
            raise
        await self._wait(ctx, cfn, "stack_update_complete", stack_id, "update")

    async def _delete(self, ctx: StepContext, cfn, stack: dict) -> None:
        if stack["StackStatus"] != "DELETE_IN_PROGRESS":
            await cfn.delete_stack(StackName=stack["StackId"])
        await self._wait(ctx, cfn, "stack_delete_complete", stack["StackId"], "delete")

    async def _wait(self, ctx: StepContext, cfn, waiter: str, stack_id: str, action: str) -> None:
        """Wait with botocore's stack waiter, within its budget; on failure, say which resource
        failed and why, or which is still in progress when the budget ran out."""
        shipped = shipped_waiter(cfn, waiter)
        delay, attempts = shipped.config.delay, shipped.config.max_attempts
        ctx.progress(
            f"waiting up to {duration(delay * attempts)} for the {action} of "
            f"{self.resource(ctx)} (botocore's {waiter} waiter: every {delay} s, "
            f"{attempts} polls)"
        )
        try:
            await shipped.wait(StackName=stack_id)
        except WaiterError as exc:
            last: Mapping[str, Any] = exc.last_response or {}
            unread = last.get("Error")
            if unread:  # the polls went unanswered: that says nothing of the stack itself
                raise StackFailed(
                    f"{self.resource(ctx)}: its state could not be read while waiting for the "
                    f"{action} ({unread.get('Code')}: {unread.get('Message')}); the stack may "
                    "well be fine: run the command again to look at it afresh."
                ) from exc
            status = (last.get("Stacks") or [{}])[0].get("StackStatus", "unknown")
            if status.endswith("_IN_PROGRESS"):
                raise StackFailed(
                    f"{self.resource(ctx)}: the {action} is still {status} after "
                    f"{duration(delay * attempts)} (botocore's {waiter} budget); "
                    f"{await _in_progress(cfn, stack_id)}. Look at the stack's events, then run "
                    "the command again."
                ) from exc
            raise StackFailed(
                f"{self.resource(ctx)}: {action} failed ({status}): "
                f"{await failure_reason(cfn, stack_id)}"
            ) from exc

    async def _differences(self, ctx: StepContext, cfn, stack: dict) -> list[str]:
        """How the stack differs from the course: parameters, then template."""
        actual = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters") or []}
        found = [
            f"parameter {key} is {actual.get(key)!r}, not {value!r}"
            for key, value in sorted((ctx.params.get("parameters") or {}).items())
            if actual.get(key) not in (str(value), "****")
        ]  # NoEcho values read "****"
        deployed = (
            await cfn.get_template(StackName=stack["StackId"], TemplateStage="Original")
        ).get("TemplateBody")
        if not _same_template(deployed, _template(ctx)):
            found.append("the deployed template differs from the course's template file")
        return found

    async def check(self, ctx: StepContext) -> CheckResult:
        """The stack exists, is ours, is in a working state, and matches the course."""
        cfn, name = await ctx.client(self.service), resource_name(ctx)
        stack = await _stack(cfn, name)
        if stack is None:
            return CheckResult(False, None, (f"{self.resource(ctx)} does not exist",))
        arn, status = stack["StackId"], stack["StackStatus"]
        if not ctx.is_ours(ownership.tags_from_pairs(stack.get("Tags"))):
            return CheckResult(False, arn, (f"{self.resource(ctx)} is not ours",))
        if not status.endswith("_COMPLETE") or status in RECREATE:
            return CheckResult(False, arn, (f"the stack is {status}",))
        problems = await self._differences(ctx, cfn, stack)
        return CheckResult(not problems, arn, tuple(problems))

    async def plan_teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """The stack and how many resources it holds, if ours; or why it would be kept."""
        cfn, name = await ctx.client(self.service), resource_name(ctx)
        stack = await _stack(cfn, name)
        if stack is None:
            return [ownership.gone(self.resource(ctx))]
        tags = ownership.tags_from_pairs(stack.get("Tags"))
        if not ctx.is_ours(tags):
            return [ownership.kept(self.resource(ctx), stack["StackId"], tags)]
        held = await every(
            cfn, "list_stack_resources", "StackResourceSummaries", StackName=stack["StackId"]
        )
        return [
            ownership.to_delete(
                self.resource(ctx), stack["StackId"], f"with the {len(held)} resources it created"
            )
        ]

    async def teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """Delete the stack when ours, wait with botocore's waiter, and confirm it is gone."""
        cfn, name = await ctx.client(self.service), resource_name(ctx)
        [line] = await self.plan_teardown(ctx)
        if not (line.ours and line.exists):
            return [line]
        stack = await _stack(cfn, name)
        if stack is not None:
            ctx.progress(f"deleting CloudFormation stack {name}")
            await self._delete(ctx, cfn, stack)
        if await _stack(cfn, name) is not None:
            raise StackFailed(
                f"{self.resource(ctx)} is still there after its deletion "
                "completed; run teardown again."
            )
        return [ownership.deleted(line)]


def _same_template(deployed, body: str) -> bool:
    """True when the deployed template equals the file (botocore decodes JSON bodies to dicts;
    YAML comes back as text)."""
    if isinstance(deployed, dict):
        try:
            return deployed == json.loads(body)
        except ValueError:
            return False
    return str(deployed or "").strip() == body.strip()
