"""SSM Session Manager sessions of the sandbox's instance, for ``ssm:DescribeSessions``.

moto's SSM has no sessions. On AWS, opening a session (``ssm:StartSession``) makes one Active
session whose ``Owner`` is the IAM principal who opened it; the SSM agent on the instance then
starts an ``ssm-session-worker`` for it. A test (or an instructor trying the sandbox) registers
a session here, through ``Sandbox.open_ssm_session`` or ``POST /_sandbox/ssm-sessions``, and
starts its stand-in worker process; ``DescribeSessions`` answers as AWS does, in AWS's shape.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import asdict, dataclass

from standin.httpserver import HttpResponse
from standin.principals import Principal
from standin.protocols import Call, error_response, json_response

ACTIVE = ("Connected", "Connecting", "Disconnected", "Terminating")
PAGE = 200


@dataclass(frozen=True)
class SsmSession:
    """One session, as ``DescribeSessions`` lists it."""

    SessionId: str
    Target: str
    Owner: str
    Status: str = "Connected"
    StartDate: float = 0.0
    DocumentName: str = "SSM-SessionManagerRunShell"


class SsmSessions:
    """The sessions the sandbox knows, by id (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, SsmSession] = {}

    def open(self, owner: str, target: str, session_id: str | None = None) -> SsmSession:
        """Register an Active session of ``owner`` on ``target``; its id is made like AWS's."""
        name = owner.rsplit("/", 1)[-1] or "session"
        session = SsmSession(
            session_id or f"{name}-{secrets.token_hex(9)[:17]}", target, owner, "Connected"
        )
        session = SsmSession(**{**asdict(session), "StartDate": time.time()})
        with self._lock:
            self._sessions[session.SessionId] = session
        return session

    def terminate(self, session_id: str) -> None:
        """End a session: it leaves the Active list, as on AWS."""
        with self._lock:
            found = self._sessions.get(session_id)
            if found is not None:
                self._sessions[session_id] = SsmSession(**{**asdict(found), "Status": "Terminated"})

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()

    def listing(self) -> list[dict]:
        with self._lock:
            return [asdict(s) for s in self._sessions.values()]

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
                asdict(s)
                for s in self._sessions.values()
                if (s.Status in ACTIVE) == (state == "Active")
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
