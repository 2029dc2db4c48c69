"""What the ledger says of a call that got no answer (issue 14, item 4)."""

import pytest
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ProxyConnectionError,
    ReadTimeoutError,
)

from console.aws.attribution import unanswered_outcome
from console.model import Outcome

URL = "https://iam.amazonaws.com/"


@pytest.mark.parametrize(
    "exception",
    [
        EndpointConnectionError(endpoint_url=URL),
        ConnectTimeoutError(endpoint_url=URL),
        ProxyConnectionError(proxy_url="http://proxy:3128"),
    ],
)
def test_no_connection_means_aws_never_saw_the_call(exception):
    assert unanswered_outcome(exception) is Outcome.ERROR


@pytest.mark.parametrize(
    "exception",
    [ReadTimeoutError(endpoint_url=URL), ConnectionClosedError(endpoint_url=URL)],
)
def test_a_lost_answer_leaves_the_call_in_doubt(exception):
    assert unanswered_outcome(exception) is Outcome.UNKNOWN
