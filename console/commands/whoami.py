"""``whodidthis whoami``: the host's identity, where its keys come from, and a verdict.

Imports only botocore and the identity modules, so the answer comes about as fast as
``aws sts get-caller-identity`` while saying much more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands.options import Options, add_common, add_output, new_parser
from console.commands.output import emit
from console.errors import EXIT_IDENTITY_REFUSED, EXIT_OK

if TYPE_CHECKING:  # the SDK (1.5 s to import) is loaded when whoami runs, not for its --help
    from console.aws.identity import HostIdentity

IMDS_WORDS = {
    1: "IMDSv1 (the token request was refused; keys read without a token)",
    2: "IMDSv2 (session token)",
}


def course_of(course_arg: str | None):
    """The course and its path, when ``--course`` names a course file; else (None, None)."""
    if not course_arg:
        return None, None
    from console.course.model import load_course, resolve_course_path

    path = resolve_course_path(course_arg)
    return load_course(path), path


def format_time_left(seconds: int | None) -> str:
    """``3725`` -> ``1h 2m``; negative -> ``expired``."""
    if seconds is None:
        return "no expiry (long-term)"
    if seconds <= 0:
        return "expired"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    return f"{hours}h {minutes}m" if hours else f"{minutes}m {rest % 60}s"


def operator_json(check) -> dict:
    """The ``whoami --json`` fields naming the operator and how it is known."""
    return {
        "operator": check.operator.name,
        "operator_source": check.operator.source,
        "operator_level": check.operator.level,
        "operator_arn": check.operator.arn,
        "operator_verified_by": check.how,
        "operator_session_id": check.operator.session_id,
        "operator_forgeable": list(check.operator.forgeable),
    }


def _level_words(operator) -> str:
    """The operator's level, and whether this host could forge it."""
    if operator.level == "claimed":
        return "claimed (a flag or the login; nothing on this host verifies it)"
    from console.model import is_unsettled

    certain = [r for r in operator.forgeable if not is_unsettled(r)]
    if certain:
        return (
            f"ssm-session, FORGEABLE on this host ({len(operator.forgeable)} reasons below); "
            "`whodidthis audit` confirms it from CloudTrail"
        )
    if operator.forgeable:
        return (
            "ssm-session; the owner's session name may be its caller's choice (cannot tell "
            "SAML from the ARN): `whodidthis audit` settles it from CloudTrail"
        )
    return "ssm-session (nothing found that could forge it; `audit` confirms it from CloudTrail)"


@dataclass(frozen=True)
class Regions:
    """The regions whoami shows, each with where it came from.

    ``host`` is the instance's own (IMDS ``placement/region``, read as the SSM check reads it:
    the SSM agent sets no AWS variable in a session's shell, and botocore takes no region from
    IMDS); ``cli`` is botocore's configured one (what ``aws`` and the host's calls use).
    """

    host: str | None
    cli: str | None
    cli_source: str | None
    course: str | None = None
    course_source: str | None = None

    def rows(self) -> list[tuple[str, str]]:
        host = (
            f"{self.host} (this host's, from IMDS placement/region)"
            if self.host
            else "- (this host's: IMDS gave none, not an EC2 instance profile)"
        )
        cli = (
            f"{self.cli} (the CLI's, from {self.cli_source})"
            if self.cli
            else "- (the CLI's: no AWS_DEFAULT_REGION, --region or profile region; the SSM "
            "agent sets none)"
        )
        rows = [("region", host), ("region", cli)]
        if self.course:
            rows.append(("region", f"{self.course} (the course's, {self.course_source})"))
        return rows

    def to_json(self) -> dict:
        return {
            "host_region": self.host,
            "host_region_source": "imds placement/region" if self.host else None,
            "cli_region": self.cli,
            "cli_region_source": self.cli_source,
            "course_region": self.course,
        }


def find_regions(identity: HostIdentity, course=(None, None), botocore_session=None) -> Regions:
    """The host's region (IMDS, asked only for an instance profile: elsewhere it would wait for
    a timeout), botocore's configured one and its source, and ``course``'s (from course_of)."""
    import os

    import botocore.session
    from botocore.exceptions import BotoCoreError

    from console.aws.ssm_host import imds_facts

    session = botocore_session or botocore.session.get_session()
    host = imds_facts(session)[1] if identity.method == "iam-role" else None
    source = None
    if identity.region:
        source = "AWS_DEFAULT_REGION (or --region)"
        if not os.environ.get("AWS_DEFAULT_REGION"):
            try:
                profile = session.profile or "default"
            except BotoCoreError:
                profile = "default"
            source = f"profile {profile} in the AWS config file"
    loaded, path = course  # (Course, its path) from course_of, or (None, None)
    where = str(path) if path else None
    return Regions(host, identity.region, source, loaded.region if loaded else None, where)


