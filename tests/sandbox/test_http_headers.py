"""The sandbox server's header parser stores what the email parser stores, faster."""

import email.parser
import http.client
import io

import pytest
from standin.httpserver import parse_headers


def _email_parser(raw: bytes):
    lines = http.client._read_headers(io.BytesIO(raw))
    return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(
        b"".join(lines).decode("iso-8859-1")
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"Host: x\r\nContent-Type: a/b; c=d \r\nX-Amz-Date: 1\r\nX-A: \r\nX-A:  two\r\n\r\nBODY",
        b"Host: x\nLF-Only: y\n\n",
        b"Host: x\r\nFolded: a\r\n b\r\n\r\n",  # continuation line: the email parser
        b"Host: x\r\nBad Name: v\r\nAfter: w\r\n\r\n",  # not a header name: the email parser
        b"Host: x\r\nLatin: \xe9\x85v\r\n\r\n",
        b"Host: x\r\n",  # connection closed mid-headers
        b"\r\n",
    ],
)
def test_same_headers_as_the_email_parser(raw):
    ours, theirs = parse_headers(io.BytesIO(raw)), _email_parser(raw)
    assert type(ours) is type(theirs)
    assert ours.items() == theirs.items()
    assert ours.get_all("X-A") == theirs.get_all("X-A")


def test_the_body_is_left_unread():
    stream = io.BytesIO(b"Host: x\r\nContent-Length: 4\r\n\r\nBODY")
    assert parse_headers(stream)["content-length"] == "4"
    assert stream.read() == b"BODY"


def test_a_header_line_too_long_is_refused_as_before():
    with pytest.raises(http.client.LineTooLong):
        parse_headers(io.BytesIO(b"X: " + b"a" * 70000 + b"\r\n\r\n"))
