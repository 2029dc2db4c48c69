"""One-time console passwords that meet an account's IAM password policy.

The account's policy comes from ``GetAccountPasswordPolicy``; an account without one answers
``NoSuchEntity`` and AWS then applies its default policy: at least 8 characters, and at least
three of the four kinds (upper case, lower case, digits, symbols). A password made here always
has one of every kind the policy could ask for and at least ``MIN_LENGTH`` characters, so it
meets any policy IAM allows. It is drawn from ``secrets`` (the OS's CSPRNG).

A password lives in memory until the handout prints it: it is never logged, never stored, and
the ledger records the call that set it, never its parameters.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

MIN_LENGTH = 20
MAX_LENGTH = 128  # IAM's limit for a password and for MinimumPasswordLength
# The symbols IAM counts as non-alphanumeric in a password policy.
SYMBOLS = "!@#$%^&*()_+-=[]{}|'"
# Characters a trainee misreads on a printed handout (0/O/o, 1/l/I/|, the quote beside a
# comma): never drawn. What is left still has every kind a policy can require.
LOOK_ALIKES = frozenset("0Oo1lI|'")


def _readable(kind: str) -> str:
    return "".join(c for c in kind if c not in LOOK_ALIKES)


@dataclass(frozen=True)
class PasswordPolicy:
    """What the account's password policy requires (AWS's default when it has none)."""

    minimum_length: int = 8
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change: bool = False
    is_default: bool = True

    @classmethod
    def from_aws(cls, policy: dict) -> PasswordPolicy:
        """From the ``PasswordPolicy`` of a GetAccountPasswordPolicy answer."""
        return cls(
            minimum_length=int(policy.get("MinimumPasswordLength", 8)),
            require_symbols=bool(policy.get("RequireSymbols")),
            require_numbers=bool(policy.get("RequireNumbers")),
            require_uppercase=bool(policy.get("RequireUppercaseCharacters")),
            require_lowercase=bool(policy.get("RequireLowercaseCharacters")),
            allow_users_to_change=bool(policy.get("AllowUsersToChangePassword")),
            is_default=False,
        )


async def account_password_policy(iam) -> PasswordPolicy:
    """The account's password policy; AWS's default when the account has none."""
    from botocore.exceptions import ClientError

    try:
        answer = await iam.get_account_password_policy()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return PasswordPolicy()
        raise
    return PasswordPolicy.from_aws(answer["PasswordPolicy"])


def new_password(policy: PasswordPolicy) -> str:
    """A random password meeting ``policy`` (and AWS's default policy in any case), with no
    character that reads as another on paper (:data:`LOOK_ALIKES`)."""
    length = min(MAX_LENGTH, max(MIN_LENGTH, policy.minimum_length))
    kinds = tuple(
        _readable(kind)
        for kind in (string.ascii_uppercase, string.ascii_lowercase, string.digits, SYMBOLS)
    )
    chosen = [secrets.choice(kind) for kind in kinds]  # one of each kind, whatever is required
    alphabet = "".join(kinds)
    chosen += [secrets.choice(alphabet) for _ in range(length - len(chosen))]
    secrets.SystemRandom().shuffle(chosen)
    return "".join(chosen)


def meets(password: str, policy: PasswordPolicy) -> bool:
    """True when ``password`` satisfies ``policy`` (AWS's rules, for the tests and a check)."""
    kinds = [
        any(c in string.ascii_uppercase for c in password),
        any(c in string.ascii_lowercase for c in password),
        any(c in string.digits for c in password),
        any(c in SYMBOLS for c in password),
    ]
    if not policy.minimum_length <= len(password) <= MAX_LENGTH:
        return False
    if policy.is_default:
        return sum(kinds) >= 3
    required = (
        policy.require_uppercase,
        policy.require_lowercase,
        policy.require_numbers,
        policy.require_symbols,
    )
    return all(have or not need for have, need in zip(kinds, required, strict=True))