def render_text(
    identity: HostIdentity,
    scan_result=None,
    now: dt.datetime | None = None,
    operator=None,
    regions: Regions | None = None,
) -> str:
    """The human ``whoami`` report: one fact a line, the verdict last.

    ``operator`` is a :class:`console.aws.operator.OperatorCheck`: who acts, and how known.
    ``regions``: the host's, the CLI's and the course's, each with its source.
    """
    rows = [
        ("identity", identity.arn or "-"),
        ("account", identity.account or "-"),
        ("user id", identity.user_id or "-"),
        ("source", f"{identity.source_words} ({identity.method or 'none'})"),
        ("keys", f"{identity.key_type or '-'} ({identity.key_id_masked or '-'})"),
    ]
    if identity.imds_version is not None:
        rows.append(("imds", IMDS_WORDS[identity.imds_version]))
    if identity.expires_at:
        when = identity.expires_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        rows.append(("expires", f"{when} (in {format_time_left(identity.seconds_left(now))})"))
    if regions is not None:
        rows.extend(regions.rows())
    else:
        rows.append(("region", identity.region or "- (set AWS_DEFAULT_REGION)"))
    if operator is not None:
        who = operator.operator
        rows.append(("operator", f"{who.name} ({who.source}: {operator.how})"))
        rows.append(("level", _level_words(who)))
        rows.extend(("note", note) for note in operator.notes)
    lines = [f"{name:<9} {value}" for name, value in rows]
    if scan_result is not None:
        skipped = ", ".join(f"{len(v)} {k}" for k, v in scan_result.skipped.items()) or "none"
        lines.append(f"{'scan':<9} {scan_result.files_read} files read; skipped: {skipped}")
        lines.extend(f"{'found':<9} {finding.sentence()}" for finding in scan_result.findings)
    for note in identity.notes:
        lines.append(f"{'note':<9} {note}")
    role = identity.role_name or "this principal"
    if identity.ok and not (scan_result and scan_result.findings):
        if identity.overridden:
            text = (
                f"ACCEPTED (--allow-long-term-keys): acting as {role} with long-term or stored keys"
            )
        else:
            text = f"OK: acting as {role} with no stored credential"
        lines.append(f"{'verdict':<9} {text}")
    else:
        lines.append(f"{'verdict':<9} REFUSED")
        lines.extend(f"  - {problem}" for problem in identity.problems)
        if scan_result and scan_result.findings:
            whole = sum(finding.severity == "high" for finding in scan_result.findings)
            half = len(scan_result.findings) - whole
            lines.append(
                f"  - {whole} stored credential(s) and {half} half credential(s) found; see above."
            )
    return "\n".join(lines)


EXAMPLES = """examples:
  whodidthis whoami                      who this host is, and whether whodidthis accepts it
  whodidthis whoami --course dojo.toml   also check the host role the course expects
  whodidthis whoami --scan -o yaml       also look for stored credentials; YAML out"""


@dataclass(frozen=True, kw_only=True)
class WhoamiOptions(Options):
    course: str | None = None
    scan: list[str] | None = None
    output: str = "table"


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES)
    add_output(p, json_help="print one JSON object (as -o json)")
    p.add_argument(
        "--scan",
        nargs="*",
        metavar="PATH",
        default=None,
        help="also look for stored credentials (default paths: the home folder and Jenkins' home)",
    )
    p.add_argument("--course", default=None, help="check the host role the course expects")
    add_common(p)
    p.set_defaults(handler=cli_whoami, options=WhoamiOptions)
    return p


def cli_whoami(args: WhoamiOptions) -> int:
    """Entry point of ``whodidthis whoami``."""
    from console.aws.identity import resolve_host_identity

    scan_paths = None
    if args.scan is not None:
        from console.aws.scan import check_paths, scan

        scan_paths = [Path(p) for p in args.scan] or None
        check_paths(scan_paths or [])  # a missing path is bad input (exit 2), before any call
    course, course_path = course_of(args.course)
    identity = resolve_host_identity(
        expected_role=course.host_role if course else None,
        allow_long_term=args.allow_long_term_keys,
    )
    from console.aws.operator import check_operator

    # Finding an SSM session's owner asks AWS: only with credentials we accept.
    operator = check_operator(args.operator, ssm=identity.ok)
    regions = find_regions(identity, (course, course_path))
    scan_result = None if args.scan is None else scan(scan_paths)
    refused = not identity.ok or bool(scan_result and scan_result.findings)

    def data() -> dict:
        out = identity.to_json()
        out.update(operator_json(operator))
        out.update(regions.to_json())
        if scan_result is not None:
            out["scan"] = scan_result.to_json()
            out["problems"] = out["problems"] + [f.sentence() for f in scan_result.findings]
            out["ok"] = not refused
        return out

    emit(
        args.output,
        data,
        lambda: render_text(identity, scan_result, operator=operator, regions=regions),
    )
    return EXIT_IDENTITY_REFUSED if refused else EXIT_OK
