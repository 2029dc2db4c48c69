"""Faults injected by the gateway, as botocore's standard retry mode sees them."""

import pytest
from standin.faults import FaultPlan

from tests.sandbox.aws import aws_error, retrying, trainee_session


def seed_for(pattern, p=0.5):
    """A seed whose first throttling draws at probability ``p`` follow ``pattern``."""
    for seed in range(10_000):
        plan = FaultPlan(seed)
        plan.set_throttle(p)
        if [plan.should_throttle("x") for _ in pattern] == pattern:
            return seed
    raise AssertionError("no seed found")


# service -> (a call that works on a fresh trainee account, the throttling code AWS sends)
CALLS = {
    "sts": (lambda s, cfg: s.client("sts", config=cfg).get_caller_identity(), "Throttling"),
    "codecommit": (
        lambda s, cfg: s.client("codecommit", config=cfg).list_repositories(),
        "ThrottlingException",
    ),
    "s3": (lambda s, cfg: s.client("s3", config=cfg).list_buckets(), "SlowDown"),
    "eks": (lambda s, cfg: s.client("eks", config=cfg).list_clusters(), "ThrottlingException"),
}


def attempts(sandbox, service, since=0):
    """(status, error code) of each request to ``service`` in the trail from record ``since``."""
    records = sandbox.trail()[since:]
    return [(r["status"], r["error_code"]) for r in records if r["service"] == service]


@pytest.mark.parametrize("service", CALLS)
def test_throttling_is_retried_until_the_call_succeeds(sandbox, service):
    session = trainee_session(sandbox.account_of("alice"))
    call, code = CALLS[service]
    since = len(sandbox.trail())
    sandbox.faults.replace({"seed": seed_for([True, True, False]), "throttle": {service: 0.5}})
    call(session, retrying(5))
    assert [c for _, c in attempts(sandbox, service, since)] == [code, code, None]


@pytest.mark.parametrize("service", CALLS)
def test_throttling_surfaces_with_the_protocols_code_once_retries_run_out(sandbox, service):
    session = trainee_session(sandbox.account_of("bob"))
    call, code = CALLS[service]
    since = len(sandbox.trail())
    sandbox.faults.set_throttle(1.0, service=service)
    error = aws_error(call, session, retrying(2))
    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["RetryAttempts"] == 1
    assert [c for _, c in attempts(sandbox, service, since)] == [code] * 2


def test_a_first_k_error_lets_attempt_k_plus_1_through(sandbox):
    account = sandbox.account_of("carol")
    codecommit = trainee_session(account).client("codecommit", config=retrying(5))
    sandbox.faults.add_error(
        "InternalFailure",
        "injected",
        500,
        account=account,
        service="codecommit",
        operation="CreateRepository",
        first=2,
    )
    codecommit.create_repository(repositoryName="dojo-app")
    assert attempts(sandbox, "codecommit") == [
        (500, "InternalFailure"),
        (500, "InternalFailure"),
        (200, None),
    ]
    assert codecommit.get_repository(repositoryName="dojo-app")["repositoryMetadata"]


def test_an_error_rule_hits_only_its_account(sandbox):
    alice, bob = sandbox.account_of("alice"), sandbox.account_of("bob")
    sandbox.faults.add_error("AccessDenied", "not today", 403, account=bob, service="s3")
    assert trainee_session(alice).client("s3").list_buckets()["Buckets"] == []
    error = aws_error(trainee_session(bob).client("s3").list_buckets)
    assert error["Error"] == {"Code": "AccessDenied", "Message": "not today"}


def test_an_assume_role_fault_matches_the_target_account(sandbox):
    dave = sandbox.account_of("dave")
    sandbox.faults.add_error("AccessDenied", "injected", 403, account=dave, operation="AssumeRole")
    error = aws_error(trainee_session, dave)
    assert error["Error"] == {"Type": "Sender", "Code": "AccessDenied", "Message": "injected"}
    assert trainee_session(sandbox.account_of("erin"))


def test_every_answer_waits_out_the_latency(sandbox):
    """Every call is answered no sooner than the latency after it arrived, errors too."""
    import time

    iam = trainee_session(sandbox.account_of("alice")).client("iam")
    iam.get_account_summary()  # connection and client warm
    sandbox.faults.set_latency(200)
    try:
        started = time.perf_counter()
        iam.create_user(UserName="latency-probe")
        created = time.perf_counter() - started
        started = time.perf_counter()
        aws_error(iam.get_user, UserName="nobody-here")
        refused = time.perf_counter() - started
    finally:
        sandbox.faults.set_latency(0)
    assert created >= 0.2 and refused >= 0.2
