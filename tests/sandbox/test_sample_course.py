"""The sample course: the format docs/contracts.md gives, and a template moto really deploys."""

import tomllib

from standin import write_sample_course
from tests.sandbox.aws import trainee_session


def test_the_course_file_format(tmp_path):
    path = write_sample_course(tmp_path, [("alice", "200000000001"), ("bob", "200000000002")])
    course = tomllib.loads(path.read_text())
    assert course["course"] == {
        "name": "dojo-2026-12",
        "region": "ap-northeast-1",
        "role_name": "ManageEnvRole",
        "concurrency": 10,
        "host_role": "AdminEnvRole",
        "source_identity": True,
    }
    assert course["trainee"] == [
        {"name": "alice", "account": "200000000001"},
        {"name": "bob", "account": "200000000002"},
    ]
    assert [s["kind"] for s in course["step"]] == [
        "iam_user",
        "codecommit_repo",
        "s3_bucket",
        "eks_cluster",
        "cloudformation_stack",
    ]
    stack = course["step"][-1]
    assert stack["parameters"] == {"Trainee": "{trainee}"}
    assert (path.parent / stack["template"]).is_file()


def test_the_sandbox_writes_it_for_its_trainees(sandbox):
    course = tomllib.loads(sandbox.course_path.read_text())
    assert [(t["name"], t["account"]) for t in course["trainee"]] == sandbox.trainees
    assert sandbox.env["WHODIDTHIS_COURSE"] == str(sandbox.course_path)


def test_moto_deploys_the_lab_template(sandbox):
    account = sandbox.account_of("alice")
    session = trainee_session(account)
    template = (sandbox.course_path.parent / "lab-template.yaml").read_text()
    cloudformation = session.client("cloudformation")
    cloudformation.create_stack(
        StackName="alice-lab",
        TemplateBody=template,
        Parameters=[{"ParameterKey": "Trainee", "ParameterValue": "alice"}],
        Tags=[{"Key": "whodidthis:trainee", "Value": "alice"}],
    )
    stack = cloudformation.describe_stacks(StackName="alice-lab")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["Tags"] == [{"Key": "whodidthis:trainee", "Value": "alice"}]
    # Read behind the role's back: its policy holds the template's create, read, update and
    # delete handler permissions (the provider schemas'), and GetParameter is none of them (the
    # parameter's read handler lists ssm:GetParameters).
    backdoor = sandbox.backdoor_session(account)
    parameter = backdoor.client("ssm").get_parameter(Name="/lab/alice/welcome")["Parameter"]
    assert parameter["Value"] == "Welcome to the lab, alice"
    assert parameter["ARN"].split(":")[4] == account
