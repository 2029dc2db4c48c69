"""What trainees make by hand, end to end: the real CLI against the stand-in, nothing patched.

A trainee makes a queue in the course region and an instance in another region with their own
access key. ``inventory`` names both with the trainee as creator; teardown's receipt names them
and the trainee is not called clean; ``teardown --trainee-made`` deletes both, the ledger saying
why; untagged resources someone else made are never deleted, with or without the flag.
"""

from __future__ import annotations

import json
from contextlib import AsyncExitStack

import pytest

from console.classroom.made_kinds import BY_EVENT, NotTheTrainees
from console.steps.base import TAG_COURSE
from console.store.state import Store
from tests.engine.helpers import cli, cli_started, status
from tests.engine.test_crash import wait_for
from tests.steps.world import open_world, unique

COURSE = "inventory-1"
REGION = "ap-northeast-1"
OTHER = "eu-west-1"
AMI = "ami-12c6146b"  # one of moto's stock images
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}],
    }
)


def course_file(sandbox, tmp_path):
    alice, account = sandbox.trainees[0]
    text = f"""[course]
name = "{COURSE}"
region = "{REGION}"

[[trainee]]
name = "{alice}"
account = "{account}"

[[step]]
kind = "iam_user"

[[step]]
kind = "s3_bucket"
name = "{{course}}-{{trainee}}-{{account}}"
"""
    path = tmp_path / "course.toml"
    path.write_text(text, encoding="utf-8")
    return path


def ledger_of(sandbox, state, course) -> list[dict]:
    result = cli(sandbox, state, "ledger", "--json", course=course)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def queue_exists(sandbox, account: str, name: str) -> bool:
    sqs = sandbox.backdoor_session(account).client("sqs", region_name=REGION)
    return any(url.endswith(f"/{name}") for url in sqs.list_queues().get("QueueUrls", []))


def user_exists(sandbox, account: str, name: str) -> bool:
    names = sandbox.backdoor_session(account).client("iam").list_users()["Users"]
    return any(user["UserName"] == name for user in names)


def instance_state(sandbox, account: str, instance_id: str) -> str:
    ec2 = sandbox.backdoor_session(account).client("ec2", region_name=OTHER)
    answer = ec2.describe_instances(InstanceIds=[instance_id])
    return answer["Reservations"][0]["Instances"][0]["State"]["Name"]


