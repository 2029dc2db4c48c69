"""The one place that reaches into moto's in-process state.

The gateway resolves principals, reads trust policies and checks that resources exist by reading
moto's backends directly (they live in this process). Every such read goes through this module, so
a moto upgrade that renames an attribute breaks one file.

Two facts about moto shape this module:

* ``moto.iam.models.get_account_id_from`` walks every account and every partition on each request
  whose account is not given, creating an IAM backend for each (about 0.1 s and 5 MB apiece with
  managed policies loaded). The gateway therefore always tells moto the account with the
  ``x-moto-account-id`` header, and nothing here ever indexes a backend it does not mean to create.
* With ``MOTO_IAM_LOAD_MANAGED_POLICIES=true`` each account's IAM backend parses and copies all
  ~1,600 AWS managed policies. For 2,000 trainee accounts that is minutes and gigabytes, so the AWS
  managed policies are parsed once per partition and shared by every account (AWS managed policies
  are global on AWS too; only their ``AttachmentCount`` is then counted across accounts).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

# moto reads this when an IAM backend is created; set it before anything imports moto.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

from moto.cloudformation.models import cloudformation_backends
from moto.codecommit.models import codecommit_backends
from moto.eks.models import eks_backends
from moto.iam import models as iam_models
from moto.iam.models import iam_backends
from moto.iam.utils import ACCOUNT_OFFSET, AWS_ROLE_ALPHABET
from moto.logs.models import logs_backends
from moto.organizations.models import organizations_backends
from moto.s3.models import s3_backends
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends
from moto.sts.models import sts_backends

PARTITION = "aws"
ACCOUNT_HEADER = "x-moto-account-id"

_shared_lock = threading.Lock()
_shared_policies: dict[str, list[Any]] = {}
_shared_by_arn: dict[str, dict[str, Any]] = {}
_original_init_aws_policies = iam_models.IAMBackend._init_aws_policies


def _shared_init_aws_policies(self: Any) -> list[Any]:
    """Replacement for ``IAMBackend._init_aws_policies``: one parsed list per partition."""
    with _shared_lock:
        policies = _shared_policies.get(self.partition)
        if policies is None:
            policies = _original_init_aws_policies(self)
            _shared_policies[self.partition] = policies
        return policies


def _shared_init_managed_policies(self: Any) -> dict[str, Any]:
    """Replacement for ``IAMBackend._init_managed_policies``: copy a prebuilt ARN index."""
    with _shared_lock:
        by_arn = _shared_by_arn.get(self.partition)
        if by_arn is None:
            by_arn = {p.arn: p for p in self.aws_managed_policies}
            _shared_by_arn[self.partition] = by_arn
        return dict(by_arn)


def share_aws_managed_policies() -> None:
    """Make every IAM backend share one parsed copy of the AWS managed policies (idempotent)."""
    iam_models.IAMBackend._init_aws_policies = _shared_init_aws_policies
    iam_models.IAMBackend._init_managed_policies = _shared_init_managed_policies


def attach_managed_policy(account: str, role_name: str, policy_arn: str) -> None:
    """Attach a managed policy to a role in O(1).

    moto's ``attach_role_policy`` rebuilds an ARN index of all ~1,600 AWS managed policies on
    every call; the bootstrap attaches three policies per trainee, so it goes straight to the index.
    """
    backend = iam_backend(account, create=True)
    backend.managed_policies[policy_arn].attach_to(backend.get_role(role_name))


def reset_shared_policy_counts() -> None:
    """Zero the shared policies' attachment counts after moto's state was wiped."""
    with _shared_lock:
        for policies in _shared_policies.values():
            for policy in policies:
                policy.attachment_count = 0


def account_from_access_key(access_key_id: str) -> str | None:
    """The account an access key id belongs to, decoded the way AWS (and moto) encode it.

    Returns None for a key that does not carry a valid account (for example a made-up key).
    """
    if len(access_key_id) < 13 or not access_key_id[:4].isalpha():
        return None
    try:
        raw = base64.b32decode(access_key_id[4:12])
    except (binascii.Error, ValueError):
        return None
    number = (int.from_bytes(raw, "big") - ACCOUNT_OFFSET) * 2
    if access_key_id[12] in AWS_ROLE_ALPHABET[16:]:
        number += 1
    if not 0 <= number < 10**12:
        return None
    return f"{number:012d}"


def _existing(backends: Any, account: str, region: str | None = PARTITION) -> Any | None:
    """A backend only if moto already created it (plain dict reads never create one)."""
    per_account = dict.get(backends, account)
    if per_account is None:
        return None
    return dict.get(per_account, region)


def iam_backend(account: str, create: bool = False) -> Any:
    """The IAM backend of ``account`` (created on demand only when ``create``)."""
    if create:
        return iam_backends[account][PARTITION]
    return _existing(iam_backends, account)


def cloudformation_backend(account: str, region: str) -> Any:
    """The CloudFormation backend of ``account`` in ``region`` (created on demand)."""
    return cloudformation_backends[account][region]


def regional_items(service: str, account: str, region: str) -> list[Any]:
    """What moto holds of one kind in ``account`` and ``region``, without creating a backend:
    ``sns`` topics, ``logs`` log groups, ``sqs`` queues (Cloud Control reads these)."""
    backends, attribute = {
        "sns": (sns_backends, "topics"),
        "logs": (logs_backends, "groups"),
        "sqs": (sqs_backends, "queues"),
    }[service]
    backend = _existing(backends, account, region)
    return list(getattr(backend, attribute).values()) if backend is not None else []


def drop_deleted_bucket_tags(account: str) -> None:
    """Forget the tags of ``account``'s buckets that no longer exist.

    moto keeps S3 bucket tags by ARN and leaves them behind when the bucket is deleted, so a
    new bucket of the same name would carry the old one's tags; on AWS it starts with none.
    """
    backend = _existing(s3_backends, account)  # S3 keeps one backend per partition
    if backend is None:
        return
    for arn in list(backend.tagger.tags):
        name = arn.removeprefix("arn:aws:s3:::")
        if name != arn and "/" not in name and name not in backend.buckets:
            backend.tagger.delete_all_tags_for_resource(arn)


def known_accounts() -> list[str]:
    """Accounts moto holds IAM state for."""
    return list(dict.keys(iam_backends))


def access_key_exists(account: str, access_key_id: str) -> bool:
    """True when moto issued this key (a user's key or a temporary one) in ``account``."""
    backend = iam_backend(account)
    return backend is not None and access_key_id in backend.access_keys


def find_assumed_role(account: str, access_key_id: str) -> Any | None:
    """moto's ``AssumedRole`` for a temporary key, or None."""
    backend = _existing(sts_backends, account)
    if backend is None:
        return None
    for assumed in list(backend.assumed_roles):
        if assumed.access_key_id == access_key_id:
            return assumed
    return None


def find_user_by_key(account: str, access_key_id: str) -> Any | None:
    """moto's IAM ``User`` owning a long-term key, or None."""
    backend = iam_backend(account)
    if backend is None:
        return None
    for user in list(backend.users.values()):
        if any(key.access_key_id == access_key_id for key in user.access_keys):
            return user
    return None


def find_user_by_arn(account: str, arn: str) -> Any | None:
    """moto's IAM ``User`` with this ARN, or None."""
    backend = iam_backend(account)
    if backend is None:
        return None
    return next((u for u in list(backend.users.values()) if u.arn == arn), None)


def find_role(account: str, role_name: str) -> Any | None:
    """moto's IAM ``Role`` named ``role_name`` in ``account``, or None."""
    backend = iam_backend(account)
    if backend is None:
        return None
    for role in list(backend.roles.values()):
        if role.name == role_name:
            return role
    return None


def parse_document(text: str | dict | None) -> dict:
    """A policy document as a dict, whether moto kept it as JSON or URL-encoded JSON."""
    if isinstance(text, dict):
        return text
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(unquote(text))


def _managed_documents(holder: Any) -> list[dict]:
    documents = []
    for policy in list(holder.managed_policies.values()):
        for version in policy.versions:
            if version.is_default:
                documents.append(parse_document(version.document))
    return documents


def role_policy_documents(role: Any) -> list[dict]:
    """A role's identity policies: inline and attached managed ones."""
    inline = [parse_document(text) for text in list(role.policies.values())]
    return inline + _managed_documents(role)


def user_policy_documents(account: str, user: Any) -> list[dict]:
    """A user's identity policies: its own and those of its groups."""
    documents = [parse_document(text) for text in list(user.policies.values())]
    documents += _managed_documents(user)
    backend = iam_backend(account)
    for group in list(backend.groups.values()) if backend else []:
        if user in group.users:
            documents += [parse_document(text) for text in list(group.policies.values())]
            documents += _managed_documents(group)
    return documents


def _managed_texts(holder: Any) -> list[str]:
    texts = []
    for policy in list(holder.managed_policies.values()):
        for version in policy.versions:
            if version.is_default:
                texts.append(version.document)
    return texts


def role_policy_texts(role: Any) -> list[str]:
    """A role's identity policies as moto stores them (JSON text, the evaluator's cache key)."""
    return list(role.policies.values()) + _managed_texts(role)


def user_policy_texts(account: str, user: Any) -> list[str]:
    """A user's identity policies (its own and its groups') as moto stores them."""
    texts = list(user.policies.values()) + _managed_texts(user)
    backend = iam_backend(account)
    for group in list(backend.groups.values()) if backend else []:
        if user in group.users:
            texts += list(group.policies.values()) + _managed_texts(group)
    return texts


def tags_of(holder: Any) -> dict[str, str]:
    """An IAM role's or user's tags as a dict (moto keeps a list or a dict, by version)."""
    tags = getattr(holder, "tags", None) or {}
    if isinstance(tags, dict):
        return {
            str(k): str(v.get("Value", v) if isinstance(v, dict) else v) for k, v in tags.items()
        }
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags}


