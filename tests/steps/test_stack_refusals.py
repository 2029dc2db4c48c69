"""What the stand-in's CloudFormation refuses at once, as AWS would or naming its own limit."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.templates.test_checked_at_load import NAMED_ROLE


async def test_a_named_iam_role_without_capabilities_is_refused_like_aws(world):
    cfn = await world.client("cloudformation")
    with pytest.raises(ClientError) as refused:
        await cfn.create_stack(StackName="named", TemplateBody=NAMED_ROLE)
    error = refused.value.response["Error"]
    assert error["Code"] == "InsufficientCapabilitiesException"
    assert error["Message"] == "Requires capabilities : [CAPABILITY_NAMED_IAM]"
    with pytest.raises(ClientError):  # nothing was made
        await cfn.describe_stacks(StackName="named")
    made = await cfn.create_stack(
        StackName="named", TemplateBody=NAMED_ROLE, Capabilities=["CAPABILITY_NAMED_IAM"]
    )
    assert made["StackId"]


async def test_a_type_moto_cannot_run_is_named_at_once(world):
    cfn = await world.client("cloudformation")
    template = "Resources:\n  Group:\n    Type: AWS::Scheduler::ScheduleGroup\n"
    with pytest.raises(ClientError) as refused:
        await cfn.create_stack(StackName="unrunnable", TemplateBody=template)
    message = refused.value.response["Error"]["Message"]
    assert "The stand-in cannot run AWS::Scheduler::ScheduleGroup" in message
    with pytest.raises(ClientError):
        await cfn.describe_stacks(StackName="unrunnable")
