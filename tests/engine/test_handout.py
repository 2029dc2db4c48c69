"""``whodidthis handout``: one-time console passwords, printed once and kept nowhere.

The real CLI against the sandbox: the login profile exists with PasswordResetRequired, the
password meets the account's policy, is in the output and in no file of the state folder and no
ledger record; running again replaces it; ``--out`` writes a 0600 file; teardown still deletes
the user (its login profile first).
"""

from __future__ import annotations

import json
import stat

from console.aws.passwords import PasswordPolicy, meets
from tests.engine.helpers import cli, status

COURSE = "handout-1"
REGION = "ap-northeast-1"


def login_course(sandbox, tmp_path, *, console_login: bool = True, count: int = 2):
    lines = ["[course]", f'name = "{COURSE}"', f'region = "{REGION}"', "source_identity = true"]
    for name, account in sandbox.trainees[:count]:
        lines += ["", "[[trainee]]", f'name = "{name}"', f'account = "{account}"']
    lines += ["", "[[step]]", 'kind = "iam_user"']
    if console_login:
        lines.append("console_login = true")
    path = tmp_path / "course.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def handout(sandbox, state, course, *args, cwd=None):
    """``handout``, to the terminal (``--stdout``) unless a file is named or ``cwd`` given."""
    if "--out" not in args and cwd is None:
        args = (*args, "--stdout")
    return cli(sandbox, state, "handout", *args, course=course, cwd=cwd)


def rows_of(result) -> dict[str, dict]:
    answer = json.loads(result.stdout)
    assert answer["course"] == COURSE
    return {row["name"]: row for row in answer["trainees"]}


def every_byte_under(folder) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_handout_sets_one_time_passwords_kept_nowhere(sandbox, tmp_path):
    state = tmp_path / "state"
    course = login_course(sandbox, tmp_path)
    (alice, alice_account), (bob, bob_account) = sandbox.trainees[:2]
    sandbox.backdoor_session(bob_account).client("iam").update_account_password_policy(
        MinimumPasswordLength=40, RequireSymbols=True, RequireNumbers=True
    )
    assert cli(sandbox, state, "apply", course=course).returncode == 0

    first = handout(sandbox, state, course, "--json")
    assert first.returncode == 0, first.stderr
    rows = rows_of(first)
    assert set(rows) == {alice, bob}
    for name, account in ((alice, alice_account), (bob, bob_account)):
        row = rows[name]
        assert row["account"] == account and row["user_name"] == name
        assert row["sign_in_url"] == f"https://{account}.signin.aws.amazon.com/console"
        profile = sandbox.backdoor_session(account).client("iam").get_login_profile(UserName=name)
        assert profile["LoginProfile"]["PasswordResetRequired"] is True
    assert meets(rows[alice]["password"], PasswordPolicy())
    strict = PasswordPolicy(40, True, True, False, False, is_default=False)
    assert len(rows[bob]["password"]) >= 40 and meets(rows[bob]["password"], strict)

    second = rows_of(handout(sandbox, state, course, "--json", "--trainee", alice))
    assert set(second) == {alice}
    assert second[alice]["password"] != rows[alice]["password"]  # replaced

    records = cli(sandbox, state, "ledger", "--json", course=course).stdout
    passwords = [rows[alice]["password"], rows[bob]["password"], second[alice]["password"]]
    stored = every_byte_under(state)
    for password in passwords:
        assert password not in records
        assert password.encode() not in stored
    calls = [json.loads(line) for line in records.splitlines()]
    changes = [(r["trainee"], r["operation"]) for r in calls if "LoginProfile" in r["operation"]]
    assert sorted(changes) == [
        (alice, "CreateLoginProfile"),
        (alice, "UpdateLoginProfile"),
        (bob, "CreateLoginProfile"),
    ]
    assert all(
        r["outcome"] == "ok" and ":assumed-role/ManageEnvRole/" in r["principal_arn"]
        for r in calls
        if "LoginProfile" in r["operation"]
    )

    torn = cli(sandbox, state, "teardown", "--yes", course=course)
    assert torn.returncode == 0, torn.stderr
    assert {t["state"] for t in status(sandbox, state, course).values()} == {"TORN_DOWN"}


def test_handout_out_file_is_private_and_stdout_holds_no_password(sandbox, tmp_path):
    state, out = tmp_path / "state", tmp_path / "passwords.txt"
    course = login_course(sandbox, tmp_path, count=1)
    assert cli(sandbox, state, "apply", course=course).returncode == 0
    out.write_text("an older handout\n")
    out.chmod(0o644)
    result = handout(sandbox, state, course, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text()
    password = next(line.split()[1] for line in text.splitlines() if "password:" in line)
    assert "older" not in text and "signin.aws.amazon.com" in text
    assert password not in result.stdout + result.stderr
    assert "0600" in result.stderr and str(out) in result.stderr
    assert list(tmp_path.glob(".passwords.txt.*")) == []  # no temporary file left


def test_handout_refuses_a_course_without_console_users_and_a_stranger_user(sandbox, tmp_path):
    state = tmp_path / "state"
    plain = login_course(sandbox, tmp_path, console_login=False, count=1)
    refused = handout(sandbox, state, plain)
    assert refused.returncode == 2 and "console_login = true" in refused.stderr

    course = login_course(sandbox, tmp_path, count=1)
    alice, account = sandbox.trainees[0]
    iam = sandbox.backdoor_session(account).client("iam")
    iam.create_user(UserName=alice)  # a stranger's user with the step's name, untagged
    result = handout(sandbox, state, course, "--json")
    assert result.returncode == 1
    [row] = rows_of(result).values()
    assert row["password"] is None and "not tagged" in row["error"]
    assert iam.get_user(UserName=alice)["User"]
    try:
        iam.get_login_profile(UserName=alice)
    except iam.exceptions.NoSuchEntityException:
        pass
    else:
        raise AssertionError("handout gave a stranger's user a password")


def test_handout_writes_a_private_file_by_default_and_prints_no_password(sandbox, tmp_path):
    state, here = tmp_path / "state", tmp_path / "here"
    here.mkdir()
    course = login_course(sandbox, tmp_path, count=1)
    assert cli(sandbox, state, "apply", course=course).returncode == 0
    result = handout(sandbox, state, course, cwd=here)
    assert result.returncode == 0, result.stderr
    [written] = list(here.glob(f"{COURSE}-handout-*Z.txt"))
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    password = next(
        line.split()[1] for line in written.read_text().splitlines() if "password:" in line
    )
    assert password not in result.stdout + result.stderr
    assert result.stdout == "" and written.name in result.stderr
