"""Faults the gateway injects on demand: latency, throttling, chosen errors, short credentials.

A ``FaultPlan`` is shared by the gateway's threads and changed while requests flow (from tests,
from ``/_sandbox/faults`` or from CLI flags), so every read and write takes its lock. Randomness
comes from one seeded RNG, so a test that sets a seed sees the same throttling sequence each run
(given the same order of requests).
"""

from __future__ import annotations

import copy
import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

from standin.policy import wildcard_match

ALL_SERVICES = "*"


@dataclass
class ErrorRule:
    """An error to answer instead of the real response.

    Attributes:
        code: the AWS error code (``AccessDenied``, ``InternalFailure``...).
        message: the error message.
        status: the HTTP status.
        account: only requests by this account, or (AssumeRole) into it.
        service: only this service (signing name, e.g. ``codecommit``).
        operation: only this operation (e.g. ``CreateRepository``).
        principal: only callers whose ARN matches this (``*`` wildcards allowed).
        first: only the first ``first`` matching attempts fail; later ones pass.
        after: the first ``after`` matching attempts pass untouched; ``first`` counts from
            there (the 2nd..11th DescribeStacks: ``after=1, first=10``).
        after_applying: serve the request first, then answer the error instead of its
            answer: the call took effect and the answer was lost (a 500 after CreateStack
            succeeded), so the caller's retry meets what its first attempt made.
        seen: matching attempts so far.
    """

    code: str
    message: str
    status: int = 400
    account: str | None = None
    service: str | None = None
    operation: str | None = None
    principal: str | None = None
    first: int | None = None
    seen: int = 0
    after: int = 0
    after_applying: bool = False

    def matches(
        self, accounts: set[str], service: str | None, operation: str | None, principal: str | None
    ) -> bool:
        """True when a request with these attributes falls under this rule."""
        if self.account is not None and self.account not in accounts:
            return False
        if self.service is not None and self.service != service:
            return False
        if self.operation is not None and self.operation != operation:
            return False
        return self.principal is None or (
            principal is not None and wildcard_match(self.principal, principal)
        )


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


