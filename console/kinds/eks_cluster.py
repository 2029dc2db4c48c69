"""``eks_cluster``: an EKS cluster and its optional node group (behaviour: ``console.steps.eks``)."""

from __future__ import annotations

from console.kinds.params import ParamSpec, name_param, params
from console.kinds.spec import KindSpec
from console.rules import (
    EKS_CLUSTER_NAME,
    EKS_NODEGROUP_NAME,
    EKS_VERSION,
    IAM_ROLE_ARN,
    OPTIONAL_IAM_ROLE_ARN,
    SUBNET_ID,
)

SPEC = KindSpec(
    kind="eks_cluster",
    doc="an EKS cluster, with an optional node group",
    noun="EKS cluster",
    service="eks",
    create="CreateCluster",
    actions=(
        "eks:CreateCluster",
        "eks:DescribeCluster",
        "eks:TagResource",
        "eks:ListTagsForResource",
        "eks:DeleteCluster",
        "iam:PassRole",  # the cluster's service role and the node group's role
    ),
    arn="arn:{partition}:eks:{region}:{account}:cluster/{name}",
    tagging_type="eks:cluster",
    cloudtrail_type="AWS::EKS::Cluster",
    cloudformation_type="AWS::EKS::Cluster",
    params=params(
        name_param(EKS_CLUSTER_NAME, "dojo-{trainee}"),
        ParamSpec(
            "role_arn",
            "str",
            True,
            doc="the cluster's service role",
            example='role_arn = "arn:aws:iam::{account}:role/EksClusterRole"',
            rule=IAM_ROLE_ARN,
            placeholders=True,
        ),
        ParamSpec(
            "version",
            "str",
            default="1.31",
            doc="the Kubernetes version",
            example='version = "1.31"',
            rule=EKS_VERSION,
            placeholders=True,
        ),
        ParamSpec(
            "subnet_ids",
            "list[str]",
            default=[],
            doc="subnets for the cluster",
            example='subnet_ids = ["subnet-0123456789abcdef0"]',
            rule=SUBNET_ID,
            placeholders=True,
        ),
        ParamSpec(
            "nodegroup",
            "str",
            default="",
            doc='a node group to create ("": none)',
            example='nodegroup = "workers"',
            rule=EKS_NODEGROUP_NAME,
            placeholders=True,
        ),
        ParamSpec(
            "node_role_arn",
            "str",
            default="",
            doc='the node group\'s role ("": the same as role_arn)',
            example='node_role_arn = "arn:aws:iam::{account}:role/EksNodeRole"',
            rule=OPTIONAL_IAM_ROLE_ARN,
            placeholders=True,
        ),
    ),
)
