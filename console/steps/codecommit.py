"""``codecommit_repo``: a CodeCommit repository for the trainee.

The repository is created with its ownership tags in the CreateRepository call itself, so an
untagged repository is never one of ours, even after a crash: it is refused, never adopted or
deleted. Nothing blocks deleting a repository; CodeCommit has no waiter, so "gone" is confirmed
by polling GetRepository until it answers RepositoryDoesNotExistException.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from console.steps import ownership
from console.steps.base import (
    ApplyResult,
    CheckResult,
    PlannedDeletion,
    StepContext,
    StepKind,
    resource_name,
)
from console.steps.calls import found_after_all, is_missing, wait_gone

MISSING = "RepositoryDoesNotExistException"
EXISTS = ("RepositoryNameExistsException",)


async def _tags(codecommit, arn: str) -> dict[str, str]:
    """Every tag of the repository (ListTagsForResource pages by nextToken; no paginator)."""
    tags: dict[str, str] = {}
    params = {"resourceArn": arn}
    while True:
        page = await codecommit.list_tags_for_resource(**params)
        tags.update(page.get("tags") or {})
        if not page.get("nextToken"):
            return tags
        params["nextToken"] = page["nextToken"]


async def _find(codecommit, name: str) -> tuple[dict, dict[str, str]] | None:
    """The repository's metadata and tags, or None when there is no such repository."""
    try:
        meta = (await codecommit.get_repository(repositoryName=name))["repositoryMetadata"]
    except ClientError as exc:
        if is_missing(exc, MISSING):
            return None
        raise
    return meta, await _tags(codecommit, meta["Arn"])


class CodeCommitRepo(StepKind):
    """A CodeCommit repository with the course's description."""

    kind = "codecommit_repo"

    async def apply(self, ctx: StepContext) -> ApplyResult:
        """Create the repository (tagged) or adopt ours and set its description."""
        codecommit, name = await ctx.client(self.service), resource_name(ctx)
        description = str(ctx.params.get("description") or "")
        found = await _find(codecommit, name)
        if found is None:
            ctx.progress(f"creating CodeCommit repository {name}")
            try:
                created = await codecommit.create_repository(
                    repositoryName=name, repositoryDescription=description, tags=ctx.tags
                )
            except ClientError as exc:
                found = await found_after_all(exc, EXISTS, lambda: _find(codecommit, name))
            else:
                return ApplyResult(created["repositoryMetadata"]["Arn"], True)
        meta, tags = found
        ownership.refuse_unless_ours(ctx, self.resource(ctx), tags)
        if meta.get("repositoryDescription", "") != description:
            ctx.progress(f"setting the description of {name}")
            await codecommit.update_repository_description(
                repositoryName=name, repositoryDescription=description
            )
        return ApplyResult(meta["Arn"], False)

    async def check(self, ctx: StepContext) -> CheckResult:
        """The repository exists, is ours and has the course's description."""
        codecommit, name = await ctx.client(self.service), resource_name(ctx)
        found = await _find(codecommit, name)
        if found is None:
            return CheckResult(False, None, (f"{self.resource(ctx)} does not exist",))
        meta, tags = found
        if not ctx.is_ours(tags):
            return CheckResult(False, meta["Arn"], (f"{self.resource(ctx)} is not ours",))
        if meta.get("repositoryDescription", "") != str(ctx.params.get("description") or ""):
            return CheckResult(False, meta["Arn"], ("its description differs from the course's",))
        return CheckResult(True, meta["Arn"])

    async def plan_teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """The repository, if ours; or why it would be kept."""
        codecommit = await ctx.client(self.service)
        found = await _find(codecommit, resource_name(ctx))
        if found is None:
            return [ownership.gone(self.resource(ctx))]
        meta, tags = found
        if not ctx.is_ours(tags):
            return [ownership.kept(self.resource(ctx), meta["Arn"], tags)]
        return [
            ownership.to_delete(
                self.resource(ctx), meta["Arn"], "with every commit and branch in it"
            )
        ]

    async def teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """Delete the repository when ours, and confirm it is gone."""
        codecommit, name = await ctx.client(self.service), resource_name(ctx)
        [line] = await self.plan_teardown(ctx)
        if not (line.ours and line.exists):
            return [line]
        ctx.progress(f"deleting CodeCommit repository {name}")
        await codecommit.delete_repository(repositoryName=name)  # a missing one is no error
        await wait_gone(
            codecommit, "GetRepository", MISSING, self.resource(ctx), repositoryName=name
        )
        return [ownership.deleted(line)]
