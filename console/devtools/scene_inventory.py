"""What the demo scene's trainees made by hand: the inventory view's data in the tests and the
screenshots, shaped as ``console.classroom.inventory`` builds it from CloudTrail.

alice made a queue, an instance in another region (it costs money), a bucket she deleted since
and an IAM user; carol made a NAT gateway through a role she assumed, and an operator's own
user made a queue in her account (not hers: never deleted as hers); heidi's account could not
be entered; everyone else made nothing.
"""

from __future__ import annotations

from console.classroom.creators import Creator
from console.classroom.inventory import Inventory, Made
from console.devtools.demo_scene import REGION, T0, account_of, trainee_names

OTHER_REGION = "eu-west-1"


def _user(name: str, account: str) -> Creator:
    return Creator("iam-user", name, f"arn:aws:iam::{account}:user/{name}")


def _made(kind: str, rid: str, region: str, at: float, who: Creator, **flags) -> Made:
    event = {
        "AWS::SQS::Queue": "sqs:CreateQueue",
        "AWS::EC2::Instance": "ec2:RunInstances",
        "AWS::S3::Bucket": "s3:CreateBucket",
        "AWS::IAM::User": "iam:CreateUser",
        "AWS::EC2::NatGateway": "ec2:CreateNatGateway",
    }[kind]
    deletable = kind in (
        "AWS::SQS::Queue",
        "AWS::EC2::Instance",
        "AWS::S3::Bucket",
        "AWS::IAM::User",
    )
    return Made(
        type=kind,
        id=rid,
        region=region,
        event=event,
        at=at,
        creator=who,
        by_trainee=flags.get("by_trainee", True),
        costs=kind in ("AWS::EC2::Instance", "AWS::EC2::NatGateway"),
        deletable=deletable,
        exists=flags.get("exists", True),
    )


def _alice(account: str) -> list[Made]:
    alice = _user("alice", account)
    queue = f"https://sqs.{REGION}.amazonaws.com/{account}/orders"
    return [
        _made("AWS::SQS::Queue", queue, REGION, T0 - 1740, alice),
        _made("AWS::EC2::Instance", "i-0e322c782e7124c78", OTHER_REGION, T0 - 1500, alice),
        _made("AWS::S3::Bucket", "alice-scratch", REGION, T0 - 1320, alice, exists=False),
        _made("AWS::IAM::User", "helper", "us-east-1", T0 - 900, alice),
    ]


def _carol(account: str) -> list[Made]:
    role = Creator(
        "assumed-role", "LabAdmin/carol", f"arn:aws:sts::{account}:assumed-role/LabAdmin/carol"
    )
    nat = f"arn:aws:ec2:{REGION}:{account}:natgateway/nat-05dba92075d71c408"
    queue = f"https://sqs.{REGION}.amazonaws.com/{account}/ops-queue"
    return [
        _made("AWS::EC2::NatGateway", nat, REGION, T0 - 1200, role),
        _made("AWS::SQS::Queue", queue, REGION, T0 - 600, _user("ops", account), by_trainee=False),
    ]


def scene_inventory(names: list[str], count: int = 12) -> list[Inventory]:
    """The inventories of ``names`` (every trainee of the scene when empty)."""
    regions = sorted([REGION, OTHER_REGION, "us-east-1", "us-west-2"])
    out = []
    for index, name in enumerate(trainee_names(count)):
        if names and name not in names:
            continue
        account = account_of(index)
        inv = Inventory(name, account, regions=regions)
        if name == "alice":
            inv.made = _alice(account)
        elif name == "carol":
            inv.made = _carol(account)
        elif name == "heidi":
            inv.regions = []
            inv.errors = ["AccessDenied: AdminEnvRole may not assume her ManageEnvRole"]
        out.append(inv)
    return out
