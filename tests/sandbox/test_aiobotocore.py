"""The product's stack (aiobotocore) sees the sandbox exactly as botocore does."""

import asyncio

from aiobotocore.session import get_session

from tests.sandbox.aws import ADMIN, SESSION_NAME, TAGS, manage_role


async def test_aiobotocore_resolves_the_host_and_works_in_a_trainee_account(sandbox):
    session = get_session()
    credentials = await session.get_credentials()
    assert credentials.method == "iam-role"
    account = sandbox.account_of("alice")
    async with session.create_client("sts") as sts:
        identity = await sts.get_caller_identity()
        assert identity["Arn"].startswith(f"arn:aws:sts::{ADMIN}:assumed-role/AdminEnvRole/")
        response = await sts.assume_role(
            RoleArn=manage_role(account),
            RoleSessionName=SESSION_NAME,
            SourceIdentity="operator",
            Tags=TAGS,
        )
    creds = response["Credentials"]
    keys = {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }
    async with session.create_client("s3", **keys) as s3:
        await s3.create_bucket(
            Bucket="dojo-alice", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"}
        )
        await asyncio.gather(
            *(s3.put_object(Bucket="dojo-alice", Key=f"k{i}", Body=b"x" * 2048) for i in range(20))
        )
        listed = await s3.list_objects_v2(Bucket="dojo-alice")
    assert listed["KeyCount"] == 20
    puts = [r for r in sandbox.trail() if r["operation"] == "PutObject"]
    assert len(puts) == 20 and {r["account"] for r in puts} == {account}
