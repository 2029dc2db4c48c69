"""The story's accounts and names: who the stand-in's trainees are, without loading moto.

``python -m standin sample-course`` needs these to write the course, and it must start fast.
"""

from __future__ import annotations

ADMIN_ACCOUNT = "100000000000"
HOST_ROLE = "AdminEnvRole"
MANAGE_ROLE = "ManageEnvRole"
NAMES = (
    "alice", "bob", "carol", "dave", "erin", "frank",
    "grace", "heidi", "ivan", "judy", "mallory", "niaj",
)  # fmt: skip
TRUSTED = "trusted"
BEFORE_STATES = (
    TRUSTED,
    "root-trust",
    "no-role",
    "other-account",
    "no-source-identity",
    "wildcard",
)


def trainee_name(index: int) -> str:
    """The story's name for trainee ``index`` (1-based)."""
    return NAMES[index - 1] if index <= len(NAMES) else f"trainee-{index:04d}"


def trainee_account(index: int) -> str:
    """The account id of trainee ``index`` (1-based)."""
    return str(200000000000 + index)


def topology(count: int) -> list[tuple[str, str]]:
    """``(name, account)`` of the first ``count`` trainees."""
    return [(trainee_name(i), trainee_account(i)) for i in range(1, count + 1)]


def host_role_arn(admin_account: str = ADMIN_ACCOUNT) -> str:
    """The ARN of the host's role."""
    return f"arn:aws:iam::{admin_account}:role/{HOST_ROLE}"
