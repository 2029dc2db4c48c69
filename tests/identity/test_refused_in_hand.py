"""Long-term and stored keys are refused from what is in hand: the key id's prefix and where
botocore found the keys. Not one request reaches AWS with them (the sandbox's trail is empty)."""

from __future__ import annotations

import subprocess
import sys

import pytest

ADMIN = "100000000000"


def user_keys(sandbox, name="jenkins"):
    iam = sandbox.backdoor_session(ADMIN).client("iam")  # the backdoor leaves no trail
    iam.create_user(UserName=name)
    return iam.create_access_key(UserName=name)["AccessKey"]


def run(sandbox, env, *args):
    argv = [sys.executable, "-m", "console", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [["apply"], ["whoami", "--json"], ["preflight"]])
def test_akia_keys_in_the_environment_make_no_call(sandbox, tmp_path, command):
    key = user_keys(sandbox)
    env = sandbox.clean_env()
    env.update(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    args = [*command, str(sandbox.course_path)] if command[0] != "whoami" else command
    result = run(sandbox, env, *args, "--state-dir", str(tmp_path))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "long-term access key" in result.stdout + result.stderr
    assert sandbox.trail() == []  # not even sts:GetCallerIdentity
    assert key["AccessKeyId"] not in result.stdout + result.stderr


def test_keys_in_a_credentials_file_make_no_call(sandbox, tmp_path):
    key = user_keys(sandbox)
    path = tmp_path / "credentials"
    path.write_text(
        f"[default]\naws_access_key_id = {key['AccessKeyId']}\n"
        f"aws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    env = {**sandbox.clean_env(), "AWS_SHARED_CREDENTIALS_FILE": str(path)}
    result = run(sandbox, env, "apply", str(sandbox.course_path), "--state-dir", str(tmp_path))
    assert result.returncode == 3 and "Delete them" in result.stderr
    assert sandbox.trail() == []


def test_a_profile_assuming_a_role_with_stored_keys_makes_no_call(sandbox, tmp_path):
    key = user_keys(sandbox)
    config = tmp_path / "config"
    config.write_text(
        "[profile jenkins]\n"
        f"aws_access_key_id = {key['AccessKeyId']}\n"
        f"aws_secret_access_key = {key['SecretAccessKey']}\n"
        "[profile admin]\n"
        f"role_arn = arn:aws:iam::{ADMIN}:role/AdminEnvRole\n"
        "source_profile = jenkins\n"
    )
    env = {**sandbox.clean_env(), "AWS_CONFIG_FILE": str(config), "AWS_PROFILE": "admin"}
    result = run(sandbox, env, "whoami", "--json")
    assert result.returncode == 3 and "source_profile = jenkins" in result.stdout
    assert sandbox.trail() == []  # botocore's AssumeRole with the stored keys never ran


def test_allowed_long_term_keys_do_reach_sts(sandbox, tmp_path):
    key = user_keys(sandbox)
    env = sandbox.clean_env()
    env.update(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    result = run(sandbox, env, "whoami", "--allow-long-term-keys")
    assert result.returncode == 0
    assert [r["operation"] for r in sandbox.trail()] == ["GetCallerIdentity"]