class FaultPlan:
    """The live, thread-safe set of faults. Everything off by default."""

    def __init__(
        self, seed: int = 0, latency_ms: float = 0.0, jitter_ms: float = 0.0, throttle: float = 0.0
    ):
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._latency_ms = float(latency_ms)
        self._jitter_ms = float(jitter_ms)
        self._throttle: dict[str, float] = {ALL_SERVICES: float(throttle)} if throttle else {}
        self._errors: list[ErrorRule] = []
        self._credential_lifetime: int | None = None
        self._tag_index_lag = 0.0

    # -- changing the plan -------------------------------------------------------------------

    def set_latency(self, ms: float, jitter_ms: float = 0.0) -> None:
        """Delay every request by ``ms`` plus a uniform random 0..``jitter_ms``."""
        with self._lock:
            self._latency_ms, self._jitter_ms = float(ms), float(jitter_ms)

    def set_throttle(self, p: float, service: str | None = None) -> None:
        """Throttle a fraction ``p`` of requests to ``service`` (None: every service)."""
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"throttle probability must be within 0..1, got {p}")
        with self._lock:
            self._throttle[service or ALL_SERVICES] = float(p)

    def add_error(
        self,
        code: str,
        message: str,
        status: int = 400,
        account: str | None = None,
        service: str | None = None,
        operation: str | None = None,
        principal: str | None = None,
        first: int | None = None,
        after: int = 0,
        after_applying: bool = False,
    ) -> ErrorRule:
        """Answer matching requests with this error (only the first ``first`` when given,
        after letting the first ``after`` pass)."""
        rule = ErrorRule(
            code,
            message,
            int(status),
            account,
            service,
            operation,
            principal,
            None if first is None else int(first),
            after=int(after),
            after_applying=bool(after_applying),
        )
        with self._lock:
            self._errors.append(rule)
        return rule

    def set_credential_lifetime(self, seconds: int | None) -> None:
        """Sessions issued from now on expire after ``seconds`` (None: as requested)."""
        with self._lock:
            self._credential_lifetime = None if seconds is None else int(seconds)

    def set_tag_index_lag(self, seconds: float) -> None:
        """Deleted resources stay listed by the Tagging API's GetResources this long."""
        with self._lock:
            self._tag_index_lag = max(0.0, float(seconds))

    @property
    def tag_index_lag(self) -> float:
        """Seconds a deleted resource stays in the Tagging API's index (0: none)."""
        with self._lock:
            return self._tag_index_lag

    def clear(self) -> None:
        """Remove every fault and reseed the RNG."""
        with self._lock:
            self._apply({"seed": self._seed}, reseed=True)

    # -- the JSON form used by /_sandbox/faults ---------------------------------------------

    def snapshot(self) -> dict:
        """The plan as JSON-ready data."""
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> dict:
        return {
            "seed": self._seed,
            "latency_ms": self._latency_ms,
            "jitter_ms": self._jitter_ms,
            "throttle": dict(self._throttle),
            "errors": [asdict(rule) for rule in self._errors],
            "credential_lifetime": self._credential_lifetime,
            "tag_index_lag": self._tag_index_lag,
        }

    def replace(self, document: dict) -> dict:
        """Replace the whole plan with ``document`` (missing keys: off); returns the new plan."""
        with self._lock:
            self._apply(document, reseed=True)
            return self._snapshot()

    def merge(self, patch: dict) -> dict:
        """Apply a JSON merge patch to the plan; returns the new plan."""
        with self._lock:
            self._apply(_merge_patch(self._snapshot(), patch), reseed="seed" in patch)
            return self._snapshot()

    def _apply(self, document: dict, reseed: bool) -> None:
        """Validate everything first, so a bad document changes nothing."""
        seed = int(document.get("seed", 0))
        latency = float(document.get("latency_ms", 0.0))
        jitter = float(document.get("jitter_ms", 0.0))
        throttle = {str(k): float(v) for k, v in (document.get("throttle") or {}).items()}
        if any(not 0.0 <= p <= 1.0 for p in throttle.values()):
            raise ValueError("throttle probabilities must be within 0..1")
        errors = [ErrorRule(**copy.deepcopy(rule)) for rule in document.get("errors") or []]
        lifetime = document.get("credential_lifetime")
        lag = max(0.0, float(document.get("tag_index_lag") or 0.0))
        if reseed:
            self._rng = random.Random(seed)
        self._seed, self._latency_ms, self._jitter_ms = seed, latency, jitter
        self._throttle, self._errors = throttle, errors
        self._credential_lifetime = None if lifetime is None else int(lifetime)
        self._tag_index_lag = lag

    # -- decisions, one per request ----------------------------------------------------------

    def delay_seconds(self) -> float:
        """How long to hold this request."""
        with self._lock:
            jitter = self._rng.uniform(0, self._jitter_ms) if self._jitter_ms else 0.0
            return (self._latency_ms + jitter) / 1000.0

    def should_throttle(self, service: str | None) -> bool:
        """Whether to throttle this request to ``service``."""
        with self._lock:
            p = self._throttle.get(service or "", self._throttle.get(ALL_SERVICES, 0.0))
            return p > 0 and self._rng.random() < p

    def error_for(
        self, accounts: set[str], service: str | None, operation: str | None, principal: str | None
    ) -> ErrorRule | None:
        """The first rule that fails this request (counting the attempt), or None."""
        with self._lock:
            for rule in self._errors:
                if not rule.matches(accounts, service, operation, principal):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.first is None or rule.seen - rule.after <= rule.first:
                    return copy.copy(rule)
            return None

    @property
    def credential_lifetime(self) -> int | None:
        """Seconds sessions issued now should live, or None to leave them as requested."""
        with self._lock:
            return self._credential_lifetime
