"""Two shapes the scan, the store guard and the redactor missed (issue 26, item 10): a key or
secret split over two lines with a backslash line continuation, and an URL-encoded
``aws_secret_access_key%3D…``."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.aws.scan import scan
from console.credentials import find_credentials
from console.redaction import redact
from console.store.guard import CredentialRefused, refuse_credentials
from tests.credentials_cases import key_id, secret

KEY, SECRET = key_id(), secret()
SPLIT = (
    f"#!/bin/sh\nexport AWS_ACCESS_KEY_ID={KEY[:9]}\\\n{KEY[9:]}\n"
    f"export AWS_SECRET_ACCESS_KEY={SECRET[:17]}\\\n{SECRET[17:]}\n"
)
URL = f"https://ci.example.com/hook?aws_access_key_id%3D{KEY}&aws_secret_access_key%3D{SECRET}\n"
URL_ENCODED = URL.replace(SECRET, SECRET.replace("/", "%2F").replace("+", "%2B"))


@pytest.mark.parametrize("text", [SPLIT, URL, URL_ENCODED], ids=["split", "url", "url-encoded"])
def test_the_scan_finds_the_key_and_its_secret(text, tmp_path: Path):
    (tmp_path / "deploy.sh").write_text(text)
    result = scan([tmp_path / "deploy.sh"], environ={"HOME": str(tmp_path / "home")})
    assert [f.key_id_masked for f in result.findings] == [f"{KEY[:4]}****{KEY[-4:]}"]
    assert result.findings[0].with_secret


@pytest.mark.parametrize("text", [SPLIT, URL, URL_ENCODED], ids=["split", "url", "url-encoded"])
def test_the_redactor_leaves_no_piece_of_the_secret(text):
    cleaned = redact(text)
    for piece in (SECRET[:17], SECRET[17:], SECRET[5:25], KEY[9:]):
        assert piece not in cleaned and piece.replace("/", "%2F") not in cleaned


@pytest.mark.parametrize("text", [SPLIT, URL, URL_ENCODED], ids=["split", "url", "url-encoded"])
def test_the_store_guard_refuses_it(text):
    secret_only = text.replace(KEY, "AROAEXAMPLEROLEIDXYZ")  # the secret alone must be refused
    with pytest.raises(CredentialRefused):
        refuse_credentials({"error_message": secret_only}, "ledger")
    assert any(c.kind == "secret access key" for c in find_credentials(secret_only))
