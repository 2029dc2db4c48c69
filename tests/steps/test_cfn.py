"""cloudformation_stack against the sandbox over HTTP: create, adopt, update, refuse, fail,
check, tear down."""

import json

import pytest

from console.steps.base import TAG_COURSE, TAG_TRAINEE, NotOurs
from console.steps.cfn import CloudFormationStack, StackFailed
from tests.steps.world import unique

STEP = CloudFormationStack()
QUEUE_TEMPLATE = {
    "Parameters": {"QueueName": {"Type": "String"}},
    "Resources": {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "QueueName"}}}
    },
    "Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}}},
}


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "lab.json"
    path.write_text(json.dumps(QUEUE_TEMPLATE, indent=2))
    return path


def _spec(world, template, queue=None):
    return {
        "name": unique(f"{world.trainee}-lab"),
        "template": str(template),
        "parameters": {"QueueName": queue or unique("q")},
        "capabilities": [],
    }


def _ctx(world, params, template, **kwargs):
    return world.ctx(params, template_path=str(template), **kwargs)


def _stack(world, name):
    cfn = world.backdoor.client("cloudformation")
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except cfn.exceptions.ClientError as exc:
        assert "does not exist" in str(exc)
        return None


def _queues(world):
    return world.backdoor.client("sqs").list_queues().get("QueueUrls", [])


def _decoy(world, name, template, tags):
    world.backdoor.client("cloudformation").create_stack(
        StackName=name,
        TemplateBody=template.read_text(),
        Parameters=[{"ParameterKey": "QueueName", "ParameterValue": unique("decoy")}],
        Tags=tags,
    )


async def test_apply_creates_a_tagged_stack(world, template):
    params = _spec(world, template)
    result = await STEP.apply(_ctx(world, params, template))
    stack = _stack(world, params["name"])
    assert result.created and result.resource_arn == stack["StackId"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    tags = {t["Key"]: t["Value"] for t in stack["Tags"]}
    assert tags[TAG_COURSE] == "dojo" and tags[TAG_TRAINEE] == world.trainee
    assert any(url.endswith(params["parameters"]["QueueName"]) for url in _queues(world))


async def test_apply_again_adopts_and_creates_nothing(world, template):
    params = _spec(world, template)
    await STEP.apply(_ctx(world, params, template))
    world.clear()
    again = await STEP.apply(_ctx(world, params, template))
    assert not again.created and world.operations() == []  # same parameters, same template


async def test_apply_updates_an_adopted_stack_whose_parameters_differ(world, template):
    params = _spec(world, template)
    await STEP.apply(_ctx(world, params, template))
    changed = {**params, "parameters": {"QueueName": unique("renamed")}}
    assert "parameter QueueName" in (await STEP.check(_ctx(world, changed, template))).problems[0]
    world.clear()
    result = await STEP.apply(_ctx(world, changed, template))
    assert not result.created and world.operations() == ["UpdateStack"]
    assert (await STEP.check(_ctx(world, changed, template))).ok


@pytest.mark.parametrize(
    "decoy_tags",
    [
        [],
        [{"Key": TAG_COURSE, "Value": "dojo"}, {"Key": TAG_TRAINEE, "Value": "someone-else"}],
    ],
    ids=["untagged", "another-trainee"],
)
async def test_a_decoy_is_refused_and_left_untouched(world, template, decoy_tags):
    params = _spec(world, template)
    _decoy(world, params["name"], template, decoy_tags)
    before = _stack(world, params["name"])
    with pytest.raises(NotOurs, match=params["name"]):
        await STEP.apply(_ctx(world, params, template))
    after = _stack(world, params["name"])
    assert after["Parameters"] == before["Parameters"] and after["StackId"] == before["StackId"]
    assert world.operations() == []


async def test_check_passes_then_sees_drift(world, template):
    params = _spec(world, template)
    await STEP.apply(_ctx(world, params, template))
    assert (await STEP.check(_ctx(world, params, template))).ok
    edited = json.loads(template.read_text())
    edited["Outputs"]["QueueArn"] = {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}}
    template.write_text(json.dumps(edited))
    checked = await STEP.check(_ctx(world, params, template))
    assert not checked.ok and "template differs" in checked.problems[0]
    world.backdoor.client("cloudformation").delete_stack(StackName=params["name"])
    gone = await STEP.check(_ctx(world, params, template))
    assert not gone.ok and "does not exist" in gone.problems[0]


async def test_a_failed_create_names_the_failed_resource_and_its_reason(world, template):
    params = _spec(world, template, queue="not a valid queue name!")
    with pytest.raises(StackFailed) as failed:
        await STEP.apply(_ctx(world, params, template))
    message = str(failed.value)
    assert "Queue (AWS::SQS::Queue) CREATE_FAILED" in message
    assert "alphanumeric characters" in message  # SQS's own reason, via the stack's events
    assert _stack(world, params["name"])["StackStatus"] == "ROLLBACK_COMPLETE"


async def test_a_rolled_back_stack_of_ours_is_deleted_and_created_again(world, template):
    params = _spec(world, template, queue="not a valid queue name!")
    with pytest.raises(StackFailed):
        await STEP.apply(_ctx(world, params, template))
    old = _stack(world, params["name"])["StackId"]
    fixed = {**params, "parameters": {"QueueName": unique("q")}}
    world.clear()
    result = await STEP.apply(_ctx(world, fixed, template))
    assert result.created and result.resource_arn != old
    assert world.operations() == ["DeleteStack", "CreateStack"]
    assert _stack(world, params["name"])["StackStatus"] == "CREATE_COMPLETE"


async def test_teardown_deletes_ours_and_twice_is_fine(world, template):
    params = _spec(world, template)
    await STEP.apply(_ctx(world, params, template))
    [planned] = await STEP.plan_teardown(_ctx(world, params, template))
    assert planned.ours and planned.note == "with the 1 resources it created"
    world.clear()
    [done] = await STEP.teardown(_ctx(world, params, template))
    assert done.ours and not done.exists and world.operations() == ["DeleteStack"]
    assert _stack(world, params["name"]) is None
    assert not any(url.endswith(params["parameters"]["QueueName"]) for url in _queues(world))
    world.clear()
    [again] = await STEP.teardown(_ctx(world, params, template))
    assert again.note == "already gone" and world.operations() == []


async def test_teardown_keeps_a_decoy(world, template):
    params = _spec(world, template)
    _decoy(world, params["name"], template, [])
    [kept] = await STEP.teardown(_ctx(world, params, template))
    assert not kept.ours and kept.exists and kept.note.startswith("kept")
    assert _stack(world, params["name"]) is not None and world.operations() == []
