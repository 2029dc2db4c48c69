"""What an AWS credential looks like: the one place that knows, for the scan, the guard and the logs.

Three parts of whodidthis must recognise a credential and must agree on it: ``whoami --scan``
(finds stored keys on the host), the store's guard (refuses to write one) and the log redactor
(replaces one). They all call :func:`find_credentials`, so whatever the scan reports the guard
refuses and the redactor removes (``tests/credentials_cases.py`` holds the shared cases).

What counts, from AWS's table of unique id prefixes
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids)
and the rules of gitleaks, trufflehog and git-secrets:

* **Access key ids**: ``AKIA`` (long-term), ``ASIA`` (temporary, STS), ``ABIA`` (STS service
  bearer token), ``ACCA`` (context-specific credential) and the older ``A3T?`` ids, each followed
  by 16 upper-case letters or digits. The other prefixes (``AIDA`` user, ``AROA`` role, ``AGPA``
  group, ``AIPA`` instance profile, ``ANPA``/``ANVA`` managed policy and version, ``APKA``
  public key, ``ASCA`` certificate) name things and are not secrets: ``AROA…:session`` is a
  principal id the ledger keeps.
* **Secret access keys**: 40 characters of ``[A-Za-z0-9/+]``, either named by their assignment
  (``aws_secret_access_key = S``, ``"SecretAccessKey": "S"``, ``<secretKey>S</secretKey>``,
  ``secretKey=S``, ``aws configure set aws_secret_access_key S``) or random enough on their own
  (both cases of letters, Shannon entropy of at least 4 bits a character, not hexadecimal: a git
  commit id is 40 hex digits and never a secret; not CamelCase words, as botocore's shape
  names are).
* **Session tokens**: 100 or more base64 characters, random (both cases and digits).
* **A Jenkins-encrypted secret** (``{AQAAABAAAA…}``) under a secret's name: Jenkins decrypts it
  with the master key on the same host, so it is a stored credential all the same.
* A key id or secret **base64-encoded once** (a Kubernetes Secret's ``data:``), and a secret or
  token **URL-encoded** (``%2B``, ``%2F``: a presigned URL, a form).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from dataclasses import dataclass

# Prefixes of access key ids: each is (part of) a credential.
CREDENTIAL_PREFIXES = {
    "AKIA": "long-term access key",
    "ASIA": "temporary (STS) access key",
    "ABIA": "STS service bearer token",
    "ACCA": "context-specific credential",
    "A3T": "access key (older format)",
}
# Prefixes of unique ids that name a principal or a resource: identifiers, never secrets.
IDENTIFIER_PREFIXES = {
    "AIDA": "IAM user",
    "AROA": "IAM role",
    "AGPA": "IAM group",
    "AIPA": "EC2 instance profile",
    "ANPA": "managed policy",
    "ANVA": "managed policy version",
    "APKA": "public key",
    "ASCA": "certificate",
}

# Preceded by no id character, or by an URL-encoded "=" (``aws_access_key_id%3DAKIA...``).
KEY_ID = re.compile(
    r"(?:(?<![A-Z0-9])|(?<=%3D)|(?<=%3d))"
    r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Z0-9])"
)
# Any AWS unique id (credential or identifier): what mask_key_id may show four characters of.
_UNIQUE_ID = re.compile(r"A[A-Z0-9]{3}[A-Z0-9]{12,28}")
# Every value below is a maximal run of base64 characters, found in one pass (a regex per
# shape would read a 5 MiB file five times); the run's length says what it may be:
#   40             a secret access key. "=" around it is allowed: NAME=SECRET and SECRET= are
#                  common, and a base64 value with a 40-character body (41 or 42 long) is not.
#   100 or more    a session token (with up to two "=" of padding).
#   27 + "=", 54 + "=="   a key id (20 bytes) or a secret (40 bytes) base64-encoded once.
#   "{" 20+ "}"    Jenkins' Secret.toString(): base64 of version, IV length, IV, ciphertext.
_RUN = re.compile(r"[A-Za-z0-9/+]{20,}")
SECRET_LENGTH, TOKEN_SHORTEST = 40, 100
_BASE64_RUNS = {27: "=", 54: "=="}
SECRET_SHAPE = re.compile(r"[A-Za-z0-9/+]{40}")
_WORD_START = re.compile(r"[A-Z][a-z]{2}")
# The same runs URL-encoded: "+" as %2B, "/" as %2F (and "=" padding as %3D, left out).
_URL_ENCODED_RUN = re.compile(r"(?:[A-Za-z0-9]|%2[BbFf]|[/+]){20,}")
_URL_DECODED = re.compile(r"%2[BbFf]")
_KEY_ID_MARKS = ("AKIA", "ASIA", "ABIA", "ACCA", "A3T")
# The name of an assignment just before a value, in every common syntax: NAME=V, NAME: V,
# "NAME": "V", <NAME>V, NAME => V, NAME := V, NAME V (aws configure set, setx, setenv).
_NAME_BEFORE = re.compile(r"""([A-Za-z][A-Za-z0-9_.\-]*)["']?\s*(?:=>|:=|[=:>,]|\s)\s*["'{]?$""")
_NAME_LOOKBACK = 80  # characters before a value where its name may be
# Where the value is a "value" (XML configuration: .NET's App.config, Hadoop's core-site.xml,
# Spring beans), its name is the key or name just before, on the line or the one above.
_NAME_OF_VALUE = re.compile(r"""(?:<name>\s*|\b(?:key|name)\s*=\s*["'])([A-Za-z][\w.\-]*)""")
_VALUE_LOOKBACK = 200

# A name is normalised (lower case, letters and digits only) and matched by its ending, so
# aws_secret_access_key, SecretAccessKey, aws-secret-access-key, AWS.secretKey all count.
SECRET_NAME_ENDINGS = ("secretaccesskey", "secretkey", "awssecret", "secretaccess")
TOKEN_NAME_ENDINGS = ("sessiontoken", "securitytoken")

SECRET_ENTROPY_FLOOR = 4.0  # bits a character; 200,000 random secrets: lowest 4.16
NAMED_ENTROPY_FLOOR = 3.0  # a named value only has to be more than a placeholder (xxxx…)

ACCESS_KEY_ID = "access key id"
SECRET_ACCESS_KEY = "secret access key"
SESSION_TOKEN = "session token"
ENCRYPTED_SECRET = "secret access key (Jenkins-encrypted)"


@dataclass(frozen=True)
class Credential:
    """One credential-shaped span of a text. It holds offsets, never the value itself."""

    start: int
    end: int
    kind: str  # ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN or ENCRYPTED_SECRET
    named: bool = False  # found under a credential's assignment name


def mask_key_id(key_id: str | None) -> str | None:
    """``AKIAIOSFODNN7EXAMPLE`` -> ``AKIA****MPLE``: enough to recognise a key, not to use it.

    Only an AWS id is shown in part; anything else (a secret put where a key id belongs, a
    typo) becomes ``****``, so not one character of a secret is ever shown.
    """
    if not key_id:
        return None
    if not _UNIQUE_ID.fullmatch(key_id):
        return "****"
    return f"{key_id[:4]}****{key_id[-4:]}"


def normalised_name(name: str) -> str:
    """``aws_secret_access_key`` and ``SecretAccessKey`` -> ``awssecretaccesskey``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def names_a_secret(name: str) -> bool:
    """Whether an assignment or field of this name can only hold a secret or a session token."""
    return normalised_name(name).endswith(SECRET_NAME_ENDINGS + TOKEN_NAME_ENDINGS)


def entropy(text: str) -> float:
    """Shannon entropy in bits a character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_random(
    candidate: str, floor: float = SECRET_ENTROPY_FLOOR, *, named: bool = False
) -> bool:
    """A secret or token mixes both cases and has the entropy of random bytes.

    Hexadecimal (git commit ids, digests) has one case only, words and paths repeat letters,
    and CamelCase names (``RedshiftIdcApplicationAlreadyExistsFault``: half of botocore's
    40-character shape names pass the entropy floor) start each word with a capital. A value
    under a secret's name (``named``) only has to be more than a placeholder: the floor is
    lower and words are not held against it.
    """
    return (
        any(c.isupper() for c in candidate)
        and any(c.islower() for c in candidate)
        and entropy(candidate) >= (NAMED_ENTROPY_FLOOR if named else floor)
        and (named or not camel_case_words(candidate))
    )


def camel_case_words(candidate: str) -> bool:
    """Whether ``candidate`` reads as CamelCase words: most capitals begin a word (a capital and
    two lower-case letters) and hardly a digit or ``/`` ``+`` is in it.

    Measured: of 2,000,000 random 40-character secrets above the entropy floor, 12 pass for
    words (6 in a million; under a secret's name they are still found, and a key id in the
    same file is still reported, as half a credential);
    of botocore's 450 CamelCase shape names of 40 characters above the floor, all but 6
    acronym-heavy ones (``UpdateTLSInspectionConfigurationResponse``) are words.
    """
    capitals = sum(c.isupper() for c in candidate)
    if capitals < 3:
        return False
    starts = len(_WORD_START.findall(candidate))
    others = sum(not c.isalpha() for c in candidate)
    return (starts >= 0.6 * capitals and others <= 1) or (starts >= 0.75 * capitals and others <= 2)


def find_credentials(text: str) -> list[Credential]:
    """Every credential-shaped span of ``text``, in order: the verdict the scan, guard and
    redactor share.

    A value split over two lines with a backslash line continuation (a shell script, a
    Dockerfile) is found too, its span covering both parts."""
    found = _find_in(text)
    if "\\\n" in text:
        found += _across_continuations(text)
    return sorted(found, key=lambda credential: credential.start)


def _find_in(text: str) -> list[Credential]:
    found = []
    if any(mark in text for mark in _KEY_ID_MARKS):
        found = [Credential(m.start(), m.end(), ACCESS_KEY_ID) for m in KEY_ID.finditer(text)]
    for run in _RUN.finditer(text):
        start = _after_url_equals(text, run.start())
        credential = _credential_in_run(text, start, run.end())
        if credential:
            found.append(credential)
    if "%2" in text:
        found.extend(_url_encoded(text))
    return found


_CONTINUATION = re.compile(r"\\\r?\n")


def _across_continuations(text: str) -> list[Credential]:
    """Credentials that only appear once ``\\`` + newline is joined, mapped back to ``text``."""
    cuts: list[tuple[int, int]] = []  # (index in the joined text, characters removed before)
    parts, last, removed, length = [], 0, 0, 0
    for match in _CONTINUATION.finditer(text):
        parts.append(text[last : match.start()])
        length += match.start() - last
        removed += match.end() - match.start()
        cuts.append((length, removed))
        last = match.end()
    parts.append(text[last:])
    joined = "".join(parts)

    def original(index: int) -> int:
        shift = 0
        for at, total in cuts:
            if at <= index:
                shift = total
        return index + shift

    found = []
    for credential in _find_in(joined):
        if any(credential.start < at < credential.end for at, _ in cuts):
            start, end = original(credential.start), original(credential.end - 1) + 1
            found.append(Credential(start, end, credential.kind, credential.named))
    return found


def without_continuations(value: str) -> str:
    """A found value with its backslash line continuations taken out (as the shell reads it)."""
    return _CONTINUATION.sub("", value) if "\\" in value else value


def _after_url_equals(text: str, start: int) -> int:
    """A run starting ``3D`` right after ``%`` is an URL-encoded ``=`` and its value: the value
    starts two characters later (``aws_secret_access_key%3DSECRET`` in a URL or a form)."""
    if start and text[start - 1] == "%" and text[start : start + 2] in ("3D", "3d"):
        return start + 2
    return start


def _url_encoded(text: str) -> list[Credential]:
    """Secrets and tokens URL-encoded (a presigned URL's ``X-Amz-Security-Token``, a form)."""
    found = []
    for run in _URL_ENCODED_RUN.finditer(text):
        begin = _after_url_equals(text, run.start())
        raw = text[begin : run.end()]
        if "%2" not in raw:
            continue  # a plain run: found as it is
        value = _URL_DECODED.sub(lambda m: "+" if m.group()[2] in "Bb" else "/", raw)
        if len(value) == SECRET_LENGTH and looks_random(value):
            named = _named_before(text, begin, SECRET_NAME_ENDINGS)
            found.append(Credential(begin, run.end(), SECRET_ACCESS_KEY, named))
        elif len(value) >= TOKEN_SHORTEST and looks_random(value):
            named = _named_before(text, begin, TOKEN_NAME_ENDINGS)
            found.append(Credential(begin, run.end(), SESSION_TOKEN, named))
    return found


def _credential_in_run(text: str, start: int, end: int) -> Credential | None:
    """The secret, token, encrypted or encoded credential a run of base64 characters is."""
    length = end - start
    if length == SECRET_LENGTH:
        named = _named_before(text, start, SECRET_NAME_ENDINGS + TOKEN_NAME_ENDINGS)
        if looks_random(text[start:end], named=named):
            return Credential(start, end, SECRET_ACCESS_KEY, named)
    padded = end + _padding(text, end)
    braced = start and text[start - 1] == "{" and text[padded : padded + 1] == "}"
    if braced and _named_before(text, start, SECRET_NAME_ENDINGS):
        return Credential(start - 1, padded + 1, ENCRYPTED_SECRET, True)
    if length >= TOKEN_SHORTEST:
        value = text[start:end]
        if looks_random(value) and any(c.isdigit() for c in value):
            named = _named_before(text, start, TOKEN_NAME_ENDINGS)
            return Credential(start, padded, SESSION_TOKEN, named)
    if _BASE64_RUNS.get(length) == text[end:padded]:
        kind = _base64_credential(text[start:padded])
        if kind:
            return Credential(start, padded, kind, _named_before(text, start, SECRET_NAME_ENDINGS))
    return None


def _padding(text: str, end: int) -> int:
    """How many "=" (at most two) follow ``end``; three or more are no base64 padding."""
    count = 0
    while count < 3 and text[end + count : end + count + 1] == "=":
        count += 1
    return count if count < 3 else 0


def _named_before(text: str, start: int, endings: tuple[str, ...]) -> bool:
    """Whether the value at ``start`` is assigned to a name with one of these endings."""
    line_start = text.rfind("\n", max(0, start - _NAME_LOOKBACK), start) + 1
    before = text[max(line_start, start - _NAME_LOOKBACK) : start]
    if before[-3:] in ("%3D", "%3d"):  # NAME%3DVALUE: an URL-encoded assignment
        before = before[:-3] + "="
    match = _NAME_BEFORE.search(before)
    if not match:
        return False
    name = match.group(1)
    if name.lower() == "value":  # <add key="NAME" value="V"/>, <name>NAME</name><value>V
        names = _NAME_OF_VALUE.findall(text, max(0, start - _VALUE_LOOKBACK), start)
        name = names[-1] if names else name
    return normalised_name(name).endswith(endings)


def _base64_credential(candidate: str) -> str | None:
    """The kind of credential ``candidate`` encodes in base64, if it encodes one."""
    try:
        decoded = base64.b64decode(candidate, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if KEY_ID.fullmatch(decoded):
        return ACCESS_KEY_ID
    if SECRET_SHAPE.fullmatch(decoded) and looks_random(decoded):
        return SECRET_ACCESS_KEY
    return None
