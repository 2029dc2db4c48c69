"""The log redactor removes every credential shape the scan finds (the shared table), and
nothing harmless."""

from __future__ import annotations

import logging

import pytest

from console.redaction import REDACTED, RedactingFilter, redact
from tests.credentials_cases import HARMLESS, VALUES, credential_lines

CASES = credential_lines()


def _pieces(value: str, size: int = 8) -> set[str]:
    return {value[i : i + size] for i in range(len(value) - size + 1)}


@pytest.mark.parametrize("line", [line for _, line in CASES], ids=[name for name, _ in CASES])
def test_every_shape_the_scan_finds_is_redacted(line: str):
    cleaned = redact(f"engine: step failed on {line} (retrying)")
    assert REDACTED in cleaned and cleaned.endswith("(retrying)")
    for value in [*VALUES.secrets(), *VALUES.keys.values()]:
        assert not any(piece in cleaned for piece in _pieces(value)), value[:4]


def test_an_assignment_keeps_its_name():
    line = f"aws_secret_access_key={VALUES.secret}"
    assert redact(line) == f"aws_secret_access_key={REDACTED}"


@pytest.mark.parametrize("value", HARMLESS)
def test_harmless_text_is_left_alone(value: str):
    assert redact(value) == value


def test_a_log_record_is_redacted_through_the_filter():
    record = logging.LogRecord(
        "whodidthis", logging.INFO, __file__, 1, "assumed with %s", (VALUES.token,), None
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"assumed with {REDACTED}"
