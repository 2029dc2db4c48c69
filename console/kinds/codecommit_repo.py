"""``codecommit_repo``: a CodeCommit repository (behaviour: ``console.steps.codecommit``)."""

from __future__ import annotations

from console.kinds.params import ParamSpec, name_param, params
from console.kinds.spec import KindSpec
from console.rules import CODECOMMIT_DESCRIPTION, CODECOMMIT_NAME

SPEC = KindSpec(
    kind="codecommit_repo",
    doc="a CodeCommit repository",
    noun="CodeCommit repository",
    service="codecommit",
    create="CreateRepository",
    actions=(
        "codecommit:CreateRepository",
        "codecommit:GetRepository",
        "codecommit:TagResource",
        "codecommit:ListTagsForResource",
        "codecommit:UpdateRepositoryDescription",
        "codecommit:DeleteRepository",
    ),
    arn="arn:{partition}:codecommit:{region}:{account}:{name}",
    tagging_type="codecommit:repository",
    cloudtrail_type="AWS::CodeCommit::Repository",
    cloudformation_type="AWS::CodeCommit::Repository",
    params=params(
        name_param(CODECOMMIT_NAME, "dojo-app"),
        ParamSpec(
            "description",
            "str",
            default="",
            doc="the repository's description",
            example='description = "The app {trainee} works on"',
            rule=CODECOMMIT_DESCRIPTION,
            placeholders=True,
        ),
    ),
)
