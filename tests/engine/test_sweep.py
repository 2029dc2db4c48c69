"""The teardown sweep end to end: the real CLI against the sandbox, nothing patched.

A resource the steps never made but that carries a trainee's ownership tags (a queue a template
made beside its stack, a bucket made by hand) keeps that trainee from TORN_DOWN: it is named in
``status --json`` ``leftovers``, in the report and in the error, and ``teardown`` exits 1. A
second teardown deletes the leftovers of kinds the steps build (ours only) and never touches
the others. A clean trainee is TORN_DOWN with its receipt.
"""

from __future__ import annotations

import json
import re

from tests.engine.helpers import cli, status

COURSE = "sweep-1"
REGION = "ap-northeast-1"
TAG_COURSE, TAG_TRAINEE = "whodidthis:course", "whodidthis:trainee"
RECEIPT = re.compile(
    r"0 left by whodidthis, 0 made by the trainee, regions: all \d+ enabled "
    r"\(ap-northeast-1(, ([a-z0-9-]+|…))+\); "
    r"checked at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
)


# A hand-made stack whose resource needs no permission to delete (CloudFormation's own
# handle): deleting a stack runs each resource's delete handler as the caller, and
# ManageEnvRole may delete only what the course's kinds and templates make.
STACK_TEMPLATE = """\
Resources:
  Handle:
    Type: AWS::CloudFormation::WaitConditionHandle
"""


def small_course(sandbox, tmp_path, count: int = 2):
    """A course of cheap steps for the first ``count`` sandbox trainees."""
    lines = ["[course]", f'name = "{COURSE}"', f'region = "{REGION}"', ""]
    for name, account in sandbox.trainees[:count]:
        lines += ["[[trainee]]", f'name = "{name}"', f'account = "{account}"', ""]
    lines += [
        "[[step]]",
        'kind = "iam_user"',
        "",
        "[[step]]",
        'kind = "s3_bucket"',
        'name = "{course}-{trainee}-{account}"',
        "",
    ]
    path = tmp_path / "course.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tags_for(trainee: str, course: str = COURSE) -> dict[str, str]:
    return {TAG_COURSE: course, TAG_TRAINEE: trainee}


def pairs(tags: dict[str, str]) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def plant(sandbox, name: str, account: str) -> dict[str, str]:
    """Resources no step made, tagged for ``name``: returns ARN -> expected type."""
    backdoor = sandbox.backdoor_session(account)
    queue = backdoor.client("sqs", region_name=REGION).create_queue(
        QueueName=f"retained-{name}", tags=tags_for(name)
    )
    queue_arn = backdoor.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=queue["QueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    s3 = backdoor.client("s3", region_name=REGION)
    bucket = f"hand-made-{account}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": pairs(tags_for(name))})
    role = backdoor.client("iam").create_role(
        RoleName=f"lab-role-{name}", AssumeRolePolicyDocument="{}", Tags=pairs(tags_for(name))
    )["Role"]["Arn"]
    repo = backdoor.client("codecommit", region_name=REGION).create_repository(
        repositoryName=f"scratch-{name}", tags=tags_for(name)
    )["repositoryMetadata"]["Arn"]
    return {
        queue_arn: "sqs:queue",
        f"arn:aws:s3:::{bucket}": "s3:bucket",
        role: "iam:role",
        repo: "codecommit:repository",
    }


def plant_strangers(sandbox, name: str, account: str) -> None:
    """Look-alikes that are not this trainee's: another course's, another trainee's."""
    sqs = sandbox.backdoor_session(account).client("sqs", region_name=REGION)
    sqs.create_queue(QueueName="other-course", tags=tags_for(name, course="another-course"))
    sqs.create_queue(QueueName="other-trainee", tags=tags_for("someone-else"))
    sqs.create_queue(QueueName="course-only", tags={TAG_COURSE: COURSE})


def test_planted_leftovers_fail_the_trainee_and_a_clean_one_gets_its_receipt(sandbox, tmp_path):
    course = small_course(sandbox, tmp_path)
    (alice, alice_account), (bob, _) = sandbox.trainees[:2]
    assert cli(sandbox, tmp_path, "apply", course=course).returncode == 0
    planted = plant(sandbox, alice, alice_account)
    plant_strangers(sandbox, alice, alice_account)

    torn = cli(sandbox, tmp_path, "teardown", "--yes", "--json", course=course)
    assert torn.returncode == 1, torn.stderr
    summary = json.loads(torn.stdout.splitlines()[-1])
    assert summary["states"] == {"FAILED": 1, "TORN_DOWN": 1}

    trainees = status(sandbox, tmp_path, course)
    assert trainees[alice]["state"] == "FAILED"
    assert trainees[alice]["error_code"] == "Leftovers"
    found = {item["arn"]: item["type"] for item in trainees[alice]["leftovers"]}
    assert found == planted  # the strangers' look-alikes are not named
    assert trainees[alice]["receipt"] is None
    assert all(arn in trainees[alice]["error"] for arn in planted)
    assert trainees[bob]["state"] == "TORN_DOWN" and trainees[bob]["leftovers"] == []
    assert RECEIPT.fullmatch(trainees[bob]["receipt"])

    report = cli(sandbox, tmp_path, "report", course=course)
    assert all(arn in report.stdout for arn in planted)
    assert RECEIPT.search(report.stdout)
    text = cli(sandbox, tmp_path, "status", course=course).stdout
    assert RECEIPT.search(text) and "Leftovers" in text


