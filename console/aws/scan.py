"""Look for stored AWS credentials on the host: the story's flat file of keys, found before a
manager asks.

A finding names the file and line and shows the key id masked (``AKIA****MPLE``); a secret is
never printed, returned or logged. Large trees stay fast: directories that only hold installed
software are skipped, and so are binary and huge files; what was skipped is said.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from console.aws.config import mask_key_id

KEY_ID = re.compile(rb"(?<![A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])")
SECRET = re.compile(rb"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
SECRET_LINE_WINDOW = 3  # lines either side of a key id where a secret counts as "next to it"
MAX_FILE_BYTES = 5 * 1024 * 1024
# AWS's own documentation keys; they are everywhere in installed docs and mean nothing.
EXAMPLE_KEY_IDS = {b"AKIAIOSFODNN7EXAMPLE", b"ASIAIOSFODNN7EXAMPLE", b"AKIAI44QH8DHBEXAMPLE"}
SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", "site-packages", ".cache"}
KEY_ENV_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


@dataclass(frozen=True)
class Finding:
    """One stored credential: where it is, and its key id masked."""

    path: str
    line: int | None
    key_id_masked: str | None
    kind: str  # "credentials file", "config file", "environment", "file"
    with_secret: bool

    def sentence(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f"access key {self.key_id_masked}" if self.key_id_masked else "AWS key variables"
        secret = " with its secret next to it" if self.with_secret else ""
        return f"{where}: {what}{secret} ({self.kind}). Delete it and rely on the instance profile."


@dataclass
class ScanResult:
    """Findings plus what was not read, and why."""

    findings: list[Finding] = field(default_factory=list)
    files_read: int = 0
    skipped: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, reason: str, path: str) -> None:
        self.skipped.setdefault(reason, []).append(path)

    def to_json(self) -> dict:
        return {
            "findings": [f.__dict__ for f in self.findings],
            "files_read": self.files_read,
            "skipped": {reason: len(paths) for reason, paths in self.skipped.items()},
        }


def default_paths(environ: dict | None = None) -> list[Path]:
    """The home folder, and Jenkins' home when it exists (the story's host ran Jenkins)."""
    environ = os.environ if environ is None else environ
    paths = [Path(environ.get("HOME") or Path.home())]
    jenkins = Path(environ.get("JENKINS_HOME", "/var/lib/jenkins"))
    if jenkins.is_dir():
        paths.append(jenkins)
    return paths


def scan(paths: Iterable[Path] | None = None, environ: dict | None = None) -> ScanResult:
    """Scan AWS's own files, the environment and every file under ``paths``."""
    environ = os.environ if environ is None else environ
    result = ScanResult()
    _scan_aws_files(result, environ)
    _scan_environment(result, environ)
    seen = {Path(f.path) for f in result.findings}
    for path in paths if paths is not None else default_paths(environ):
        for file in _walk(Path(path), result):
            if file not in seen:
                _scan_file(file, result)
    return result


def _scan_aws_files(result: ScanResult, environ: dict) -> None:
    home = Path(environ.get("HOME") or Path.home())
    files = (
        (
            environ.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws/credentials",
            "credentials file",
        ),
        (environ.get("AWS_CONFIG_FILE") or home / ".aws/config", "config file"),
    )
    for raw, kind in files:
        path = Path(raw).expanduser()
        try:
            lines = path.read_bytes().splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, start=1):
            name, _, value = line.partition(b"=")
            if name.strip().lower() == b"aws_access_key_id":
                key = value.strip().decode(errors="replace")
                result.findings.append(
                    Finding(str(path), number, mask_key_id(key), kind, _has_secret(lines))
                )


def _has_secret(lines: list[bytes]) -> bool:
    return any(line.split(b"=")[0].strip().lower() == b"aws_secret_access_key" for line in lines)


def _scan_environment(result: ScanResult, environ: dict) -> None:
    present = [name for name in KEY_ENV_VARS if environ.get(name)]
    if "AWS_ACCESS_KEY_ID" in present:
        result.findings.append(
            Finding(
                "environment",
                None,
                mask_key_id(environ["AWS_ACCESS_KEY_ID"]),
                "environment",
                "AWS_SECRET_ACCESS_KEY" in present,
            )
        )


def _walk(root: Path, result: ScanResult) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            result.skip("unreadable", str(directory))
            continue
        for entry in entries:
            if entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                if entry.name in SKIP_DIRS:
                    result.skip("installed software or caches", entry.path)
                else:
                    stack.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                yield Path(entry.path)


def _scan_file(path: Path, result: ScanResult) -> None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            result.skip("over 5 MiB", str(path))
            return
        content = path.read_bytes()
    except OSError:
        result.skip("unreadable", str(path))
        return
    if b"\0" in content[:8192]:
        result.skip("binary", str(path))
        return
    result.files_read += 1
    if not KEY_ID.search(content):
        return
    lines = content.splitlines()
    for number, line in enumerate(lines, start=1):
        for match in KEY_ID.finditer(line):
            key_id = match.group(1)
            if key_id in EXAMPLE_KEY_IDS:
                continue
            window = lines[max(0, number - 1 - SECRET_LINE_WINDOW) : number + SECRET_LINE_WINDOW]
            if any(SECRET.search(near) for near in window):
                result.findings.append(
                    Finding(str(path), number, mask_key_id(key_id.decode()), "file", True)
                )
