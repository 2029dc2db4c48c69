"""``whodidthis handout COURSE``: a fresh one-time console password for each trainee's user.

For every ``iam_user`` step with ``console_login = true``, in each trainee account and with the
operator's assumed-role session (so the ledger and CloudTrail show who handed out what): read
the account's password policy, make a password that meets it, and set it with
``PasswordResetRequired`` (CreateLoginProfile, or UpdateLoginProfile when the user already has
one: running handout again replaces every password). Only a user carrying this course's and
trainee's tags gets a password.

Each password is written once to a file (``--out``, by default a new one in the current
folder), created 0600 and moved into place, never readable by others even for a moment; or
printed, only with ``--stdout`` (an SSM session's log would keep it); and then forgotten: it never reaches the
state store, the ledger (which records the call, not its parameters), a log or a screenshot.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from console.aws.attribution import LedgerContext, current, install_ledger_hooks
from console.aws.passwords import PasswordPolicy, account_password_policy, new_password
from console.commands.options import CourseOptions, add_common, add_course, add_output, new_parser
from console.engine import interruptible
from console.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError
from console.steps.base import TAG_COURSE, TAG_TRAINEE

CHANGE_PASSWORD_POLICY = "arn:aws:iam::aws:policy/IAMUserChangePassword"


@dataclass
class Handout:
    """One trainee's console access: where to sign in, as whom, with which password."""

    name: str
    account: str
    user_name: str
    password: str | None = None
    error: str | None = None
    note: str | None = None

    @property
    def sign_in_url(self) -> str:
        return f"https://{self.account}.signin.aws.amazon.com/console"

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "account": self.account,
            "sign_in_url": self.sign_in_url,
            "user_name": self.user_name,
            "password": self.password,
            "error": self.error,
            "note": self.note,
        }

    def text(self) -> str:
        lines = [f"{self.name}  (account {self.account})"]
        lines.append(f"  sign in:   {self.sign_in_url}")
        lines.append(f"  user:      {self.user_name}")
        if self.password:
            lines.append(
                f"  password:  {self.password}   (one-time: a new one is chosen at sign-in)"
            )
        if self.error:
            lines.append(f"  NOT DONE:  {self.error}")
        if self.note:
            lines.append(f"  note:      {self.note}")
        return "\n".join(lines)


def login_steps(course) -> list:
    """The course's ``iam_user`` steps that allow console sign-in; a UsageError when none."""
    steps = [s for s in course.steps if s.kind == "iam_user" and s.params.get("console_login")]
    if not steps:
        users = [s for s in course.steps if s.kind == "iam_user"]
        where = f" (the iam_user step at line {users[0].line})" if users else ""
        raise UsageError(
            f"{course.path}: no iam_user step has console_login = true{where}; add "
            "console_login = true to the trainee's iam_user step, run apply, then handout"
        )
    return steps


@dataclass
class Progress:
    """Whose password changed so far, and whose change is under way: what an interrupted or
    undelivered handout must name (``handout_safety``)."""

    changed: list[Handout] = field(default_factory=list)
    changing: set[str] = field(default_factory=set)


async def _set_password(
    iam, course, trainee, user: str, policy: PasswordPolicy, progress: Progress
) -> Handout:
    from botocore.exceptions import ClientError

    from console.steps.calls import every
    from console.steps.iam_user import find_user

    row = Handout(trainee.name, trainee.account, user)
    found = await find_user(iam, user)
    if found is None:
        row.error = f"IAM user {user} does not exist yet: run `whodidthis apply` first"
        return row
    _, tags = found
    if tags.get(TAG_COURSE) != course.name or tags.get(TAG_TRAINEE) != trainee.name:
        row.error = f"IAM user {user} is not tagged for this course and trainee: left alone"
        return row
    password = new_password(policy)
    progress.changing.add(trainee.name)
    try:
        await iam.get_login_profile(UserName=user)
        await iam.update_login_profile(UserName=user, Password=password, PasswordResetRequired=True)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise
        await iam.create_login_profile(UserName=user, Password=password, PasswordResetRequired=True)
    row.password = password
    progress.changed.append(row)
    progress.changing.discard(trainee.name)
    if not policy.allow_users_to_change:
        attached = await every(
            iam, "list_attached_user_policies", "AttachedPolicies", UserName=user
        )
        if CHANGE_PASSWORD_POLICY not in {p["PolicyArn"] for p in attached}:
            row.note = (
                "the user must choose a new password at sign-in and needs iam:ChangePassword: "
                f'add "{CHANGE_PASSWORD_POLICY}" to the step\'s policy_arns and run apply'
            )
    return row


async def _one(course, trainee, steps, broker, recorder, progress: Progress) -> list[Handout]:
    from console.engine.pipeline import failure_of

    users = [step.name_for(course, trainee) for step in steps]
    operator = broker.operator
    current.set(
        LedgerContext(
            course.name,
            trainee.name,
            trainee.account,
            step="handout",
            region=course.region,
            operator=operator,
        )
    )
    try:
        session = await broker.session_for(trainee.name, trainee.account, operator)
        async with session.session.create_client(
            "iam", region_name=course.region, config=broker.client_config
        ) as iam:
            install_ledger_hooks(iam, recorder)
            policy = await account_password_policy(iam)
            return [
                await _set_password(iam, course, trainee, user, policy, progress) for user in users
            ]
    except Exception as exc:  # every failure is reported on the trainee's row
        error = failure_of(exc, broker.host_arn).text
        return [Handout(trainee.name, trainee.account, user, error=error) for user in users]


