"""SSM Session Manager sessions of the sandbox's instance, for ``ssm:DescribeSessions``.

moto's SSM has no sessions. On AWS, opening a session (``ssm:StartSession``) makes one Active
session whose ``Owner`` is the IAM principal who opened it; the SSM agent on the instance then
starts an ``ssm-session-worker`` for it. A test (or an instructor trying the sandbox) registers
a session here, through ``Sandbox.open_ssm_session`` or ``POST /_sandbox/ssm-sessions``, and
starts its stand-in worker process; ``DescribeSessions`` answers as AWS does, in AWS's shape,
and only in the instance's own region (SSM is regional). Each session opened or terminated is a
``StartSession`` or ``TerminateSession`` record in the owner's CloudTrail (``on_record``).

Session ids are minted as the service mints them today: the owner's name, a dash, and 26
lowercase base-36 characters (``root-ekp6rf9qs5arzcjxsndyvboavi``); AWS's doc examples show an
older hex suffix (``John-07a16060613c408b5``); botocore's ``SessionId`` allows up to 96.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from standin.httpserver import HttpResponse
from standin.principals import Principal
from standin.protocols import Call, error_response, json_response

ACTIVE = ("Connected", "Connecting", "Disconnected", "Terminating")
PAGE = 200
_BASE36 = string.digits + string.ascii_lowercase
SUFFIX_LENGTH = 26


def new_session_id(owner: str) -> str:
    """``ann-ekp6rf9qs5arzcjxsndyvboavi``: the owner's name and a base-36 suffix, at most 96."""
    name = owner.rsplit("/", 1)[-1] or "session"
    suffix = "".join(secrets.choice(_BASE36) for _ in range(SUFFIX_LENGTH))
    return f"{name[: 96 - SUFFIX_LENGTH - 1]}-{suffix}"


@dataclass(frozen=True)
class SsmSession:
    """One session, as ``DescribeSessions`` lists it."""

    SessionId: str
    Target: str
    Owner: str
    Status: str = "Connected"
    StartDate: float = 0.0
    DocumentName: str = "SSM-SessionManagerRunShell"
    region: str = field(default="", compare=False)  # where it lives; not in AWS's answer

    def shown(self) -> dict:
        """The session as DescribeSessions lists it."""
        return {k: v for k, v in asdict(self).items() if k != "region"}


class SsmSessions:
    """The sessions the sandbox knows, by id (thread-safe)."""

    def __init__(self, region: str = "", on_record: Callable[..., None] | None = None) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, SsmSession] = {}
        self.region = region  # the instance's region, where its sessions live
        self._on_record = on_record  # CloudTrail's StartSession / TerminateSession records

    def open(
        self,
        owner: str,
        target: str,
        session_id: str | None = None,
        document: str = "SSM-SessionManagerRunShell",
    ) -> SsmSession:
        """Register an Active session of ``owner`` on ``target``; its id is made like AWS's."""
        session = SsmSession(
            session_id or new_session_id(owner),
            target,
            owner,
            "Connected",
            time.time(),
            document,
            self.region,
        )
        with self._lock:
            self._sessions[session.SessionId] = session
        if self._on_record is not None:
            self._on_record(owner, target, session.SessionId, self.region, document=document)
        return session

    def terminate(self, session_id: str) -> None:
        """End a session: it leaves the Active list, as on AWS."""
        with self._lock:
            found = self._sessions.get(session_id)
            if found is not None:
                self._sessions[session_id] = SsmSession(**{**asdict(found), "Status": "Terminated"})
        if found is not None and self._on_record is not None:
            self._on_record(found.Owner, found.Target, session_id, found.region, terminate=True)

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()

    def listing(self) -> list[dict]:
        with self._lock:
            return [s.shown() for s in self._sessions.values()]

    def answer(self, call: Call, caller: Principal, request_id: str) -> HttpResponse | None:
        """``ssm:DescribeSessions`` from the registered sessions; None for any other call."""
        if call.service != "ssm" or call.operation != "DescribeSessions":
            return None
        body = call.json_body if isinstance(call.json_body, dict) else {}
        state = body.get("State")
        if state not in ("Active", "History"):
            return error_response(
                call,
                "ValidationException",
                "1 validation error detected: Value at 'state' failed to satisfy constraint: "
                "Member must satisfy enum value set: [Active, History]",
                400,
                request_id,
            )
        wanted = {f.get("key"): f.get("value") for f in body.get("Filters") or []}
        with self._lock:
            found = [
                s.shown()
                for s in self._sessions.values()
                if (s.Status in ACTIVE) == (state == "Active")
                and (not s.region or s.region == call.region)  # SSM is regional
                and all(_matches(s, key, value) for key, value in wanted.items())
            ]
        start = int(body.get("NextToken") or 0)
        size = min(int(body.get("MaxResults") or PAGE), PAGE)
        payload: dict = {"Sessions": found[start : start + size]}
        if start + size < len(found):
            payload["NextToken"] = str(start + size)
        return json_response(call, payload, request_id)


def _matches(session: SsmSession, key: str | None, value: str | None) -> bool:
    field = {"Target": "Target", "Owner": "Owner", "SessionId": "SessionId", "Status": "Status"}
    return key not in field or getattr(session, field[key]) == value
