"""S3 through the gateway: big bodies, multipart, HEAD lengths, presigned URLs."""

import io

import urllib3

from tests.sandbox.aws import trainee_session


def test_objects_multipart_head_and_presigned_urls(sandbox):
    account = sandbox.account_of("alice")
    s3 = trainee_session(account).client("s3")
    s3.create_bucket(
        Bucket="dojo-alice", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"}
    )
    s3.put_object(Bucket="dojo-alice", Key="small", Body=io.BytesIO(b"x" * 3_000_000))
    s3.upload_fileobj(io.BytesIO(b"y" * 20_000_000), "dojo-alice", "multi")
    assert s3.head_object(Bucket="dojo-alice", Key="multi")["ContentLength"] == 20_000_000
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "dojo-alice", "Key": "small"})
    response = urllib3.request("GET", url, retries=False)
    assert (response.status, len(response.data)) == (200, 3_000_000)
    operations = [r["operation"] for r in sandbox.trail() if r["service"] == "s3"]
    assert "UploadPart" in operations and operations[-2:] == ["HeadObject", "GetObject"]
    assert sandbox.trail()[-1]["account"] == account
