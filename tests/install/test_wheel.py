"""A real install: the wheel, built from this tree, installed into a fresh venv without the
``sandbox`` extra, as an EC2 host would (``uv tool install`` / ``pipx install`` do the same).

The registry is reachable for the wheel's own dependencies; moto and Flask must not come.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _uv() -> str:
    """The uv the Makefile uses: on PATH, else the one it installs in .venv-tools."""
    found = shutil.which("uv") or str(ROOT / ".venv-tools" / "bin" / "uv")
    assert Path(found).exists(), "uv is needed: `make .venv/.synced` installs it"
    return found


def _run(*argv: str, extra: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "UV_SYSTEM_CERTS": "true", "UV_NATIVE_TLS": "true", **(extra or {})}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from this tree as the README says."""
    work = tmp_path_factory.mktemp("dist")
    built = _run(_uv(), "build", "--wheel", "--out-dir", str(work), str(ROOT))
    assert built.returncode == 0, built.stderr
    (found,) = work.glob("whodidthis-*.whl")
    return found


@pytest.fixture(scope="module")
def host_venv(tmp_path_factory, wheel) -> Path:
    """A fresh venv with only the plain wheel installed; returns its bin folder."""
    work = tmp_path_factory.mktemp("wheel")
    venv = work / "venv"
    made = _run(_uv(), "venv", "--python", sys.executable, str(venv))
    assert made.returncode == 0, made.stderr
    installed = _run(_uv(), "pip", "install", "--python", str(venv / "bin" / "python"), str(wheel))
    assert installed.returncode == 0, installed.stderr
    return venv / "bin"


def test_the_wheel_installs_and_answers_version_and_help(host_venv):
    version = _run(str(host_venv / "whodidthis"), "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == "whodidthis 0.1.0"
    helped = _run(str(host_venv / "whodidthis"), "whoami", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "--json" in helped.stdout


def test_the_plain_install_brings_no_moto_and_no_flask(host_venv):
    probe = _run(
        str(host_venv / "python"),
        "-c",
        "import importlib.util as u; print([n for n in ('moto', 'flask') if u.find_spec(n)])",
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "[]"
    moto = _run(str(host_venv / "python"), "-c", "import moto")
    assert moto.returncode != 0 and "No module named 'moto'" in moto.stderr


@pytest.mark.parametrize("command", ["sandbox", "demo"])
def test_the_sandbox_commands_say_which_extra_to_install(host_venv, command):
    ran = _run(str(host_venv / "whodidthis"), command)
    assert ran.returncode == 2
    assert "whodidthis[sandbox]" in ran.stderr and "Traceback" not in ran.stderr


def test_uv_tool_install_from_the_wheel_as_the_readme_says(tmp_path, wheel):
    tools, bin_dir = tmp_path / "tools", tmp_path / "bin"
    env = {"UV_TOOL_DIR": str(tools), "UV_TOOL_BIN_DIR": str(bin_dir)}
    installed = _run(_uv(), "tool", "install", "--python", sys.executable, str(wheel), extra=env)
    assert installed.returncode == 0, installed.stderr
    version = _run(str(bin_dir / "whodidthis"), "--version")
    assert version.returncode == 0 and version.stdout.startswith("whodidthis ")
    (tool_python,) = tools.glob("whodidthis/bin/python")
    probe = _run(str(tool_python), "-c", "import importlib.util as u; print(u.find_spec('moto'))")
    assert probe.stdout.strip() == "None"