def organization_of(account: str) -> str | None:
    """The id of the organization ``account`` belongs to (as master or member), or None."""
    member = organizations_backends.master_accounts.get(account)
    master = member[0] if member else account
    backend = _existing(organizations_backends, master)
    org = backend.org if backend is not None else None
    if org is None or (member is None and org.master_account_id != account):
        return None
    return org.id


def account_status(account: str) -> str | None:
    """Organizations' status of a member account (``ACTIVE``, ``SUSPENDED``, ...), or None
    for an account in no organization."""
    member = organizations_backends.master_accounts.get(account)
    if not member:
        return None
    backend = _existing(organizations_backends, member[0])
    found = [a for a in getattr(backend, "accounts", None) or () if a.id == account]
    return str(found[0].status) if found else None


def find_role_by_arn(arn: str) -> Any | None:
    """moto's IAM ``Role`` with exactly this ARN (path included), or None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("role/"):
        return None
    role = find_role(parts[4], parts[5].rsplit("/", 1)[-1])
    return role if role is not None and role.arn == arn else None


def as_utc(moment: datetime) -> datetime:
    """moto keeps naive UTC datetimes; the sandbox compares aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def codecommit_repository(account: str, region: str | None, name: str) -> Any | None:
    """moto's CodeCommit repository, or None."""
    backend = _existing(codecommit_backends, account, region)
    return None if backend is None else backend.repositories.get(name)


