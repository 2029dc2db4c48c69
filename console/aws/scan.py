"""Look for stored AWS credentials on the host: the story's flat file of keys, found before a
manager asks.

What a credential looks like is :mod:`console.credentials`' (the same shapes the store's guard
refuses and the log redactor removes). A file is read whole: a key id and a secret anywhere in
the same file make a stored credential, whatever the syntax (``.env``, INI, JSON, XML, YAML,
HCL, shell). A key id alone and a secret alone are reported too, as half a credential.

A finding names the file and line and shows the key id masked (``AKIA****MPLE``); a secret is
never printed, returned or logged, not one character of it. Directories that only hold
installed software are skipped, and so are symlinks, binary and huge files; what was skipped is
counted and said.
"""

from __future__ import annotations

import base64
import bisect
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from stat import S_ISREG

from console.credentials import (
    ACCESS_KEY_ID,
    ENCRYPTED_SECRET,
    KEY_ID,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    Credential,
    entropy,
    find_credentials,
    mask_key_id,
    without_continuations,
)
from console.errors import UsageError

MAX_FILE_BYTES = 5 * 1024 * 1024
SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", "site-packages", ".cache"}
KEY_ENV_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# AWS's documentation keys (AKIAIOSFODNN7EXAMPLE, AKIAEXAMPLE123456789, wJalr…EXAMPLEKEY) are
# in every installed doc and mean nothing; gitleaks and git-secrets allow them too. A random
# key id holds the word with a probability of about 3e-10.
EXAMPLE_MARK = "EXAMPLE"
# A key id this far from random is a placeholder (AKIAXXXXXXXXXXXXXXXX); a random one is
# above it with a probability of more than 1 - 1e-5 (gitleaks and trufflehog use 3.0).
KEY_ID_ENTROPY_FLOOR = 2.5
# Secrets that pair with a key id: a session token only counts under its name, because long
# random base64 (certificates in a kubeconfig) is everywhere.
HIGH, MEDIUM = "high", "medium"


@dataclass(frozen=True)
class Finding:
    """One stored credential, or half of one: where it is, and its key id masked."""

    path: str
    line: int | None
    key_id_masked: str | None
    kind: str  # "credentials file", "config file", "environment", "file"
    with_secret: bool  # a secret (or session token) is stored here too
    severity: str = HIGH  # HIGH: a usable credential; MEDIUM: a key id alone or a secret alone
    secret_line: int | None = None  # where the secret is, when it is in a file
    what: str = ACCESS_KEY_ID  # what was found at ``line``: a key id, or a secret's kind

    def sentence(self) -> str:
        """One line for the operator: where, what, and what to do. Never a secret."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.key_id_masked is None:
            return (
                f"{where}: an AWS {self.what} without its key id ({self.kind}): half a "
                "credential. Delete it, deactivate its key in IAM and rely on the instance "
                "profile."
            )
        if self.with_secret:
            at = f" (line {self.secret_line})" if self.secret_line else ""
            return (
                f"{where}: access key {self.key_id_masked} with its secret{at} ({self.kind}). "
                "Delete it, deactivate the key in IAM and rely on the instance profile."
            )
        return (
            f"{where}: access key {self.key_id_masked}, its secret not stored with it "
            f"({self.kind}): half a credential. Find and delete the secret, deactivate the key "
            "in IAM and rely on the instance profile."
        )


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
            "findings": [asdict(finding) for finding in self.findings],
            "files_read": self.files_read,
            "skipped": {reason: len(paths) for reason, paths in self.skipped.items()},
        }


def default_paths(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The home folder, and Jenkins' home when it exists (the story's host ran Jenkins)."""
    env = os.environ if environ is None else environ
    paths = [Path(env.get("HOME") or Path.home())]
    jenkins = Path(env.get("JENKINS_HOME", "/var/lib/jenkins"))
    if jenkins.is_dir():
        paths.append(jenkins)
    return paths


def check_paths(paths: Iterable[Path]) -> None:
    """Refuse a path that does not exist: a scan of nothing must not say OK.

    Raises:
        UsageError: naming the first missing path (exit 2).
    """
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(
                f"--scan {path}: no such file or folder; nothing was scanned. "
                "Name files or folders that exist, or give no path to scan the home folders."
            )


def scan(
    paths: Iterable[Path] | None = None, environ: Mapping[str, str] | None = None
) -> ScanResult:
    """Scan AWS's own files, the environment and every file under ``paths``, each file once.

    Raises:
        UsageError: when one of ``paths`` does not exist.
    """
    env = os.environ if environ is None else environ
    roots = list(paths) if paths is not None else default_paths(env)
    check_paths(roots)
    result = ScanResult()
    seen: set[tuple[int, int]] = set()  # (device, inode): HOME and JENKINS_HOME may overlap
    for path, kind in _aws_files(env):
        _scan_file(path, kind, result, seen)
    _scan_environment(result, env)
    for root in roots:
        for file in _walk(Path(root), result, seen):
            _scan_file(file, "file", result, seen)
    return result


