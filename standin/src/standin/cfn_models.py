"""CloudFormation in the stand-in: what moto's stacks cannot run, said at once, and a few filled.

Checked against moto 5.2.5 with public templates (``tests/templates/public``):

* moto has no model for some types; it logs a warning, skips the resource and reports the
  stack CREATE_COMPLETE, and a stack whose missing resource others depend on never settles.
  AWS creates them. ``unsupported_types`` names each such type of a template, and the gateway
  fails the CreateStack at once (``refuse_unrunnable``), the reason naming the type, instead of
  a stack that pretends or hangs.
* ``AWS::SNS::Subscription`` (aws-cloudformation-templates, SNS/SNSTopic.yaml) has no model:
  filled here with moto's own SNS backend (Subscribe on create, Unsubscribe on delete).
* ``AWS::EC2::NatGateway`` and ``AWS::EC2::VPCGatewayAttachment`` have no delete
  (VPC/VPC_With_Managed_NAT_And_Private_Subnet.yaml): DeleteStack then failed
  ``DependencyViolation`` on the VPC, which AWS deletes. Filled with moto's DeleteNatGateway
  and DetachInternetGateway; ``AWS::EC2::RouteTable`` had none either (the VPC then had
  "dependencies"): filled with DisassociateRouteTable and DeleteRouteTable.
* A FIFO queue without a ``QueueName`` (SQS/SQSFIFOQueue.yaml): CloudFormation generates a
  name ending ``.fifo`` (AWS::SQS::Queue, "FifoQueue": a FIFO queue's name must end with
  ``.fifo``); moto generated one without it and refused its own name. Filled by adding it.
* ``AWS::SSM::Parameter`` takes ``Tags`` as a map (its schema; the Template Reference's
  example ``Tags: {Environment: DEV}``); moto reads a list of pairs and crashed, leaving the
  stack CREATE_IN_PROGRESS and ``apply`` waiting. Filled by handing moto the pairs.
* CreateStack with IAM resources or macros and without the capability is accepted by moto; AWS
  refuses it with ``InsufficientCapabilitiesException`` (``insufficient_capabilities``).
"""

from __future__ import annotations

import json
import re
import threading
from functools import cache
from typing import Any

import yaml
from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import RouteTable
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
from moto.sns.models import sns_backends
from moto.sqs.models import Queue as SqsQueue
from moto.ssm.models import Parameter as SsmParameter

from standin.httpserver import HttpResponse
from standin.protocols import Call, error_response

NAMED_IAM, IAM, AUTO_EXPAND = "CAPABILITY_NAMED_IAM", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"
# AWS::IAM::Policy's PolicyName names an inline policy: CAPABILITY_IAM suffices (templates in
# aws-cloudformation-templates, IAM/, deploy so).
_NAME_EXEMPT = {"AWS::IAM::Policy"}


class SnsSubscription(CloudFormationModel):
    """``AWS::SNS::Subscription`` on moto's SNS backend."""

    def __init__(self, arn: str):
        self.arn = arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc, override]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str,
        **kwargs: Any,
    ) -> SnsSubscription:  # fmt: skip
        props = cloudformation_json["Properties"]
        backend = sns_backends[account_id][region_name]
        made = backend.subscribe(props["TopicArn"], props.get("Endpoint", ""), props["Protocol"])
        return cls(made.arn)

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backends[account_id][region_name].unsubscribe(self.arn)


def _delete_nat_gateway(cls, resource_name, cloudformation_json, account_id, region_name):
    ec2_backends[account_id][region_name].delete_nat_gateway(resource_name)


def _detach_gateways(cls, resource_name, cloudformation_json, account_id, region_name):
    """``resource_name`` is the VPC (moto's physical id of an attachment): detach its IGWs."""
    backend = ec2_backends[account_id][region_name]
    for gateway in list(backend.describe_internet_gateways()):
        if getattr(gateway, "vpc", None) is not None and gateway.vpc.id == resource_name:
            backend.detach_internet_gateway(gateway.id, resource_name)