def test_second_teardown_deletes_leftovers_of_kinds_we_build_and_names_the_rest(sandbox, tmp_path):
    course = small_course(sandbox, tmp_path, count=1)
    alice, account = sandbox.trainees[0]
    assert cli(sandbox, tmp_path, "apply", course=course).returncode == 0
    planted = plant(sandbox, alice, account)
    backdoor = sandbox.backdoor_session(account)
    backdoor.client("iam").create_user(UserName=f"{alice}-spare", Tags=pairs(tags_for(alice)))
    backdoor.client("cloudformation", region_name=REGION).create_stack(
        StackName=f"{alice}-extra",
        TemplateBody=STACK_TEMPLATE,
        Tags=pairs(tags_for(alice)),
    )
    assert cli(sandbox, tmp_path, "teardown", "--yes", course=course).returncode == 1
    found = {item["type"] for item in status(sandbox, tmp_path, course)[alice]["leftovers"]}
    assert {"iam:user", "cloudformation:stack"} <= found

    plan = cli(sandbox, tmp_path, "teardown", course=course)
    assert plan.returncode == 0, plan.stderr
    lines = plan.stdout.splitlines()
    assert "sweep" in lines[-1] and "TORN_DOWN only when" in lines[-1]
    assert any(line.lstrip().startswith("sweep ") for line in lines)
    deleting = [line for line in lines if line.lstrip().startswith("delete")]
    assert any(f"hand-made-{account}" in line for line in deleting)
    assert any(f"scratch-{alice}" in line for line in deleting)
    assert not any("retained-" in line or "lab-role-" in line for line in deleting)

    again = cli(sandbox, tmp_path, "teardown", "--yes", course=course)
    assert again.returncode == 1
    left = status(sandbox, tmp_path, course)[alice]
    kept = {arn: kind for arn, kind in planted.items() if kind in ("sqs:queue", "iam:role")}
    assert {item["arn"]: item["type"] for item in left["leftovers"]} == kept

    buckets = {b["Name"] for b in backdoor.client("s3").list_buckets()["Buckets"]}
    assert f"hand-made-{account}" not in buckets
    repos = backdoor.client("codecommit", region_name=REGION).list_repositories()
    assert f"scratch-{alice}" not in {r["repositoryName"] for r in repos["repositories"]}
    queues = backdoor.client("sqs", region_name=REGION).list_queues().get("QueueUrls", [])
    assert any(url.endswith(f"retained-{alice}") for url in queues)  # named, never touched
    assert backdoor.client("iam").get_role(RoleName=f"lab-role-{alice}")["Role"]
    users = {u["UserName"] for u in backdoor.client("iam").list_users()["Users"]}
    assert f"{alice}-spare" not in users
    stacks = backdoor.client("cloudformation", region_name=REGION).list_stacks()["StackSummaries"]
    assert all(
        st["StackStatus"] == "DELETE_COMPLETE"
        for st in stacks
        if st["StackName"] == f"{alice}-extra"
    )
    records = cli(sandbox, tmp_path, "ledger", "--json", course=course).stdout.splitlines()
    deletes = [r for r in map(json.loads, records) if (r["step"] or "").startswith("sweep:")]
    operations = {r["operation"] for r in deletes}
    assert operations >= {"DeleteBucket", "DeleteRepository", "DeleteUser", "DeleteStack"}
    assert not any(r["service"] == "sqs" or "Role" in r["operation"] for r in deletes)


