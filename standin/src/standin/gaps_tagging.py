"""The Resource Groups Tagging API for every service the sandbox runs, answered as AWS would.

Checked against moto 5.2.5: moto's ``GetResources`` walks the backends that mix in
``TaggableResourcesMixin``. Of the services the sandbox serves, S3, CloudFormation, SSM and SQS
are among them; CodeCommit and EKS are not, so a tagged repository or cluster was invisible to
``GetResources`` although AWS lists both. (IAM is not in the Tagging API on AWS either: the
product asks IAM itself for its global resources.)

``GetResources`` is therefore answered here in full: moto's own tagged resources, plus the
CodeCommit repositories with the tags the gateway keeps for them (``gaps.CodeCommitTags``),
plus EKS clusters and nodegroups with moto's tags. Tag filters, resource type filters and
pagination follow the API reference: filters are ANDed, the values of one filter ORed, a
filter without values matches any value of the key; an S3 bucket is listed in its own region
only; ``ResourcesPerPage`` is 1-100 (default
50); ``PaginationToken`` is opaque and answered empty on the last page.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from standin import moto_state
from standin.httpserver import HttpResponse
from standin.principals import Principal
from standin.protocols import Call, error_response, json_response

S3_ARN = "arn:aws:s3:::"
DEFAULT_PAGE = 50
MAX_PAGE = 100


def _made_backends(account: str, region: str) -> list[Any]:
    """moto's ``iter_taggable_backends`` without building a regional backend nobody used:
    moto builds one for every region it is asked about (an EC2 backend takes about 0.4 s to
    build and as much to reset), and a backend never built holds no resource."""
    from moto.core.base_backend import BackendDict
    from moto.core.resource_tagging import TaggableResourcesMixin
    from moto.utilities.utils import get_partition

    out = []
    for backend_dict in list(BackendDict._instances):  # type: ignore[attr-defined]
        kind = backend_dict.backend
        if not isinstance(kind, type) or not issubclass(kind, TaggableResourcesMixin):
            continue
        if account not in backend_dict:
            continue
        per_account = backend_dict[account]
        for key in (region, get_partition(region)):
            if dict.__contains__(per_account, key):
                out.append(dict.__getitem__(per_account, key))
                break
    return out


def _moto_resources(account: str, region: str) -> list[tuple[str, dict[str, str]]]:
    """(ARN, tags) of every tagged resource moto's own Tagging API would consider."""
    found = []
    for backend in _made_backends(account, region):
        for resource in backend.iter_tagged_resources():
            if not resource.tags:
                continue
            # moto's S3 is global; AWS lists a bucket only in its own region's Tagging API.
            if resource.arn.startswith(S3_ARN) and (
                moto_state.s3_bucket_region(account, resource.arn[len(S3_ARN) :]) != region
            ):
                continue
            found.append((resource.arn, dict(resource.tags)))
    return found


def _codecommit_resources(gaps: Any, account: str, region: str) -> list[tuple[str, dict]]:
    found = []
    for repository in moto_state.codecommit_repositories(account, region):
        meta = repository.repository_metadata
        arn = f"arn:aws:codecommit:{region}:{account}:{meta['repositoryName']}"
        tags = gaps.codecommit_tags.get(arn, meta["repositoryId"])
        if tags:
            found.append((arn, tags))
    return found


def _eks_resources(account: str, region: str) -> list[tuple[str, dict]]:
    found = []
    for cluster in moto_state.eks_clusters(account, region):
        if cluster.tags:
            found.append((cluster.arn, dict(cluster.tags)))
        for nodegroup in list(cluster.nodegroups.values()):
            if nodegroup.tags:
                found.append((nodegroup.arn, dict(nodegroup.tags)))
    return found


def _matches_tags(tags: dict[str, str], filters: list[dict]) -> bool:
    for wanted in filters:
        key, values = wanted.get("Key"), wanted.get("Values") or []
        if key not in tags or (values and tags[key] not in values):
            return False
    return True


def _matches_type(arn: str, filters: list[str]) -> bool:
    """``s3`` matches every S3 ARN; ``ec2:instance`` only instances (the API's two forms)."""
    if not filters:
        return True
    parts = arn.split(":", 5)
    service = parts[2]
    resource = parts[5] if len(parts) > 5 else ""
    kind = resource.split("/", 1)[0].split(":", 1)[0]
    return any(f == service or f == f"{service}:{kind}" for f in filters)


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(token: str) -> int | None:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError):
        return None
    return offset if isinstance(offset, int) and offset >= 0 else None


def get_resources(gaps: Any, call: Call, caller: Principal, request_id: str) -> HttpResponse:
    """``tagging:GetResources`` over every service the sandbox runs."""
    body = call.json_body if isinstance(call.json_body, dict) else {}
    region, account = call.region or "us-east-1", caller.account
    per_page = body.get("ResourcesPerPage", DEFAULT_PAGE)
    if not isinstance(per_page, int) or not 1 <= per_page <= MAX_PAGE:
        return error_response(
            call,
            "InvalidParameterException",
            f"ResourcesPerPage must be between 1 and {MAX_PAGE}",
            400,
            request_id,
        )
    offset = _offset(body["PaginationToken"]) if body.get("PaginationToken") else 0
    if offset is None:
        return error_response(
            call, "PaginationTokenExpiredException", "Token does not exist", 400, request_id
        )
    everything = (
        _moto_resources(account, region)
        + _codecommit_resources(gaps, account, region)
        + _eks_resources(account, region)
    )
    tag_filters = body.get("TagFilters") or []
    type_filters = body.get("ResourceTypeFilters") or []
    arns = set(body.get("ResourceARNList") or ())
    chosen = sorted(
        (arn, tags)
        for arn, tags in everything
        if _matches_tags(tags, tag_filters)
        and _matches_type(arn, type_filters)
        and (not arns or arn in arns)
    )
    page = chosen[offset : offset + per_page]
    more = offset + per_page < len(chosen)
    payload = {
        "PaginationToken": _token(offset + per_page) if more else "",
        "ResourceTagMappingList": [
            {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}
            for arn, tags in page
        ],
    }
    return json_response(call, payload, request_id)
