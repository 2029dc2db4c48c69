"""``whodidthis whoami`` against the sandbox: each credential source it can produce."""

import json
import os
import subprocess
import sys

import boto3
import pytest

from console.aws.identity import resolve_host_identity

ADMIN = "100000000000"


def whoami(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "console", "whoami", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def env(sandbox):
    return sandbox.clean_env()


def user_keys(sandbox, name="jenkins"):
    iam = sandbox.backdoor_session(ADMIN).client("iam")
    iam.create_user(UserName=name)
    return iam.create_access_key(UserName=name)["AccessKey"]


def test_instance_profile_via_imds_is_ok(sandbox, env):
    result = whoami(env, "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert data["credential_source"] == "iam-role"
    assert data["credential_source_words"] == "instance profile via IMDSv2"
    assert data["arn"] == f"arn:aws:sts::{ADMIN}:assumed-role/AdminEnvRole/{sandbox.instance_id}"
    assert data["account"] == ADMIN and data["key_type"] == "temporary"
    assert data["ok"] is True and data["problems"] == []
    assert data["expires_at"] and data["seconds_left"] > 0
    assert data["key_id_masked"].startswith("ASIA****")


def test_text_output_names_the_role_and_verdict(sandbox, env):
    result = whoami(env)
    assert result.returncode == 0
    assert "assumed-role/AdminEnvRole/" in result.stdout
    assert "instance profile via IMDSv2 (iam-role)" in result.stdout
    assert "OK: acting as AdminEnvRole with no stored credential" in result.stdout
    # each region with where it came from: the stand-in's IMDS, the environment
    region, host = env["AWS_DEFAULT_REGION"], sandbox.options.region
    assert f"region    {host} (this host's, from IMDS placement/region)" in result.stdout
    assert f"region    {region} (the CLI's, from AWS_DEFAULT_REGION" in result.stdout


def test_long_term_keys_from_env_are_refused_with_exit_3(sandbox, env):
    key = user_keys(sandbox)
    env.update(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    result = whoami(env, "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 3
    assert data["credential_source"] == "env" and data["key_type"] == "long-term"
    assert any("long-term access key" in p for p in data["problems"])
    assert key["SecretAccessKey"] not in result.stdout + result.stderr
    assert key["AccessKeyId"] not in result.stdout + result.stderr


def test_allow_long_term_keys_overrides_loudly(sandbox, env):
    key = user_keys(sandbox)
    env.update(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    result = whoami(env, "--allow-long-term-keys")
    assert result.returncode == 0
    assert "WARNING: --allow-long-term-keys" in result.stdout
    assert "ACCEPTED (--allow-long-term-keys)" in result.stdout


def test_keys_in_a_credentials_file_are_refused(sandbox, env, tmp_path):
    key = user_keys(sandbox)
    path = tmp_path / "credentials"
    path.write_text(
        f"[default]\naws_access_key_id = {key['AccessKeyId']}\n"
        f"aws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(path)
    result = whoami(env, "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 3
    assert data["credential_source"] == "shared-credentials-file"
    assert any(str(path) in p and "Delete them" in p for p in data["problems"])


def test_temporary_env_keys_are_accepted_with_a_note(sandbox, env):
    creds = (
        sandbox.backdoor_session(ADMIN)
        .client("sts")
        .assume_role(RoleArn=f"arn:aws:iam::{ADMIN}:role/AdminEnvRole", RoleSessionName="ops")[
            "Credentials"
        ]
    )
    env.update(
        AWS_ACCESS_KEY_ID=creds["AccessKeyId"],
        AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
        AWS_SESSION_TOKEN=creds["SessionToken"],
    )
    data = json.loads(whoami(env, "--json").stdout)
    assert data["ok"] is True and data["credential_source"] == "env"
    assert any("environment variables" in note for note in data["notes"])


def test_no_credentials_at_all_is_exit_3(env):
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    result = whoami(env, "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 3 and data["credential_source"] is None
    assert "No AWS credentials were found" in data["problems"][0]


def test_wrong_host_role_for_the_course_is_exit_3(sandbox, env, tmp_path):
    course = sandbox.course_path.read_text().replace(
        'host_role = "AdminEnvRole"', 'host_role = "BuildHostRole"'
    )
    path = sandbox.course_path.parent / "other-host.toml"
    path.write_text(course)
    result = whoami(env, "--course", str(path), "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 3
    assert any("expects the host role BuildHostRole" in p for p in data["problems"])
    assert whoami(env, "--course", str(sandbox.course_path)).returncode == 0


def test_scan_finds_a_planted_jenkins_file_masked(env, tmp_path):
    key_id = "AKIA" + "ZZZZ1234567ABCDE"  # planted; built here so no key id sits in the tree
    jenkins = tmp_path / "jenkins"
    (jenkins / "jobs").mkdir(parents=True)
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz1234567890"[:40]
    (jenkins / "jobs" / "trainee-keys.txt").write_text(
        f"# trainee accounts\nalice {key_id} {secret}\n"
    )
    (jenkins / "blob.bin").write_bytes(f"\0{key_id} {secret}".encode())
    result = whoami(env, "--scan", str(jenkins), "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 3
    findings = data["scan"]["findings"]
    assert findings == [
        {
            "path": str(jenkins / "jobs" / "trainee-keys.txt"),
            "line": 2,
            "key_id_masked": "AKIA****BCDE",
            "kind": "file",
            "with_secret": True,
            "severity": "high",
            "secret_line": 2,
            "what": "access key id",
        }
    ]
    assert data["scan"]["skipped"] == {"binary": 1}
    assert secret not in result.stdout and key_id not in result.stdout


def test_whoami_imports_neither_textual_nor_the_engine(env):
    code = (
        "import sys\nfrom console.cli import main\nmain(['whoami', '--json'])\n"
        "bad = [m for m in ('textual', 'console.engine.scheduler', 'console.steps', 'aiobotocore')"
        " if m in sys.modules]\nassert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_resolve_in_process_matches_the_cli(sandbox):
    identity = resolve_host_identity(expected_role="AdminEnvRole")
    assert identity.ok and identity.method == "iam-role"
    assert identity.role_name == "AdminEnvRole"
    assert identity.session_name == sandbox.instance_id
    assert os.environ.get("AWS_ACCESS_KEY_ID") is None
    assert boto3.client("sts").get_caller_identity()["Arn"] == identity.arn
