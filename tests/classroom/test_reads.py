"""The read-only door: a client of the milestone checks and the inventory refuses a changing
call before it is signed or sent (against the stand-in, over HTTP)."""

from __future__ import annotations

import asyncio

import pytest
from aiobotocore.session import AioSession

from console.classroom.reads import NotARead, refuse_changes


def test_a_changing_call_never_leaves_the_host(sandbox):
    alice, account = sandbox.trainees[0]
    before = len(sandbox.trail())

    async def go():
        session = AioSession()
        async with session.create_client("s3", region_name="ap-northeast-1") as s3:
            refuse_changes(s3)
            await s3.list_buckets()
            with pytest.raises(NotARead, match="CreateBucket is not a read"):
                await s3.create_bucket(Bucket="never-made")

    asyncio.run(go())
    operations = [r["operation"] for r in sandbox.trail()[before:]]
    assert "ListBuckets" in operations and "CreateBucket" not in operations
