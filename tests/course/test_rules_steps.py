"""Validation of [[step]] tables: kinds, parameters, placeholders, templates."""

from __future__ import annotations

import pytest

from console.course.schema import STEP_KINDS

from .conftest import MINIMAL, line_of, the_problem

KNOWN = "iam_user, codecommit_repo, s3_bucket, eks_cluster, cloudformation_stack"
NO_STEPS = MINIMAL[: MINIMAL.index("[[step]]")]


def test_no_steps_at_all(files):
    (message,) = files.problems(NO_STEPS)
    the_problem([message], 1, "step", "no [[step]] tables", "add at least one [[step]]")


def test_unknown_step_kind_lists_the_known_ones(files):
    text = MINIMAL + '\n[[step]]\nkind = "codecomit_repo"\nname = "x"\n'
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "codecomit_repo"),
        "step[2].kind",
        'unknown step kind "codecomit_repo"',
        'did you mean "codecommit_repo"?',
        f"known: {KNOWN}",
    )


def test_step_kind_of_the_wrong_type(files):
    text = MINIMAL.replace('kind = "iam_user"', "kind = 3")
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "kind = 3"),
        "step[1].kind",
        "the number 3 is not a step kind",
        KNOWN,
    )


def test_missing_step_kind(files):
    text = MINIMAL + '\n[[step]]\nname = "x"\n'
    (message,) = files.problems(text)
    the_problem(
        [message], line_of(text, "[[step]]", 2), "step[2].kind", 'missing key "kind"', KNOWN
    )


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        ("codecommit_repo", "name"),
        ("s3_bucket", "name"),
        ("eks_cluster", "role_arn"),
        ("cloudformation_stack", "template"),
    ],
)
def test_missing_required_step_parameter(files, kind, missing):
    body = {
        "codecommit_repo": 'kind = "codecommit_repo"\n',
        "s3_bucket": 'kind = "s3_bucket"\n',
        "eks_cluster": 'kind = "eks_cluster"\nname = "k"\n',
        "cloudformation_stack": 'kind = "cloudformation_stack"\nname = "s"\n',
    }[kind]
    text = MINIMAL + "\n[[step]]\n" + body
    (message,) = files.problems(text)
    example = STEP_KINDS[kind].params[missing].example
    the_problem(
        [message],
        line_of(text, "[[step]]", 2),
        f"step[2].{missing}",
        f'missing key "{missing}" in a step of kind "{kind}"',
        f"add it: {example}",
    )


def test_unknown_step_parameter_suggests_the_nearest(files):
    text = MINIMAL + '\n[[step]]\nkind = "s3_bucket"\nname = "b-{account}"\nversoning = true\n'
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "versoning"),
        "step[2].versoning",
        'unknown key "versoning"',
        'did you mean "versioning"?',
        "allowed: kind, name, versioning",
    )


@pytest.mark.parametrize(
    ("line_text", "field", "words"),
    [
        ('versioning = "yes"', "versioning", ('the string "yes" is not true or false',)),
        ('versioning = "false"', "versioning", ("without quotes: versioning = false",)),
        ("name = 5", "name", ("the number 5 is not a string",)),
        ('name = ["b"]', "name", ("a list is not a string",)),
    ],
)
def test_wrong_step_parameter_types(files, line_text, field, words):
    text = MINIMAL + f'\n[[step]]\nkind = "s3_bucket"\nname = "b-{{account}}"\n{line_text}\n'
    text = text.replace('name = "b-{account}"\nname', "name")
    (message,) = files.problems(text)
    the_problem([message], line_of(text, line_text), f"step[2].{field}", *words)


def test_list_parameter_given_a_string(files):
    text = MINIMAL.replace('kind = "iam_user"', 'kind = "iam_user"\ngroups = "trainees"')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "groups"),
        "step[1].groups",
        'the string "trainees" is not a list of strings',
        'e.g. groups = ["trainees"]',
    )


def test_a_list_item_of_the_wrong_type_is_placed_on_its_own_line(files):
    text = MINIMAL.replace('kind = "iam_user"', 'kind = "iam_user"\ngroups = [\n  "a",\n  7,\n]')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "  7,"),
        "step[1].groups[2]",
        "the number 7 is not a string",
        "every item of groups must be a string",
    )


def test_capabilities_must_be_known(files):
    files.write("Resources: {}\n", "t.yaml")
    text = MINIMAL + (
        '\n[[step]]\nkind = "cloudformation_stack"\nname = "s"\ntemplate = "t.yaml"\n'
        'capabilities = ["CAPABILITY_IAM", "CAPABILITY_NAMED"]\n'
    )
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "capabilities"),
        "step[2].capabilities[2]",
        '"CAPABILITY_NAMED" is not allowed',
        'did you mean "CAPABILITY_NAMED_IAM"?',
    )


def test_stack_parameter_keys_and_values(files):
    files.write("Resources: {}\n", "t.yaml")
    text = MINIMAL + (
        '\n[[step]]\nkind = "cloudformation_stack"\nname = "s"\ntemplate = "t.yaml"\n'
        '\n[step.parameters]\n"Env Name" = "x"\nSize = 3\n'
    )
    messages = files.problems(text)
    assert len(messages) == 2
    the_problem(
        messages,
        line_of(text, '"Env Name"'),
        'step[2].parameters."Env Name"',
        "is not a CloudFormation parameter name",
        "a space",
    )
    the_problem(
        messages,
        line_of(text, "Size = 3"),
        "step[2].parameters.Size",
        "the number 3 is not a string",
        "every value of parameters must be a string",
    )


