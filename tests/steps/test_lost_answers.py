"""Idempotent creates (issue 14, item 8): the answer to a create is lost after the create took
effect (the sandbox serves the call, then answers 500 InternalFailure), botocore retries, and
the retry meets the resource its first attempt made. The step adopts it (it carries our tags)
and finishes: no failure, no second resource. What does not carry our tags is never adopted."""

import json

import pytest

from console.steps.base import NotOurs
from console.steps.cfn import CloudFormationStack
from console.steps.codecommit import CodeCommitRepo
from console.steps.eks import EksCluster
from console.steps.iam_user import IamUser
from console.steps.s3 import S3Bucket
from tests.steps import test_eks
from tests.steps.test_cfn import QUEUE_TEMPLATE
from tests.steps.world import unique


def lose_the_answer(sandbox, world, service, operation):
    """The next ``operation`` call takes effect, and its caller hears a 500 instead."""
    sandbox.faults.add_error(
        "InternalFailure",
        "We encountered an internal error. Please try again.",
        status=500,
        account=world.account,
        service=service,
        operation=operation,
        first=1,
        after_applying=True,
    )


def answered(sandbox, operation):
    return [r for r in sandbox.trail() if r["operation"] == operation]


def iam_user(world, tmp_path):
    return IamUser(), {"name": unique(world.trainee), "policy_arns": [], "groups": []}, {}


def codecommit_repo(world, tmp_path):
    return CodeCommitRepo(), {"name": unique("dojo-app"), "description": "the app"}, {}


def s3_bucket(world, tmp_path):
    return S3Bucket(), {"name": unique(f"dojo-{world.account}"), "versioning": False}, {}


def eks_cluster(world, tmp_path):
    return EksCluster(), {**test_eks._spec(world), "nodegroup": ""}, {}


def cloudformation_stack(world, tmp_path):
    template = tmp_path / "lab.json"
    template.write_text(json.dumps(QUEUE_TEMPLATE))
    params = {
        "name": unique(f"{world.trainee}-lab"),
        "template": str(template),
        "parameters": {"QueueName": unique("q")},
        "capabilities": [],
    }
    return CloudFormationStack(), params, {"template_path": str(template)}


CASES = {
    "iam_user": (iam_user, "iam", "CreateUser"),
    "codecommit_repo": (codecommit_repo, "codecommit", "CreateRepository"),
    "s3_bucket": (s3_bucket, "s3", "CreateBucket"),
    "eks_cluster": (eks_cluster, "eks", "CreateCluster"),
    "cloudformation_stack": (cloudformation_stack, "cloudformation", "CreateStack"),
}


def count(world, kind):
    backdoor = world.backdoor
    if kind == "iam_user":
        return len(backdoor.client("iam").list_users()["Users"])
    if kind == "codecommit_repo":
        return len(backdoor.client("codecommit").list_repositories()["repositories"])
    if kind == "s3_bucket":
        return len(backdoor.client("s3").list_buckets()["Buckets"])
    if kind == "eks_cluster":
        return len(backdoor.client("eks").list_clusters()["clusters"])
    return len(
        [
            s
            for s in backdoor.client("cloudformation").describe_stacks()["Stacks"]
            if s["StackStatus"] != "DELETE_COMPLETE"
        ]
    )


@pytest.mark.parametrize("kind", list(CASES))
async def test_a_lost_create_answer_is_adopted_not_failed_nor_doubled(
    sandbox, world, tmp_path, kind
):
    make, service, operation = CASES[kind]
    step, params, extra = make(world, tmp_path)
    before = count(world, kind)
    lose_the_answer(sandbox, world, service, operation)

    result = await step.apply(world.ctx(params, **extra))

    creates = answered(sandbox, operation)
    assert [r["status"] for r in creates][:1] == [500]  # the answer was lost...
    assert len(creates) >= 2  # ...and botocore's retry met the resource
    assert count(world, kind) == before + 1  # exactly one made
    assert result.resource_arn
    assert (await step.check(world.ctx(params, **extra))).ok


# A stranger's resource of the same name appears between our look and our create: the look is
# answered "not found" once, as it was a moment before the stranger made theirs.
RACES = {
    "iam_user": ("GetUser", "NoSuchEntity", 404, "The user with name {name} cannot be found."),
    "codecommit_repo": (
        "GetRepository",
        "RepositoryDoesNotExistException",
        400,
        "{name} does not exist",
    ),
    "s3_bucket": ("HeadBucket", "404", 404, "Not Found"),
    "eks_cluster": ("DescribeCluster", "ResourceNotFoundException", 404, "No cluster found"),
    "cloudformation_stack": (
        "DescribeStacks",
        "ValidationError",
        400,
        "Stack with id {name} does not exist",
    ),
}


def plant_stranger(world, kind, params):
    """The same name, made by someone else: no whodidthis tags."""
    name, backdoor = params["name"], world.backdoor
    if kind == "iam_user":
        backdoor.client("iam").create_user(UserName=name)
    elif kind == "codecommit_repo":
        backdoor.client("codecommit").create_repository(repositoryName=name)
    elif kind == "s3_bucket":
        backdoor.client("s3").create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"}
        )
    elif kind == "eks_cluster":
        test_eks._decoy(world, name)
    else:
        backdoor.client("cloudformation").create_stack(
            StackName=name,
            TemplateBody=json.dumps(QUEUE_TEMPLATE),
            Parameters=[{"ParameterKey": "QueueName", "ParameterValue": unique("theirs")}],
        )


@pytest.mark.parametrize("kind", list(CASES))
async def test_a_strangers_resource_met_by_our_create_is_refused_not_adopted(
    sandbox, world, tmp_path, kind
):
    make, service, create = CASES[kind]
    step, params, extra = make(world, tmp_path)
    plant_stranger(world, kind, params)
    before = count(world, kind)
    look, code, status, message = RACES[kind]
    sandbox.faults.add_error(
        code,
        message.format(name=params["name"]),
        status=status,
        account=world.account,
        service=service,
        operation=look,
        first=1,
    )

    with pytest.raises(NotOurs):
        await step.apply(world.ctx(params, **extra))

    assert [r["operation"] for r in sandbox.trail()].count(create) == 1  # we did try
    assert count(world, kind) == before  # nothing made, nothing taken
    assert not (await step.check(world.ctx(params, **extra))).ok  # still not ours
