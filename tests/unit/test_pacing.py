"""The shared pace for the admin account's limits: a token bucket that halves on throttling."""

from __future__ import annotations

import contextlib

import boto3
import pytest
from botocore.exceptions import ClientError

from console.aws.pacing import Pace, shared


class Clock:
    """A clock the test moves by hand: no sleeping, no timing."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_rate():
    clock = Clock()
    pace = Pace(10, burst=3, clock=clock)
    assert [pace._take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pace._take() == pytest.approx(0.1)  # the fourth waits a tenth of a second
    clock.now += 0.1
    assert pace._take() == 0.0


def test_a_throttle_halves_the_rate_and_quiet_brings_it_back():
    clock = Clock()
    pace = Pace(100, burst=1, clock=clock)
    pace.answered("ThrottlingException")
    pace.answered("Throttling")
    assert pace.rate == pytest.approx(25) and pace.throttles == 2
    pace.answered("AccessDenied")  # not a throttle: no change
    assert pace.rate == pytest.approx(25)
    clock.now += 10  # ten quiet seconds give back the whole cut
    pace._take()
    assert pace.rate == pytest.approx(100)


def test_throttling_never_takes_it_below_the_floor():
    pace = Pace(8, floor=1, clock=Clock())
    for _ in range(20):
        pace.answered("SlowDown")
    assert pace.rate == 1


def test_one_pace_per_limit_for_the_process():
    assert shared("assume-role", 100) is shared("assume-role", 5)
    assert shared("assume-role", 100) is not shared("organizations", 10)


def test_organizations_calls_report_their_throttles_to_the_pace(sandbox):
    """Over HTTP against the stand-in: an injected throttle on Organizations reaches the pace
    through botocore's retry events, before botocore retries it."""
    from console.aws.organizations import _client

    sandbox.faults.add_error(
        "TooManyRequestsException", "Rate exceeded", status=400, service="organizations", first=1
    )
    pace = shared("organizations", 10)
    before = pace.throttles
    client = _client(boto3.Session()._session)
    with contextlib.suppress(ClientError):  # no such OU in the stand-in: answered, not throttled
        client.list_accounts_for_parent(ParentId="ou-abcd-12345678")
    assert pace.throttles == before + 1