def test_hand_made_resources_are_named_and_deleted_only_on_request(sandbox, tmp_path):
    course, state = course_file(sandbox, tmp_path), tmp_path / "state"
    assert cli(sandbox, state, "apply", course=course).returncode == 0
    alice, account = sandbox.trainees[0]
    mine = sandbox.user_session(account, alice)
    mine.client("sqs", region_name=REGION).create_queue(QueueName="lab-queue")
    instance = mine.client("ec2", region_name=OTHER).run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro"
    )["Instances"][0]["InstanceId"]
    # Someone else's, untagged: an operator's own IAM user, and a queue no trail records.
    backdoor = sandbox.backdoor_session(account)
    backdoor.client("iam").create_user(UserName="ops")
    sandbox.user_session(account, "ops").client("sqs", region_name=REGION).create_queue(
        QueueName="ops-queue"
    )
    backdoor.client("sqs", region_name=REGION).create_queue(QueueName="stranger-queue")
    # A user alice made for her lab, with what DeleteUser needs removed first.
    iam = mine.client("iam")
    iam.create_user(UserName="helper")
    iam.create_login_profile(UserName="helper", Password="Passw0rd!Passw0rd!")
    iam.create_access_key(UserName="helper")
    iam.put_user_policy(UserName="helper", PolicyName="inline", PolicyDocument=POLICY)

    result = cli(sandbox, state, "inventory", "--json", course=course)

    assert result.returncode == 0, result.stderr
    [found] = json.loads(result.stdout)["trainees"]
    assert REGION in found["regions"] and OTHER in found["regions"]
    made = {m["id"].rsplit("/", 1)[-1]: m for m in found["made"]}
    assert made["lab-queue"]["creator"] == f"{alice} (IAM user)"
    assert made["lab-queue"]["by_trainee"] and made["lab-queue"]["region"] == REGION
    assert made[instance]["creator"] == f"{alice} (IAM user)" and made[instance]["costs"]
    assert made[instance]["region"] == OTHER and made[instance]["exists"] is True
    assert made["ops-queue"]["by_trainee"] is False
    assert "stranger-queue" not in made

    # A teardown without the flag deletes nothing untagged, and does not call alice clean.
    assert cli(sandbox, state, "teardown", "--yes", course=course).returncode == 1
    row = status(sandbox, state, course)[alice]
    assert row["state"] == "FAILED" and row["error_code"] == "TraineeMade"
    assert "0 left by whodidthis, 3 made by the trainee (" in row["receipt"]
    assert "lab-queue in ap-northeast-1" in row["receipt"] and instance in row["receipt"]
    others = ", ".join(r for r in found["regions"] if r != REGION)
    assert f"regions: all {len(found['regions'])} enabled ({REGION}, {others})" in row["receipt"]
    assert queue_exists(sandbox, account, "lab-queue")
    assert instance_state(sandbox, account, instance) == "running"

    cleaned = cli(sandbox, state, "teardown", "--trainee-made", "--yes", course=course)

    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    # The engine's trainee-made command, followed like any: each line, then its result.
    assert f"{alice:<14} deleted  AWS::SQS::Queue lab-queue in {REGION}" in cleaned.stdout
    assert f"{alice:<14} kept     AWS::SQS::Queue ops-queue" in cleaned.stdout
    assert f"trainee-made finished: {alice}: 3 deleted, 1 kept" in cleaned.stdout
    assert not queue_exists(sandbox, account, "lab-queue")
    assert instance_state(sandbox, account, instance) == "terminated"
    assert queue_exists(sandbox, account, "ops-queue")
    assert queue_exists(sandbox, account, "stranger-queue")
    row = status(sandbox, state, course)[alice]
    assert row["state"] == "TORN_DOWN", row["error"]
    assert "0 left by whodidthis, 0 made by the trainee, regions:" in row["receipt"]
    records = ledger_of(sandbox, state, course)
    deletes = {r["operation"]: r for r in records if r["step"]}
    for operation, name in (("DeleteQueue", "lab-queue"), ("TerminateInstances", instance)):
        record = deletes[operation]
        assert record["outcome"] == "ok" and name in record["step"]
        assert f"made by {alice} (IAM user) at " in record["step"]
    assert deletes["TerminateInstances"]["region"] == OTHER
    assert not user_exists(sandbox, account, "helper")
    helper = [
        r["operation"] for r in records if "AWS::IAM::User helper: made by" in (r["step"] or "")
    ]
    for operation in ("DeleteLoginProfile", "DeleteAccessKey", "DeleteUserPolicy"):
        assert helper.index(operation) < helper.index("DeleteUser"), helper


def test_the_plan_names_what_it_would_delete_and_keeps_the_rest(sandbox, tmp_path):
    course, state = course_file(sandbox, tmp_path), tmp_path / "state"
    assert cli(sandbox, state, "apply", course=course).returncode == 0
    alice, account = sandbox.trainees[0]
    sandbox.backdoor_session(account).client("iam").create_user(UserName="ops")
    sandbox.user_session(account, "ops").client("sqs", region_name=REGION).create_queue(
        QueueName="ops-queue"
    )
    sandbox.user_session(account, alice).client("iam").create_user(UserName="helper")

    shown = cli(sandbox, state, "teardown", "--trainee-made", course=course)

    assert shown.returncode == 0, shown.stderr
    assert "kept     AWS::SQS::Queue ops-queue" in shown.stdout
    assert "made by ops (IAM user), not the trainee" in shown.stdout
    assert "delete   AWS::IAM::User helper" in shown.stdout
    assert queue_exists(sandbox, account, "ops-queue")


