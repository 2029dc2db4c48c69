"""The step kinds, as data: one ``KindSpec`` per kind, in the order the reference lists them.

Every table that varies by kind is derived from ``KINDS``: the course schema's ``STEP_KINDS``,
``ManageEnvRole``'s ``STEP_ACTIONS`` and ``BUILD_SERVICES``, the sweep's ``DELETABLE``, the
report's ``PRIMARY_CREATE``, the trace's ``CLOUDTRAIL_TYPE`` and the demo's ARNs. Adding a kind
is a module here (its ``SPEC``, listed below), its behaviour class in ``console.steps`` and its
tests; ``tests/unit/test_step_specs.py`` fails while any of them is missing.

This package sits just above ``console.model``: it imports nothing of the course, the AWS layer
or the engine, so every one of them may read it.
"""

from __future__ import annotations

from console.kinds import (
    cloudformation_stack,
    codecommit_repo,
    eks_cluster,
    iam_user,
    s3_bucket,
)
from console.kinds.spec import KindSpec

KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        iam_user.SPEC,
        codecommit_repo.SPEC,
        s3_bucket.SPEC,
        eks_cluster.SPEC,
        cloudformation_stack.SPEC,
    )
}
"""Every step kind by its name."""

__all__ = ["KINDS", "KindSpec"]