def test_unknown_placeholder_suggests_the_nearest(files):
    text = MINIMAL.replace('kind = "iam_user"', 'kind = "iam_user"\nname = "{trainees}-user"')
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "{trainees}"),
        "step[1].name",
        'unknown placeholder "{trainees}" in "{trainees}-user"',
        "did you mean {trainee}?",
        "use {trainee}, {course} or {account}",
    )


@pytest.mark.parametrize(("name", "at"), [("{trainee", 1), ("x-}trainee", 3), ("{{trainee}", 10)])
def test_unbalanced_braces(files, name, at):
    text = MINIMAL.replace('kind = "iam_user"', f'kind = "iam_user"\nname = "{name}"')
    (message,) = files.problems(text)
    the_problem([message], line_of(text, name), "step[1].name", "unbalanced", f"at character {at}")


def test_empty_placeholder(files):
    text = MINIMAL.replace('kind = "iam_user"', 'kind = "iam_user"\nname = "u{}"')
    the_problem(files.problems(text), line_of(text, "u{}"), "step[1].name", "empty placeholder {}")


def test_placeholders_in_a_list_item_are_checked_on_its_line(files):
    text = MINIMAL.replace(
        'kind = "iam_user"',
        """kind = "iam_user"
policy_arns = [
  "arn:aws:iam::aws:policy/ReadOnlyAccess",
  "arn:aws:iam::{acount}:policy/Dojo",
]""",
    )
    (message,) = files.problems(text)
    the_problem(
        [message],
        line_of(text, "{acount}"),
        "step[1].policy_arns[2]",
        'unknown placeholder "{acount}"',
        "did you mean {account}?",
    )


def test_doubled_braces_are_literal(files):
    files.write("Resources: {}\n", "t.yaml")
    text = MINIMAL + (
        '\n[[step]]\nkind = "cloudformation_stack"\nname = "s"\ntemplate = "t.yaml"\n'
        'parameters = { Json = "{{\\"who\\": \\"{trainee}\\"}}" }\n'
    )
    course = files.load(text)
    rendered = course.steps[1].render(course, course.trainees[0])
    assert rendered["parameters"] == {"Json": '{"who": "alice"}'}


def test_a_missing_template_names_the_resolved_path(files):
    text = MINIMAL + (
        '\n[[step]]\nkind = "cloudformation_stack"\nname = "s"\ntemplate = "templates/net.yaml"\n'
    )
    (message,) = files.problems(text)
    resolved = (files.root / "templates" / "net.yaml").resolve()
    the_problem(
        [message],
        line_of(text, "template ="),
        "step[2].template",
        '"templates/net.yaml" does not exist',
        f"looked for {resolved}",
        "relative to the course file",
    )


def test_a_template_that_is_a_folder(files):
    (files.root / "templates").mkdir()
    text = (
        MINIMAL + '\n[[step]]\nkind = "cloudformation_stack"\nname = "s"\ntemplate = "templates"\n'
    )
    the_problem(
        files.problems(text),
        line_of(text, "template ="),
        "step[2].template",
        "is a folder, not a file",
    )


def test_a_template_with_a_placeholder_says_it_is_not_rendered(files):
    files.write("Resources: {}\n", "alice.yaml")
    text = MINIMAL + (
        '\n[[step]]\nkind = "cloudformation_stack"\nname = "s"\ntemplate = "{trainee}.yaml"\n'
    )
    the_problem(
        files.problems(text),
        line_of(text, "template ="),
        "step[2].template",
        "placeholders are not rendered in template",
    )


def test_a_template_path_with_a_nul_byte_is_a_problem_not_a_crash(files):
    text = (
        MINIMAL + '\n[[step]]\nkind = "cloudformation_stack"\nname = "s"\ntemplate = "a\\u0000b"\n'
    )
    the_problem(
        files.problems(text),
        line_of(text, "template ="),
        "step[2].template",
        "cannot be used as a path",
    )


@pytest.mark.parametrize("template", ["../x.yaml", "../../../../etc/passwd", "/etc/passwd"])
def test_a_template_outside_the_course_folder_is_refused(files, template):
    (files.root.parent / "x.yaml").write_text("Resources: {}\n")
    text = MINIMAL + (
        f'\n[[step]]\nkind = "cloudformation_stack"\nname = "s"\ntemplate = "{template}"\n'
    )
    the_problem(
        files.problems(text),
        line_of(text, "template ="),
        "step[2].template",
        "outside the course file's folder",
        "put the template in the course file's folder",
    )


def test_a_template_symlinked_out_of_the_course_folder_is_refused(files):
    (files.root / "net.yaml").symlink_to("/etc/passwd")
    text = MINIMAL + (
        '\n[[step]]\nkind = "cloudformation_stack"\nname = "s"\ntemplate = "net.yaml"\n'
    )
    the_problem(
        files.problems(text),
        line_of(text, "template ="),
        "step[2].template",
        "resolves to /etc/passwd, outside the course file's folder",
    )


def test_a_template_in_a_subfolder_or_symlinked_within_the_folder_is_accepted(files):
    files.write("Resources: {}\n", "templates/net.yaml")
    (files.root / "link.yaml").symlink_to(files.root / "templates" / "net.yaml")
    text = MINIMAL + (
        '\n[[step]]\nkind = "cloudformation_stack"\nname = "s"\ntemplate = "templates/../link.yaml"\n'
    )
    course = files.load(text)
    assert course.steps[1].params["template"] == "templates/../link.yaml"
