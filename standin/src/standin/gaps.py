"""What moto lacks and the product needs, answered in the gateway as AWS would.

Checked against moto 5.2.5 (through the gateway, with the product's calls):

* CodeCommit: CreateRepository drops ``tags``; TagResource, UntagResource, ListTagsForResource
  and ListRepositories are not implemented (HTTP 500). Filled here from a tag store keyed by
  repository ARN (and repository id, so a recreated repository does not inherit old tags).
* EKS: nodegroup tags are kept by CreateNodegroup and DescribeNodegroup, but TagResource,
  UntagResource and ListTagsForResource only know clusters. Filled here on the nodegroup itself.
* The Resource Groups Tagging API misses CodeCommit and EKS: ``GetResources`` is answered in
  ``gaps_tagging`` over every service the sandbox runs.
* IAM login profiles: the reset flag and the account's password policy, ``gaps_iam``.
* More fills for the step kinds (IAM service-specific credentials, CodeCommit descriptions,
  CloudFormation stacks that fail like AWS's): ``gaps_steps``.
* S3: DeleteBucket leaves the bucket's tags behind, so a new bucket of the same name would
  carry them; they are forgotten here after a DeleteBucket answered.
* Fine in moto, nothing to fill: IAM user tags (CreateUser Tags, TagUser, UntagUser,
  ListUserTags), S3 bucket tagging (Put/Get/DeleteBucketTagging), EKS cluster tags (CreateCluster
  tags, Tag/Untag/ListTagsForResource), CloudFormation stack tags (CreateStack Tags in
  DescribeStacks).
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qsl, unquote

from standin import (
    cloudcontrol,
    gaps_iam,
    gaps_steps,
    gaps_tagging,
    moto_state,
    trainee_activity,
)
from standin.cloudcontrol import CLOUD_CONTROL
from standin.httpserver import HttpRequest, HttpResponse
from standin.principals import Principal
from standin.protocols import Call, error_response, json_response

PAGE_SIZE = 1000
# Calls that delete a resource (DeleteStack deletes a stack's resources; KMS schedules).
_DELETES = ("Delete", "ScheduleKeyDeletion")


class CodeCommitTags:
    """Tags of CodeCommit repositories, keyed by ARN (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tags: dict[str, tuple[str, dict[str, str]]] = {}  # arn -> (repository id, tags)

    def get(self, arn: str, repository_id: str) -> dict[str, str]:
        """The tags of the repository with this ARN and id."""
        with self._lock:
            stored_id, tags = self._tags.get(arn, (repository_id, {}))
            return dict(tags) if stored_id == repository_id else {}

    def update(self, arn: str, repository_id: str, tags: dict[str, str]) -> None:
        """Add or overwrite tags."""
        current = self.get(arn, repository_id)
        current.update(tags)
        with self._lock:
            self._tags[arn] = (repository_id, current)

    def remove(self, arn: str, repository_id: str, keys: list[str]) -> None:
        """Remove tag keys."""
        current = self.get(arn, repository_id)
        for key in keys:
            current.pop(key, None)
        with self._lock:
            self._tags[arn] = (repository_id, current)

    def drop(self, arn: str) -> None:
        """Forget a deleted repository's tags."""
        with self._lock:
            self._tags.pop(arn, None)

    def clear(self) -> None:
        """Forget everything (after moto was reset)."""
        with self._lock:
            self._tags.clear()


def _codecommit_arn(call: Call, account: str, name: str) -> str:
    return f"arn:aws:codecommit:{call.region}:{account}:{name}"


class MotoGaps:
    """Answers the calls moto cannot, and keeps what moto drops."""

    def __init__(self, faults: Any = None) -> None:
        self.codecommit_tags = CodeCommitTags()
        self.faults = faults  # the FaultPlan: ``tag_index_lag``
        self.tag_index = gaps_tagging.TagIndexMemory()

    def clear(self) -> None:
        """Forget every stored tag (after moto was reset)."""
        self.codecommit_tags.clear()
        self.tag_index.clear()

    def _remember_before_delete(self, call: Call, caller: Principal) -> None:
        """With a lagging tag index, note what it lists before a call that may delete."""
        if self.faults is None or not self.faults.tag_index_lag or not call.region:
            return
        if str(call.operation or "").startswith(_DELETES):
            listed = gaps_tagging.everything(self, caller.account, call.region)
            self.tag_index.remember(caller.account, call.region, listed)

    def answer(
        self, call: Call, caller: Principal, request: HttpRequest, request_id: str
    ) -> HttpResponse | None:
        """A full answer for a call moto cannot serve, or None to forward it."""
        self._remember_before_delete(call, caller)
        if call.service == CLOUD_CONTROL:  # moto has none: GetResource/ListResources for a few
            served = cloudcontrol.answer(call, caller, request_id)
            if served is not None:
                return served
            message = "The stand-in does not serve this Cloud Control API call (moto has none)."
            return error_response(call, "UnsupportedActionException", message, 400, request_id)
        if call.service == "ec2" and call.operation == "DescribeRegions":
            return trainee_activity.describe_regions(call, request_id)
        if call.service == "tagging" and call.operation == "GetResources":
            return gaps_tagging.get_resources(self, call, caller, request_id)
        if call.service == "iam" and call.operation in gaps_iam.LOGIN_PROFILE_CALLS:
            return gaps_iam.refuse_weak_password(call, caller, request_id)
        if call.service == "iam" and call.operation == "ListServiceSpecificCredentials":
            return gaps_steps.list_service_specific_credentials(call, request_id)
        if call.service == "codecommit" and call.operation == "UpdateRepositoryDescription":
            return gaps_steps.update_repository_description(call, caller, request_id)
        if call.service == "codecommit" and call.operation in _CODECOMMIT:
            body = call.json_body if isinstance(call.json_body, dict) else {}
            return _CODECOMMIT[call.operation](self, call, caller, body, request_id)
        if (
            call.service == "eks"
            and call.operation in _EKS
            and ":nodegroup/" in unquote(request.path)
        ):
            return _EKS[call.operation](call, caller, request, request_id)
        return None

    def after(self, call: Call, caller: Principal, response: HttpResponse) -> None:
        """Keep what moto dropped from a forwarded call that succeeded; fail stacks as AWS."""
        if call.service == "iam" and call.operation in gaps_iam.LOGIN_PROFILE_CALLS:
            gaps_iam.keep_reset_flag(call, caller, response)
            return
        if call.service == "cloudformation" and call.operation == "CreateStack":
            if response.status >= 300:
                gaps_steps.fail_stack_like_aws(call, caller, response)
            return
        if call.service == "s3" and call.operation == "DeleteBucket" and response.status < 300:
            moto_state.drop_deleted_bucket_tags(caller.account)
            return
        if call.service != "codecommit" or response.status >= 300:
            return
        body = call.json_body if isinstance(call.json_body, dict) else {}
        name = body.get("repositoryName", "")
        arn = _codecommit_arn(call, caller.account, name)
        if call.operation == "CreateRepository" and body.get("tags"):
            repository = moto_state.codecommit_repository(caller.account, call.region, name)
            if repository is not None:
                repository_id = repository.repository_metadata["repositoryId"]
                self.codecommit_tags.update(arn, repository_id, dict(body["tags"]))
        elif call.operation == "DeleteRepository":
            self.codecommit_tags.drop(arn)

    # -- CodeCommit ------------------------------------------------------------------------------

    def _repository(self, call: Call, caller: Principal, body: dict, request_id: str):
        """(repository, arn, error response) for a call naming ``resourceArn``."""
        arn = str(body.get("resourceArn") or "")
        parts = arn.split(":")
        if len(parts) != 6 or parts[:3] != ["arn", "aws", "codecommit"]:
            message = "The value for the resource ARN is not valid."
            return (
                None,
                arn,
                error_response(call, "InvalidResourceArnException", message, 400, request_id),
            )
        region, account, name = parts[3], parts[4], parts[5]
        repository = None
        if account == caller.account:
            repository = moto_state.codecommit_repository(account, region, name)
        if repository is None:
            return (
                None,
                arn,
                error_response(
                    call,
                    "RepositoryDoesNotExistException",
                    f"{name} does not exist",
                    400,
                    request_id,
                ),
            )
        return repository, arn, None

    def _tag_resource(self, call, caller, body, request_id):
        repository, arn, error = self._repository(call, caller, body, request_id)
        if error:
            return error
        if not isinstance(body.get("tags"), dict):
            return error_response(
                call, "TagsMapRequiredException", "A map of tags is required.", 400, request_id
            )
        repository_id = repository.repository_metadata["repositoryId"]
        self.codecommit_tags.update(arn, repository_id, body["tags"])
        return json_response(call, {}, request_id)

    def _untag_resource(self, call, caller, body, request_id):
        repository, arn, error = self._repository(call, caller, body, request_id)
        if error:
            return error
        if not isinstance(body.get("tagKeys"), list):
            return error_response(
                call,
                "TagKeysListRequiredException",
                "A list of tag keys is required.",
                400,
                request_id,
            )
        repository_id = repository.repository_metadata["repositoryId"]
        self.codecommit_tags.remove(arn, repository_id, body["tagKeys"])
        return json_response(call, {}, request_id)

    def _list_tags(self, call, caller, body, request_id):
        repository, arn, error = self._repository(call, caller, body, request_id)
        if error:
            return error
        tags = self.codecommit_tags.get(arn, repository.repository_metadata["repositoryId"])
        return json_response(call, {"tags": tags}, request_id)

    def _list_repositories(self, call, caller, body, request_id):
        repositories = moto_state.codecommit_repositories(caller.account, call.region)
        if body.get("sortBy") == "lastModifiedDate":
            repositories.sort(key=lambda r: r.repository_metadata["lastModifiedDate"])
        else:
            repositories.sort(key=lambda r: r.repository_metadata["repositoryName"])
        if body.get("order") == "descending":
            repositories.reverse()
        start = int(body.get("nextToken") or 0)
        page = repositories[start : start + PAGE_SIZE]
        payload: dict = {
            "repositories": [
                {
                    "repositoryName": r.repository_metadata["repositoryName"],
                    "repositoryId": r.repository_metadata["repositoryId"],
                }
                for r in page
            ]
        }
        if start + PAGE_SIZE < len(repositories):
            payload["nextToken"] = str(start + PAGE_SIZE)
        return json_response(call, payload, request_id)


_CODECOMMIT = {
    "TagResource": MotoGaps._tag_resource,
    "UntagResource": MotoGaps._untag_resource,
    "ListTagsForResource": MotoGaps._list_tags,
    "ListRepositories": MotoGaps._list_repositories,
}


# -- EKS nodegroups ---------------------------------------------------------------------------


def _nodegroup(call: Call, caller: Principal, request: HttpRequest, request_id: str):
    arn = unquote(request.path.removeprefix("/tags/"))
    nodegroup = moto_state.eks_nodegroup_by_arn(caller.account, call.region, arn)
    if nodegroup is None:
        message = (
            f"An error occurred (NotFoundException) when calling the {call.operation} "
            "operation: Resource was not found"
        )
        return None, error_response(call, "ResourceNotFoundException", message, 404, request_id)
    return nodegroup, None


def _eks_list_tags(call, caller, request, request_id):
    nodegroup, error = _nodegroup(call, caller, request, request_id)
    return error or json_response(call, {"tags": dict(nodegroup.tags)}, request_id)


def _eks_tag(call, caller, request, request_id):
    nodegroup, error = _nodegroup(call, caller, request, request_id)
    if error:
        return error
    body = call.json_body if isinstance(call.json_body, dict) else {}
    nodegroup.tags.update(body.get("tags") or {})
    return json_response(call, {}, request_id)


def _eks_untag(call, caller, request, request_id):
    nodegroup, error = _nodegroup(call, caller, request, request_id)
    if error:
        return error
    for key, value in parse_qsl(request.query):
        if key == "tagKeys":
            nodegroup.tags.pop(value, None)
    return json_response(call, {}, request_id)


_EKS = {
    "ListTagsForResource": _eks_list_tags,
    "TagResource": _eks_tag,
    "UntagResource": _eks_untag,
}