def _aws_files(environ: Mapping[str, str]) -> list[tuple[Path, str]]:
    home = Path(environ.get("HOME") or Path.home())
    files = (
        (
            environ.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws/credentials",
            "credentials file",
        ),
        (environ.get("AWS_CONFIG_FILE") or home / ".aws/config", "config file"),
    )
    return [
        (Path(raw).expanduser(), kind) for raw, kind in files if Path(raw).expanduser().is_file()
    ]


def _scan_environment(result: ScanResult, environ: Mapping[str, str]) -> None:
    key_id = environ.get("AWS_ACCESS_KEY_ID")
    secret = environ.get("AWS_SECRET_ACCESS_KEY")
    if key_id:
        severity = HIGH if secret else MEDIUM
        finding = Finding("environment", None, mask_key_id(key_id), "environment", bool(secret))
        result.findings.append(_with(finding, severity=severity))
    elif secret:
        finding = Finding("environment", None, None, "environment", True, MEDIUM)
        result.findings.append(_with(finding, what=SECRET_ACCESS_KEY))


def _with(finding: Finding, **changes) -> Finding:
    return Finding(**{**asdict(finding), **changes})


def _walk(root: Path, result: ScanResult, seen: set[tuple[int, int]]) -> Iterator[Path]:
    """Every regular file under ``root``, symlinks not followed (counted), each folder once."""
    if not root.is_dir():
        yield root  # a file named on the command line (followed, even as a symlink)
        return
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            identity = _identity(directory.stat())
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            result.skip("unreadable", str(directory))
            continue
        if identity in seen:
            continue
        seen.add(identity)
        for entry in entries:
            if entry.is_symlink():
                result.skip("symlink", entry.path)
            elif entry.is_dir(follow_symlinks=False):
                if entry.name in SKIP_DIRS:
                    result.skip("installed software or caches", entry.path)
                else:
                    stack.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                yield Path(entry.path)


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino


def _scan_file(path: Path, kind: str, result: ScanResult, seen: set[tuple[int, int]]) -> None:
    try:
        stat = path.stat()
        if _identity(stat) in seen:
            return
        seen.add(_identity(stat))
        if not S_ISREG(stat.st_mode):
            result.skip("not a regular file", str(path))  # a FIFO or device would block
            return
        if stat.st_size > MAX_FILE_BYTES:
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
    result.findings.extend(findings_in(content.decode("utf-8", errors="replace"), str(path), kind))


def findings_in(text: str, path: str, kind: str = "file") -> list[Finding]:
    """The findings of one file's text: each key id, paired with a secret anywhere in the file,
    and each named secret when the file holds no key id."""
    key_ids, secrets = [], []
    for credential in find_credentials(text):
        value = without_continuations(text[credential.start : credential.end])
        if credential.kind == ACCESS_KEY_ID:
            if not KEY_ID.fullmatch(value):  # base64-encoded (a Kubernetes Secret's data)
                value = base64.b64decode(value).decode("ascii")
            if _real_key_id(value):
                key_ids.append((credential, value))
        elif EXAMPLE_MARK not in value and _pairs(credential):
            secrets.append(credential)
    if not key_ids and not secrets:
        return []
    lines = _LineNumbers(text)
    secret_line = lines.of(secrets[0].start) if secrets else None
    findings, reported = [], set()
    for credential, value in key_ids:
        line = lines.of(credential.start)
        if (line, value) in reported:
            continue
        reported.add((line, value))
        severity = HIGH if secrets else MEDIUM
        masked = mask_key_id(value)
        findings.append(Finding(path, line, masked, kind, bool(secrets), severity, secret_line))
    if not key_ids:
        for credential in secrets:
            if credential.named:
                line = lines.of(credential.start)
                findings.append(
                    Finding(path, line, None, kind, True, MEDIUM, line, credential.kind)
                )
    return findings


def _real_key_id(value: str) -> bool:
    """A key id that is neither AWS's documentation example nor a placeholder."""
    return EXAMPLE_MARK not in value and entropy(value) >= KEY_ID_ENTROPY_FLOOR


def _pairs(credential: Credential) -> bool:
    """Whether this is the secret half of a stored credential."""
    if credential.kind in (SECRET_ACCESS_KEY, ENCRYPTED_SECRET):
        return True
    return credential.kind == SESSION_TOKEN and credential.named


class _LineNumbers:
    """Offset -> 1-based line number, from one pass over the text."""

    def __init__(self, text: str):
        self._starts = [0]
        position = text.find("\n")
        while position != -1:
            self._starts.append(position + 1)
            position = text.find("\n", position + 1)

    def of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)
