"""``iam:SimulatePrincipalPolicy``: what a role's own identity policies allow, asked of IAM.

Preflight uses it twice: as the host, on the host role, to tell whether a refused AssumeRole is
the host's own policy (so the message names only what is known); and as each trainee's role, on
itself, for every action the course's steps and templates will call, before any build.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CHUNK = 100  # actions per request (the API pages its answers; smaller requests stay fast)


@dataclass
class Simulation:
    """IAM's decisions, or why it could not answer.

    Attributes:
        decisions: ``{action: "allowed" | "implicitDeny" | "explicitDeny"}``.
        error: the error of the simulation call itself (e.g. AccessDenied), else None.
    """

    decisions: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def refused(self) -> list[str]:
        """The actions IAM would not allow, in the order asked."""
        return [a for a, d in self.decisions.items() if d != "allowed"]


async def simulate(iam, source_arn: str, actions: list[str], resources: list[str] | None = None):
    """Simulate ``actions`` (on ``resources``, default ``*``) for the role or user ``source_arn``.

    Args:
        iam: an aiobotocore IAM client acting as someone allowed iam:SimulatePrincipalPolicy.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    result = Simulation()
    try:
        for start in range(0, len(actions), CHUNK):
            kwargs = {"PolicySourceArn": source_arn, "ActionNames": actions[start : start + CHUNK]}
            if resources:
                kwargs["ResourceArns"] = resources
            paginator = iam.get_paginator("simulate_principal_policy")
            async for page in paginator.paginate(**kwargs):
                for answer in page["EvaluationResults"]:
                    action = answer["EvalActionName"]
                    if result.decisions.get(action, "allowed") == "allowed":
                        result.decisions[action] = answer["EvalDecision"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        result.error = f"{error.get('Code')}: {error.get('Message')}"
    except BotoCoreError as exc:
        result.error = str(exc)
    return result
