"""The fault plan on its own: seeded throttling, first-K errors, the JSON forms."""

import pytest
from standin.faults import FaultPlan


def throttled(plan, service, n=200):
    return [plan.should_throttle(service) for _ in range(n)]


def test_same_seed_same_sequence_and_roughly_the_probability():
    first, second = FaultPlan(seed=7), FaultPlan(seed=7)
    first.set_throttle(0.3)
    second.set_throttle(0.3)
    sequence = throttled(first, "sts")
    assert sequence == throttled(second, "sts")
    assert 30 <= sum(sequence) <= 90


def test_per_service_throttle_overrides_the_default():
    plan = FaultPlan()
    plan.set_throttle(1.0)
    plan.set_throttle(0.0, service="s3")
    assert all(throttled(plan, "sts", 20))
    assert not any(throttled(plan, "s3", 20))


def test_throttle_probability_is_validated():
    with pytest.raises(ValueError):
        FaultPlan().set_throttle(1.5)


def test_first_k_fails_only_the_first_k_matching_attempts():
    plan = FaultPlan()
    plan.add_error("InternalFailure", "boom", 500, service="codecommit", first=2)
    hits = [
        plan.error_for({"200000000001"}, "codecommit", "CreateRepository", "arn") for _ in range(4)
    ]
    assert [h is not None for h in hits] == [True, True, False, False]
    assert plan.error_for({"200000000001"}, "s3", "CreateBucket", "arn") is None


def test_error_rules_filter_on_account_operation_and_principal():
    plan = FaultPlan()
    plan.add_error(
        "AccessDenied",
        "no",
        403,
        account="200000000002",
        operation="CreateBucket",
        principal="arn:aws:sts::*:assumed-role/ManageEnvRole/*",
    )
    session = "arn:aws:sts::200000000002:assumed-role/ManageEnvRole/op@dojo"
    assert plan.error_for({"200000000002"}, "s3", "CreateBucket", session) is not None
    assert plan.error_for({"200000000001"}, "s3", "CreateBucket", session) is None
    assert plan.error_for({"200000000002"}, "s3", "DeleteBucket", session) is None
    other = "arn:aws:sts::200000000002:assumed-role/Other/op"
    assert plan.error_for({"200000000002"}, "s3", "CreateBucket", other) is None


def test_snapshot_replace_and_merge_patch():
    plan = FaultPlan(seed=3, latency_ms=5, throttle=0.2)
    plan.add_error("Boom", "boom", 500, first=1)
    snapshot = plan.snapshot()
    assert snapshot["latency_ms"] == 5 and snapshot["throttle"] == {"*": 0.2}
    assert snapshot["errors"][0]["code"] == "Boom"
    merged = plan.merge({"throttle": {"s3": 0.5}, "latency_ms": None, "credential_lifetime": 60})
    assert merged["throttle"] == {"*": 0.2, "s3": 0.5}
    assert merged["latency_ms"] == 0.0 and merged["credential_lifetime"] == 60
    assert len(merged["errors"]) == 1
    replaced = plan.replace({"jitter_ms": 4})
    assert replaced["throttle"] == {} and replaced["errors"] == [] and replaced["jitter_ms"] == 4


def test_a_bad_document_changes_nothing():
    plan = FaultPlan(throttle=0.1)
    with pytest.raises(ValueError):
        plan.replace({"throttle": {"*": 3}})
    assert plan.snapshot()["throttle"] == {"*": 0.1}


def test_latency_and_jitter_bounds():
    plan = FaultPlan(seed=1)
    plan.set_latency(10, jitter_ms=5)
    delays = [plan.delay_seconds() for _ in range(50)]
    assert all(0.010 <= d <= 0.015 for d in delays) and len(set(delays)) > 1


def test_clear_turns_everything_off():
    plan = FaultPlan(latency_ms=3, throttle=1.0)
    plan.add_error("Boom", "boom")
    plan.set_credential_lifetime(10)
    plan.clear()
    assert plan.delay_seconds() == 0 and not plan.should_throttle("sts")
    assert plan.error_for({"1"}, "sts", "X", "a") is None and plan.credential_lifetime is None
