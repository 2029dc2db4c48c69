"""The log's redaction: SDK tracebacks become one sentence, stderr is redacted line by line, the
engine's log file is private and never written through a symlink."""

import io
import logging
import os

import pytest

from console.redaction import RedactingStream, SentenceFilter, open_private_log, redacting_handler

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # 40 characters, shaped like a secret key


def _logged(name: str) -> str:
    out = io.StringIO()
    logger = logging.getLogger(name)
    logger.propagate = False
    handler = redacting_handler(logging.StreamHandler(out))
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"denied, key {SECRET}")
        except RuntimeError:
            logger.warning("Refreshing temporary credentials failed.", exc_info=True)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return out.getvalue()


def test_an_sdk_traceback_becomes_one_redacted_sentence():
    text = _logged("aiobotocore.credentials.test")
    assert text == (
        "aiobotocore.credentials.test: Refreshing temporary credentials failed: "
        "RuntimeError: denied, key [REDACTED]\n"
    )


def test_our_own_traceback_is_kept_but_redacted():
    text = _logged("whodidthis.test")
    assert "Traceback" in text and "RuntimeError" in text
    assert SECRET not in text and "[REDACTED]" in text


def test_sentence_filter_leaves_records_without_an_exception_alone():
    record = logging.LogRecord("botocore.x", logging.WARNING, "f", 1, "plain %s", ("words",), None)
    assert SentenceFilter().filter(record) and record.getMessage() == "plain words"


def test_the_redacting_stream_redacts_a_key_split_across_writes():
    out = io.StringIO()
    stream = RedactingStream(out)
    stream.write(f"secret {SECRET[:20]}")
    assert out.getvalue() == ""  # held until the line is whole
    stream.write(f"{SECRET[20:]} end\nnext")
    stream.flush()
    assert out.getvalue() == "secret [REDACTED] end\nnext"


def test_the_private_log_is_0600_and_refuses_a_symlink(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("")
    os.chmod(target, 0o644)
    (tmp_path / "engine.log").symlink_to(target)
    with pytest.raises(OSError):
        open_private_log(tmp_path / "engine.log")
    assert target.read_text() == ""
    existing = tmp_path / "old.log"
    existing.write_text("old\n")
    os.chmod(existing, 0o644)
    os.close(open_private_log(existing))
    assert existing.stat().st_mode & 0o777 == 0o600
