"""CloudFormation's limits and the template re-read race (issue 26, item 8).

TemplateBody takes at most 51,200 bytes, a parameter value at most 4,096 characters (AWS
CloudFormation User Guide, "Understand CloudFormation quotas"); a larger template passed the
course check and was sent anyway. The template was checked at load and read again at step
time, so a symlink swapped in between uploaded a file from outside the course's folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from console.course.model import load_course
from console.course.templates import PARAMETER_VALUE_MAX, TEMPLATE_BODY_MAX
from console.errors import CourseError
from console.steps.base import StepContext
from console.steps.cfn import _template

TEMPLATE = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"


def _course(folder: Path, *, template: str = TEMPLATE, parameter: str = "x") -> Path:
    (folder / "lab.yaml").write_text(template)
    path = folder / "course.toml"
    path.write_text(
        "[course]\n"
        'name = "dojo"\n'
        'region = "ap-northeast-1"\n\n'
        "[[trainee]]\n"
        'name = "alice"\n'
        'account = "111111111111"\n\n'
        "[[step]]\n"
        'kind = "cloudformation_stack"\n'
        'name = "{trainee}-lab"\n'
        'template = "lab.yaml"\n'
        f'parameters = {{ Note = "{parameter}" }}\n'
    )
    return path


def test_a_template_over_51200_bytes_is_refused_at_load(tmp_path):
    body = TEMPLATE + "# " + "x" * (TEMPLATE_BODY_MAX) + "\n"
    with pytest.raises(CourseError) as refused:
        load_course(_course(tmp_path, template=body))
    text = "\n".join(refused.value.problems)
    assert "step[1].template" in text and "51,200 bytes in TemplateBody" in text


def test_a_template_of_exactly_51200_bytes_is_accepted(tmp_path):
    body = TEMPLATE + "#" * (TEMPLATE_BODY_MAX - len(TEMPLATE) - 1) + "\n"
    assert len(body.encode()) == TEMPLATE_BODY_MAX
    course = load_course(_course(tmp_path, template=body))
    assert course.template_body(course.steps[0]) == body


def test_a_parameter_value_over_4096_characters_is_refused(tmp_path):
    with pytest.raises(CourseError) as refused:
        load_course(_course(tmp_path, parameter="v" * (PARAMETER_VALUE_MAX + 1)))
    text = "\n".join(refused.value.problems)
    assert "parameters.Note" in text and "at most 4,096" in text


def test_the_template_is_read_once_and_a_swap_after_load_is_never_sent(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("host secret\n")
    folder = tmp_path / "course"
    folder.mkdir()
    course = load_course(_course(folder))
    (folder / "lab.yaml").unlink()
    (folder / "lab.yaml").symlink_to(outside)  # swapped between the check and the step
    step = course.steps[0]
    ctx = StepContext(
        course_name=course.name,
        trainee="alice",
        account="111111111111",
        region=course.region,
        params=step.render(course, course.trainees[0]),
        client=None,
        progress=lambda text: None,
        template_path=str(course.template_path(step)),
        template_body=course.templates.get(step.index),
    )
    assert _template(ctx) == TEMPLATE
