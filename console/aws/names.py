"""Names STS accepts, made from any operator name without two operators ever sharing one.

STS allows 2-64 characters of ``[\\w+=,.@-]`` (ASCII ``\\w``) in a RoleSessionName and a
SourceIdentity, and a SourceIdentity may not start with ``aws:``. Operator names are whatever
people are called: ``élodie``, ``Jean Dupont``, ``李雷``. The mapping here is:

* a name already made only of those characters (and without ``=``) is kept as it is;
* any other name is written quoted-printable style: each byte of the UTF-8 form of a character
  outside the set, and ``=`` itself, becomes ``=XX`` (upper-case hex): ``élodie`` ->
  ``=C3=A9lodie``, ``Jean Dupont`` -> ``Jean=20Dupont``. :func:`operator_from_sts_name` reads
  it back, so a CloudTrail reader gets the exact name;
* a name shorter than 2 is padded with ``=`` (``a`` -> ``a=``), which no escape produces;
* a form longer than the room left is cut at an escape boundary and ends ``=-`` and 12 hex
  digits of the SHA-256 of the name: still distinct per name, no longer reversible (the
  ledger keeps the operator's full name beside the session name).

No kept name contains ``=``; every escaped one does, followed by two hex digits, ``-`` or the
end. So no two operators map to the same form (up to a 48-bit digest for over-long names), and
``aws:`` can never start one (``:`` is always escaped).
"""

from __future__ import annotations

import hashlib
import re

STS_MAX = 64
_PLAIN = re.compile(r"[A-Za-z0-9_+,.@-]")  # STS's set without the escape character '='
_COURSE = re.compile(r"[a-z0-9-]*")  # the course file's rule for names
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_+,.@-]{2,64}")
_TAG_VALUE = re.compile(r"[^\w.:/=+\-@ ]")
DIGEST_HEX = 12
OPERATOR_ROOM = 24  # the least of a session name an operator keeps, whatever the course


def _escaped(text: str) -> list[str]:
    """``text`` as a list of pieces: a plain character, or one ``=XX`` per UTF-8 byte."""
    pieces: list[str] = []
    for char in text:
        if _PLAIN.fullmatch(char):
            pieces.append(char)
        else:
            pieces.extend(f"={byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
    return pieces


def sts_name(text: str, *, limit: int = STS_MAX) -> str:
    """``text`` as a valid, distinct RoleSessionName / SourceIdentity of at most ``limit``."""
    if _PLAIN_NAME.fullmatch(text) and len(text) <= limit:
        return text
    pieces = _escaped(text)
    form = "".join(pieces)
    if len(form) < 2:
        return (form + "==")[:2]
    if len(form) <= limit:
        return form
    digest = "=-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_HEX]
    room, kept = limit - len(digest), list[str]()
    for piece in pieces:
        if sum(map(len, kept)) + len(piece) > room:
            break
        kept.append(piece)
    return "".join(kept) + digest


def operator_from_sts_name(name: str) -> str | None:
    """The operator name :func:`sts_name` made ``name`` from; None for a digest (over-long)
    form, whose full name only the ledger keeps."""
    if "=-" in name:
        return None
    if name.endswith("=") and len(name) == 2:
        name = name.rstrip("=")
    data, i = bytearray(), 0
    while i < len(name):
        if name[i] == "=":
            data += bytes.fromhex(name[i + 1 : i + 3])
            i += 3
        else:
            data += name[i].encode()
            i += 1
    return data.decode("utf-8", "surrogatepass")


def session_name(operator: str, course: str) -> str:
    """``<operator>@<course>``: the operator part as :func:`sts_name` makes it.

    The course name is ``[a-z0-9-]`` (the course file's rule) and so has no ``@``: the part
    before the last ``@`` is the operator's alone, and two operators never share a session
    name in one course. A course name too long to leave the operator ``OPERATOR_ROOM``
    characters is cut (the course is in the session tags and the ledger in full).
    """
    course = course if _COURSE.fullmatch(course) else sts_name(course)
    operator = sts_name(operator, limit=max(STS_MAX - len(course) - 1, OPERATOR_ROOM))
    return f"{operator}@{course[: STS_MAX - len(operator) - 1]}"


def source_identity(operator: str) -> str:
    """The SourceIdentity for ``operator``: never starts with ``aws:`` (``:`` is escaped)."""
    return sts_name(operator)


def tag_value(text: str) -> str:
    """A session tag value: at most 256 chars of the allowed set."""
    return _TAG_VALUE.sub("-", text)[:256]
