"""The Resource Groups Tagging API in the sandbox covers every service it runs.

moto's own GetResources misses CodeCommit and EKS; the gateway answers GetResources over all of
them, with the API's filters and pagination.
"""

from tests.sandbox.aws import aws_error, trainee_session

REGION = "ap-northeast-1"
OWNED = {"whodidthis:course": "dojo-2026-12", "whodidthis:trainee": "alice"}
FILTERS = [{"Key": k, "Values": [v]} for k, v in OWNED.items()]


def arns(tagging, **params) -> list[str]:
    found = []
    for page in tagging.get_paginator("get_resources").paginate(**params):
        found += [m["ResourceARN"] for m in page["ResourceTagMappingList"]]
    return found


def plant_everything(session, account):
    pairs = [{"Key": k, "Value": v} for k, v in OWNED.items()]
    session.client("codecommit").create_repository(repositoryName="repo", tags=OWNED)
    eks = session.client("eks")
    eks.create_cluster(
        name="c1",
        roleArn=f"arn:aws:iam::{account}:role/EksClusterRole",
        resourcesVpcConfig={},
        tags=OWNED,
    )
    eks.create_nodegroup(
        clusterName="c1",
        nodegroupName="ng",
        nodeRole=f"arn:aws:iam::{account}:role/EksClusterRole",
        subnets=["subnet-0123456789abcdef0"],
        tags=OWNED,
    )
    s3 = session.client("s3")
    s3.create_bucket(
        Bucket=f"b-{account}", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    s3.put_bucket_tagging(Bucket=f"b-{account}", Tagging={"TagSet": pairs})
    session.client("sqs").create_queue(QueueName="q", tags=OWNED)
    session.client("ssm").put_parameter(Name="/p", Value="v", Type="String", Tags=pairs)
    session.client("sqs").create_queue(QueueName="not-ours", tags={"whodidthis:trainee": "alice"})
    session.client("codecommit").create_repository(repositoryName="untagged")


def test_get_resources_lists_every_service_the_sandbox_runs(sandbox):
    account = sandbox.account_of("alice")
    session = trainee_session(account)
    plant_everything(session, account)
    found = arns(session.client("resourcegroupstaggingapi"), TagFilters=FILTERS)
    prefix = f"{REGION}:{account}"
    assert sorted(found) == sorted(
        [
            f"arn:aws:codecommit:{prefix}:repo",
            f"arn:aws:eks:{prefix}:cluster/c1",
            next(a for a in found if a.startswith(f"arn:aws:eks:{prefix}:nodegroup/c1/ng/")),
            f"arn:aws:s3:::b-{account}",
            f"arn:aws:sqs:{prefix}:q",
            f"arn:aws:ssm:{prefix}:parameter/p",
        ]
    )


def test_get_resources_pages_and_filters_by_type(sandbox):
    account = sandbox.account_of("alice")
    session = trainee_session(account)
    plant_everything(session, account)
    tagging = session.client("resourcegroupstaggingapi")
    first = tagging.get_resources(TagFilters=FILTERS, ResourcesPerPage=2)
    assert len(first["ResourceTagMappingList"]) == 2 and first["PaginationToken"]
    assert len(arns(tagging, TagFilters=FILTERS, ResourcesPerPage=1)) == 6
    only = arns(tagging, TagFilters=FILTERS, ResourceTypeFilters=["codecommit", "eks:cluster"])
    assert only == [
        f"arn:aws:codecommit:{REGION}:{account}:repo",
        f"arn:aws:eks:{REGION}:{account}:cluster/c1",
    ]


def test_get_resources_sees_nothing_of_another_account_and_refuses_a_bad_token(sandbox):
    alice, bob = sandbox.account_of("alice"), sandbox.account_of("bob")
    plant_everything(trainee_session(alice), alice)
    tagging = trainee_session(bob).client("resourcegroupstaggingapi")
    assert arns(tagging, TagFilters=FILTERS) == []
    error = aws_error(tagging.get_resources, PaginationToken="not-a-token")
    assert error["Error"]["Code"] == "PaginationTokenExpiredException"


def test_a_bucket_is_listed_in_its_own_region_only(sandbox):
    account = sandbox.account_of("alice")
    session = trainee_session(account)
    s3 = session.client("s3", region_name="eu-west-1")
    pairs = [{"Key": k, "Value": v} for k, v in OWNED.items()]
    s3.create_bucket(
        Bucket=f"far-{account}", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    s3.put_bucket_tagging(Bucket=f"far-{account}", Tagging={"TagSet": pairs})
    here = arns(session.client("resourcegroupstaggingapi"), TagFilters=FILTERS)
    there = arns(
        session.client("resourcegroupstaggingapi", region_name="eu-west-1"), TagFilters=FILTERS
    )
    assert here == [] and there == [f"arn:aws:s3:::far-{account}"]