def codecommit_repositories(account: str, region: str) -> list[Any]:
    """Every CodeCommit repository moto holds in ``account`` and ``region``."""
    backend = _existing(codecommit_backends, account, region)
    return [] if backend is None else list(backend.repositories.values())


def s3_bucket_region(account: str, name: str) -> str | None:
    """The region of moto's bucket ``name`` in ``account``, or None when there is none."""
    backend = _existing(s3_backends, account)
    bucket = None if backend is None else backend.buckets.get(name)
    return None if bucket is None else bucket.region_name


def eks_clusters(account: str, region: str) -> list[Any]:
    """Every EKS cluster moto holds in ``account`` and ``region``."""
    backend = _existing(eks_backends, account, region)
    return [] if backend is None else list(backend.clusters.values())


def eks_nodegroup_by_arn(account: str, region: str | None, arn: str) -> Any | None:
    """moto's EKS nodegroup with this ARN, or None."""
    backend = _existing(eks_backends, account, region)
    if backend is None:
        return None
    for cluster in list(backend.clusters.values()):
        for nodegroup in list(cluster.nodegroups.values()):
            if nodegroup.arn == arn:
                return nodegroup
    return None


def issued_secrets() -> set[str]:
    """Every secret access key, session token and session key id moto has issued."""
    found: set[str] = set()
    for per_account in list(dict.values(sts_backends)):
        for backend in list(dict.values(per_account)):
            for assumed in list(backend.assumed_roles):
                found |= {assumed.secret_access_key, assumed.session_token, assumed.access_key_id}
    for per_account in list(dict.values(iam_backends)):
        for backend in list(dict.values(per_account)):
            for key in list(backend.access_keys.values()):
                found.add(key.secret_access_key)
    return found
