"""Public CloudFormation templates against the role ``iam-templates`` writes, in the stand-in.

Each template under ``tests/templates/public`` cites its source (aws-cloudformation-templates
or the CloudFormation Template Reference). For each:

* with the role ``iam-templates --course`` writes for a course of every public template (past
  IAM's 10,240 characters of inline policy per role, so written as an inline policy and
  managed policies, each within IAM's quotas, which the stand-in enforces as AWS does), the
  ``cloudformation_stack`` step creates the stack and tears it down;
* with the plain policy (no course), AWS (the stand-in) refuses the stack, naming a permission
  from the template's provider schemas that the role lacks;
* preflight's permission simulation names that same permission before any change, and finds
  nothing missing with the course's policy.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from console.aws.permissions import course_needs, manage_role_statements, template_actions
from console.commands.iam_templates import trainee_template
from console.commands.preflight_checks import permission_findings
from console.course.model import load_course
from console.steps.cfn import CloudFormationStack, StackFailed
from tests.steps.world import REGION

PUBLIC = Path(__file__).parent.parent / "templates" / "public"
# template file -> (parameters, capabilities) for one trainee's stack
TEMPLATES = {
    "sqs-fifo-queue.yaml": ({}, []),
    "sns-topic-subscription.yaml": ({}, []),
    "dynamodb-secondary-indexes.yaml": ({}, []),
    "lambda-sample.yaml": ({}, ["CAPABILITY_IAM"]),
    "s3-lambda-trigger.yaml": ({"NotificationBucket": "trigger-{unique}"}, ["CAPABILITY_IAM"]),
    "vpc-managed-nat.yaml": ({}, []),
    "ssm-parameter.yaml": ({}, []),
    "kms-key.yaml": ({}, []),
    "log-group.yaml": ({}, []),
}


def course_for(tmp_path: Path, template: str, world, capabilities: list[str]):
    """A course with one ``cloudformation_stack`` step deploying ``template``."""
    shutil.copy(PUBLIC / template, tmp_path / template)
    caps = json.dumps(capabilities)
    (tmp_path / "course.toml").write_text(
        f'[course]\nname = "dojo"\nregion = "{REGION}"\n\n'
        f'[[trainee]]\nname = "{world.trainee}"\naccount = "{world.account}"\n\n'
        f'[[step]]\nkind = "cloudformation_stack"\nname = "lab"\ntemplate = "{template}"\n'
        f"capabilities = {caps}\n"
    )
    return load_course(tmp_path / "course.toml")


def give_role(world, statements: list[dict]) -> None:
    """ManageEnvRole's policy as a StackSet of ``iam-templates``' output would leave it."""
    world.backdoor.client("iam").put_role_policy(
        RoleName="ManageEnvRole",
        PolicyName="BuildTrainingEnvironment",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )


def give_written_role(world, role_template: dict) -> None:
    """ManageEnvRole's policies as a StackSet of the written template leaves them: its inline
    policy, and each managed policy created and attached (IAM refuses any past its quota)."""
    iam = world.backdoor.client("iam")
    resources = role_template["Resources"]
    for policy in resources["ManageEnvRole"]["Properties"]["Policies"]:
        iam.put_role_policy(
            RoleName="ManageEnvRole",
            PolicyName=policy["PolicyName"],
            PolicyDocument=json.dumps(policy["PolicyDocument"]),
        )
    for logical_id, body in resources.items():
        if body["Type"] == "AWS::IAM::ManagedPolicy":
            arn = iam.create_policy(
                PolicyName=f"ManageEnvRole-{logical_id}",
                PolicyDocument=json.dumps(body["Properties"]["PolicyDocument"]),
            )["Policy"]["Arn"]
            iam.attach_role_policy(RoleName="ManageEnvRole", PolicyArn=arn)


@pytest.fixture(scope="module")
def every_template_role(tmp_path_factory) -> dict:
    """The role ``iam-templates --course`` writes for one course of every public template."""
    folder = tmp_path_factory.mktemp("every-template")
    steps = []
    for index, template in enumerate(sorted(PUBLIC.glob("*.yaml"))):
        shutil.copy(template, folder / template.name)
        steps.append(
            f'[[step]]\nkind = "cloudformation_stack"\nname = "lab{index}"\n'
            f'template = "{template.name}"\ncapabilities = ["CAPABILITY_NAMED_IAM"]\n'
        )
    (folder / "course.toml").write_text(
        f'[course]\nname = "dojo"\nregion = "{REGION}"\n\n'
        '[[trainee]]\nname = "alice"\naccount = "200000000001"\n\n' + "\n".join(steps)
    )
    role = trainee_template("111122223333", course=load_course(folder / "course.toml"))
    assert any(b["Type"] == "AWS::IAM::ManagedPolicy" for b in role["Resources"].values())
    return role


async def missing_before_any_change(world, course) -> list[str]:
    """The error findings of preflight's permission simulation, as the trainee's role."""
    iam = await world.client("iam")
    role_arn = f"arn:aws:iam::{world.account}:role/ManageEnvRole"
    findings = await permission_findings(iam, course, role_arn, world.account, course_needs(course))
    return [f.message for f in findings if f.severity == "error"]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
async def test_the_course_role_builds_and_deletes_and_the_plain_role_is_refused(
    sandbox, world, tmp_path, template, every_template_role
):
    parameters, capabilities = TEMPLATES[template]
    unique = uuid.uuid4().hex[:8]
    params = {
        "name": f"lab-{unique}",
        "template": template,
        "parameters": {k: v.format(unique=unique) for k, v in parameters.items()},
        "capabilities": capabilities,
    }
    course = course_for(tmp_path, template, world, capabilities)
    needed, unknown = template_actions((tmp_path / template).read_text(), REGION)
    assert not unknown and needed

    give_role(world, manage_role_statements())  # the plain role: no course
    missing = await missing_before_any_change(world, course)
    assert missing and all(template in m for m in missing), missing
    step = CloudFormationStack()
    with pytest.raises(StackFailed) as refused:
        await step.apply(world.ctx(params, template_path=str(tmp_path / template)))
    said = str(refused.value)
    named = [a for a in needed if f"perform: {a} " in said]
    assert named, said  # the stand-in names a permission the provider schemas list ...
    assert all(named[0] in m for m in missing[:1]), (named, missing)  # ... preflight did too
    await step.teardown(world.ctx(params, template_path=str(tmp_path / template)))

    give_written_role(world, every_template_role)  # what `iam-templates --course` writes
    assert await missing_before_any_change(world, course) == []
    ctx = world.ctx(params, template_path=str(tmp_path / template))
    result = await step.apply(ctx)
    assert result.created
    cfn = world.backdoor.client("cloudformation", region_name=REGION)
    [stack] = cfn.describe_stacks(StackName=params["name"])["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    [line] = await step.teardown(world.ctx(params, template_path=str(tmp_path / template)))
    assert line.ours
    gone = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert params["name"] in {s["StackName"] for s in gone}
