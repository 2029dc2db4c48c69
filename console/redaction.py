"""Logging that cannot leak a credential.

botocore logs request and response bodies at DEBUG, and an AssumeRole response body holds a
secret key and a session token. The SDK loggers are therefore held at WARNING whatever the
root level, and every handler whodidthis installs redacts anything shaped like a key.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import stat
import sys

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


class SentenceFilter(logging.Filter):
    """An SDK record's traceback becomes one sentence: the exception's own line.

    botocore and aiobotocore log a warning with ``exc_info`` when, for instance, an assumed
    role's credentials cannot be refreshed: 17 lines of their call stack that tell an operator
    nothing the exception's message does not. whodidthis's own records keep their traceback
    (redacted): that one is a bug report.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] not in SDK_LOGGERS:
            return True
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage().rstrip('.')}: {type(error).__name__}: {error}"
            record.args = None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


class _RaisedToTheCaller(logging.Filter):
    """Drops the SDK's "refreshing failed during mandatory refresh period" warning.

    In the mandatory period the refresh error is raised to the caller too, and whodidthis
    reports it there, per trainee, as a sentence with what to do; the warning would only say
    it a second time (once per trainee of a denied course).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            str(record.msg).startswith("Refreshing temporary credentials failed")
            and record.args == ("mandatory",)
        )


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (as logging's last resort)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


_REFRESH_LOGGERS = ("botocore.credentials", "aiobotocore.credentials")


def quiet_sdk_loggers() -> None:
    """Hold the SDK loggers at WARNING: their DEBUG output includes response bodies.

    Their warnings still reach the terminal, but one line each and redacted: when no handler
    is configured (a command line), a stderr handler that speaks in sentences stands in for
    logging's last resort, which would print the traceback as it is.
    """
    for name in SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in _REFRESH_LOGGERS:
        refresh = logging.getLogger(name)
        if not any(isinstance(f, _RaisedToTheCaller) for f in refresh.filters):
            refresh.addFilter(_RaisedToTheCaller())
    root = logging.getLogger()
    if not root.handlers:
        handler = _StderrHandler()
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        redacting_handler(handler)
        root.addHandler(handler)


def redacting_handler(handler: logging.Handler) -> logging.Handler:
    """``handler`` made to print SDK tracebacks as one sentence and to redact every record.

    Without a formatter of its own it gets the log file's (time, level, logger, message).
    """
    if handler.formatter is None:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SentenceFilter())
    handler.addFilter(RedactingFilter())
    return handler


def open_private_log(path) -> int:
    """Open (append, create) the log file ``path`` for this user only; the file descriptor.

    ``O_NOFOLLOW``: a symlink planted at ``path`` (pointing at a file the engine's user can
    write) is refused rather than followed. An existing file is brought to mode 0600.

    Raises:
        OSError: ``ELOOP`` when ``path`` is a symlink, or the file cannot be opened.
    """
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        raise
    return fd


class RedactingStream(io.TextIOBase):
    """A text stream that redacts every whole line before passing it on.

    The detached engine's stderr is its log file: whatever Python prints there without going
    through logging (an uncaught exception, a warning) passes this first. Lines are held until
    complete so that a key split across two writes is still recognised.
    """

    def __init__(self, target) -> None:
        super().__init__()
        self._target = target
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if lines:
            self._target.write("".join(redact(line) + "\n" for line in lines))
            self._target.flush()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._target.write(redact(self._pending))
            self._pending = ""
        self._target.flush()

    def fileno(self) -> int:
        return self._target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._target, "encoding", None) or "utf-8"
