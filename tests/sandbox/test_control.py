"""The gateway's control endpoint: the live fault plan over HTTP, never faulted or recorded."""

import json

import urllib3

from tests.sandbox.aws import aws_error, host, retrying

HTTP = urllib3.PoolManager()


def control(sandbox, method, route, document=None):
    body = None if document is None else json.dumps(document).encode()
    response = HTTP.request(
        method, f"{sandbox.gateway_url}/_sandbox/{route}", body=body, retries=False
    )
    return response.status, json.loads(response.data)


def test_get_put_and_patch_the_fault_plan(sandbox):
    status, plan = control(sandbox, "GET", "faults")
    assert status == 200 and plan["throttle"] == {} and plan["errors"] == []
    status, plan = control(sandbox, "PUT", "faults", {"throttle": {"sts": 1.0}, "latency_ms": 1})
    assert status == 200 and plan["throttle"] == {"sts": 1.0}
    assert sandbox.faults.snapshot()["latency_ms"] == 1
    error = aws_error(host().client("sts", config=retrying(1)).get_caller_identity)
    assert error["Error"]["Code"] == "Throttling"
    status, plan = control(sandbox, "PATCH", "faults", {"throttle": {"sts": None}})
    assert status == 200 and plan["throttle"] == {} and plan["latency_ms"] == 1
    assert host().client("sts").get_caller_identity()["Account"] == sandbox.admin_account


def test_the_control_endpoint_is_never_faulted_nor_recorded(sandbox):
    sandbox.faults.set_throttle(1.0)
    sandbox.faults.add_error("AccessDenied", "everything", 403)
    for _ in range(3):
        assert control(sandbox, "GET", "faults")[0] == 200
    assert control(sandbox, "GET", "health") == (200, {"ok": True})
    assert sandbox.trail() == []


def test_a_bad_document_is_refused_and_changes_nothing(sandbox):
    status, answer = control(sandbox, "PUT", "faults", {"throttle": {"*": 7}})
    assert status == 400 and "0..1" in answer["error"]
    assert sandbox.faults.snapshot()["throttle"] == {}
    assert control(sandbox, "GET", "no-such-route")[0] == 404


def test_the_trail_is_readable_from_another_process(sandbox):
    host().client("sts").get_caller_identity()
    status, records = control(sandbox, "GET", "trail")
    assert status == 200 and records == sandbox.trail() and len(records) == 1
