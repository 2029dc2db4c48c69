"""``whodidthis whoami`` against ``aws sts get-caller-identity`` and a bare boto3 script, on
the same sandbox (IMDSv2 host credentials), alternating. Goal: no slower than the AWS CLI."""

from __future__ import annotations

import sys

from common import VENV_BIN, alternate, machine, report, sandbox, save

BARE_BOTO3 = "import boto3; i = boto3.client('sts').get_caller_identity(); print(i['Arn'])"


def main(rounds: int = 15) -> dict:
    aws = VENV_BIN / "aws"
    if not aws.exists():
        sys.exit(f"the AWS CLI is missing at {aws}: run `uv sync --all-groups` (group bench)")
    with sandbox(trainees=1) as env:
        contenders = {
            "aws sts get-caller-identity": [str(aws), "sts", "get-caller-identity"],
            "bare boto3 script": [sys.executable, "-c", BARE_BOTO3],
            "whodidthis whoami": [str(VENV_BIN / "whodidthis"), "whoami"],
            "whodidthis whoami --json": [str(VENV_BIN / "whodidthis"), "whoami", "--json"],
        }
        times = alternate(contenders, env, rounds)
    print(f"machine: {machine()}; {rounds} rounds each")
    rows = report(
        "Identity check (wall time per command)", times, baseline="aws sts get-caller-identity"
    )
    save("whoami", rows)
    return rows


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
