"""eks_cluster against the sandbox over HTTP: create, adopt, refuse, check, tear down."""

import pytest

from console.steps.base import TAG_COURSE, TAG_TRAINEE, Drifted, NotOurs
from console.steps.eks import EksCluster
from tests.steps.world import unique

STEP = EksCluster()
SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]


def _spec(world, nodegroup="workers"):
    role = f"arn:aws:iam::{world.account}:role/EksClusterRole"
    return {
        "name": unique(f"dojo-{world.trainee}"),
        "role_arn": role,
        "version": "1.31",
        "subnet_ids": SUBNETS,
        "nodegroup": nodegroup,
        "node_role_arn": "",
    }


def _cluster(world, name):
    eks = world.backdoor.client("eks")
    try:
        return eks.describe_cluster(name=name)["cluster"]
    except eks.exceptions.ResourceNotFoundException:
        return None


def _decoy(world, name, tags=None):
    world.backdoor.client("eks").create_cluster(
        name=name,
        roleArn=f"arn:aws:iam::{world.account}:role/Other",
        version="1.31",
        resourcesVpcConfig={"subnetIds": SUBNETS},
        tags=tags or {},
    )


async def test_apply_creates_a_tagged_cluster_and_node_group(world):
    params = _spec(world)
    result = await STEP.apply(world.ctx(params))
    cluster = _cluster(world, params["name"])
    assert result.created and result.resource_arn == cluster["arn"]
    assert cluster["status"] == "ACTIVE" and cluster["version"] == "1.31"
    assert cluster["tags"][TAG_COURSE] == "dojo" and cluster["tags"][TAG_TRAINEE] == world.trainee
    group = world.backdoor.client("eks").describe_nodegroup(
        clusterName=params["name"], nodegroupName="workers"
    )["nodegroup"]
    assert group["status"] == "ACTIVE" and group["tags"][TAG_TRAINEE] == world.trainee
    assert group["nodeRole"] == params["role_arn"]  # node_role_arn "" means the cluster's role
    assert any("ACTIVE" in line for line in world.progress)


async def test_apply_again_adopts_and_creates_nothing(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    world.clear()
    again = await STEP.apply(world.ctx(params))
    assert not again.created and world.operations() == []


@pytest.mark.parametrize(
    "decoy_tags",
    [
        {},
        {TAG_COURSE: "dojo", TAG_TRAINEE: "someone-else"},
    ],
    ids=["untagged", "another-trainee"],
)
async def test_a_decoy_cluster_is_refused_and_left_untouched(world, decoy_tags):
    params = _spec(world)
    _decoy(world, params["name"], decoy_tags)
    with pytest.raises(NotOurs, match=params["name"]):
        await STEP.apply(world.ctx(params))
    assert _cluster(world, params["name"])["tags"] == decoy_tags
    nodegroups = world.backdoor.client("eks").list_nodegroups(clusterName=params["name"])
    assert nodegroups["nodegroups"] == [] and world.operations() == []


async def test_a_decoy_node_group_in_our_cluster_is_refused(world):
    params = _spec(world, nodegroup="")
    await STEP.apply(world.ctx(params))
    world.backdoor.client("eks").create_nodegroup(
        clusterName=params["name"],
        nodegroupName="workers",
        nodeRole=params["role_arn"],
        subnets=SUBNETS,
    )
    with pytest.raises(NotOurs, match="workers"):
        await STEP.apply(world.ctx({**params, "nodegroup": "workers"}))


async def test_an_adopted_cluster_on_another_version_is_drift_not_an_upgrade(world):
    params = _spec(world, nodegroup="")
    await STEP.apply(world.ctx({**params, "version": "1.30"}))
    with pytest.raises(Drifted, match="1.30"):
        await STEP.apply(world.ctx(params))
    assert _cluster(world, params["name"])["version"] == "1.30"


async def test_check_passes_then_sees_drift(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    assert (await STEP.check(world.ctx(params))).ok
    world.backdoor.client("eks").delete_nodegroup(
        clusterName=params["name"], nodegroupName="workers"
    )
    checked = await STEP.check(world.ctx(params))
    assert not checked.ok and checked.problems == ("node group workers does not exist",)
    repaired = await STEP.apply(world.ctx(params))
    assert not repaired.created and (await STEP.check(world.ctx(params))).ok
    assert "CreateNodegroup" in world.operations()


async def test_teardown_deletes_node_groups_then_the_cluster(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    # A node group a trainee added by hand lives inside our cluster: it goes with it.
    world.backdoor.client("eks").create_nodegroup(
        clusterName=params["name"],
        nodegroupName="extra",
        nodeRole=params["role_arn"],
        subnets=SUBNETS,
    )
    plan = await STEP.plan_teardown(world.ctx(params))
    assert [line.resource for line in plan] == [
        f"EKS node group {params['name']}/extra",
        f"EKS node group {params['name']}/workers",
        f"EKS cluster {params['name']}",
    ]
    world.clear()
    done = await STEP.teardown(world.ctx(params))
    assert all(line.ours and not line.exists for line in done)
    assert sorted(world.operations()) == ["DeleteCluster", "DeleteNodegroup", "DeleteNodegroup"]
    assert world.operations()[-1] == "DeleteCluster"
    assert _cluster(world, params["name"]) is None
    world.clear()
    [again] = await STEP.teardown(world.ctx(params))
    assert again.note == "already gone" and world.operations() == []


async def test_teardown_keeps_a_decoy_cluster(world):
    params = _spec(world)
    _decoy(world, params["name"])
    [kept] = await STEP.teardown(world.ctx(params))
    assert not kept.ours and kept.exists and kept.note.startswith("kept")
    assert _cluster(world, params["name"]) is not None and world.operations() == []
