"""A fixed picture of a course in the middle of a build, written into a real state store.

The screenshots, the console's snapshot tests and the console benchmark all need the same
thing: a store that looks like the demo a few seconds in (most trainees READY, some running,
``heidi`` denied because her role's trust policy names the wrong principal), with ledger records
attributed like the engine writes them, and a clock that never moves. Nothing here calls AWS.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from console.aws.identity import HostIdentity
from console.engine.plan import PlanItem, TraineePlan
from console.kinds import KINDS
from console.kinds.arns import format_arn
from console.model import Acting, CommandKind, LedgerRecord, Outcome, StepState, TraineeState
from console.store.state import Store

T0 = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC
COURSE = "dojo-2026-12"
OPERATOR = "kenji"
ADMIN_ACCOUNT = "100000000000"
HOST_ARN = f"arn:aws:sts::{ADMIN_ACCOUNT}:assumed-role/AdminEnvRole/i-0a1b2c3d4e5f60718"
NAMES = (
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
)
REGION = "ap-northeast-1"
TAKEN = (
    "The requested bucket name is not available. The bucket namespace is shared by all "
    "users of the system. Please select a different name and try again."
)
# (kind, resource name): the course's steps; each kind's service and create call are its spec's.
STEPS = (
    ("iam_user", "{trainee}"),
    ("codecommit_repo", "dojo-app"),
    ("s3_bucket", "{course}-{trainee}"),
    ("eks_cluster", "{trainee}-eks"),
)
DENIED = (
    "User: arn:aws:sts::100000000000:assumed-role/AdminEnvRole/i-0a1b2c3d4e5f60718 is not "
    "authorized to perform: sts:AssumeRole on resource: "
    "arn:aws:iam::{account}:role/ManageEnvRole"
)

# name -> (state, steps done, seconds since the run began when it started, seconds it ran)
PICTURE = {
    "alice": (TraineeState.READY, 4, 0, 38),
    "bob": (TraineeState.READY, 4, 0, 41),
    "carol": (TraineeState.READY, 4, 1, 36),
    "dave": (TraineeState.RUNNING, 2, 1, None),
    "erin": (TraineeState.RUNNING, 3, 2, None),
    "frank": (TraineeState.ASSUMING, 0, 40, None),
    "grace": (TraineeState.READY, 4, 2, 44),
    "heidi": (TraineeState.FAILED, 0, 2, 1),
    "ivan": (TraineeState.READY, 4, 3, 39),
    "judy": (TraineeState.RUNNING, 1, 41, None),
    "mallory": (TraineeState.FAILED, 2, 4, None),
}
RUN_SECONDS = 47
SCENE_ENGINE_PID = 7111  # the engine pid the pictures show


def account_of(index: int) -> str:
    """The sandbox's accounts: ``200000000001`` for the first trainee, and so on."""
    return str(200_000_000_001 + index)


def trainee_names(count: int) -> list[str]:
    """The twelve story names, then ``trainee-0013`` and on for benchmarks."""
    return list(NAMES[:count]) + [f"trainee-{i + 1:04d}" for i in range(len(NAMES), count)]


@dataclass
class Scene:
    """Where the scene lives and what it shows."""

    course_path: Path
    state_dir: Path
    now: float

    def clock(self) -> float:
        return self.now


def course_toml(names: list[str]) -> str:
    """The scene's course file: the demo's settings and four steps."""
    lines = [
        "[course]",
        f'name = "{COURSE}"',
        f'region = "{REGION}"',
        'role_name = "ManageEnvRole"',
        "concurrency = 10",
        'host_role = "AdminEnvRole"',
        "source_identity = true",
        "",
    ]
    for index, name in enumerate(names):
        lines += ["[[trainee]]", f'name = "{name}"', f'account = "{account_of(index)}"', ""]
    lines += [
        '[[step]]\nkind = "iam_user"\n',
        '[[step]]\nkind = "codecommit_repo"\nname = "dojo-app"\n',
        '[[step]]\nkind = "s3_bucket"\nname = "{course}-{trainee}"\n',
        '[[step]]\nkind = "eks_cluster"\nname = "{trainee}-eks"\n'
        'role_arn = "arn:aws:iam::{account}:role/EksClusterRole"\n',
    ]
    return "\n".join(lines)


def write_scene(directory: Path, count: int = 12) -> Scene:
    """Write the course file and a store holding the picture; returns where they are."""
    directory.mkdir(parents=True, exist_ok=True)
    names = trainee_names(count)
    course_path = directory / "course.toml"
    course_path.write_text(course_toml(names), encoding="utf-8")
    state_dir = directory / "state"
    moment = [T0]
    store = Store.open(state_dir, COURSE, clock=lambda: moment[0])
    try:
        store.sync_roster(
            [(n, account_of(i)) for i, n in enumerate(names)],
            list(STEPS),
        )
        for index, name in enumerate(names):
            _write_trainee(store, name, account_of(index), moment)
        store.enqueue(CommandKind.APPLY, [], OPERATOR)
        moment[0] = T0 + RUN_SECONDS
    finally:
        store.close()
    return Scene(course_path, state_dir, T0 + RUN_SECONDS)


