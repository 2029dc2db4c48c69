"""``cloudformation_stack``: a template deployed per trainee (behaviour: ``console.steps.cfn``)."""

from __future__ import annotations

from console.kinds.params import ParamSpec, name_param, params
from console.kinds.spec import KindSpec
from console.rules import STACK_NAME, STACK_PARAMETER_KEY

CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")

SPEC = KindSpec(
    kind="cloudformation_stack",
    doc="a template deployed per trainee",
    noun="CloudFormation stack",
    service="cloudformation",
    create="CreateStack",
    # The stack's own calls; what its template's resources need comes from the template.
    actions=(
        "cloudformation:CreateStack",
        "cloudformation:UpdateStack",
        "cloudformation:DescribeStacks",
        "cloudformation:DescribeStackEvents",
        "cloudformation:GetTemplate",
        "cloudformation:DeleteStack",
    ),
    arn="arn:{partition}:cloudformation:{region}:{account}:stack/{name}/{id}",
    tagging_type="cloudformation:stack",
    cloudtrail_type="AWS::CloudFormation::Stack",
    cloudformation_type="AWS::CloudFormation::Stack",
    params=params(
        name_param(STACK_NAME, "dojo-{trainee}-network"),
        ParamSpec(
            "template",
            "str",
            True,
            doc="the template file, relative to the course file (no placeholders)",
            example='template = "templates/network.yaml"',
        ),
        ParamSpec(
            "parameters",
            "table[str, str]",
            default={},
            doc="the template's parameters (values may use placeholders)",
            example='parameters = { Owner = "{trainee}" }',
            placeholders=True,
            key_rule=STACK_PARAMETER_KEY,
        ),
        ParamSpec(
            "capabilities",
            "list[str]",
            default=[],
            doc="what the template may create that needs acknowledging",
            example='capabilities = ["CAPABILITY_NAMED_IAM"]',
            choices=CAPABILITIES,
        ),
    ),
    template_param="template",
)
