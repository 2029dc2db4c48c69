"""console/credentials.py: the one description of an AWS credential, and the one masking."""

from __future__ import annotations

import subprocess
import sys

import pytest

import console.aws.config
import console.store.guard
from console.credentials import (
    ACCESS_KEY_ID,
    CREDENTIAL_PREFIXES,
    IDENTIFIER_PREFIXES,
    SECRET_ACCESS_KEY,
    find_credentials,
    mask_key_id,
    names_a_secret,
)
from tests.credentials_cases import VALUES, key_id


def test_one_masking_function_behind_every_name():
    assert console.aws.config.mask_key_id is mask_key_id
    assert console.store.guard.mask_key_id is mask_key_id


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("AKIAIOSFODNN7EXAMPLE", "AKIA****MPLE"),
        ("AROA3XFRBF535PLBIFPI4", "AROA****FPI4"),  # an identifier may be shown the same way
        (None, None),
        ("", None),
        ("short", "****"),
        (VALUES.secret, "****"),  # a secret in a key id's place: not one character
        ("akiaiosfodnn7example", "****"),
    ],
)
def test_mask_shows_four_and_four_of_an_aws_id_and_nothing_of_anything_else(value, masked):
    assert mask_key_id(value) == masked


@pytest.mark.parametrize("prefix", sorted(CREDENTIAL_PREFIXES))
def test_every_credential_prefix_is_a_key_id(prefix: str):
    value = key_id(prefix + "X" if len(prefix) == 3 else prefix)
    assert [(c.kind, c.start, c.end) for c in find_credentials(f"id {value}.")] == [
        (ACCESS_KEY_ID, 3, 23)
    ]


@pytest.mark.parametrize("prefix", sorted(IDENTIFIER_PREFIXES))
def test_unique_ids_of_principals_and_resources_are_not_credentials(prefix: str):
    value = key_id(prefix)
    assert find_credentials(f"{value}:op@dojo-2026-12 {value}") == []


@pytest.mark.parametrize(
    "name",
    [
        "aws_secret_access_key",
        "AWS_SECRET_ACCESS_KEY",
        "SecretAccessKey",
        "secretAccessKey",
        "secret_key",
        "secretKey",
        "aws.secretKey",
        "aws-secret-access-key",
        "AWS_SECRET",
        "aws_session_token",
        "SecurityToken",
    ],
)
def test_names_that_can_only_hold_a_secret(name: str):
    assert names_a_secret(name)


@pytest.mark.parametrize("name", ["aws_access_key_id", "AccessKeyId", "region", "key", "token"])
def test_names_that_hold_no_secret(name: str):
    assert not names_a_secret(name)


def test_hex_is_never_a_secret_even_under_a_secret_name():
    digest = "3f786850e387550fdab836ed7e6dc881de23001b"
    assert find_credentials(f"aws_secret_access_key = {digest}") == []
    assert find_credentials(f"aws_secret_access_key = {digest.upper()}") == []


def test_a_named_secret_needs_less_randomness_than_a_bare_one():
    # Plausible but low-entropy values: found under their name, not on their own.
    value = "abcdABCDabcdABCDabcdABCDabcdABCD12341234"
    assert [c.kind for c in find_credentials(f"secretKey={value}")] == [SECRET_ACCESS_KEY]
    assert find_credentials(f"value {value}") == []


def test_the_module_imports_nothing_of_console():
    code = (
        "import sys, console.credentials\n"
        "print(sorted(m for m in sys.modules if m.startswith('console')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "['console', 'console.credentials']", result.stderr
