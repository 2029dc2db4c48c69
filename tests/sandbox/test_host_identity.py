"""The host identity comes from IMDSv2 through botocore's default chain, as on EC2."""

import json
import os

import boto3
import urllib3

from tests.sandbox.aws import ADMIN

HTTP = urllib3.PoolManager()


def imds(sandbox, method, path, headers=None):
    return HTTP.request(method, sandbox.imds_url + path, headers=headers or {}, retries=False)


def token(sandbox):
    response = imds(
        sandbox, "PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"}
    )
    assert response.status == 200
    return {"X-aws-ec2-metadata-token": response.data.decode()}


def test_default_chain_resolves_the_instance_profile(sandbox):
    assert "AWS_ACCESS_KEY_ID" not in os.environ and "AWS_PROFILE" not in os.environ
    session = boto3.Session()
    credentials = session.get_credentials()
    assert credentials.method == "iam-role"
    assert credentials.get_frozen_credentials().access_key.startswith("ASIA")
    identity = session.client("sts").get_caller_identity()
    assert identity["Account"] == ADMIN
    expected = f"arn:aws:sts::{ADMIN}:assumed-role/AdminEnvRole/{sandbox.instance_id}"
    assert identity["Arn"] == expected
    assert sandbox.trail()[-1]["principal_arn"] == expected


def test_every_get_needs_a_live_token(sandbox):
    assert imds(sandbox, "GET", "/latest/meta-data/instance-id").status == 401
    bad = {"X-aws-ec2-metadata-token": "not-a-token"}
    assert imds(sandbox, "GET", "/latest/meta-data/instance-id", bad).status == 401
    response = imds(sandbox, "GET", "/latest/meta-data/instance-id", token(sandbox))
    assert (response.status, response.data.decode()) == (200, sandbox.instance_id)


def test_a_token_needs_a_valid_ttl(sandbox):
    assert imds(sandbox, "PUT", "/latest/api/token").status == 400
    too_long = {"X-aws-ec2-metadata-token-ttl-seconds": "21601"}
    assert imds(sandbox, "PUT", "/latest/api/token", too_long).status == 400


def test_metadata_paths_and_the_credentials_document(sandbox):
    headers = token(sandbox)
    base = "/latest/meta-data/"
    assert imds(sandbox, "GET", base + "placement/region", headers).data == b"ap-northeast-1"
    roles = imds(sandbox, "GET", base + "iam/security-credentials/", headers)
    assert roles.data == b"AdminEnvRole"
    document = json.loads(
        imds(sandbox, "GET", base + "iam/security-credentials/AdminEnvRole", headers).data
    )
    assert document["Code"] == "Success" and document["Type"] == "AWS-HMAC"
    assert document["AccessKeyId"].startswith("ASIA")
    assert {"SecretAccessKey", "Token", "Expiration", "LastUpdated"} <= set(document)
    assert imds(sandbox, "GET", base + "no/such/path", headers).status == 404


def credentials_key(sandbox):
    document = imds(
        sandbox, "GET", "/latest/meta-data/iam/security-credentials/AdminEnvRole", token(sandbox)
    ).data
    return json.loads(document)["AccessKeyId"]


def test_long_lived_credentials_are_kept_between_fetches(sandbox):
    assert credentials_key(sandbox) == credentials_key(sandbox)


def test_credentials_under_20_minutes_from_expiry_are_replaced(sandbox_factory):
    sandbox = sandbox_factory(host_credential_lifetime=600)
    first, second = credentials_key(sandbox), credentials_key(sandbox)
    assert first != second
    arn = boto3.Session().client("sts").get_caller_identity()["Arn"]
    assert arn.endswith(f"assumed-role/AdminEnvRole/{sandbox.instance_id}")
