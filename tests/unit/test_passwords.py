"""Generated one-time passwords meet every password policy IAM allows."""

import pytest

from console.aws.passwords import MAX_LENGTH, PasswordPolicy, meets, new_password

POLICIES = [
    PasswordPolicy(),
    PasswordPolicy(6, True, True, True, True, is_default=False),
    PasswordPolicy(64, True, False, False, True, is_default=False),
    PasswordPolicy(MAX_LENGTH, True, True, True, True, is_default=False),
]


@pytest.mark.parametrize("policy", POLICIES)
def test_a_new_password_meets_the_policy(policy):
    passwords = {new_password(policy) for _ in range(50)}
    assert len(passwords) == 50  # never the same twice
    assert all(meets(p, policy) and len(p) >= max(20, policy.minimum_length) for p in passwords)


def test_meets_refuses_what_the_policy_refuses():
    strict = PasswordPolicy(12, True, True, True, True, is_default=False)
    assert not meets("Abcdefghijk1", strict)  # no symbol
    assert not meets("Ab1!", strict)  # too short
    assert not meets("abcdefgh", PasswordPolicy())  # one kind of three


@pytest.mark.parametrize("policy", POLICIES)
def test_a_new_password_has_no_character_that_reads_as_another(policy):
    from console.aws.passwords import LOOK_ALIKES

    drawn = "".join(new_password(policy) for _ in range(200))
    assert not set(drawn) & LOOK_ALIKES  # 0/O/o, 1/l/I/|, and the quote
    assert set("0Oo1lI|'") <= LOOK_ALIKES
