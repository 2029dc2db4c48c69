"""An IMDSv2 endpoint serving the host's instance-profile credentials, as EC2 does.

``PUT /latest/api/token`` (with ``X-aws-ec2-metadata-token-ttl-seconds``) returns a session
token; every GET must carry a live one in ``X-aws-ec2-metadata-token`` or gets 401. The role's
credentials are AdminEnvRole's in the admin account, session name the instance id, issued in moto
directly (like EC2 does) and replaced when less than 20 minutes remain (so a test lifetime under
20 minutes gets fresh credentials on every fetch). botocore's default chain, pointed here by
``AWS_EC2_METADATA_SERVICE_ENDPOINT``, resolves them with ``method == "iam-role"``.

``refuse_token`` makes it an endpoint whose token request is refused (403, as a proxy or a
container hop limit makes it): botocore then falls back to IMDSv1, GETs without a token, which
are served. ``served`` counts the GETs answered by version, so a test can tell which was used.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from standin import moto_state
from standin.httpserver import HttpRequest, HttpResponse

MAX_TOKEN_TTL = 21600
REFRESH_MARGIN = timedelta(minutes=20)
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"

Issuer = Callable[[int], Any]  # lifetime seconds -> moto AssumedRole


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(status: int, body: str, content_type: str = "text/plain") -> HttpResponse:
    return HttpResponse(status, [("Content-Type", content_type)], body.encode())


class InstanceMetadata:
    """The request handler for the IMDS server (thread-safe).

    Args:
        issue: assumes the host role in moto for the given lifetime (seconds).
        instance_id: the emulated instance's id, also the role session name.
        region: the instance's region.
        role_name: the instance profile's role.
        instance_profile_arn: reported by ``iam/info``.
        lifetime: seconds each credential set lives.
    """

    def __init__(
        self,
        issue: Issuer,
        instance_id: str,
        region: str,
        role_name: str,
        instance_profile_arn: str,
        lifetime: int = 21600,
    ):
        self._issue = issue
        self.instance_id = instance_id
        self.region = region
        self.role_name = role_name
        self.instance_profile_arn = instance_profile_arn
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # token -> monotonic deadline
        self._session: Any = None
        self._updated = datetime.now(UTC)
        self.refuse_token = False
        self.served = {1: 0, 2: 0}  # IMDS version -> GETs answered

    def reset(self) -> None:
        """Drop the cached credentials (after moto was reset) and every token."""
        with self._lock:
            self._session = None
            self._tokens.clear()
            self.served = {1: 0, 2: 0}

    def _credentials(self) -> tuple[Any, datetime]:
        """The current session, replaced when little of its lifetime remains."""
        with self._lock:
            now = datetime.now(UTC)
            remaining = moto_state.as_utc(self._session.expiration) - now if self._session else None
            if remaining is None or remaining < REFRESH_MARGIN:
                self._session = self._issue(self.lifetime)
                self._updated = now
            return self._session, self._updated

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Serve one IMDS request."""
        if request.header("X-Forwarded-For"):
            return _text(403, "Forbidden")  # IMDSv2 refuses anything that went through a proxy
        if request.path == "/latest/api/token":
            if self.refuse_token:
                return _text(403, "Forbidden")
            return self._token(request) if request.method == "PUT" else _text(405, "")
        if request.method != "GET":
            return _text(405, "")
        token = request.header("X-aws-ec2-metadata-token")
        version = 2 if token else 1
        if not (self._token_valid(token) or (version == 1 and self.refuse_token)):
            return _text(401, "")
        with self._lock:
            self.served[version] += 1
        return self._metadata(request.path)

    def _token(self, request: HttpRequest) -> HttpResponse:
        try:
            ttl = int(request.header("X-aws-ec2-metadata-token-ttl-seconds") or "")
        except ValueError:
            return _text(400, "")
        if not 1 <= ttl <= MAX_TOKEN_TTL:
            return _text(400, "")
        token = secrets.token_urlsafe(42)
        with self._lock:
            self._tokens[token] = time.monotonic() + ttl
        return HttpResponse(
            200,
            [("Content-Type", "text/plain"), ("X-aws-ec2-metadata-token-ttl-seconds", str(ttl))],
            token.encode(),
        )

    def _token_valid(self, token: str | None) -> bool:
        if not token:
            return False
        with self._lock:
            deadline = self._tokens.get(token)
            return deadline is not None and time.monotonic() < deadline

    def _metadata(self, path: str) -> HttpResponse:
        static = {
            "/latest/meta-data/instance-id": self.instance_id,
            "/latest/meta-data/placement/region": self.region,
            "/latest/meta-data/placement/availability-zone": self.region + "a",
            CREDENTIALS_PATH: self.role_name,
            CREDENTIALS_PATH.rstrip("/"): self.role_name,
        }
        key = path if path in static else path.rstrip("/")
        if key in static:
            return _text(200, static[key])
        if key == CREDENTIALS_PATH + self.role_name:
            return self._credentials_document()
        if key == "/latest/meta-data/iam/info":
            return self._info_document()
        return _text(404, "")

    def _credentials_document(self) -> HttpResponse:
        session, updated = self._credentials()
        document = {
            "Code": "Success",
            "LastUpdated": _iso(updated),
            "Type": "AWS-HMAC",
            "AccessKeyId": session.access_key_id,
            "SecretAccessKey": session.secret_access_key,
            "Token": session.session_token,
            "Expiration": _iso(moto_state.as_utc(session.expiration)),
        }
        return _text(200, json.dumps(document, indent=2), "text/plain")

    def _info_document(self) -> HttpResponse:
        document = {
            "Code": "Success",
            "LastUpdated": _iso(self._updated),
            "InstanceProfileArn": self.instance_profile_arn,
            "InstanceProfileId": "AIPA" + secrets.token_hex(8).upper(),
        }
        return _text(200, json.dumps(document, indent=2), "text/plain")
