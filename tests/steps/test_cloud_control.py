"""The sweep confirms a leftover no step kind builds through Cloud Control, in the stand-in.

moto has no Cloud Control API; the stand-in answers GetResource and ListResources for SNS
topics, log groups and SQS queues, running the type's read or list handler with the caller's
permissions as AWS does (``standin.cloudcontrol``). The product's reader
(``console.engine.confirm.read_through_cloud_control``) then tells present, gone and
unconfirmed apart as the teardown sweep needs. Without the type's read handler permissions
(the sample course's role has none for SNS) Cloud Control refuses, and the leftover stays,
unconfirmed.
"""

from __future__ import annotations

import json

from console.course.provider_schemas import handler_permissions
from console.engine.confirm import GONE, PRESENT, UNCONFIRMED, read_through_cloud_control
from console.model import Leftover
from tests.steps.world import REGION, unique


async def test_present_gone_and_refused_as_cloud_control_answers(sandbox, world):
    sns = world.backdoor.client("sns", region_name=REGION)
    logs = world.backdoor.client("logs", region_name=REGION)
    topic = sns.create_topic(Name=unique("lab"))["TopicArn"]
    group = unique("/lab")[1:]  # a flat name: the ARN gives it unambiguously
    logs.create_log_group(logGroupName=group)
    group_arn = f"arn:aws:logs:{REGION}:{world.account}:log-group:{group}"

    # Cloud Control reads with the caller's permissions: the role is given the two types'
    # read handler permissions, as `iam-templates --course` gives a course that makes them.
    reads = [
        a
        for kind in ("AWS::SNS::Topic", "AWS::Logs::LogGroup")
        for a in handler_permissions(kind, REGION, ("read",)).actions
    ]
    iam = world.backdoor.client("iam")
    policy = {"Effect": "Allow", "Action": reads, "Resource": "*"}

    async def verdict(arn: str, kind: str):
        return await read_through_cloud_control(world.client, Leftover(arn, kind), REGION)

    assert (await verdict(topic, "sns:topic")).why.endswith("AccessDeniedException")
    iam.put_role_policy(
        RoleName="ManageEnvRole",
        PolicyName="ReadHandlers",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [policy]}),
    )
    assert (await verdict(topic, "sns:topic")).state == PRESENT
    assert (await verdict(group_arn, "logs:log-group")).state == PRESENT
    sns.delete_topic(TopicArn=topic)
    assert (await verdict(topic, "sns:topic")).state == GONE  # "deleted, still in the index"

    control = await world.client("cloudcontrol")
    listed = await control.list_resources(TypeName="AWS::Logs::LogGroup")
    [found] = [d for d in listed["ResourceDescriptions"] if d["Identifier"] == group]
    assert json.loads(found["Properties"])["Arn"] == group_arn

    # Cloud Control runs the log group's read handler as the caller: without one of its
    # permissions the read is refused, and the leftover stays, named as unconfirmed.
    deny = {"Effect": "Deny", "Action": "logs:ListTagsForResource", "Resource": "*"}
    iam.put_role_policy(
        RoleName="ManageEnvRole",
        PolicyName="NoTags",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [deny]}),
    )
    refused = await verdict(group_arn, "logs:log-group")
    assert refused.state == UNCONFIRMED
    assert refused.why == "Cloud Control GetResource answered AccessDeniedException"
