"""What a step is: apply, check, plan a teardown, tear down; and what it may use to do it.

A step acts in one trainee account through clients the engine gives it (``ctx.client``): those
clients carry the trainee's assumed-role session, explicit retries, and the ledger hooks, so a
step never thinks about credentials, retries or attribution.

Ownership (docs/contracts.md, "Ownership"): a resource is ours only if it carries ``whodidthis:course``
and ``whodidthis:trainee`` with this course's and trainee's values. ``apply`` adopts what is
ours and refuses what is not; ``teardown`` deletes only what is ours.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from console import TOOL_NAME
from console.errors import WhodidthisError
from console.kinds import KINDS, KindSpec

TAG_COURSE = "whodidthis:course"
TAG_TRAINEE = "whodidthis:trainee"
TAG_TOOL = "whodidthis:tool"


class NotOurs(WhodidthisError):
    """A resource with the step's name exists but is not tagged for this course and trainee."""

    def __init__(self, resource: str, tags: dict[str, str]):
        self.resource = resource
        found = (
            ", ".join(f"{k}={v}" for k, v in sorted(tags.items()) if k.startswith("whodidthis:"))
            or "no whodidthis tags"
        )
        super().__init__(
            f"{resource} already exists and is not ours ({found}); whodidthis never overwrites "
            "it. Rename the step's resource in the course file or remove the existing one by hand."
        )


class Drifted(WhodidthisError):
    """A check found the resource missing or different from the spec."""


@dataclass(frozen=True)
class ApplyResult:
    """What ``apply`` did: ``created`` or adopted an existing resource of ours."""

    resource_arn: str | None
    created: bool


@dataclass(frozen=True)
class CheckResult:
    """What ``check`` found: ``ok`` when the resource exists and matches the spec."""

    ok: bool
    resource_arn: str | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedDeletion:
    """One line of a teardown plan: what would be deleted, or why it would be kept."""

    resource: str
    resource_arn: str | None
    ours: bool
    exists: bool = True
    note: str = ""


@dataclass
class StepContext:
    """Everything a step may use for one trainee.

    Attributes:
        course_name, trainee, account, region: where and for whom.
        params: the step's parameters with ``{trainee}``, ``{course}``, ``{account}`` rendered.
        client: ``await ctx.client("iam")`` gives the trainee-account client for a service.
        progress: ``ctx.progress("waiting for cluster")`` shows what the step is doing.
        template_path: for ``cloudformation_stack``, the template file resolved on disk.
    """

    course_name: str
    trainee: str
    account: str
    region: str
    params: dict
    client: Callable[[str], Awaitable[Any]]  # an aiobotocore client (typed at run time)
    progress: Callable[[str], None] = lambda text: None
    template_path: str | None = None
    #: for ``cloudformation_stack``, the template text read when the course was loaded.
    template_body: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def tags(self) -> dict[str, str]:
        """The tags every resource we create carries."""
        return {TAG_COURSE: self.course_name, TAG_TRAINEE: self.trainee, TAG_TOOL: TOOL_NAME}

    def tag_list(self, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
        """The tags as AWS's list-of-pairs shape (IAM, S3, CloudFormation)."""
        return [{key: k, value: v} for k, v in self.tags.items()]

    def is_ours(self, tags: dict[str, str] | None) -> bool:
        """True when ``tags`` carry this course's and this trainee's ownership tags."""
        tags = tags or {}
        return tags.get(TAG_COURSE) == self.course_name and tags.get(TAG_TRAINEE) == self.trainee


class StepKind:
    """Base class of the step kinds; each subclass implements the four operations.

    Every operation is idempotent and safe to run again after a crash at any point.
    """

    kind: str = ""  # the kind it implements: its spec is ``console.kinds.KINDS[kind]``

    @property
    def spec(self) -> KindSpec:
        """What the kind is, as data: its parameters, service, calls and resource."""
        return KINDS[self.kind]

    @property
    def service(self) -> str:
        """The AWS service its client is for (``ctx.client(service)``)."""
        return self.spec.service

    def resource(self, ctx: StepContext) -> str:
        """The step's resource as a sentence names it: ``IAM user alice``."""
        return f"{self.spec.noun} {resource_name(ctx)}"

    async def apply(self, ctx: StepContext) -> ApplyResult:
        """Create when missing, adopt when ours, raise NotOurs otherwise."""
        raise NotImplementedError

    async def check(self, ctx: StepContext) -> CheckResult:
        """Read-only: exists and matches the spec."""
        raise NotImplementedError

    async def plan_teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """Read-only: what ``teardown`` would delete (and what it would keep, and why)."""
        raise NotImplementedError

    async def teardown(self, ctx: StepContext) -> list[PlannedDeletion]:
        """Delete what is ours (first what blocks the delete), wait until gone, confirm.

        Returns what was deleted or kept. A resource already gone is success.
        """
        raise NotImplementedError


def resource_name(ctx: StepContext) -> str:
    """The rendered ``name`` parameter."""
    return str(ctx.params["name"])
