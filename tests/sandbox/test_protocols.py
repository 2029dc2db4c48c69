"""Request classification and the gateway's error shapes, parsed by botocore's own parsers."""

import pytest
from botocore.parsers import create_parser
from standin.httpserver import HttpRequest
from standin.protocols import (
    ServiceCatalog,
    classify,
    ensure_request_id,
    error_response,
    response_request_id,
    throttling_response,
)

CATALOG = ServiceCatalog()
KEY = "ASIA" + "QAAAAAAAAAAAAAAA"  # a fake key id, built so none sits in the tree


def signed(method, path, service, query="", headers=(), body=b""):
    auth = (
        f"AWS4-HMAC-SHA256 Credential={KEY}/20261129/ap-northeast-1/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abc"
    )
    return HttpRequest(method, path, query, [("Authorization", auth), *headers], body)


@pytest.mark.parametrize(
    ("method", "path", "query", "operation"),
    [
        ("PUT", "/bkt", "tagging", "PutBucketTagging"),
        ("GET", "/bkt", "tagging", "GetBucketTagging"),
        ("DELETE", "/bkt", "tagging", "DeleteBucketTagging"),
        ("GET", "/bkt", "versioning", "GetBucketVersioning"),
        ("GET", "/bkt", "versions", "ListObjectVersions"),
        ("POST", "/bkt", "delete", "DeleteObjects"),
        ("GET", "/bkt", "list-type=2", "ListObjectsV2"),
        ("GET", "/bkt", "", "ListObjects"),
        ("PUT", "/bkt", "", "CreateBucket"),
        ("DELETE", "/bkt", "", "DeleteBucket"),
        ("HEAD", "/bkt", "", "HeadBucket"),
        ("GET", "/", "", "ListBuckets"),
        ("PUT", "/bkt/a/b.txt", "", "PutObject"),
        ("PUT", "/bkt/a/b.txt", "partNumber=1&uploadId=u", "UploadPart"),
        ("POST", "/bkt/a/b.txt", "uploads", "CreateMultipartUpload"),
        ("GET", "/bkt/a/b.txt", "", "GetObject"),
    ],
)
def test_s3_operations_from_method_path_and_subresource(method, path, query, operation):
    assert classify(signed(method, path, "s3", query), CATALOG).operation == operation


def test_s3_copy_is_told_from_put_by_its_required_header():
    copy = signed("PUT", "/bkt/b.txt", "s3", headers=[("x-amz-copy-source", "bkt/a.txt")])
    assert classify(copy, CATALOG).operation == "CopyObject"


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/clusters", "CreateCluster"),
        ("GET", "/clusters/alice-eks", "DescribeCluster"),
        ("DELETE", "/clusters/alice-eks", "DeleteCluster"),
        ("GET", "/clusters/alice-eks/node-groups/ng", "DescribeNodegroup"),
        ("GET", "/tags/arn%3Aaws%3Aeks%3Aap-northeast-1%3A2%3Acluster%2Fc", "ListTagsForResource"),
    ],
)
def test_eks_operations_from_the_rest_json_model(method, path, operation):
    call = classify(signed(method, path, "eks"), CATALOG)
    assert (call.protocol, call.operation) == ("rest-json", operation)


def test_query_action_from_the_form_body_and_json_from_the_target():
    form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
    call = classify(
        signed(
            "POST", "/", "sts", headers=form, body=b"Action=AssumeRole&Version=2011-06-15&RoleArn=x"
        ),
        CATALOG,
    )
    assert (call.service, call.operation, call.protocol) == ("sts", "AssumeRole", "query")
    assert call.params["RoleArn"] == "x" and call.access_key_id == KEY
    target = [("X-Amz-Target", "CodeCommit_20150413.ListRepositories")]
    call = classify(signed("POST", "/", "codecommit", headers=target, body=b"{}"), CATALOG)
    assert (call.operation, call.protocol, call.json_body) == ("ListRepositories", "json", {})


def test_presigned_urls_carry_the_key_in_the_query():
    query = f"X-Amz-Credential={KEY}%2F20261129%2Fap-northeast-1%2Fs3%2Faws4_request&x-id=GetObject"
    call = classify(HttpRequest("GET", "/bkt/key", query, []), CATALOG)
    assert (call.service, call.access_key_id, call.operation) == ("s3", KEY, "GetObject")


def parse(protocol, response):
    """What botocore makes of ``response`` (its headers are case-insensitive, hence lower())."""
    headers = {k.lower(): v for k, v in response.headers}
    return create_parser(protocol).parse(
        {"status_code": response.status, "headers": headers, "body": response.body}, None
    )


def test_signature_v2_is_s3():
    query = f"AWSAccessKeyId={KEY}&Signature=x&Expires=1"
    call = classify(HttpRequest("GET", "/bkt/key", query, []), CATALOG)
    assert (call.service, call.access_key_id, call.operation) == ("s3", KEY, "GetObject")
    header = [("Authorization", f"AWS {KEY}:c2lnbmF0dXJl")]
    assert classify(HttpRequest("GET", "/", "", header), CATALOG).operation == "ListBuckets"


@pytest.mark.parametrize(
    ("service", "protocol", "code", "status"),
    [
        ("sts", "query", "Throttling", 400),
        ("codecommit", "json", "ThrottlingException", 400),
        ("eks", "rest-json", "ThrottlingException", 429),
        ("s3", "rest-xml", "SlowDown", 503),
    ],
)
def test_throttling_shapes_parse_as_botocore_expects(service, protocol, code, status):
    call = classify(signed("POST", "/", service), CATALOG)
    response = throttling_response(call, "req-1")
    parsed = parse(protocol, response)
    assert response.status == status
    assert parsed["Error"]["Code"] == code
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"


def test_query_errors_carry_type_and_message():
    call = classify(signed("POST", "/", "sts"), CATALOG)
    response = error_response(call, "AccessDenied", "User: a is not authorized", 403, "rid")
    parsed = parse("query", response)
    assert parsed["Error"] == {
        "Type": "Sender",
        "Code": "AccessDenied",
        "Message": "User: a is not authorized",
    }


def test_a_missing_query_request_id_is_added_where_botocore_reads_it():
    call = classify(signed("POST", "/", "iam"), CATALOG)
    response = error_response(call, "X", "y", 400, "ignored")
    response.body = response.body.replace(b"<RequestId>ignored</RequestId>", b"")
    assert response_request_id(call, response) is None
    request_id = ensure_request_id(call, response)
    assert response_request_id(call, response) == request_id
