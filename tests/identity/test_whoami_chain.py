"""The default chain's other links, and which IMDS version served the host (issue 14, items 5
and 9). Each profile lives in a temporary AWS config file (``AWS_CONFIG_FILE``); the sandbox
plays STS and IMDS. A link that fails is exit 3 and one sentence saying what to do, never a
traceback, from ``whoami`` and from every command that resolves the host identity first."""

import json
import subprocess
import sys

import pytest

from tests.engine.helpers import cli

PROFILES = {
    "sso": (
        "sso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 111111111111\nsso_role_name = Admin\n",
        ["IAM Identity Center (SSO)", "no valid token", "aws sso login --profile sso"],
    ),
    "sso-session": (
        "sso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n",
        ["IAM Identity Center (SSO)", "aws sso login --profile sso-session"],
    ),
    "missing-process": (
        "credential_process = /nonexistent/bin/aws-vault export --format=json\n",
        ["credential_process", "No such file or directory", "install that program"],
    ),
    "denied-chain": (
        "role_arn = arn:aws:iam::200000000002:role/ManageEnvRole\n"
        "credential_source = Ec2InstanceMetadata\n",
        ["assumes arn:aws:iam::200000000002:role/ManageEnvRole", "AccessDenied", "trust"],
    ),
    # Stored keys behind the chain are refused from what is in hand, before botocore's
    # AssumeRole would send them (issue 11): the sentence says so, not the AWS answer.
    "source-profile-chain": (
        "role_arn = arn:aws:iam::200000000001:role/ManageEnvRole\nsource_profile = base\n",
        ["source_profile = base", "credential_source = Ec2InstanceMetadata"],
    ),
    "no-such-profile": (None, ["The AWS profile no-such-profile is not in", "fix AWS_PROFILE"]),
}


@pytest.fixture
def config_env(sandbox_factory, tmp_path):
    """The sandbox's env plus a config file holding every profile above; bob has no role."""
    sandbox = sandbox_factory(trainees=2, before={"bob": "no-role"})
    sections = [
        "[profile base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        "[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\n"
        "sso_region = us-east-1\n",
    ]
    for name, (body, _) in PROFILES.items():
        if body is not None:
            sections.append(f"[profile {name}]\n{body}region = ap-northeast-1\n")
    config = tmp_path / "config"
    config.write_text("\n".join(sections))
    env = sandbox.clean_env()
    env.update(AWS_CONFIG_FILE=str(config), HOME=str(tmp_path))
    return sandbox, env


def whoami(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "console", "whoami", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _one_sentence(text: str, words: list[str]) -> None:
    assert "Traceback" not in text and 'File "' not in text, text
    assert all(word in text for word in words), text


@pytest.mark.parametrize("profile", PROFILES)
def test_whoami_says_in_one_sentence_why_a_profile_gives_no_credentials(config_env, profile):
    _, env = config_env
    env["AWS_PROFILE"] = profile
    result = whoami(env, "--json")
    assert result.returncode == 3, result.stderr
    _one_sentence(result.stderr, [])
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["arn"] is None
    (problem,) = data["problems"]
    _one_sentence(problem, PROFILES[profile][1])
    assert "\n" not in problem and "wJalrXUtnFEMI" not in problem
    text = whoami(env)
    assert text.returncode == 3
    _one_sentence(text.stdout + text.stderr, ["REFUSED", PROFILES[profile][1][0]])


@pytest.mark.parametrize("profile", ["sso", "missing-process", "denied-chain"])
@pytest.mark.parametrize("command", ["apply", "preflight", "teardown", "retry"])
def test_every_command_exits_3_with_the_sentence(config_env, tmp_path, profile, command):
    sandbox, env = config_env
    extra = ["--trainee", "alice"] if command == "retry" else []
    result = cli(
        sandbox, tmp_path / "state", command, *extra, env_extra={**env, "AWS_PROFILE": profile}
    )
    assert result.returncode == 3, result.stdout + result.stderr
    _one_sentence(result.stderr, PROFILES[profile][1])
    accounts = {account for _, account in sandbox.trainees}
    assert [r for r in sandbox.trail() if r["account"] in accounts] == []


def test_imdsv2_is_reported_as_such(sandbox):
    result = whoami(sandbox.clean_env(), "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0 and data["imds_version"] == 2
    assert sandbox.imds_served()[1] == 0 and sandbox.imds_served()[2] > 0
    assert "IMDSv2 (session token)" in whoami(sandbox.clean_env()).stdout


def test_imdsv1_when_the_token_request_is_refused_is_said_and_warned(sandbox_factory):
    """The issue asks to warn on v1: the keys are still the instance profile's (exit 0)."""
    sandbox = sandbox_factory(imds_refuse_token=True)
    result = whoami(sandbox.clean_env(), "--json")
    data = json.loads(result.stdout)
    assert sandbox.imds_served()[1] > 0 and sandbox.imds_served()[2] == 0  # botocore used v1
    assert data["imds_version"] == 1 and data["credential_source"] == "iam-role"
    assert data["credential_source_words"] == "instance profile via IMDSv1 (no session token)"
    assert data["ok"] is True and result.returncode == 0 and data["problems"] == []
    (warning,) = [note for note in data["notes"] if "IMDSv1" in note]
    assert warning.startswith("warning:") and "--http-tokens required" in warning
    text = whoami(sandbox.clean_env()).stdout
    assert "IMDSv1 (the token request was refused" in text and "IMDSv2 (session token)" not in text


def test_whoami_for_keys_not_from_imds_has_no_imds_version(sandbox):
    env = sandbox.clean_env()
    iam = sandbox.backdoor_session("100000000000").client("iam")
    iam.create_user(UserName="jenkins")
    key = iam.create_access_key(UserName="jenkins")["AccessKey"]
    env.update(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    data = json.loads(whoami(env, "--json").stdout)
    assert data["credential_source"] == "env" and data["imds_version"] is None
