"""``s3_bucket``: an S3 bucket (behaviour: ``console.steps.s3``)."""

from __future__ import annotations

from console.kinds.params import ParamSpec, name_param, params
from console.kinds.spec import KindSpec
from console.rules import S3_BUCKET_NAME

SPEC = KindSpec(
    kind="s3_bucket",
    doc="an S3 bucket (names are global across accounts)",
    noun="S3 bucket",
    service="s3",
    create="CreateBucket",
    actions=(
        "s3:CreateBucket",
        "s3:ListBucket",
        "s3:PutBucketTagging",
        "s3:GetBucketTagging",
        "s3:PutBucketVersioning",
        "s3:GetBucketVersioning",
        "s3:ListBucketVersions",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:DeleteBucket",
    ),
    arn="arn:{partition}:s3:::{name}",
    tagging_type="s3:bucket",
    cloudtrail_type="AWS::S3::Bucket",
    cloudformation_type="AWS::S3::Bucket",
    params=params(
        name_param(S3_BUCKET_NAME, "dojo-{account}-data"),
        ParamSpec(
            "versioning",
            "bool",
            default=False,
            doc="turn on bucket versioning",
            example="versioning = true",
        ),
    ),
    global_names=True,
)
