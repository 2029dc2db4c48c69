"""Retry settings: ours by default, the operator's when they set them."""

from console.aws.config import retry_settings
from console.credentials import mask_key_id


def test_default_is_standard_with_ten_attempts_in_total(monkeypatch):
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    assert retry_settings() == {"mode": "standard", "total_max_attempts": 10}
    assert retry_settings(mode="adaptive")["mode"] == "adaptive"


def test_the_environment_wins(monkeypatch):
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    assert retry_settings(mode="adaptive") == {"mode": "legacy", "total_max_attempts": 3}


def test_the_profile_wins_over_our_default(monkeypatch):
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    profile = {"retry_mode": "adaptive", "max_attempts": "7"}
    assert retry_settings(profile) == {"mode": "adaptive", "total_max_attempts": 7}


def test_key_ids_are_masked():
    assert mask_key_id("AKIAIOSFODNN7EXAMPLE") == "AKIA****MPLE"
    assert mask_key_id(None) is None and mask_key_id("short") == "****"
