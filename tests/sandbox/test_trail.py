"""The trail: who did what, with the request id botocore reported, and never a secret."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.sandbox.aws import ADMIN, SESSION_NAME, aws_error, host, trainee_session


def request_id(response):
    return response["ResponseMetadata"]["RequestId"]


# protocol -> a call that succeeds, and one that fails in moto (not in the gateway)
CALLS = {
    "query": ("iam", lambda c: c.list_roles(), lambda c: c.get_role(RoleName="nope")),
    "json": (
        "codecommit",
        lambda c: c.create_repository(repositoryName="dojo-app"),
        lambda c: c.get_repository(repositoryName="nope"),
    ),
    "json-gap": ("codecommit", lambda c: c.list_repositories(), None),
    "rest-json": ("eks", lambda c: c.list_clusters(), lambda c: c.describe_cluster(name="nope")),
    "rest-xml": ("s3", lambda c: c.list_buckets(), lambda c: c.get_bucket_tagging(Bucket="nope")),
}


@pytest.mark.parametrize("protocol", CALLS)
def test_request_ids_and_principals_match_what_botocore_reports(sandbox, protocol):
    account = sandbox.account_of("alice")
    service, ok, bad = CALLS[protocol]
    client = trainee_session(account).client(service)
    principal = f"arn:aws:sts::{account}:assumed-role/ManageEnvRole/{SESSION_NAME}"
    reported = [request_id(ok(client))]
    if bad is not None:
        reported.append(request_id(aws_error(bad, client)))
    records = sandbox.trail()[-len(reported) :]
    assert all(reported), reported
    assert [r["request_id"] for r in records] == reported
    assert {(r["principal_arn"], r["account"], r["service"]) for r in records} == {
        (principal, account, service)
    }
    assert records[0]["status"] == 200 and records[0]["error_code"] is None
    assert records[-1]["session_name"] == SESSION_NAME
    assert records[-1]["source_identity"] == "operator"


def test_gateway_made_errors_carry_the_request_id_too(sandbox):
    sts = host().client("sts")
    error = aws_error(
        sts.assume_role, RoleArn="arn:aws:iam::200000000001:role/Nope", RoleSessionName="x-x"
    )
    record = sandbox.trail()[-1]
    assert record["request_id"] == error["ResponseMetadata"]["RequestId"]
    assert (record["status"], record["error_code"]) == (403, "AccessDenied")
    assert record["target_role_arn"] == "arn:aws:iam::200000000001:role/Nope"
    assert record["principal_arn"].startswith(f"arn:aws:sts::{ADMIN}:assumed-role/AdminEnvRole/")


@pytest.mark.parametrize("protocol", ["query", "json", "rest-json", "rest-xml"])
def test_injected_errors_carry_the_request_id_botocore_reports(sandbox, protocol):
    service, ok, _ = CALLS[protocol]
    client = trainee_session(sandbox.account_of("dave")).client(service)
    sandbox.faults.add_error("InvalidParameterValue", "injected", 400, service=service)
    error = aws_error(ok, client)
    assert error["Error"]["Code"] == "InvalidParameterValue"
    assert sandbox.trail()[-1]["request_id"] == request_id(error)
    assert sandbox.trail()[-1]["error_code"] == "InvalidParameterValue"


def test_the_file_holds_the_same_records_and_no_secret(sandbox):
    codecommit = trainee_session(sandbox.account_of("bob")).client("codecommit")
    codecommit.create_repository(repositoryName="dojo-app")
    text = sandbox.trail_path.read_text()
    assert [json.loads(line) for line in text.splitlines()] == sandbox.trail()
    secrets = sandbox.issued_secrets()
    assert len(secrets) >= 4
    assert not [s for s in secrets if s in text]
    assert not [s for s in secrets if s in json.dumps(sandbox.faults.snapshot())]


def test_64_concurrent_clients_are_all_served_and_recorded(sandbox):
    session = trainee_session(sandbox.account_of("carol"))
    clients = [session.client("sts") for _ in range(64)]
    since = len(sandbox.trail())
    with ThreadPoolExecutor(max_workers=64) as pool:
        accounts = list(pool.map(lambda c: c.get_caller_identity()["Account"], clients))
    assert accounts == [sandbox.account_of("carol")] * 64
    records = sandbox.trail()[since:]
    assert len(records) == 64 and {r["status"] for r in records} == {200}
    assert len({r["request_id"] for r in records}) == 64
