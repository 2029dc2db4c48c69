"""The core never imports the UI: checked by import-linter, and here by importing it."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The faces: everything else under console/ is core and must run without Textual.
UI_MODULES = {"console.app", "console.launch", "console.screens", "console.devtools"}
CORE_EXTRAS = ["console.devtools.demo_scene"]


def core_modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "console").iterdir()):
        if path.name.startswith("_") or path.name == "__pycache__":
            continue
        name = f"console.{path.stem}"
        if (path.suffix == ".py" or path.is_dir()) and name not in UI_MODULES:
            names.append(name)
    return names


def test_every_core_module_is_in_the_import_contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (core,) = [c for c in contracts if c["name"].startswith("The core never imports Textual")]
    listed = set(core["source_modules"])
    assert [m for m in core_modules() + CORE_EXTRAS if m not in listed] == []


def test_the_layers_contract_is_exhaustive_over_console():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (layers,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    assert layers["exhaustive"] is True and layers["containers"] == ["console"]
    placed = {name.strip() for layer in layers["layers"] for name in layer.split("|")}
    children = {m.removeprefix("console.") for m in core_modules()} | {
        "app",
        "launch",
        "screens",
        "devtools",
    }
    assert sorted(children - placed) == []


def test_the_trust_evaluator_loads_without_moto():
    code = "import sys, standin.policy\nassert 'moto' not in sys.modules, 'moto loaded'\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_importing_the_whole_core_loads_no_textual():
    code = (
        "import importlib, sys\n"
        f"for name in {core_modules() + CORE_EXTRAS!r}:\n"
        "    importlib.import_module(name)\n"
        "import console.steps, standin\n"
        "console.steps.registry()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'widgets')"
        " or m.startswith(('console.app', 'console.launch'))]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
