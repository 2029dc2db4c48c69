"""The sample course the sandbox writes for its trainee accounts (docs/contracts.md, "Course file")."""

from __future__ import annotations

from pathlib import Path

COURSE_FILE = "course.toml"
TEMPLATE_FILE = "lab-template.yaml"

# Deliberately small: moto deploys an SSM parameter and an SQS queue through CloudFormation.
LAB_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: A trainee's lab (whodidthis sample course)
Parameters:
  Trainee:
    Type: String
    Description: the trainee this lab belongs to
Resources:
  LabParameter:
    Type: AWS::SSM::Parameter
    Properties:
      Name:
        Fn::Sub: "/lab/${Trainee}/welcome"
      Type: String
      Value:
        Fn::Sub: "Welcome to the lab, ${Trainee}"
  LabQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName:
        Fn::Sub: "lab-${Trainee}"
Outputs:
  QueueUrl:
    Value:
      Ref: LabQueue
"""

_STEPS = """\
[[step]]
kind = "iam_user"            # name defaults to "{trainee}"

[[step]]
kind = "codecommit_repo"
name = "dojo-app"

[[step]]
kind = "s3_bucket"
name = "{course}-{trainee}-{account}"

[[step]]
kind = "eks_cluster"
name = "{trainee}-eks"
role_arn = "arn:aws:iam::{account}:role/EksClusterRole"

[[step]]
kind = "cloudformation_stack"
name = "{trainee}-lab"
template = "lab-template.yaml"
parameters = { Trainee = "{trainee}" }
"""


def course_text(
    trainees: list[tuple[str, str]], name: str = "dojo-2026-12", region: str = "ap-northeast-1"
) -> str:
    """The course file's text for these ``(name, account)`` trainees."""
    lines = [
        "[course]",
        f'name = "{name}"',
        f'region = "{region}"',
        'role_name = "ManageEnvRole"',
        "concurrency = 10",
        'host_role = "AdminEnvRole"',
        "source_identity = true",
        "",
    ]
    for trainee, account in trainees:
        lines += ["[[trainee]]", f'name = "{trainee}"', f'account = "{account}"', ""]
    return "\n".join(lines) + "\n" + _STEPS


def write_sample_course(
    directory: str | Path,
    trainees: list[tuple[str, str]],
    name: str = "dojo-2026-12",
    region: str = "ap-northeast-1",
) -> Path:
    """Write ``course.toml`` and the template it references into ``directory``.

    Returns:
        The path of ``course.toml``.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TEMPLATE_FILE).write_text(LAB_TEMPLATE, encoding="utf-8")
    path = folder / COURSE_FILE
    path.write_text(course_text(trainees, name, region), encoding="utf-8")
    return path
