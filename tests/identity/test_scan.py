"""``whoami --scan``: every format a stored key takes on a CI host is found, halves too; harmless
files (git logs full of SHAs, docs, this repository) give no "with secret" finding; and no
output ever holds a character of a secret."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from console.aws.scan import HIGH, MEDIUM, findings_in, scan
from console.credentials import ACCESS_KEY_ID, mask_key_id
from console.errors import UsageError
from tests.credentials_cases import (
    FORMATS,
    ISSUE_SHAPES,
    VALUES,
    Format,
    Values,
    issue_shape_text,
    key_id,
    secret,
)

ROOT = Path(__file__).resolve().parents[2]
KEY_MARKERS = ("@KEY@", "@B64KEY@")
SECRET_MARKERS = ("@SECRET@", "@TOKEN@", "@ENC@", "@B64SECRET@")


def _scan(*paths: Path, home: Path):
    return scan(list(paths), environ={"HOME": str(home), "JENKINS_HOME": str(home / "none")})


def _write(directory: Path, fmt: Format, template: str | None = None, values=VALUES) -> Path:
    path = directory / fmt.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        Format(fmt.name, fmt.source, "", template or fmt.template, fmt.prefix).render(values)
    )
    return path


def _key_line(fmt: Format) -> int:
    return min(fmt.line_of(m) for m in KEY_MARKERS if m in fmt.template)


def _share_a_line(fmt: Format) -> bool:
    lines = fmt.template.split("\n")
    return any(
        any(m in line for m in KEY_MARKERS) and any(m in line for m in SECRET_MARKERS)
        for line in lines
    )


def _without(template: str, markers: tuple[str, ...]) -> str:
    """The template without its lines holding any of ``markers`` (line count kept)."""
    lines = template.split("\n")
    return "\n".join("# removed" if any(m in line for m in markers) else line for line in lines)


def test_at_least_twenty_public_formats_each_cited():
    assert len(FORMATS) >= 20
    assert len({fmt.name for fmt in FORMATS}) == len(FORMATS)
    assert all(fmt.source.startswith(("http", "docs/architecture.md")) for fmt in FORMATS)


@pytest.mark.parametrize("fmt", FORMATS, ids=[fmt.name for fmt in FORMATS])
def test_every_format_is_found_with_its_secret(fmt: Format, tmp_path: Path):
    path = _write(tmp_path / "corpus", fmt)
    result = _scan(tmp_path / "corpus", home=tmp_path)
    key = VALUES.keys[fmt.prefix]
    assert [
        (f.path, f.line, f.key_id_masked, f.with_secret, f.severity) for f in result.findings
    ] == [(str(path), _key_line(fmt), mask_key_id(key), True, HIGH)]
    assert result.findings[0].secret_line is not None


APART = [f for f in FORMATS if not _share_a_line(f)]  # key id and secret on lines of their own


@pytest.mark.parametrize("fmt", APART, ids=[fmt.name for fmt in APART])
def test_a_key_id_alone_is_its_own_lower_finding(fmt: Format, tmp_path: Path):
    path = _write(tmp_path, fmt, _without(fmt.template, SECRET_MARKERS))
    findings = findings_in(path.read_text(), str(path))
    assert [(f.line, f.with_secret, f.severity) for f in findings] == [
        (_key_line(fmt), False, MEDIUM)
    ]
    assert "half a credential" in findings[0].sentence()


@pytest.mark.parametrize(
    "fmt", [f for f in APART if f.named], ids=[f.name for f in APART if f.named]
)
def test_a_named_secret_alone_is_its_own_lower_finding(fmt: Format, tmp_path: Path):
    path = _write(tmp_path, fmt, _without(fmt.template, KEY_MARKERS))
    findings = findings_in(path.read_text(), str(path))
    secret_lines = {fmt.line_of(m) for m in SECRET_MARKERS if m in fmt.template}
    assert findings and all(f.key_id_masked is None and f.severity == MEDIUM for f in findings)
    assert {f.line for f in findings} <= secret_lines
    assert findings[0].what != ACCESS_KEY_ID


def test_the_aws_files_in_home_are_named_as_such(tmp_path: Path):
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {VALUES.keys['AKIA']}\n"
        f"aws_secret_access_key = {VALUES.secret}\n"
    )
    result = _scan(home, home=home)
    assert [(f.kind, f.line) for f in result.findings] == [("credentials file", 2)]


def test_a_swapped_key_and_secret_show_no_character_of_the_secret(tmp_path: Path):
    swapped = tmp_path / "credentials"
    swapped.write_text(
        f"[default]\naws_access_key_id = {VALUES.secret}\n"
        f"aws_secret_access_key = {VALUES.keys['AKIA']}\n"
    )
    result = _scan(swapped, home=tmp_path)
    assert [(f.line, f.with_secret) for f in result.findings] == [(3, True)]
    text = json.dumps(result.to_json()) + "".join(f.sentence() for f in result.findings)
    assert _leaked(VALUES.secret, text, control="") == []
    assert mask_key_id(VALUES.secret) == "****"  # a secret where a key id belongs is not shown


def test_a_jenkins_encrypted_secret_alone_is_a_stored_secret(tmp_path: Path):
    path = tmp_path / "credentials.xml"
    path.write_text(f"<secretKey>{VALUES.encrypted}</secretKey>\n<id>alice</id>\n")
    findings = findings_in(path.read_text(), str(path))
    assert [(f.line, f.key_id_masked, f.what) for f in findings] == [
        (1, None, "secret access key (Jenkins-encrypted)")
    ]


def test_forty_hex_digits_next_to_a_key_id_are_no_secret(tmp_path: Path):
    log = tmp_path / "build.log"
    log.write_text(
        f"checkout 3f786850e387550fdab836ed7e6dc881de23001b\nkey {VALUES.keys['AKIA']}\n"
        "head 3F786850E387550FDAB836ED7E6DC881DE23001B\n"
    )
    assert [(f.with_secret, f.severity) for f in findings_in(log.read_text(), str(log))] == [
        (False, MEDIUM)
    ]


def test_aws_documentation_examples_and_placeholders_are_ignored(tmp_path: Path):
    text = (
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX\n"
        "X-Amz-Credential=AKIAEXAMPLE123456789%2F20260101\n"
    )
    assert findings_in(text, "README.md") == []


def test_a_path_that_does_not_exist_is_bad_input(tmp_path: Path):
    with pytest.raises(UsageError, match="no such file or folder"):
        _scan(tmp_path / "nowhere", home=tmp_path)
    env = {**os.environ, "HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "console", "whoami", "--scan", str(tmp_path / "nowhere")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(tmp_path / "nowhere") in result.stderr and "OK" not in result.stdout


def test_what_was_skipped_is_counted_symlinks_too(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    keys = corpus / "keys.txt"
    keys.write_text(f"alice {VALUES.keys['AKIA']} {VALUES.secret}\n")
    (corpus / "link-to-keys").symlink_to(keys)
    (corpus / "link-to-dir").symlink_to(tmp_path, target_is_directory=True)
    (corpus / "blob.bin").write_bytes(b"\0" + keys.read_bytes())
    (corpus / "huge.log").write_bytes(b"x" * (5 * 1024 * 1024 + 1))
    (corpus / "node_modules").mkdir()
    result = _scan(corpus, home=tmp_path)
    assert len(result.findings) == 1
    assert result.to_json()["skipped"] == {
        "symlink": 2,
        "binary": 1,
        "over 5 MiB": 1,
        "installed software or caches": 1,
    }


def test_a_fifo_named_on_the_command_line_is_skipped_not_waited_on(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert _scan(fifo, home=tmp_path).to_json()["skipped"] == {"not a regular file": 1}


def test_an_unreadable_file_is_counted(tmp_path: Path):
    """Root reads every file, so as root (CI) the scan runs as ``nobody`` in a forked child."""
    folder = Path(tempfile.mkdtemp(prefix="whodidthis-scan-"))
    try:
        folder.chmod(0o755)
        secret_file = folder / "locked.txt"
        secret_file.write_text("x")
        secret_file.chmod(0)
        assert _skipped_as_nobody(folder) == {"unreadable": 1}
    finally:
        shutil.rmtree(folder)


def _skipped_as_nobody(folder: Path) -> dict:
    """``scan(folder)``'s skip counts, scanned by uid 65534 when this test runs as root."""
    if os.geteuid() != 0:
        return _scan(folder, home=folder).to_json()["skipped"]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: drop to nobody, scan, report, and never return into pytest
        try:
            os.close(read)
            os.setgid(65534)
            os.setuid(65534)
            skipped = scan([folder], {"HOME": str(folder)}).to_json()["skipped"]
            os.write(write, json.dumps(skipped).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        text = answer.read()
    os.waitpid(child, 0)
    return json.loads(text)


def test_files_under_both_home_and_jenkins_home_are_listed_once(tmp_path: Path):
    home = tmp_path / "var-lib-jenkins"
    (home / "jobs").mkdir(parents=True)
    (home / "jobs" / "keys.txt").write_text(f"{VALUES.keys['AKIA']} {VALUES.secret}\n")
    os.link(home / "jobs" / "keys.txt", home / "keys-again.txt")  # one file, two names
    environ = {"HOME": str(home), "JENKINS_HOME": str(home / "jobs")}
    result = scan(None, environ=environ)
    assert len(result.findings) == 1
    assert len(scan([home, home / "jobs", home / "jobs" / "keys.txt"], environ).findings) == 1


def test_this_repository_scans_clean(tmp_path: Path):
    result = _scan(ROOT, home=tmp_path)
    assert result.files_read > 100
    assert [f.sentence() for f in result.findings] == []


def test_harmless_files_give_no_secret_finding(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    if shutil.which("git") and (ROOT / ".git").exists():
        log = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-p", "--stat", "-n", "400"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (corpus / "git-log.txt").write_text(log)
        assert log.count("\ncommit ") > 100
    for doc in (ROOT / "README.md", ROOT / "pyproject.toml", ROOT / "uv.lock"):
        shutil.copy(doc, corpus / doc.name)
    (corpus / "shas.txt").write_text(
        "".join(f"{os.urandom(20).hex()} refs/heads/b{i}\n" for i in range(2000))
    )
    # Installed AWS documentation and code, full of example keys and request signatures: the
    # AWS CLI's 5,800 example pages and moto's fake AWS.
    import awscli
    import moto

    installed = [Path(awscli.__file__).parent / "examples", Path(moto.__file__).parent]
    result = _scan(corpus, *installed, home=tmp_path)
    assert result.files_read > 5000
    assert [f.sentence() for f in result.findings if f.with_secret] == []


def test_uniformly_random_key_ids_and_secrets_are_all_found():
    rng = random.Random(2026)  # its own generator: the same values whatever ran before
    prefixes = ("AKIA", "ASIA", "ABIA", "ACCA")
    texts = [f"{key_id(p, rng)}\n" for p in prefixes for _ in range(500)]
    assert all(findings_in(text, "f") for text in texts)
    pairs = [f"id={key_id('AKIA', rng)} s={secret(rng)}" for _ in range(5000)]
    assert sum(findings_in(text, "f")[0].with_secret for text in pairs) == len(pairs)


def _four_grams(text: str) -> set[str]:
    return {text[i : i + 4] for i in range(len(text) - 3)}


def _leaked(value: str, output: str, control: str) -> list[str]:
    """The 4-character pieces of ``value`` in ``output`` that ``control`` (the same output with
    other values) does not hold by chance (a path, a word)."""
    return sorted((_four_grams(value) & _four_grams(output)) - _four_grams(control))


def _whoami_outputs(corpus: Path, home: Path) -> str:
    env = {**os.environ, "HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true"}
    env.pop("JENKINS_HOME", None)
    text = ""
    for extra in ([], ["--json"]):
        result = subprocess.run(
            [sys.executable, "-m", "console", "whoami", "--scan", str(corpus), *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 3, result.stderr
        text += result.stdout + result.stderr
    return text


def test_no_output_holds_any_piece_of_a_secret(tmp_path: Path):
    corpus, home = tmp_path / "corpus", tmp_path / "home"
    home.mkdir()
    for index, fmt in enumerate(FORMATS):
        _write(corpus / f"{index:02d}", fmt)
    (corpus / "link").symlink_to(corpus / "00")
    output = _whoami_outputs(corpus, home)
    assert output.count("with its secret") >= 2 * len(FORMATS)
    assert "skipped: 1 symlink" in output and '"skipped": {"symlink": 1}' in output
    other = Values.make()
    for index, fmt in enumerate(FORMATS):
        _write(corpus / f"{index:02d}", fmt, values=other)
    control = _whoami_outputs(corpus, home)
    for value in VALUES.secrets():
        assert _leaked(value, output, control) == []
    for key in VALUES.keys.values():
        assert key not in output and key[4:-4] not in output


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ("aws_secret_access_key=S", [(None, True)]),
        ("SecretAccessKey=S", [(None, True)]),
        ("ABIA key id", [("ABIA", False)]),
        ("ACCA key id", [("ACCA", False)]),
        ("A3T key id", [("A3TX", False)]),
        ("key id after =", [("AKIA", False)]),
        ("token after =", [(None, True)]),
        ("URL-encoded token", [("ASIA", True)]),
        ("URL-encoded secret", [(None, True)]),
    ],
)
def test_the_issue_shapes_alone_in_a_file_are_findings(shape: str, expected, tmp_path: Path):
    text = issue_shape_text(ISSUE_SHAPES[shape], VALUES) + "\n"
    findings = findings_in(text, "f")
    assert [(f.key_id_masked, f.with_secret) for f in findings] == [
        (mask_key_id(VALUES.keys[prefix]) if prefix else None, with_secret)
        for prefix, with_secret in expected
    ]


def test_an_issue_shape_secret_next_to_a_key_id_pairs_with_it():
    for shape in ("S followed by =", "S in a tag value"):
        text = f"{VALUES.keys['AKIA']}\n" + issue_shape_text(ISSUE_SHAPES[shape], VALUES)
        assert [f.with_secret for f in findings_in(text, "f")] == [True], shape
