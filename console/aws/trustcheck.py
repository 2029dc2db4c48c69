"""The trust check ``preflight`` makes, shared with the engine's gate before a build.

Both read ``ManageEnvRole``'s trust policy with the assumed session (one ``iam:GetRole``) and
lint it (``console.aws.trustlint``) for the AssumeRole the product really makes. ``preflight``
reports every finding; an ``apply`` or ``retry`` refuses to build a trainee whose trust has an
error about who gets in (any principal, another account, a policy IAM refuses) and shows the
warnings. The host role's ARN (path included) is asked of IAM once per broker, not per trainee.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from urllib.parse import unquote

from console.aws.identity import role_arn_of
from console.aws.names import tag_value
from console.aws.trustlint import ERROR, HOST, WARNING, Finding, ProductRequest, lint_trust_policy

# broker -> the lookup of the host role's ARN: one per engine process, whatever the trainee
# count, shared by every trainee that asks while it runs.
_HOST_ROLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def product_request(course_name: str, trainee: str, session_name: str, source_identity, operator):
    """The AssumeRole the broker makes for ``trainee`` (what the lint's probes send)."""
    return ProductRequest(
        session_name=session_name,
        source_identity=source_identity,
        tags={
            "course": tag_value(course_name),
            "trainee": tag_value(trainee),
            "operator": tag_value(operator),
        },
    )


async def read_trust(iam, role_name: str) -> tuple[dict, dict]:
    """``(role, trust policy)``: GetRole's answer and its document, decoded (IAM URL-encodes it)."""
    role = (await iam.get_role(RoleName=role_name))["Role"]
    document = role["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        document = json.loads(unquote(document))
    return role, document


def lint(course, document: dict, *, host_arn: str, host_role_arn: str, request) -> list[Finding]:
    """The trust lint's findings for ``document``, most severe first."""
    return lint_trust_policy(
        document,
        admin_account=host_arn.split(":")[4],
        host_role_arn=host_role_arn,
        source_identity=course.source_identity,
        request=request,
        host_session_arn=host_arn,
    )


async def host_role_arn(broker, region: str) -> str:
    """The host role's ARN as IAM names it (``console.aws.hostrole``), asked once per broker;
    rebuilt from the session ARN only when IAM cannot tell.

    The first caller's lookup is shared: a build starts up to ``concurrency`` trainees at once,
    and each asking IAM on its own made as many boto3 sessions in threads (a burst of CPU and
    of memory: the engine's peak went from 90 MB to over 160 MB at 400 trainees).
    """
    from console.aws.hostrole import lookup_host_role

    async def lookup() -> str:
        found = await asyncio.to_thread(lookup_host_role, broker.host_arn, region=region)
        return found.arn or role_arn_of(broker.host_arn) or broker.host_arn or ""

    if broker not in _HOST_ROLES:
        _HOST_ROLES[broker] = asyncio.ensure_future(lookup())
    return await asyncio.shield(_HOST_ROLES[broker])


async def build_gate(course, broker, session, iam) -> tuple[list[Finding], list[Finding]]:
    """``(errors, warnings)`` of the trainee's trust, as ``session`` (just assumed) reads it.

    An error that the host cannot get in is left out: the AssumeRole just made with the
    product's own request answered, so AWS says it can (such a finding would come from a host
    ARN IAM would not tell us), and it is no reason to refuse a build. A trust that cannot be
    read is a warning: the role predates ``iam:GetRole`` on itself, and preflight says so.
    """
    from botocore.exceptions import ClientError

    try:
        _, document = await read_trust(iam, course.role_name)
    except ClientError as exc:  # a role without iam:GetRole on itself: say so, build anyway
        error = exc.response.get("Error", {})
        text = f"{error.get('Code')}: {error.get('Message')}"
        return [], [Finding(WARNING, f"could not read the trust policy to check it ({text})", "{}")]
    request = product_request(
        course.name,
        session.trainee,
        session.session_name,
        session.source_identity,
        session.operator.name if session.operator else broker.operator.name,
    )
    host_role = await host_role_arn(broker, course.region)
    findings = lint(course, document, host_arn=broker.host_arn, host_role_arn=host_role,
                    request=request)  # fmt: skip
    errors = [f for f in findings if f.severity == ERROR and f.topic != HOST]
    return errors, [f for f in findings if f.severity == WARNING]


def refusal_text(course, trainee, errors: list[Finding]) -> str:
    """Why the trainee is not built, and what to do, in one message."""
    what = " ".join(f.message for f in errors)
    return (
        f"not built: {course.role_name}'s trust policy in {trainee.account} is unsafe. {what} "
        f"Fix it (`whodidthis preflight COURSE` prints the policy to paste), then `whodidthis "
        f"retry COURSE --trainee {trainee.name}`."
    )