@contextlib.contextmanager
def live_engine(scene: Scene):
    """Hold the course's engine lock in this process with a run begun, as the detached engine
    would: the console then shows the run (progress, throughput, engine pid) as live."""
    store = Store.open(scene.state_dir, COURSE, clock=lambda: T0)  # the run began at T0
    lock = store.engine_lock()
    lock.acquire()
    try:
        # The lock's flock says the engine is alive; the pid it names is only shown, so the
        # scene names its own and the pictures come out the same from any process.
        holder = json.loads(lock.path.read_text())
        lock.path.write_text(json.dumps({**holder, "pid": SCENE_ENGINE_PID}))
        store.begin_run("apply", OPERATOR, SCENE_ENGINE_PID, trainee_names(len(store.trainees())))
        yield
    finally:
        lock.release()
        store.close()


def _write_trainee(store: Store, name: str, account: str, moment: list[float]) -> None:
    state, done, start, ran = PICTURE.get(name, (TraineeState.PENDING, 0, None, None))
    if start is None:
        return
    moment[0] = T0 + start
    end = T0 + start + (ran or 0)  # when it failed or finished (ran is None while it runs)
    session = f"{OPERATOR}@{COURSE}"
    store.set_trainee(
        name, state=TraineeState.ASSUMING, started_at=moment[0], last_action="assume ManageEnvRole"
    )
    denied = name == "heidi"
    _record(
        store,
        name,
        account,
        None,
        "sts",
        "AssumeRole",
        HOST_ARN,
        session,
        moment,
        error=("AccessDenied", DENIED.format(account=account)) if denied else None,
    )
    if denied:
        _fail(store, name, end, "AccessDenied", DENIED.format(account=account), HOST_ARN)
    elif state != TraineeState.ASSUMING:
        _run_steps(store, name, account, state, done, moment)
        if state == TraineeState.READY:
            store.set_trainee(
                name,
                state=state,
                finished_at=end,
                step_index=None,
                last_action="all steps done",
            )


def _run_steps(
    store: Store, name: str, account: str, state: TraineeState, done: int, moment: list[float]
) -> None:
    """The steps done (with their resources), then the running or failed one."""
    session = f"{OPERATOR}@{COURSE}"
    principal = f"arn:aws:sts::{account}:assumed-role/ManageEnvRole/{session}"
    store.set_trainee(
        name,
        state=TraineeState.RUNNING,
        principal_arn=principal,
        session_name=session,
        source_identity=OPERATOR,
        last_action="GetCallerIdentity ok",
    )
    for index, (kind, template) in enumerate(STEPS[:done]):
        resource = template.format(trainee=name, course=COURSE)
        _record(
            store,
            name,
            account,
            f"{kind}:{resource}",
            KINDS[kind].service,
            KINDS[kind].create,
            principal,
            session,
            moment,
        )
        store.set_step(
            name,
            index,
            state=StepState.DONE,
            resource_arn=format_arn(kind, account=account, name=resource, region=REGION),
        )
    if done == len(STEPS):
        return
    kind, template = STEPS[done]
    label = f"{kind}:{template.format(trainee=name, course=COURSE)}"
    store.set_trainee(name, step_index=done, last_action=label)
    if state != TraineeState.FAILED:
        store.set_step(name, done, state=StepState.RUNNING)
        return
    _record(
        store,
        name,
        account,
        label,
        KINDS[kind].service,
        KINDS[kind].create,
        principal,
        session,
        moment,
        error=("BucketAlreadyExists", TAKEN),
    )
    store.set_step(
        name, done, state=StepState.FAILED, error=f"BucketAlreadyExists: {TAKEN} (as {principal})"
    )
    _fail(store, name, moment[0], "BucketAlreadyExists", TAKEN, principal)


def _fail(store: Store, name: str, when: float, code: str, message: str, principal: str) -> None:
    store.set_trainee(
        name,
        state=TraineeState.FAILED,
        finished_at=when,
        error=f"{code}: {message} (as {principal})",
        error_code=code,
        last_action=f"failed: {code}",
    )