def test_the_sweep_finds_our_tags_in_every_region(sandbox, tmp_path):
    """A queue tagged for the trainee in a region the course never builds in is a leftover."""
    course, state = course_file(sandbox, tmp_path), tmp_path / "state"
    alice, account = sandbox.trainees[0]
    sqs = sandbox.backdoor_session(account).client("sqs", region_name=OTHER)
    tags = {"whodidthis:course": COURSE, "whodidthis:trainee": alice}
    sqs.create_queue(QueueName="far-away", tags=tags)

    assert cli(sandbox, state, "teardown", "--yes", course=course).returncode == 1

    row = status(sandbox, state, course)[alice]
    assert row["error_code"] == "Leftovers"
    assert [item["arn"] for item in row["leftovers"]] == [f"arn:aws:sqs:{OTHER}:{account}:far-away"]
    swept = {r["region"] for r in sandbox.trail() if r["operation"] == "GetResources"}
    assert {REGION, OTHER, "us-east-1"} <= swept and "cn-north-1" not in swept


async def test_a_user_carrying_our_tags_is_kept_and_a_hand_made_one_goes_whole(sandbox):
    """The IAM user deleter: the course's tags stop it; otherwise whatever DeleteUser needs
    gone goes first (each through the ledger's client), the user last."""
    async with AsyncExitStack() as stack:
        world = await open_world(sandbox, stack)
        world.ctx({})  # the calls below are attributed to the trainee
        iam = world.backdoor.client("iam")
        ours, theirs = unique("course-user"), unique("lab-user")
        iam.create_user(UserName=ours, Tags=[{"Key": TAG_COURSE, "Value": "another-course"}])
        iam.create_user(UserName=theirs)
        iam.create_access_key(UserName=theirs)
        iam.put_user_policy(UserName=theirs, PolicyName="inline", PolicyDocument=POLICY)
        delete = BY_EVENT["iam:CreateUser"].delete
        assert delete is not None

        async def client(service, region):
            return await world.client(service)

        with pytest.raises(NotTheTrainees):
            await delete(client, "us-east-1", ours)
        await delete(client, "us-east-1", theirs)

        assert user_exists(sandbox, world.account, ours)
        assert not user_exists(sandbox, world.account, theirs)
        assert world.operations("iam") == ["DeleteAccessKey", "DeleteUserPolicy", "DeleteUser"]


def test_a_cancel_stops_the_cleans_that_have_not_begun(sandbox, tmp_path):
    """``cancel --trainee bob`` while the engine cleans alice (concurrency 1): bob's clean never
    begins, the command says so and exits 1, and nothing was called in bob's account."""
    (alice, _), (bob, bobs) = sandbox.trainees[:2]
    course = tmp_path / "two.toml"
    text = course_file(sandbox, tmp_path).read_text()
    text = text.replace("[[trainee]]", "concurrency = 1\n\n[[trainee]]", 1)
    course.write_text(f'{text}\n[[trainee]]\nname = "{bob}"\naccount = "{bobs}"\n')
    state = tmp_path / "state"
    sandbox.faults.set_latency(200)  # alice's inventory outlasts the cancel's round trip
    try:
        cleaning = cli_started(sandbox, state, "teardown", "--trainee-made", "--yes", course=course)
        wait_for(lambda: (state / COURSE / "state.sqlite3").exists(), what="the store")
        store = Store.open(state, COURSE)
        wait_for(lambda: any(r["kind"] == "trainee-made" for r in store.runs()), what="the run")
        cancel = cli(sandbox, state, "cancel", "--trainee", bob, course=course)
        out, err = cleaning.communicate(timeout=180)
    finally:
        sandbox.faults.set_latency(0)

    assert cancel.returncode == 0, cancel.stderr
    assert cleaning.returncode == 1, out + err
    assert f"{bob:<14} cancelled by an operator before its clean began" in out
    assert f"{alice}: nothing made by hand" in out
    assert not [r for r in ledger_of(sandbox, state, course) if r["trainee"] == bob]
