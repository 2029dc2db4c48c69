"""The course's step kinds. ``STEPS[kind]`` is the implementation of a kind."""

from __future__ import annotations

from console.steps.base import StepKind


def registry() -> dict[str, StepKind]:
    """Every step kind by name (imported lazily: the CLI's fast paths never load them)."""
    from console.steps.cfn import CloudFormationStack
    from console.steps.codecommit import CodeCommitRepo
    from console.steps.eks import EksCluster
    from console.steps.iam_user import IamUser
    from console.steps.s3 import S3Bucket

    kinds = (IamUser(), CodeCommitRepo(), S3Bucket(), EksCluster(), CloudFormationStack())
    return {kind.kind: kind for kind in kinds}
