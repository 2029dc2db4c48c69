"""codecommit_repo against the sandbox over HTTP: create, adopt, refuse, check, tear down."""

import pytest

from console.steps.base import TAG_COURSE, TAG_TRAINEE, NotOurs
from console.steps.codecommit import CodeCommitRepo
from tests.steps.world import unique

STEP = CodeCommitRepo()


def _spec(world):
    return {"name": unique("dojo-app"), "description": f"The app {world.trainee} works on"}


def _repo(world, name):
    codecommit = world.backdoor.client("codecommit")
    try:
        return codecommit.get_repository(repositoryName=name)["repositoryMetadata"]
    except codecommit.exceptions.RepositoryDoesNotExistException:
        return None


def _tags(world, name):
    arn = _repo(world, name)["Arn"]
    return world.backdoor.client("codecommit").list_tags_for_resource(resourceArn=arn)["tags"]


async def test_apply_creates_a_tagged_repository(world):
    params = _spec(world)
    result = await STEP.apply(world.ctx(params))
    assert result.created and result.resource_arn.endswith(f":{params['name']}")
    assert _repo(world, params["name"])["repositoryDescription"] == params["description"]
    tags = _tags(world, params["name"])
    assert tags[TAG_COURSE] == "dojo" and tags[TAG_TRAINEE] == world.trainee


async def test_apply_again_adopts_and_creates_nothing(world):
    params = _spec(world)
    first = await STEP.apply(world.ctx(params))
    world.clear()
    again = await STEP.apply(world.ctx(params))
    assert not again.created and again.resource_arn == first.resource_arn
    assert world.operations() == []


@pytest.mark.parametrize(
    "decoy_tags",
    [
        {},
        {TAG_COURSE: "dojo", TAG_TRAINEE: "someone-else"},
    ],
    ids=["untagged", "another-trainee"],
)
async def test_a_decoy_is_refused_and_left_untouched(world, decoy_tags):
    params = _spec(world)
    world.backdoor.client("codecommit").create_repository(
        repositoryName=params["name"], repositoryDescription="not yours", tags=decoy_tags
    )
    with pytest.raises(NotOurs, match=params["name"]):
        await STEP.apply(world.ctx(params))
    assert _repo(world, params["name"])["repositoryDescription"] == "not yours"
    assert _tags(world, params["name"]) == decoy_tags
    assert world.operations() == []


async def test_check_passes_then_sees_drift(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    assert (await STEP.check(world.ctx(params))).ok
    codecommit = world.backdoor.client("codecommit")
    codecommit.update_repository_description(
        repositoryName=params["name"], repositoryDescription="changed by hand"
    )
    checked = await STEP.check(world.ctx(params))
    assert not checked.ok and "description" in checked.problems[0]
    repaired = await STEP.apply(world.ctx(params))
    assert not repaired.created and (await STEP.check(world.ctx(params))).ok
    codecommit.delete_repository(repositoryName=params["name"])
    gone = await STEP.check(world.ctx(params))
    assert not gone.ok and "does not exist" in gone.problems[0]


async def test_teardown_deletes_ours_and_twice_is_fine(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    [planned] = await STEP.plan_teardown(world.ctx(params))
    assert planned.ours and planned.exists
    world.clear()
    [done] = await STEP.teardown(world.ctx(params))
    assert done.ours and not done.exists and _repo(world, params["name"]) is None
    assert world.operations() == ["DeleteRepository"]
    world.clear()
    [again] = await STEP.teardown(world.ctx(params))
    assert again.note == "already gone" and world.operations() == []


async def test_teardown_keeps_a_decoy(world):
    params = _spec(world)
    world.backdoor.client("codecommit").create_repository(repositoryName=params["name"])
    [kept] = await STEP.teardown(world.ctx(params))
    assert not kept.ours and kept.exists and kept.note.startswith("kept")
    assert _repo(world, params["name"]) is not None
    assert world.operations() == []
