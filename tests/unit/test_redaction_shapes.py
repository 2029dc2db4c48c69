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


def test_botocore_camel_case_names_are_not_secrets():
    """Every 40-character shape or operation name of botocore's models (one in three models,
    for time) is left alone, but for a few acronym-heavy ones (measured over all: 6 of 450
    above the entropy floor)."""
    import glob
    import gzip
    import json

    import botocore

    names = set()
    for path in sorted(glob.glob(f"{botocore.__path__[0]}/data/*/*/service-2.json*"))[::3]:
        with (gzip.open if path.endswith(".gz") else open)(path, "rt") as model:
            data = json.load(model)
        names |= {n for n in [*data["shapes"], *data["operations"]] if len(n) == 40}
    redacted = sorted(name for name in names if redact(f"({name})") != f"({name})")
    assert len(names) > 200 and len(redacted) <= len(names) // 50, redacted
