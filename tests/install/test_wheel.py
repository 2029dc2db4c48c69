"""A real install: the product's wheel and the evaluator's (``whodidthis-iampolicy``, its one
workspace dependency), built from this tree, installed into a fresh venv without the ``sandbox``
extra, as an EC2 host would (``uv tool install`` / ``pipx install`` do the same).

The registry is reachable for the wheels' own dependencies; the stand-in, moto and Flask must not
come, and the product's wheel holds no file of the stand-in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
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
def wheels(tmp_path_factory) -> dict[str, Path]:
    """The product's wheel and the evaluator's, built from this tree as the README says."""
    work = tmp_path_factory.mktemp("dist")
    built = _run(_uv(), "build", "--wheel", "--out-dir", str(work), str(ROOT))
    assert built.returncode == 0, built.stderr
    built = _run(_uv(), "build", "--wheel", "--out-dir", str(work), str(ROOT / "iampolicy"))
    assert built.returncode == 0, built.stderr
    (product,) = work.glob("whodidthis-[0-9]*.whl")
    (evaluator,) = work.glob("whodidthis_iampolicy-*.whl")
    return {"product": product, "iampolicy": evaluator}


@pytest.fixture(scope="module")
def wheel(wheels) -> Path:
    """The product's wheel."""
    return wheels["product"]


@pytest.fixture(scope="module")
def host_venv(tmp_path_factory, wheels) -> Path:
    """A fresh venv with only the plain wheels installed; returns its bin folder."""
    work = tmp_path_factory.mktemp("wheel")
    venv = work / "venv"
    made = _run(_uv(), "venv", "--python", sys.executable, str(venv))
    assert made.returncode == 0, made.stderr
    python = str(venv / "bin" / "python")
    installed = _run(_uv(), "pip", "install", "--python", python, *map(str, wheels.values()))
    assert installed.returncode == 0, installed.stderr
    return venv / "bin"


def test_the_wheel_installs_and_answers_version_and_help(host_venv):
    version = _run(str(host_venv / "whodidthis"), "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == "whodidthis 0.1.0"
    helped = _run(str(host_venv / "whodidthis"), "whoami", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "--json" in helped.stdout


def test_the_plain_install_brings_no_stand_in_no_moto_and_no_flask(host_venv):
    probe = _run(
        str(host_venv / "python"),
        "-c",
        "import importlib.util as u; "
        "print([n for n in ('standin', 'moto', 'flask') if u.find_spec(n)])",
        cwd=host_venv.parent,  # not the checkout, whose folders would import as namespaces
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "[]"
    moto = _run(str(host_venv / "python"), "-c", "import moto")
    assert moto.returncode != 0 and "No module named 'moto'" in moto.stderr
    evaluator = _run(
        str(host_venv / "python"),
        "-c",
        "import iampolicy, console.aws.trustlint; print(iampolicy.__file__)",
        cwd=host_venv.parent,
    )
    assert evaluator.returncode == 0, evaluator.stderr
    assert evaluator.stdout.startswith(str(host_venv.parent))


def test_the_product_wheel_holds_no_stand_in_and_no_evaluator(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert {"console", "widgets"} <= tops
    assert not [n for n in names if n.startswith(("standin/", "iampolicy/"))]
    assert not [n for n in names if "/sandbox/" in n or n.endswith("moto_state.py")]


@pytest.mark.parametrize("command", ["sandbox", "demo"])
def test_the_sandbox_commands_say_which_extra_to_install(host_venv, command):
    ran = _run(str(host_venv / "whodidthis"), command)
    assert ran.returncode == 2
    assert "whodidthis[sandbox]" in ran.stderr and "Traceback" not in ran.stderr


def test_uv_tool_install_from_the_wheel_as_the_readme_says(tmp_path, wheels):
    tools, bin_dir = tmp_path / "tools", tmp_path / "bin"
    env = {"UV_TOOL_DIR": str(tools), "UV_TOOL_BIN_DIR": str(bin_dir)}
    installed = _run(
        _uv(),
        "tool",
        "install",
        "--python",
        sys.executable,
        "--with",
        str(wheels["iampolicy"]),
        str(wheels["product"]),
        extra=env,
    )
    assert installed.returncode == 0, installed.stderr
    version = _run(str(bin_dir / "whodidthis"), "--version")
    assert version.returncode == 0 and version.stdout.startswith("whodidthis ")
    (tool_python,) = tools.glob("whodidthis/bin/python")
    probe = _run(str(tool_python), "-c", "import importlib.util as u; print(u.find_spec('moto'))")
    assert probe.stdout.strip() == "None"
