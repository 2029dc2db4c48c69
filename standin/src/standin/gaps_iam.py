"""IAM login profiles as AWS keeps them (checked against moto 5.2.5).

* CreateLoginProfile ignores ``PasswordResetRequired`` (GetLoginProfile then says false), and
  UpdateLoginProfile keeps the flag as the request's text. After either succeeds, the flag is
  set on moto's user as the boolean AWS shows.
* Neither checks the password against the account's password policy. AWS refuses a password
  that breaks it with ``PasswordPolicyViolation``; so does the gateway, before moto sees it.
  Without a policy AWS's default applies: 8 to 128 characters, three of the four kinds.
"""

from __future__ import annotations

import string

from standin import moto_state
from standin.httpserver import HttpResponse
from standin.principals import Principal
from standin.protocols import Call, error_response

LOGIN_PROFILE_CALLS = ("CreateLoginProfile", "UpdateLoginProfile")
SYMBOLS = "!@#$%^&*()_+-=[]{}|'"
VIOLATION = "Password does not conform to the account password policy."


def _kinds(password: str) -> dict[str, bool]:
    return {
        "upper": any(c in string.ascii_uppercase for c in password),
        "lower": any(c in string.ascii_lowercase for c in password),
        "digit": any(c in string.digits for c in password),
        "symbol": any(c in SYMBOLS for c in password),
    }


def _conforms(password: str, policy) -> bool:
    kinds = _kinds(password)
    if policy is None:  # AWS's default policy
        return 8 <= len(password) <= 128 and sum(kinds.values()) >= 3
    required = {
        "upper": policy.require_uppercase_characters,
        "lower": policy.require_lowercase_characters,
        "digit": policy.require_numbers,
        "symbol": policy.require_symbols,
    }
    long_enough = int(policy.minimum_password_length or 6) <= len(password) <= 128
    return long_enough and all(kinds[kind] or not need for kind, need in required.items())


def refuse_weak_password(call: Call, caller: Principal, request_id: str) -> HttpResponse | None:
    """PasswordPolicyViolation for a login-profile password the account's policy refuses."""
    password = call.params.get("Password")
    if call.operation == "UpdateLoginProfile" and password is None:
        return None  # only the reset flag changes
    backend = moto_state.iam_backend(caller.account)
    policy = backend.account_password_policy if backend else None
    if _conforms(password or "", policy):
        return None
    return error_response(call, "PasswordPolicyViolation", VIOLATION, 400, request_id)


def keep_reset_flag(call: Call, caller: Principal, response: HttpResponse) -> None:
    """Set ``PasswordResetRequired`` on moto's user as the answered call asked."""
    if response.status >= 300 or "PasswordResetRequired" not in call.params:
        return
    backend = moto_state.iam_backend(caller.account)
    user = backend.users.get(call.params.get("UserName", "")) if backend else None
    if user is not None:
        user.password_reset_required = call.params["PasswordResetRequired"].lower() == "true"