_queue_create = SqsQueue.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create_queue(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json.get("Properties") or {}
    if str(props.get("FifoQueue")).lower() == "true" and not props.get("QueueName"):
        resource_name = f"{str(resource_name)[:75]}.fifo"
    return _queue_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


_parameter_create = SsmParameter.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create_parameter(cls, resource_name, cloudformation_json, account_id, region_name, **kw):
    props = cloudformation_json.get("Properties") or {}
    if isinstance(props.get("Tags"), dict):
        pairs = [{"Key": k, "Value": v} for k, v in props["Tags"].items()]
        cloudformation_json = {**cloudformation_json, "Properties": {**props, "Tags": pairs}}
    return _parameter_create(cls, resource_name, cloudformation_json, account_id, region_name, **kw)


def _delete_route_table(cls, resource_name, cloudformation_json, account_id, region_name):
    backend = ec2_backends[account_id][region_name]
    table = backend.route_tables.get(resource_name)
    if table is None:
        return
    for association in list(table.all_associations_ids):
        if association != table.main_association_id:
            backend.disassociate_route_table(association)
    backend.delete_route_table(resource_name)


def install() -> None:
    """Register the filled models (moto builds its type map once, from the subclasses)."""
    SsmParameter.create_from_cloudformation_json = classmethod(_create_parameter)  # type: ignore[method-assign, assignment]
    SqsQueue.create_from_cloudformation_json = classmethod(_create_queue)  # type: ignore[method-assign, assignment]
    NatGateway.delete_from_cloudformation_json = classmethod(_delete_nat_gateway)  # type: ignore[method-assign, assignment]
    VPCGatewayAttachment.delete_from_cloudformation_json = classmethod(_detach_gateways)  # type: ignore[method-assign, assignment]
    RouteTable.delete_from_cloudformation_json = classmethod(_delete_route_table)  # type: ignore[method-assign, assignment]
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()


# -- reading a template -----------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (``!Ref x``)."""


def _short(loader: _Loader, suffix: str, node: yaml.Node) -> dict:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref": value} if suffix == "Ref" else {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _short)


def _template(call: Call) -> dict:
    body = call.params.get("TemplateBody") or ""
    try:
        found = json.loads(body)
    except ValueError:
        try:
            found = yaml.load(body, Loader=_Loader)
        except yaml.YAMLError:
            return {}
    return found if isinstance(found, dict) else {}


def _resources(document: dict) -> dict[str, dict]:
    found = document.get("Resources")
    return (
        {k: v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}
    )


_IAM_TYPES_LOCK = threading.Lock()


@cache
def _load_iam_types() -> tuple[str, ...]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("cloudformation")
    shape = model.operation_model("CreateStack").input_shape
    assert shape is not None
    return tuple(re.findall(r"AWS::IAM::\w+", shape.members["Capabilities"].documentation))


def _iam_types() -> tuple[str, ...]:
    """The types CreateStack's ``Capabilities`` documentation lists (botocore's model).

    Loaded once under a lock, and at start (:func:`warm`): ``cache`` alone let each thread of
    a first burst of CreateStack load the model again (a botocore session each), which held
    up every request to the stand-in for about 2 s (py-spy, 32 concurrent CreateStack).
    """
    with _IAM_TYPES_LOCK:
        return _load_iam_types()


def warm(region: str) -> None:
    """Load now what CreateStack checks (capabilities, handler permissions), not in the
    first burst of requests."""
    from standin import provider_schemas

    _iam_types()
    provider_schemas.warm(region)


def required_capabilities(document: dict) -> list[str]:
    """The capabilities AWS demands for ``document`` (the strongest IAM one, and macros)."""
    needed: list[str] = []
    for resource in _resources(document).values():
        kind = str(resource.get("Type"))
        if kind not in _iam_types():
            continue
        props = resource.get("Properties") or {}
        named = isinstance(props, dict) and props.get(kind.rsplit("::", 1)[-1] + "Name")
        needed.append(NAMED_IAM if named and kind not in _NAME_EXEMPT else IAM)
    if document.get("Transform") or '"Fn::Transform"' in json.dumps(document):
        needed.append(AUTO_EXPAND)
    return sorted(set(needed))


def _stated(call: Call) -> set[str]:
    return {v for k, v in call.params.items() if k.startswith("Capabilities.member.")}


def insufficient_capabilities(call: Call, request_id: str) -> HttpResponse | None:
    """AWS's refusal of a CreateStack/UpdateStack missing a capability, else None."""
    if call.service != "cloudformation" or call.operation not in ("CreateStack", "UpdateStack"):
        return None
    stated = _stated(call)
    if NAMED_IAM in stated:
        stated.add(IAM)
    missing = [c for c in required_capabilities(_template(call)) if c not in stated]
    if not missing:
        return None
    # The message as CloudFormation words it ("Requires capabilities : [CAPABILITY_NAMED_IAM]").
    message = f"Requires capabilities : [{', '.join(missing)}]"
    return error_response(call, "InsufficientCapabilitiesException", message, 400, request_id)


def unsupported_types(document: dict) -> list[str]:
    """The template's resource types moto cannot create (no model, none filled here)."""
    models = parsing.get_model_map()
    kinds = {str(r.get("Type")) for r in _resources(document).values()}
    return sorted(
        k for k in kinds
        if k not in models and k not in parsing.NULL_MODELS and not k.startswith("Custom::")
    )  # fmt: skip


def refuse_unrunnable(call: Call, request_id: str) -> HttpResponse | None:
    """CreateStack of a template with a type the stand-in cannot run: refused at once, naming
    it (a limit of the stand-in, not of AWS), instead of a stack that pretends or hangs."""
    if call.service != "cloudformation" or call.operation not in ("CreateStack", "UpdateStack"):
        return None
    missing = unsupported_types(_template(call))
    if not missing:
        return None
    message = (
        f"The stand-in cannot run {', '.join(missing)}: moto has no CloudFormation model for "
        "it (AWS has). Test this template on AWS, or leave the type out of the stand-in's course."
    )
    return error_response(call, "ValidationError", message, 400, request_id)
