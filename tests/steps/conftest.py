"""Step tests run against the sandbox (tests/conftest.py) over HTTP; nothing is patched."""

from contextlib import AsyncExitStack

import pytest

from tests.steps.world import open_world


@pytest.fixture
async def world(sandbox):
    """The first trainee's world: assumed-role clients, a ledger, a backdoor (see world.py)."""
    async with AsyncExitStack() as stack:
        yield await open_world(sandbox, stack)
