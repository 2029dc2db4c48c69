"""A throttled or unanswered poll is not the resource's state (issue 14, item 7).

botocore's waiters gave up on the first poll whose error no acceptor matched, so a poll
throttled past the client's retries ended a wait as a failure of the resource itself. Each
test throttles (or fails) the polls past what the client retries, and the wait still ends
with the resource's real state."""

import json

import pytest

from console.steps.calls import wait
from console.steps.cfn import CloudFormationStack
from tests.steps.test_cfn import QUEUE_TEMPLATE, _spec
from tests.steps.world import unique


@pytest.fixture
def quick_polls(monkeypatch):
    """A waiter's delay between polls kept to a blink: CloudFormation's and EKS's shipped
    waiters wait 30 s between polls, and these tests are about what a poll's error means, not
    about how long the schedule waits."""
    import asyncio

    from aiobotocore.waiter import AIOWaiter

    async def blink(self, seconds):
        await asyncio.sleep(min(seconds, 0.05))

    monkeypatch.setattr(AIOWaiter, "_sleep", blink)


@pytest.fixture
def no_client_retries(monkeypatch):
    """The operator's own setting: every throttled attempt is a throttled poll."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")


async def test_a_waiter_keeps_polling_through_60_percent_throttling(
    sandbox, no_client_retries, world
):
    name = unique("waited")
    world.backdoor.client("iam").create_user(UserName=name)
    # Only IAM requests draw from the seeded RNG; with seed 1 the first poll is throttled.
    sandbox.faults.merge({"seed": 1, "throttle": {"iam": 0.6}})
    iam = await world.client("iam")

    await wait(iam, "user_exists", f"IAM user {name} to exist", UserName=name)

    polls = [r for r in sandbox.trail() if r["operation"] == "GetUser"]
    assert polls[0]["error_code"] == "Throttling"  # the wait did see a throttled poll
    assert polls[-1]["status"] == 200


async def test_a_stack_whose_polls_are_throttled_is_not_reported_failed(
    sandbox, monkeypatch, world, tmp_path, quick_polls
):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    template = tmp_path / "lab.json"
    template.write_text(json.dumps(QUEUE_TEMPLATE))
    spec = _spec(world, template)
    # The 2nd DescribeStacks (the waiter's first poll, after apply's own look) is throttled
    # on both of the client's attempts; the stack is CREATE_COMPLETE all along.
    sandbox.faults.add_error(
        "Throttling",
        "Rate exceeded",
        status=400,
        service="cloudformation",
        operation="DescribeStacks",
        after=1,
        first=2,
    )

    result = await CloudFormationStack().apply(world.ctx(spec, template_path=str(template)))

    assert result.created
    stack = world.backdoor.client("cloudformation").describe_stacks(StackName=spec["name"])
    assert stack["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    throttled = [r for r in sandbox.trail() if r["error_code"] == "Throttling"]
    assert len(throttled) == 2


async def test_a_cluster_whose_polls_are_throttled_is_waited_for_not_failed(
    sandbox, monkeypatch, world, quick_polls
):
    from console.steps.eks import EksCluster
    from tests.steps import test_eks

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    spec = {**test_eks._spec(world), "nodegroup": ""}
    # The 2nd DescribeCluster (cluster_active's first poll, after apply's own look) is
    # throttled on both of the client's attempts; the cluster is ACTIVE all along.
    sandbox.faults.add_error(
        "ThrottlingException",
        "Rate exceeded",
        status=429,
        service="eks",
        operation="DescribeCluster",
        after=1,
        first=2,
    )

    result = await EksCluster().apply(world.ctx(spec))

    assert result.created
    throttled = [r for r in sandbox.trail() if r["error_code"] == "ThrottlingException"]
    assert len(throttled) == 2
