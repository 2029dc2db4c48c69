"""What moto lacks, filled in the gateway: CodeCommit tags and listing, EKS nodegroup tags."""

from tests.sandbox.aws import aws_error, trainee_session

OWNED = {"whodidthis:course": "dojo-2026-12", "whodidthis:trainee": "alice"}


def repo_arn(account, name="dojo-app"):
    return f"arn:aws:codecommit:ap-northeast-1:{account}:{name}"


def test_codecommit_tags_round_trip(sandbox):
    account = sandbox.account_of("alice")
    codecommit = trainee_session(account).client("codecommit")
    codecommit.create_repository(repositoryName="dojo-app", tags=OWNED)
    arn = repo_arn(account)
    assert codecommit.list_tags_for_resource(resourceArn=arn)["tags"] == OWNED
    codecommit.tag_resource(resourceArn=arn, tags={"extra": "1"})
    assert codecommit.list_tags_for_resource(resourceArn=arn)["tags"] == {**OWNED, "extra": "1"}
    codecommit.untag_resource(resourceArn=arn, tagKeys=["extra", "whodidthis:trainee"])
    assert codecommit.list_tags_for_resource(resourceArn=arn)["tags"] == {
        "whodidthis:course": "dojo-2026-12"
    }


def test_a_deleted_and_recreated_repository_has_no_old_tags(sandbox):
    account = sandbox.account_of("bob")
    codecommit = trainee_session(account).client("codecommit")
    codecommit.create_repository(repositoryName="dojo-app", tags=OWNED)
    codecommit.delete_repository(repositoryName="dojo-app")
    codecommit.create_repository(repositoryName="dojo-app")
    assert codecommit.list_tags_for_resource(resourceArn=repo_arn(account))["tags"] == {}


def test_tagging_a_missing_repository_fails_as_on_aws(sandbox):
    account = sandbox.account_of("carol")
    codecommit = trainee_session(account).client("codecommit")
    error = aws_error(
        codecommit.tag_resource, resourceArn=repo_arn(account, "nope"), tags={"a": "b"}
    )
    assert error["Error"]["Code"] == "RepositoryDoesNotExistException"
    error = aws_error(codecommit.list_tags_for_resource, resourceArn="not-an-arn")
    assert error["Error"]["Code"] == "InvalidResourceArnException"


def test_list_repositories_sees_only_its_own_account(sandbox):
    alice, bob = sandbox.account_of("alice"), sandbox.account_of("bob")
    mine = trainee_session(alice).client("codecommit")
    for name in ("zeta", "alpha", "dojo-app"):
        mine.create_repository(repositoryName=name)
    trainee_session(bob).client("codecommit").create_repository(repositoryName="bobs")
    names = [r["repositoryName"] for r in mine.list_repositories()["repositories"]]
    assert names == ["alpha", "dojo-app", "zeta"]
    pages = mine.get_paginator("list_repositories").paginate(order="descending")
    assert [r["repositoryName"] for p in pages for r in p["repositories"]] == [
        "zeta",
        "dojo-app",
        "alpha",
    ]


def test_eks_nodegroup_tags(sandbox):
    account = sandbox.account_of("dave")
    eks = trainee_session(account).client("eks")
    role = f"arn:aws:iam::{account}:role/EksClusterRole"
    eks.create_cluster(name="dave-eks", roleArn=role, resourcesVpcConfig={}, tags=OWNED)
    cluster_arn = eks.describe_cluster(name="dave-eks")["cluster"]["arn"]
    assert eks.list_tags_for_resource(resourceArn=cluster_arn)["tags"] == OWNED
    nodegroup = eks.create_nodegroup(
        clusterName="dave-eks",
        nodegroupName="workers",
        subnets=["subnet-1"],
        nodeRole=role,
        tags=OWNED,
    )["nodegroup"]
    arn = nodegroup["nodegroupArn"]
    assert eks.list_tags_for_resource(resourceArn=arn)["tags"] == OWNED
    eks.tag_resource(resourceArn=arn, tags={"extra": "1"})
    eks.untag_resource(resourceArn=arn, tagKeys=["whodidthis:trainee"])
    assert eks.list_tags_for_resource(resourceArn=arn)["tags"] == {
        "whodidthis:course": "dojo-2026-12",
        "extra": "1",
    }


def test_the_backdoor_gets_the_gap_fills_without_faults_or_trail(sandbox):
    account = sandbox.account_of("erin")
    sandbox.faults.set_throttle(1.0)
    backdoor = sandbox.backdoor_session(account).client("codecommit")
    backdoor.create_repository(repositoryName="decoy", tags={"whodidthis:trainee": "mallory"})
    assert backdoor.list_tags_for_resource(resourceArn=repo_arn(account, "decoy"))["tags"] == {
        "whodidthis:trainee": "mallory"
    }
    assert sandbox.trail() == []
    sandbox.faults.clear()
    product = trainee_session(account).client("codecommit")
    assert product.list_tags_for_resource(resourceArn=repo_arn(account, "decoy"))["tags"] == {
        "whodidthis:trainee": "mallory"
    }
