"""Retries made visible: each limit or throttling answer botocore is about to retry is said.

botocore's standard and adaptive modes retry throttling and limit errors on their own
(``botocore/retries/standard.py``: ``LimitExceededException``, ``Throttling``,
``TooManyRequestsException``, ... are its throttled codes), silently: an EKS CreateCluster
refused with ``LimitExceededException`` for a minute looked like a hung row. ``announce_retries``
hooks the client's ``needs-retry`` event, which sees every answer before the retry handler
decides, and says each such answer as it happens.
"""

from __future__ import annotations

from collections.abc import Callable

# botocore's throttled error codes (botocore/retries/standard.py, ``_THROTTLED_ERROR_CODES``).
LIMIT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)


def announce_retries(client, say: Callable[[str], None]) -> None:
    """Call ``say`` with a line for each limit or throttling answer the client receives.

    Args:
        client: an (aio)botocore client.
        say: e.g. the trainee row's last action.
    """
    service = client.meta.service_model.service_name

    def heard(response, operation, attempts, **_):
        if response is None:
            return None
        code = (response[1].get("Error") or {}).get("Code")
        if code in LIMIT_CODES:
            say(
                f"AWS answered {code} to {service} {operation.name} (attempt {attempts}); "
                "botocore retries it with backoff"
            )
        return None  # never decides a retry: botocore's own handler does

    client.meta.events.register_first("needs-retry", heard)
