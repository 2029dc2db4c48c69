"""The engine's trust gate asks IAM for the host role's ARN once per engine process, even
when a build starts a hundred trainees at the same moment."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

from console.aws import hostrole, trustcheck

HOST_SESSION = "arn:aws:sts::111122223333:assumed-role/AdminEnvRole/i-0abc"
HOST_ROLE = "arn:aws:iam::111122223333:role/ops/AdminEnvRole"


@dataclass(eq=False)
class Broker:
    host_arn: str = HOST_SESSION


async def test_a_hundred_trainees_share_one_host_role_lookup(monkeypatch):
    calls = []
    lock = threading.Lock()

    def lookup(session_arn, region=None):
        with lock:
            calls.append(session_arn)
        time.sleep(0.05)  # IAM's answer takes a while: every trainee asks meanwhile
        return hostrole.HostRole(arn=HOST_ROLE, source="iam:GetRole")

    monkeypatch.setattr(hostrole, "lookup_host_role", lookup)
    broker = Broker()
    arns = await asyncio.gather(
        *(trustcheck.host_role_arn(broker, "ap-northeast-1") for _ in range(100))
    )
    assert calls == [HOST_SESSION]
    assert set(arns) == {HOST_ROLE}
    assert await trustcheck.host_role_arn(broker, "ap-northeast-1") == HOST_ROLE
    assert calls == [HOST_SESSION]  # and later trainees too
