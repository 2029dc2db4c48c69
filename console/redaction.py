"""Logging that cannot leak a credential.

botocore logs request and response bodies at DEBUG, and an AssumeRole response body holds a
secret key and a session token. The SDK loggers are therefore held at WARNING whatever the
root level, and every handler whodidthis installs redacts anything shaped like a key.
"""

from __future__ import annotations

import logging

from console.credentials import find_credentials

SDK_LOGGERS = ("botocore", "aiobotocore", "boto3", "urllib3", "aiohttp", "s3transfer")
REDACTED = "[REDACTED]"


def redact(text: str) -> str:
    """Replace anything shaped like an access key id, secret key or session token.

    The shapes are :mod:`console.credentials`' (the ones the scan finds and the store's guard
    refuses); an assignment keeps its name (``aws_secret_access_key=[REDACTED]``).
    """
    kept, end = [], 0
    for credential in find_credentials(text):
        if credential.end <= end:
            continue  # inside a span already redacted (a token holding a key id's shape)
        kept.append(text[end : max(end, credential.start)])
        kept.append(REDACTED)
        end = credential.end
    if not kept:
        return text
    kept.append(text[end:])
    return "".join(kept)


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
