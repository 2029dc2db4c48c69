"""The course's CloudFormation templates, checked at load for the course's region.

For each ``cloudformation_stack`` step whose template file passed its path checks: cfn-lint's
errors are course problems (exit 2, before any AWS call), its warnings are returned to be
shown; a resource type the region's provider schemas do not have is a problem; capabilities
the template needs and the step does not state are a problem, as AWS would refuse the stack
(``InsufficientCapabilities``) after the first trainee's CreateStack.
"""

from __future__ import annotations

from pathlib import Path

from console.course.cfn_template import (
    TemplateUnreadable,
    line_of,
    lint_template,
    missing_capabilities,
    read_template,
    resource_types,
    resources,
)
from console.course.checks import CheckedCourse, Problems, quote
from console.course.provider_schemas import UnknownResourceType, known_region, provider_schema


def check_templates(checked: CheckedCourse, problems: Problems, base_dir: Path) -> list[str]:
    """Add the templates' problems to ``problems``; return cfn-lint's warnings as text."""
    region = str(checked.settings.get("region") or "")
    if not region:
        return []  # the region's own problem is already reported
    warnings: list[str] = []
    for index, kind, params, _line in checked.steps:
        if kind != "cloudformation_stack" or "template" not in params:
            continue
        if not known_region(region):
            problems.add(
                ("course", "region"),
                f"{quote(region)} is not a region CloudFormation has (cfn-lint ships no provider "
                "schemas for it), so the course's templates cannot be checked",
                "use an AWS region code such as ap-northeast-1",
            )
            return []
        path = base_dir / str(params["template"])
        shown = Path(str(params["template"]))
        warnings += _check_one(path, shown, region, params, ("step", index), problems)
    return warnings


def _check_one(path: Path, shown: Path, region, params, where, problems: Problems) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        document = read_template(text)
    except TemplateUnreadable as exc:
        problems.add(where + ("template",), f"{quote(str(shown))} {exc}", "fix the template")
        return []
    step_line = problems.lines.line_of(where)
    warnings = []
    linted = lint_template(path, region)
    for finding in linted:
        shown_finding = f"{shown}:{finding.line}: {finding.rule} {finding.message}"
        if finding.fatal:
            problems.add_at(
                step_line,
                f"{field_path(where)}.template: cfn-lint {shown_finding}",
                "fix the template (https://github.com/aws-cloudformation/cfn-lint)",
            )
        else:
            warnings.append(f"warning: cfn-lint {shown_finding}")
    if not any(f.rule == "E3006" for f in linted):  # cfn-lint names an unknown type itself
        for kind in resource_types(document):
            try:
                provider_schema(kind, region)
            except UnknownResourceType as exc:
                problems.add(
                    where + ("template",), f"{shown}: {exc}", "use a type CloudFormation has"
                )
    _check_capabilities(document, text, shown, params, where, problems)
    return warnings


def _check_capabilities(document, text, shown, params, where, problems: Problems) -> None:
    stated = [str(c) for c in params.get("capabilities") or ()]
    for capability, reasons in missing_capabilities(document, stated).items():
        logical = reasons[0].split(" ", 1)[0]
        line = line_of(text, logical) if logical in resources(document) else 1
        problems.add(
            where + ("capabilities",),
            f"{shown}:{line}: the template needs {capability} ({', '.join(reasons)}); "
            "CloudFormation refuses it with InsufficientCapabilities without it",
            f'add capabilities = ["{capability}"] to the step once you have reviewed what the '
            "template creates",
        )


def field_path(where: tuple) -> str:
    """``("step", 2)`` as ``step[3]``."""
    from console.course.checks import field_name

    return field_name(where)
