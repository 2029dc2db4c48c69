"""``whodidthis sandbox``: the stand-in for AWS (the ``sandbox`` extra), run as a program.

The product never imports the stand-in: ``console.cli`` checks that it is installed, this asks it to
write its sample course (``python -m standin sample-course``), writes the role templates for that
course with its own ``iam-templates`` functions (admin account: the stand-in's), and runs
``python -m standin serve --roles DIR``. The stand-in's accounts thus get their roles the way a
user's do: from the files ``iam-templates`` writes, deployed through CloudFormation.

``whodidthis sandbox`` becomes the stand-in (exec); the demo runs it as a child process.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from console.commands.iam_templates import template_files, write_templates
from console.errors import UsageError

# What must not reach a program acting as the sandbox's EC2 host: only IMDS supplies credentials.
CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
)


def standin_argv(*args: str) -> list[str]:
    """The command line running the stand-in with this Python."""
    return [sys.executable, "-m", "standin", *args]


@dataclass(frozen=True)
class SampleCourse:
    """What ``python -m standin sample-course`` wrote and said."""

    course: Path
    admin_account: str
    host_role: str
    role_name: str
    trainees: list[tuple[str, str]]


def write_sample_course(directory: Path, trainees: int) -> SampleCourse:
    """Ask the stand-in to write its sample course into ``directory``.

    Raises:
        UsageError: the stand-in refused (its message says why).
    """
    ran = subprocess.run(
        standin_argv("sample-course", "--dir", str(directory), "--trainees", str(trainees)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if ran.returncode != 0:
        raise UsageError(ran.stderr.strip() or f"the stand-in exited {ran.returncode}")
    facts = json.loads(ran.stdout)
    return SampleCourse(
        course=Path(facts["course"]),
        admin_account=facts["admin_account"],
        host_role=facts["host_role"],
        role_name=facts["role_name"],
        trainees=[(t["name"], t["account"]) for t in facts["trainees"]],
    )


def prepare_roles(directory: Path, trainees: int) -> SampleCourse:
    """The sample course and, beside it, the role templates ``iam-templates --course`` writes
    for it (``admin-env-role.json``, ``manage-env-role.json``); returns the course's facts."""
    from console.course.model import load_course

    sample = write_sample_course(directory, trainees)
    # The templates depend on the course's steps only; a course needs a trainee to load.
    course_file = sample.course
    if not sample.trainees:
        course_file = write_sample_course(directory / "one-trainee", 1).course
    files = template_files(
        sample.admin_account, sample.host_role, sample.role_name, course=load_course(course_file)
    )
    write_templates(directory, files)
    return sample


def serve_args(args) -> list[str]:
    """``serve`` options from the parsed ``whodidthis sandbox`` arguments."""
    argv = ["--trainees", str(args.trainees), "--latency", str(args.latency)]
    argv += ["--jitter", str(args.jitter), "--throttle", str(args.throttle)]
    if args.dir:
        argv += ["--dir", str(args.dir)]
    if getattr(args, "imds_v1", False):
        argv.append("--imds-v1")
    for pair in args.before:
        argv += ["--before", pair]
    return argv


def cli_sandbox(args) -> int:
    """Become ``python -m standin serve`` with roles from this product's templates."""
    if args.trainees < 0:
        raise UsageError("--trainees must be 0 or more")
    roles = Path(tempfile.mkdtemp(prefix="whodidthis-roles-"))
    try:
        prepare_roles(roles, args.trainees)
    except BaseException:
        import shutil

        shutil.rmtree(roles, ignore_errors=True)
        raise
    argv = standin_argv("serve", *serve_args(args), "--roles", str(roles), "--remove-roles-dir")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
    return 0  # not reached


def read_exports(stream) -> dict[str, str]:
    """The ``export NAME=VALUE`` lines ``serve`` prints before closing its stdout."""
    import shlex

    exports = {}
    for line in stream:
        if line.startswith("export "):
            name, _, value = line[len("export ") :].strip().partition("=")
            exports[name] = shlex.split(value)[0] if value else ""
    return exports


def host_env(exports: dict[str, str], directory: Path, base: dict[str, str]) -> dict[str, str]:
    """``base`` without stored credentials, plus the stand-in's exports: a program run with it
    acts as the sandbox's EC2 host (credentials from IMDS only)."""
    env = {k: v for k, v in base.items() if k not in CREDENTIAL_VARIABLES}
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(directory / "no-such-credentials")
    env["AWS_CONFIG_FILE"] = str(directory / "no-such-config")
    env.update(exports)
    return env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the stand-in gets SIGTERM when the process that started it dies (even by
    SIGKILL), so no stand-in outlives its demo."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_standin(argv: list[str]) -> subprocess.Popen:
    """Start ``python -m standin serve ...`` as a child; its stdout and stderr are pipes."""
    return subprocess.Popen(
        standin_argv("serve", *argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def stop_standin(process: subprocess.Popen, wait: float) -> None:
    """SIGTERM the stand-in, SIGKILL it after ``wait`` seconds, and reap it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
