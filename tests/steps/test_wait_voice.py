"""Every wait says what it waits on and for how long; a limit error's retry is said as it happens."""

from __future__ import annotations

import pytest

from console.aws.retry_voice import announce_retries
from console.steps.calls import WaitFailed, wait, wait_until
from console.steps.eks import EksCluster
from tests.steps.world import unique


async def test_the_cluster_wait_states_botocores_budget(world):
    name = unique("eks")
    params = {
        "name": name,
        "role_arn": f"arn:aws:iam::{world.account}:role/EksClusterRole",
        "version": "",
        "nodegroup": "",
        "node_role_arn": "",
    }
    await EksCluster().apply(world.ctx(params))
    # botocore's waiters-2.json for EKS: ClusterActive polls every 30 s, 40 times.
    said = [p for p in world.progress if p.startswith("waiting up to")]
    assert said == [
        f"waiting up to 20 min for EKS cluster {name} to become ACTIVE "
        "(botocore's cluster_active waiter: every 30 s, 40 polls)"
    ]
    eks = await world.client("eks")
    seen: list[str] = []
    await wait(eks, "cluster_active", "it", progress=seen.append, name=name)
    assert seen and "20 min" in seen[0]


async def test_a_wait_out_of_budget_names_the_resource_and_its_state(world):
    name = unique("eks")
    eks = await world.client("eks")
    await eks.create_cluster(
        name=name, roleArn=f"arn:aws:iam::{world.account}:role/EksClusterRole",
        resourcesVpcConfig={},
    )  # fmt: skip
    never = [
        {"matcher": "path", "argument": "cluster.status", "expected": "GONE", "state": "success"}
    ]
    with pytest.raises(WaitFailed) as stuck:
        await wait_until(
            eks, "DescribeCluster", f"EKS cluster {name} to go", never,
            delay=1, max_attempts=2, name=name,
        )  # fmt: skip
    assert str(stuck.value).startswith(
        f"Waiting for EKS cluster {name} to go failed: still ACTIVE after 2 s "
        "(a DescribeCluster waiter: 2 polls every 1 s)."
    )


async def test_a_limit_error_retry_is_said_as_it_happens(sandbox, world):
    eks = await world.client("eks")
    said: list[str] = []
    announce_retries(eks, said.append)
    sandbox.faults.add_error(
        "LimitExceededException", "Cluster limit exceeded for account", 400,
        service="eks", operation="ListClusters", first=2,
    )  # fmt: skip
    await eks.list_clusters()
    assert said == [
        "AWS answered LimitExceededException to eks ListClusters (attempt 1); botocore retries "
        "it with backoff",
        "AWS answered LimitExceededException to eks ListClusters (attempt 2); botocore retries "
        "it with backoff",
    ]
