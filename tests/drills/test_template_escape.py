"""Drill: a course file whose template leaves the course's folder (``..``, an absolute path, a
symlink pointing out) is refused with exit 2 and file:line:field before any AWS call, so no host
file is ever uploaded into a trainee account in CreateStack."""

import pytest

from console.cli import main

TEMPLATE_LINE = 'template = "lab-template.yaml"'


def _course_with_template(sandbox, tmp_path, template: str):
    """The sandbox's course copied to ``tmp_path/course``, its stack step using ``template``."""
    folder = tmp_path / "course"
    folder.mkdir()
    text = sandbox.course_path.read_text()
    assert TEMPLATE_LINE in text
    (folder / "lab-template.yaml").write_text(
        (sandbox.course_path.parent / "lab-template.yaml").read_text()
    )
    path = folder / "course.toml"
    path.write_text(text.replace(TEMPLATE_LINE, f'template = "{template}"'))
    line = text[: text.index(TEMPLATE_LINE)].count("\n") + 1
    return path, line


@pytest.mark.parametrize(
    "template", ["../x.yaml", "../../../../etc/passwd", "/etc/passwd", "escape.yaml"]
)
@pytest.mark.parametrize("command", ["apply", "preflight", "teardown"])
def test_a_template_escaping_the_course_folder_is_refused_before_any_aws_call(
    sandbox, tmp_path, capsys, template, command
):
    (tmp_path / "x.yaml").write_text("Resources: {}\n")
    path, line = _course_with_template(sandbox, tmp_path, template)
    (path.parent / "escape.yaml").symlink_to("/etc/passwd")
    yes = ["--yes"] if command == "teardown" else []
    code = main([command, str(path), "--state-dir", str(tmp_path / "state"), *yes])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{path}:{line}: step[" in err and ".template: " in err
    assert "outside the course file's folder" in err and "Traceback" not in err
    assert sandbox.trail() == []