def test_untagged_look_alike_of_a_leftover_is_never_deleted(sandbox, tmp_path):
    """A leftover bucket re-created untagged between the sweep and the next teardown stays."""
    course = small_course(sandbox, tmp_path, count=1)
    alice, account = sandbox.trainees[0]
    assert cli(sandbox, tmp_path, "apply", course=course).returncode == 0
    plant(sandbox, alice, account)
    assert cli(sandbox, tmp_path, "teardown", "--yes", course=course).returncode == 1
    s3 = sandbox.backdoor_session(account).client("s3", region_name=REGION)
    s3.delete_bucket_tagging(Bucket=f"hand-made-{account}")
    cli(sandbox, tmp_path, "teardown", "--yes", course=course)
    assert f"hand-made-{account}" in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_the_sweep_holds_through_a_throttling_storm(sandbox_factory, tmp_path):
    """30% of every call throttled (the Tagging API's and IAM's too): the sweep still finds the
    planted leftover, and the clean trainee still gets its receipt."""
    sandbox = sandbox_factory(throttle=0.3, seed=17)
    course = small_course(sandbox, tmp_path)
    (alice, alice_account), (bob, _) = sandbox.trainees[:2]
    assert cli(sandbox, tmp_path, "apply", course=course).returncode == 0
    planted = plant(sandbox, alice, alice_account)
    # On top of the storm, the first three GetResources are throttled whatever the dice say.
    sandbox.faults.add_error(
        "ThrottlingException", "Rate exceeded", 400, operation="GetResources", first=3
    )
    torn = cli(sandbox, tmp_path, "teardown", "--yes", course=course)
    assert torn.returncode == 1, torn.stderr
    trainees = status(sandbox, tmp_path, course)
    assert {item["arn"] for item in trainees[alice]["leftovers"]} == set(planted)
    assert trainees[bob]["state"] == "TORN_DOWN" and RECEIPT.fullmatch(trainees[bob]["receipt"])
    throttled = [
        r for r in sandbox.trail() if r["operation"] == "GetResources" and r["status"] >= 400
    ]
    assert len(throttled) >= 3  # the Tagging API was throttled, and the sweep rode it out


def test_teardown_events_carry_the_leftovers_and_the_receipt(sandbox, tmp_path):
    course = small_course(sandbox, tmp_path)
    (alice, alice_account), (bob, _) = sandbox.trainees[:2]
    assert cli(sandbox, tmp_path, "apply", course=course).returncode == 0
    planted = plant(sandbox, alice, alice_account)
    torn = cli(sandbox, tmp_path, "teardown", "--yes", "--json", course=course)
    events = [json.loads(line) for line in torn.stdout.splitlines()]
    failed = [e for e in events if e["trainee"] == alice and e.get("state") == "FAILED"]
    assert {item["arn"] for item in failed[-1]["leftovers"]} == set(planted)
    clean = [e for e in events if e["trainee"] == bob and e.get("state") == "TORN_DOWN"]
    assert RECEIPT.fullmatch(clean[-1]["receipt"])
    text = cli(sandbox, tmp_path, "teardown", "--yes", "--trainee", bob, course=course)
    assert text.returncode == 0 and RECEIPT.search(text.stdout)


def test_a_sweep_that_cannot_ask_leaves_the_trainee_unproven(sandbox, tmp_path):
    """The role lacks tag:GetResources: the trainee is FAILED with AWS's code and what to
    grant, not TORN_DOWN with a receipt it never earned."""
    course = small_course(sandbox, tmp_path, count=1)
    alice, account = sandbox.trainees[0]
    assert cli(sandbox, tmp_path, "apply", course=course).returncode == 0
    sandbox.faults.add_error(
        "AccessDeniedException",
        f"User: arn:aws:sts::{account}:assumed-role/ManageEnvRole/alice@sweep-1 is not "
        "authorized to perform: tag:GetResources",
        400,
        service="tagging",
        operation="GetResources",
    )
    torn = cli(sandbox, tmp_path, "teardown", "--yes", course=course)
    assert torn.returncode == 1
    trainee = status(sandbox, tmp_path, course)[alice]
    assert trainee["state"] == "FAILED" and trainee["receipt"] is None
    assert trainee["error_code"] == "AccessDeniedException"
    assert "tag:GetResources" in trainee["error"] and "iam-templates" in trainee["error"]


def test_the_sweep_reads_every_page(sandbox, tmp_path):
    """More leftovers than one GetResources page holds (100): every one is named."""
    course = small_course(sandbox, tmp_path, count=1)
    alice, account = sandbox.trainees[0]
    ssm = sandbox.backdoor_session(account).client("ssm", region_name=REGION)
    for index in range(130):
        ssm.put_parameter(
            Name=f"/lab/{alice}/{index:03d}", Value="x", Type="String", Tags=pairs(tags_for(alice))
        )
    assert cli(sandbox, tmp_path, "teardown", "--yes", course=course).returncode == 1
    trainee = status(sandbox, tmp_path, course)[alice]
    leftovers = trainee["leftovers"]
    assert len(leftovers) == 130 and {item["type"] for item in leftovers} == {"ssm:parameter"}
    assert "and 120 more" in trainee["error"]
    pages = [
        r for r in sandbox.trail() if r["operation"] == "GetResources" and r["region"] == REGION
    ]
    assert len(pages) == 2
