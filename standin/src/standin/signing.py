"""SigV4 checked as AWS checks it: the gateway recomputes each request's signature.

The canonical request is built from what arrived, exactly as botocore built it before sending:
the method; the path (S3: as sent; other services: normalized and percent-encoded once more);
the query string's pairs sorted; the headers the client named in ``SignedHeaders``, lower-cased
and trimmed; and the payload hash (``X-Amz-Content-SHA256`` when sent, else the body's SHA-256).
A presigned URL carries the same parts in its query string. A mismatch is AWS's
``SignatureDoesNotMatch`` (``InvalidSignatureException`` for JSON services), with its message.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import quote

from botocore.utils import normalize_url_path

from standin.httpserver import HttpRequest

_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]+)$"
)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation "
    "for details."
)
S3_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
# protocol -> (code, status)
MISMATCH = {
    "json": ("InvalidSignatureException", 400),
    "rest-json": ("InvalidSignatureException", 403),
    "rest-xml": ("SignatureDoesNotMatch", 403),
}
DEFAULT_MISMATCH = ("SignatureDoesNotMatch", 403)


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def _signing_key(secret: str, scope: list[str]) -> bytes:
    date, region, service = scope[1], scope[2], scope[3]
    key = _hmac(f"AWS4{secret}".encode(), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def _canonical_query(query: str, drop: str | None = None) -> str:
    pairs = []
    for pair in query.split("&") if query else []:
        key, _, value = pair.partition("=")
        if key != drop:
            pairs.append((key, value))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _canonical_headers(request: HttpRequest, names: list[str]) -> str:
    lines = []
    for name in names:
        values = [" ".join(v.split()) for k, v in request.headers if k.lower() == name]
        lines.append(f"{name}:{','.join(values)}")
    return "\n".join(lines)


def _parts(request: HttpRequest) -> tuple[str, list[str], str, str, str, str] | None:
    """(credential, signed header names, signature, timestamp, query, payload hash)."""
    match = _AUTHORIZATION.match(request.header("Authorization") or "")
    if match:
        content = request.header("X-Amz-Content-SHA256")
        payload = content or (
            hashlib.sha256(request.body).hexdigest() if request.body else EMPTY_SHA256
        )
        timestamp = request.header("X-Amz-Date") or ""
        return (
            match.group("credential"),
            match.group("headers").split(";"),
            match.group("signature"),
            timestamp,
            _canonical_query(request.query),
            payload,
        )
    params = request.query_params
    if "X-Amz-Signature" not in params:
        return None
    return (
        params.get("X-Amz-Credential", ""),
        params.get("X-Amz-SignedHeaders", "host").split(";"),
        params["X-Amz-Signature"],
        params.get("X-Amz-Date", ""),
        _canonical_query(request.query, drop="X-Amz-Signature"),
        params.get("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"),
    )


def is_sigv4(request: HttpRequest) -> bool:
    """Whether the request carries a SigV4 signature (header or presigned query)."""
    authorization = request.header("Authorization") or ""
    return authorization.startswith("AWS4-HMAC-SHA256") or "X-Amz-Signature=" in request.query


def signature_matches(request: HttpRequest, secret: str) -> bool:
    """Whether ``request`` was signed (SigV4) with ``secret``.

    SigV2 (S3's legacy presigned URLs, which boto3 still makes by default) is not checked: the
    request is taken as signed. Anything else unsigned is False.
    """
    if not is_sigv4(request):
        return bool(request.query_params.get("Signature") or request.header("Authorization"))
    parts = _parts(request)
    if parts is None:
        return False
    credential, names, signature, timestamp, query, payload = parts
    scope = credential.split("/")
    if len(scope) != 5:
        return False
    path = request.path or "/"
    if scope[3] != "s3":
        path = quote(normalize_url_path(path), safe="/~")
    canonical = "\n".join(
        [
            request.method.upper(),
            path,
            query,
            _canonical_headers(request, names) + "\n",
            ";".join(names),
            payload,
        ]
    )
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            timestamp,
            "/".join(scope[1:]),
            hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        ]
    )
    expected = hmac.new(
        _signing_key(secret, scope), string_to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature)


def mismatch(protocol: str) -> tuple[str, int, str]:
    """AWS's (code, status, message) for a bad signature in ``protocol``."""
    code, status = MISMATCH.get(protocol, DEFAULT_MISMATCH)
    return code, status, S3_MESSAGE if protocol == "rest-xml" else MESSAGE