async def hand_out(
    course, host, operator, names: list[str], recorder, progress: Progress | None = None
) -> list[Handout]:
    """Set a one-time password for every console user of ``names`` (default: everyone)."""
    from console.aws.sessions import broker_for
    from console.redaction import quiet_sdk_loggers

    quiet_sdk_loggers()
    steps = login_steps(course)
    targets = course.trainees_in(names)
    slots = asyncio.Semaphore(course.concurrency)
    progress = progress or Progress()
    async with broker_for(course, host, operator=operator, recorder=recorder) as broker:

        async def one(trainee) -> list[Handout]:
            async with slots:
                return await _one(course, trainee, steps, broker, recorder, progress)

        rows = await asyncio.gather(*(one(t) for t in targets))
    return [row for group in rows for row in group]


EXAMPLES = """examples:
  whodidthis handout dojo.toml                  to ./dojo-2026-12-handout-<UTC time>.txt (0600)
  whodidthis handout dojo.toml --out h.txt      to h.txt (0600)
  whodidthis handout dojo.toml --trainee alice --stdout
                                                to the terminal (a session log may keep it)"""


@dataclass(frozen=True, kw_only=True)
class HandoutOptions(CourseOptions):
    trainee: list[str] = field(default_factory=list)
    output: str = "table"
    out: str | None = None
    stdout: bool = False


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES)
    add_course(p)
    p.add_argument(
        "--trainee", action="append", default=[], metavar="NAME", help="only these (repeatable)"
    )
    add_output(p, json_help="one JSON object (as -o json)")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help="the file to write (mode 0600; default: COURSE-handout-<UTC time>.txt here)",
    )
    where.add_argument(
        "--stdout",
        action="store_true",
        help="print to the terminal instead: SSM session logging (S3, CloudWatch) keeps it",
    )
    add_common(p)
    p.set_defaults(handler=cli_handout, options=HandoutOptions)
    return p


def default_path(course_name: str, now: float) -> Path:
    """``COURSE-handout-20261206T124500Z.txt`` in the current folder: a new file each time."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    return Path(f"{course_name}-handout-{stamp}.txt")


def cli_handout(args: HandoutOptions) -> int:
    """Entry point of ``whodidthis handout``: a new 0600 file by default, the terminal only
    with ``--stdout``; one run at a time per course; the file's place is made before any
    password changes, and an interruption or a failed delivery names whose passwords changed."""
    from console.commands.handout_safety import PreparedOut, handout_lock, refuse_closed_stdout
    from console.commands.headless import check_trainees, open_course

    opened = open_course(args)
    try:
        course = opened.course
        check_trainees(course, args.trainee)
        login_steps(course)  # a course without console users is bad input: exit 2, no call
        if args.stdout:
            refuse_closed_stdout()
        with handout_lock(opened.store.course_dir):
            out = None  # the file is prepared before any change
            if not args.stdout:
                out = PreparedOut(
                    Path(args.out) if args.out else default_path(course.name, time.time())
                )
            return _hand_out_and_deliver(args, opened, out)
    finally:
        opened.store.close()


def _hand_out_and_deliver(args: HandoutOptions, opened, out) -> int:
    """Change the passwords, then deliver them; an interruption or a failed delivery names
    every trainee whose password changed."""
    from console.aws.operator import resolve_operator
    from console.commands.handout_safety import interrupted
    from console.engine.opening import check_host
    from console.engine.process import StoreRecorder

    course, progress = opened.course, Progress()
    try:
        host = check_host(course, args.allow_long_term_keys)
        rows = interruptible.run(
            lambda: hand_out(
                course,
                host,
                resolve_operator(args.operator),
                args.trainee,
                StoreRecorder(opened.store),
                progress,
            )
        )
    except KeyboardInterrupt:
        if progress.changed:  # those passwords exist only here: hand them out all the same
            _deliver(args, course, progress.changed, out, progress)
        elif out is not None:
            out.discard()
        names = [row.name for row in progress.changed]
        print(interrupted(names, sorted(progress.changing)), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BaseException:
        if out is not None:
            out.discard()
        raise
    code = _deliver(args, course, rows, out, progress)
    if code != EXIT_OK:
        return code
    return EXIT_OK if all(row.error is None for row in rows) else EXIT_FAILED


def _deliver(args: HandoutOptions, course, rows: list[Handout], out, progress: Progress) -> int:
    """Print or write the handout; EXIT_FAILED (saying whose passwords changed) when it could
    not be delivered."""
    from console.commands.handout_safety import deliver_to_stdout, undelivered

    text = _text(args.output, course.name, rows)
    changed = [row.name for row in progress.changed]
    if out is None:
        failed = deliver_to_stdout(text)
        if failed is not None:
            print(undelivered(changed, failed, "stdout"), file=sys.stderr)
            return EXIT_FAILED
        return EXIT_OK
    try:
        out.commit(text)
    except OSError as exc:
        print(undelivered(changed, exc, str(out.path)), file=sys.stderr)
        return EXIT_FAILED
    done = sum(row.password is not None for row in rows)
    print(
        f"wrote {done} one-time password(s) to {out.path} (mode 0600, readable by you only); "
        "give each trainee theirs, then delete the file",
        file=sys.stderr,
    )
    for row in rows:
        if row.error:
            print(f"{row.name}: {row.error}", file=sys.stderr)
    return EXIT_OK


def _text(output: str, course_name: str, rows: list[Handout]) -> str:
    data = {"course": course_name, "trainees": [r.to_json() for r in rows]}
    if output == "json":  # one object, like status --json and preflight --json
        return json.dumps(data) + "\n"
    if output == "yaml":
        from console.commands.output import as_yaml

        return as_yaml(data)
    return "\n\n".join(row.text() for row in rows) + "\n"