def _record(
    store: Store,
    trainee: str,
    account: str,
    step: str | None,
    service: str,
    operation: str,
    principal: str,
    session: str,
    moment: list[float],
    error: tuple[str, str] | None = None,
) -> None:
    moment[0] += 1
    record_id = store.ledger_intent(
        LedgerRecord(
            id=None,
            ts=moment[0],
            course=COURSE,
            trainee=trainee,
            account=account,
            step=step,
            service=service,
            operation=operation,
            acting=Acting(principal_arn=principal, session_name=session, source_identity=OPERATOR),
        )
    )
    store.ledger_settle(
        record_id,
        outcome=Outcome.ERROR if error else Outcome.OK,
        request_id=f"{record_id:08d}-5c1e-4b6e-9a7d-0d15c0ffee{record_id % 100:02d}",
        error_code=error[0] if error else None,
        error_message=error[1] if error else None,
    )


def scene_host(problem: bool = False) -> HostIdentity:
    """The host as the scene shows it: AdminEnvRole from the instance profile, or (``problem``)
    the story's long-term keys from ``~/.aws/credentials``."""
    expires = dt.datetime.fromtimestamp(T0 + RUN_SECONDS + 5 * 3600 + 58 * 60, dt.UTC)
    if problem:
        return HostIdentity(
            arn=f"arn:aws:iam::{ADMIN_ACCOUNT}:user/jenkins",
            account=ADMIN_ACCOUNT,
            user_id="AIDAEXAMPLEJENKINS",
            method="shared-credentials-file",
            key_id_masked="AKIA****MPLE",
            key_type="long-term",
            expires_at=None,
            region="ap-northeast-1",
            problems=[
                "The host is using a long-term access key (AKIA****MPLE, from the shared "
                "credentials file on disk). Use the instance profile (AdminEnvRole) "
                "instead, then deactivate and delete this key in IAM."
            ],
        )
    return HostIdentity(
        arn=HOST_ARN,
        account=ADMIN_ACCOUNT,
        user_id="AROAEXAMPLEHOSTROLE:i-0a1b2c3d4e5f60718",
        method="iam-role",
        key_id_masked="ASIA****WXYZ",
        key_type="temporary",
        expires_at=expires,
        region="ap-northeast-1",
    )


def scene_plan(names: list[str]) -> list[TraineePlan]:
    """What the teardown plan of the scene says: READY trainees delete their four resources."""
    plans = []
    for index, name in enumerate(trainee_names(12)):
        if names and name not in names:
            continue
        account = account_of(index)
        plan = TraineePlan(name, account)
        if name == "heidi":
            plan.error = f"AccessDenied: {DENIED.format(account=account)}"
        else:
            plan.principal_arn = (
                f"arn:aws:sts::{account}:assumed-role/ManageEnvRole/{OPERATOR}@{COURSE}"
            )
        done = PICTURE.get(name, (None, 0))[1]
        for kind, template in reversed(STEPS[:done]):
            resource = template.format(trainee=name, course=COURSE)
            arn = format_arn(kind, account=account, name=resource, region=REGION)
            plan.items.append(PlanItem(f"{kind}:{resource}", resource, arn, True))
        if name == "alice":
            plan.items.append(
                PlanItem(
                    "s3_bucket:alice-notes",
                    "alice-notes",
                    None,
                    False,
                    "no whodidthis tags: not ours",
                )
            )
        plans.append(plan)
    return plans


def scene_preflight(names: list[str]) -> list:
    """The preflight of ``heidi`` (denied: the trust policy names another account) or of any
    other trainee (fine)."""
    from console.aws.trustlint import ERROR, INFO, Finding, recommended_policy
    from console.commands.preflight import PreflightRow

    rows = []
    host_role = f"arn:aws:iam::{ADMIN_ACCOUNT}:role/AdminEnvRole"
    fix = json.dumps(recommended_policy(host_role, source_identity=True), indent=2)
    for index, name in enumerate(trainee_names(12)):
        if name not in names:
            continue
        account = account_of(index)
        if name == "heidi":
            rows.append(
                PreflightRow(
                    name,
                    account,
                    error=f"AccessDenied: {DENIED.format(account=account)}",
                    error_code="AccessDenied",
                    diagnosis="the role's trust policy trusts arn:aws:iam::999999999999:root, "
                    "another account, not the host role AdminEnvRole",
                    findings=[
                        Finding(
                            ERROR,
                            "ManageEnvRole trusts 999999999999, outside the admin "
                            f"account {ADMIN_ACCOUNT}.",
                            fix,
                        )
                    ],
                )
            )
        else:
            rows.append(
                PreflightRow(
                    name,
                    account,
                    principal_arn=f"arn:aws:sts::{account}:assumed-role/ManageEnvRole/"
                    f"{OPERATOR}@{COURSE}",
                    findings=[
                        Finding(
                            INFO, "No condition pins aws:PrincipalArn or sts:SourceIdentity.", fix
                        )
                    ],
                )
            )
    return rows
