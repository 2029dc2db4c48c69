"""Logging that cannot leak a credential.

botocore logs request and response bodies at DEBUG, and an AssumeRole response body holds a
secret key and a session token. The SDK loggers are therefore held at WARNING whatever the
root level, and every handler whodidthis installs redacts anything shaped like a key.
"""

from __future__ import annotations

import logging
import re

SDK_LOGGERS = ("botocore", "aiobotocore", "boto3", "urllib3", "aiohttp", "s3transfer")
_PATTERNS = (
    re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
    re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
    re.compile(r"[A-Za-z0-9/+=]{100,}"),  # session tokens
)


def redact(text: str) -> str:
    """Replace anything shaped like an access key id, secret key or session token."""
    for pattern in _PATTERNS:
        text = pattern.sub("[REDACTED]", text)
    return text


class RedactingFilter(logging.Filter):
    """Redacts the formatted message of every record that passes through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, redact(text)
        return True


def quiet_sdk_loggers() -> None:
    """Hold the SDK loggers at WARNING: their DEBUG output includes response bodies."""
    for name in SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def file_handler(path) -> logging.Handler:
    """A log file handler that redacts, for the detached engine's log."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler
