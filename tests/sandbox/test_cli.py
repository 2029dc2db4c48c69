"""``whodidthis sandbox`` as a user runs it: exports first, a plain boto3 script, Ctrl+C."""

import os
import signal
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import boto3, botocore.exceptions
    sts = boto3.client("sts")
    print(sts.get_caller_identity()["Arn"])
    try:
        sts.assume_role(RoleArn="arn:aws:iam::200000000002:role/ManageEnvRole",
                        RoleSessionName="script")
    except botocore.exceptions.ClientError as exc:
        print(exc.response["Error"]["Code"])
        print(exc.response["Error"]["Message"])
""")


def without_credentials(env):
    return {
        k: v for k, v in env.items() if not k.startswith("AWS_") and k not in ("WHODIDTHIS_COURSE",)
    }


def read_exports(stream, count=6):
    exports = {}
    for _ in range(count):
        line = stream.readline()
        assert line.startswith("export "), line
        name, _, value = line.removeprefix("export ").strip().partition("=")
        exports[name] = value
    return exports


def test_exports_then_a_plain_boto3_script_then_ctrl_c(tmp_path):
    base = without_credentials(os.environ)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console",
            "sandbox",
            "--trainees",
            "2",
            "--before",
            "bob=other-account",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=base,
    )
    try:
        exports = read_exports(process.stdout)
        assert set(exports) >= {
            "AWS_ENDPOINT_URL",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "AWS_DEFAULT_REGION",
            "WHODIDTHIS_COURSE",
        }
        env = {
            **base,
            **exports,
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
        }
        script = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60
        )
        assert script.returncode == 0, script.stderr
        arn, code, message = script.stdout.splitlines()
        assert arn == "arn:aws:sts::100000000000:assumed-role/AdminEnvRole/i-0a1b2c3d4e5f60718"
        assert code == "AccessDenied"
        assert message.endswith(
            "sts:AssumeRole on resource: arn:aws:iam::200000000002:role/ManageEnvRole"
        )
        assert (tmp_path / "course.toml").is_file()
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "stopped" in stderr
    assert "AdminEnvRole" in (tmp_path / "trail.jsonl").read_text()


def test_a_bad_before_state_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "console", "sandbox", "--before", "bob=sideways"],
        capture_output=True,
        text=True,
        timeout=60,
        env=without_credentials(os.environ),
    )
    assert result.returncode == 2
    assert "TRAINEE=STATE" in result.stderr and result.stdout == ""
