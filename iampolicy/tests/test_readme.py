"""The README's API example runs and says what the README says it does."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def test_the_readme_example_runs_as_written():
    block = re.search(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    assert block is not None
    names: dict = {}
    exec(compile(block.group(1), str(README), "exec"), names)  # the README's own example
    assert names["answer"].allowed
    refused = names["refused"]
    assert (refused.decision.value, refused.refused_by) == ("implicitDeny", "resource")
    assert [r.describe() for r in refused.resource.blocked] == [
        "statement #1 (condition StringEquals sts:ExternalId does not hold)"
    ]
