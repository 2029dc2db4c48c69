"""The baselines: the same AWS calls the engine makes for one trainee of the sample course,
written the plain way.

Per trainee, 15 calls: AssumeRole and GetCallerIdentity, then per step a read to see whether
the resource exists and the create (with tags), and for EKS and CloudFormation a read after it
(the engine's idempotence checks and waiters do the same reads). ``sequential`` is how the
story's Jenkins job worked, one trainee after another with boto3; ``floor`` is bare aiobotocore
at a given concurrency: the fastest the library allows, with none of whodidthis's bookkeeping.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

TAGS = [{"Key": "whodidthis:course", "Value": "bench"}, {"Key": "whodidthis:trainee", "Value": "x"}]
REGION = "ap-northeast-1"


def session_client(host, service: str, creds: dict, config):
    """An aiobotocore client of ``service`` signed with an AssumeRole's ``creds``."""
    return host.create_client(
        service,
        region_name=REGION,
        config=config,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


RETRIES = {"mode": "standard", "total_max_attempts": 10}


def _missing(call, **kwargs) -> bool:
    try:
        call(**kwargs)
        return False
    except Exception:  # any error means "not there" for the baseline
        return True


def sequential_trainee(sts, name: str, account: str, template: str) -> None:
    """One trainee with boto3, the Jenkins way."""
    import boto3
    from botocore.config import Config

    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/ManageEnvRole",
        RoleSessionName="bench@dojo",
        SourceIdentity="bench",
        Tags=[{"Key": "trainee", "Value": name}],
    )["Credentials"]
    session = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=REGION,
    )
    config = Config(retries=RETRIES)
    session.client("sts", config=config).get_caller_identity()
    iam = session.client("iam", config=config)
    if _missing(iam.get_user, UserName=name):
        iam.create_user(UserName=name, Tags=TAGS)
    cc = session.client("codecommit", config=config)
    if _missing(cc.get_repository, repositoryName="dojo-app"):
        cc.create_repository(repositoryName="dojo-app", tags={t["Key"]: t["Value"] for t in TAGS})
    s3 = session.client("s3", config=config)
    bucket = f"bench-{name}-{account}"
    if _missing(s3.head_bucket, Bucket=bucket):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": TAGS})
    eks = session.client("eks", config=config)
    if _missing(eks.describe_cluster, name=f"{name}-eks"):
        eks.create_cluster(
            name=f"{name}-eks",
            roleArn=f"arn:aws:iam::{account}:role/EksClusterRole",
            resourcesVpcConfig={},
            tags={t["Key"]: t["Value"] for t in TAGS},
        )
    eks.describe_cluster(name=f"{name}-eks")
    cfn = session.client("cloudformation", config=config)
    if _missing(cfn.describe_stacks, StackName=f"{name}-lab"):
        cfn.create_stack(
            StackName=f"{name}-lab",
            TemplateBody=template,
            Tags=TAGS,
            Parameters=[{"ParameterKey": "Trainee", "ParameterValue": name}],
        )
    cfn.describe_stacks(StackName=f"{name}-lab")


def sequential(trainees: list[tuple[str, str]], template_path: Path) -> None:
    import boto3
    from botocore.config import Config

    template = template_path.read_text()
    sts = boto3.client("sts", region_name=REGION, config=Config(retries=RETRIES))
    started = time.perf_counter()
    for name, account in trainees:
        sequential_trainee(sts, name, account, template)
    # The trainees' part alone, so a sample can be extrapolated without its start-up.
    print(f"trainee-seconds {time.perf_counter() - started:.3f}")


async def _amissing(call, **kwargs) -> bool:
    try:
        await call(**kwargs)
        return False
    except Exception:
        return True


async def floor_trainee(sts, host, name: str, account: str, template: str) -> None:
    """One trainee with bare aiobotocore: the host's one session makes the trainee's clients
    with its assumed-role keys (aiobotocore's documented way to act in many accounts; the
    floor is the fastest the library allows without whodidthis's sharing)."""
    from aiobotocore.config import AioConfig

    creds = (
        await sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/ManageEnvRole",
            RoleSessionName="bench@dojo",
            SourceIdentity="bench",
            Tags=[{"Key": "trainee", "Value": name}],
        )
    )["Credentials"]
    config = AioConfig(retries=RETRIES)

    def client(service):
        return session_client(host, service, creds, config)

    async with (
        client("sts") as s,
        client("iam") as iam,
        client("codecommit") as cc,
        client("s3") as s3,
        client("eks") as eks,
        client("cloudformation") as cfn,
    ):
        await s.get_caller_identity()
        if await _amissing(iam.get_user, UserName=name):
            await iam.create_user(UserName=name, Tags=TAGS)
        if await _amissing(cc.get_repository, repositoryName="dojo-app"):
            await cc.create_repository(
                repositoryName="dojo-app", tags={t["Key"]: t["Value"] for t in TAGS}
            )
        bucket = f"bench-{name}-{account}"
        if await _amissing(s3.head_bucket, Bucket=bucket):
            await s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
            await s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": TAGS})
        if await _amissing(eks.describe_cluster, name=f"{name}-eks"):
            await eks.create_cluster(
                name=f"{name}-eks",
                roleArn=f"arn:aws:iam::{account}:role/EksClusterRole",
                resourcesVpcConfig={},
                tags={t["Key"]: t["Value"] for t in TAGS},
            )
        await eks.describe_cluster(name=f"{name}-eks")
        if await _amissing(cfn.describe_stacks, StackName=f"{name}-lab"):
            await cfn.create_stack(
                StackName=f"{name}-lab",
                TemplateBody=template,
                Tags=TAGS,
                Parameters=[{"ParameterKey": "Trainee", "ParameterValue": name}],
            )
        await cfn.describe_stacks(StackName=f"{name}-lab")


async def floor(trainees: list[tuple[str, str]], template_path: Path, concurrency: int) -> None:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import AioSession

    template = template_path.read_text()
    slots = asyncio.Semaphore(concurrency)
    host = AioSession()
    async with host.create_client(
        "sts", region_name=REGION, config=AioConfig(retries=RETRIES)
    ) as sts:

        async def one(name, account):
            async with slots:
                await floor_trainee(sts, host, name, account, template)

        await asyncio.gather(*(one(n, a) for n, a in trainees))


CALLS_PER_TRAINEE = 17


def main(argv: list[str]) -> None:
    """``baselines.py sequential|floor CONCURRENCY COURSE [LIMIT]``: run one baseline."""
    import tomllib

    kind, concurrency, course = argv[0], int(argv[1]), Path(argv[2])
    data = tomllib.loads(course.read_text())
    trainees = [(t["name"], t["account"]) for t in data["trainee"]]
    if len(argv) > 3:
        trainees = trainees[: int(argv[3])]
    template = course.parent / "lab-template.yaml"
    if kind == "sequential":
        sequential(trainees, template)
    else:
        asyncio.run(floor(trainees, template, concurrency))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
