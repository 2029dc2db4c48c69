"""Each private name a patch depends on still exists in the installed library version.

The tables live in the doors themselves (``console.aws.sdk``, ``widgets.datatable_cache``,
``standin.moto_speed``); each patch is its own test case, so an upgrade that moves a
name fails with the name of the patch that depends on it. ``pyproject.toml`` bounds every
library whose privates are patched, so a plain ``pip install`` cannot pull a version these
names were never checked against. See docs/sdk-patches.md.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import tomllib

import pytest

from console.aws import sdk
from standin import moto_speed
from tests.unit.private_names import REPO, class_privates
from widgets import datatable_cache

TABLES = {
    "console.aws.sdk": sdk.PRIVATE_NAMES,
    "widgets.datatable_cache": datatable_cache.PRIVATE_NAMES,
    "standin.moto_speed": moto_speed.PRIVATE_NAMES,
}
PATCHES = [(door, patch, names) for door, table in TABLES.items() for patch, names in table.items()]
#: The libraries whose private names are patched, and the distribution that bounds each.
BOUNDED_BY = {
    "botocore": "aiobotocore",  # aiobotocore pins botocore to a narrow range
    "aiobotocore": "aiobotocore",
    "aiohttp": "aiohttp",
    "textual": "textual",
    "moto": "moto",
}


def is_there(spec: str) -> bool:
    """Whether ``module:attribute.path`` names something the installed library has; the last
    attribute of a class may be one its methods only set on ``self``."""
    module_name, _, path = spec.partition(":")
    try:
        target = importlib.import_module(module_name)
    except ImportError:
        return False
    *owners, last = path.split(".")
    for owner in owners:
        target = getattr(target, owner, None)
        if target is None:
            return False
    if hasattr(target, last):
        return True
    return isinstance(target, type) and last in class_privates(target)


@pytest.mark.parametrize(
    ("door", "patch", "names"), PATCHES, ids=[patch.split(":")[0] for _, patch, _ in PATCHES]
)
def test_every_private_name_the_patch_depends_on_is_still_there(door, patch, names):
    missing = [name for name in names if not is_there(name)]
    libraries = sorted({name.split(".")[0].split(":")[0] for name in missing})
    versions = ", ".join(f"{lib} {importlib.metadata.version(lib)}" for lib in libraries)
    assert not missing, (
        f"The patch {patch!r} ({door}) depends on {missing}, which the installed {versions} "
        "no longer has: check the patch against the new version (docs/sdk-patches.md) "
        "before moving the bound in pyproject.toml."
    )


def test_a_name_that_is_gone_is_reported_as_gone():
    assert is_there("botocore.hooks:_PrefixTrie._root")  # set on self in __init__
    assert is_there("botocore.hooks:EventAliaser.__copy__")
    assert not is_there("botocore.hooks:_PrefixTrie._no_such_trie")
    assert not is_there("botocore.hooks:_NoSuchClass._root")
    assert not is_there("botocore.no_such_module:anything")


def _requirements() -> dict[str, str]:
    """Every requirement of the workspace's three distributions (moto is the stand-in's)."""
    found = {}
    for folder in (REPO, REPO / "iampolicy", REPO / "standin"):
        project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
        for requirement in project["dependencies"] + [
            r for extra in project.get("optional-dependencies", {}).values() for r in extra
        ]:
            name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
            found.setdefault(name, requirement)
    return found


@pytest.mark.parametrize("library", sorted(BOUNDED_BY))
def test_every_patched_library_has_an_upper_bound_the_installed_version_meets(library):
    from packaging.requirements import Requirement

    requirement = Requirement(_requirements()[BOUNDED_BY[library]])
    bounds = [spec for spec in requirement.specifier if spec.operator in ("<", "<=", "==", "~=")]
    assert bounds, f"{requirement} has no upper bound; {library}'s privates are patched"
    installed = importlib.metadata.version(BOUNDED_BY[library])
    assert requirement.specifier.contains(installed), (requirement, installed)
    if library != BOUNDED_BY[library]:  # bounded through another's pin: that pin bounds it
        (pinned,) = [
            Requirement(r)
            for r in importlib.metadata.requires(BOUNDED_BY[library])
            if Requirement(r).name == library
        ]
        assert any(spec.operator in ("<", "<=", "==") for spec in pinned.specifier), pinned
        assert pinned.specifier.contains(importlib.metadata.version(library)), pinned
